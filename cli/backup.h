/* backup: what `talksctl backup` and `talksctl restore` share (cli/backup.c, cli/restore.c): the
 * services whose databases a backup holds, the names of a backup's folders, and the rotation
 * that keeps the newest N of them — kept apart so that unit tests can drive them.
 *
 * A backup is a folder DIR/<YYYYMMDDTHHMMSSZ>/ (the UTC time it was started) holding one file
 * per database, named as in the data folder (auth.db, …), and manifest.json:
 *   {"format": 1, "created": "<ISO 8601 UTC>", "talks_version": "<git describe>" (when known),
 *    "databases": [{"file": "mail.db", "service": "mail", "size": N, "sha256": "<hex>",
 *                   "schema_version": N, "time": "<ISO 8601 UTC>"}, …]}
 * It is made as DIR/<timestamp>.partial and renamed only once every copy and the manifest are on
 * disk, so a folder named as a timestamp is always a whole backup. */
#ifndef BACKUP_H
#define BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "tp_config.h"
#include "tp_ops.h"

typedef struct backup_service {
    const char *name; /* the role's name: "auth" */
    enum tp_role role;
    enum tp_setting ctl;  /* its control address */
    const char *file;     /* its database, in the data folder and in a backup: "auth.db" */
    enum tp_op_id backup; /* its "<service>.backup" */
} backup_service;

/* In the order they are copied: svc-mail's cursor points into svc-comments' outbox, and comments
 * name talks and users, so each file is copied before the files it refers to: a set restored
 * together never refers to something missing (it may hold a talk or a user no comment names
 * yet). */
#define BACKUP_SERVICES 4
extern const backup_service backup_services[BACKUP_SERVICES];

/* The service named name (n bytes), or NULL. */
const backup_service *backup_service_named(const char *name, size_t n);

/* "20250102T030405Z": the name of a finished backup's folder. */
#define BACKUP_STAMP_LEN 16
bool backup_is_stamp(const char *name);

/* Keeps the newest keep (>= 1) backup folders in dir, those named as stamps, and the folder named
 * also (the one just made, even if a clock set back makes it look older); removes the others,
 * and the files in them (each renamed <stamp>.removing first). Anything else in dir is left alone.
 * 0 with how many it removed in *removed, or -1 with why in err (a folder holding a folder of its
 * own stays, as <stamp>.removing). */
int backup_rotate(const char *dir, int keep, const char *also, int *removed, char *err,
                  size_t errlen);

#endif
