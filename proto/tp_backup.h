/* tp_backup: a service's copy of its own database, for `talksctl backup` (SPEC section 3): the
 * one handler every service's "<service>.backup" op points at (tp_ops.h), the rule for where it
 * may write, and what talksctl and the services read from a copy (size, SHA-256, schema version).
 *
 * Design notes: only a service opens its database file, so the copy is made by the service
 * itself, on the worker that took the request, with tp_db_backup (a snapshot of one commit, made
 * while the other workers and the writer go on). talksctl names the file; the service writes
 *   - only at an absolute path without empty, "." or ".." components,
 *   - only a file named as its own database ("auth.db"), in a folder that exists,
 *   - only a new file: never over anything, not even its own database,
 * and the copy goes to a temporary name beside it (<path>.<random>.tmp, created O_EXCL) that
 * becomes <path> only once it is complete and fsynced, and never replaces a file that appeared
 * meanwhile: a failed copy leaves no half file. The op comes only from the control socket, which
 * only the stack's own Unix user reaches; the service writes as its own user, so the folder must
 * be writable by that user (in a container: a folder mounted there, owned by its uid). */
#ifndef TP_BACKUP_H
#define TP_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#include "tp_svc.h"

/* What a copy is: its size in bytes, its SHA-256 (lowercase hex) and the schema version of the
 * database in it (PRAGMA user_version, read from the file's header). */
typedef struct tp_backup_file {
    int64_t size;
    int64_t schema_version;
    char sha256[65];
} tp_backup_file;

/* Reads the SQLite file at path (a regular file; a symbolic link is refused): 0, or -1 with why
 * in err (unreadable, not a SQLite file). */
int tp_backup_file_read(const char *path, tp_backup_file *f, char *err, size_t errlen);

/* 0 when a service whose database is named file (e.g. "auth.db") may write its copy at path
 * (the rules above), or -1 with why in err. */
int tp_backup_path_check(const char *path, const char *file, char *err, size_t errlen);

/* Renames from to to, but never over an existing to (a file or a folder): renameat2's
 * RENAME_NOREPLACE, or link + unlink on a file system without it. 0, or -1 with errno set
 * (EEXIST when to exists). */
int tp_backup_rename_new(const char *from, const char *to);

/* fsyncs the folder dir, so that the names made or removed in it are on disk. 0 or -1 (errno). */
int tp_backup_sync_dir(const char *dir);

/* Every service's "<service>.backup": {"path": "/abs/folder/<db file>"} copies the service's
 * database there and answers {"file", "size", "sha256", "schema_version"}. A path that breaks the
 * rules is "invalid"; a copy that fails is "internal" (and leaves nothing behind). */
tp_err tp_backup_op(tp_call *c);

#endif
