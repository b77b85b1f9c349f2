/* transfer: what talksctl export, import and import-flask share — the site's four tables, each
 * owned by one service, and the paged calls of their "<service>.export" and "<service>.import"
 * (proto/tp_transfer.h; the file's format is docs/export-format.md). */
#ifndef TRANSFER_H
#define TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_config.h"
#include "tp_msg.h"
#include "tp_ops.h"

/* The version of the export format this talksctl writes and reads. */
#define TRANSFER_FORMAT  "talks-export"
#define TRANSFER_VERSION 1

/* In the order a site is imported: a row refers only to rows of the tables before it. */
enum transfer_table_id {
    TRANSFER_USERS,
    TRANSFER_TALKS,
    TRANSFER_COMMENTS,
    TRANSFER_SUBSCRIPTIONS,
    TRANSFER_TABLES
};

typedef struct transfer_table {
    const char *name; /* its key in the file: "users" */
    const char *row;  /* one of its rows, in messages: "user" */
    const char *svc;  /* the service that owns it: "auth" */
    enum tp_op_id export_op, import_op;
} transfer_table;

extern const transfer_table transfer_tables[TRANSFER_TABLES];

/* Reads the whole table from its service, page by page, calling each(row, arg) for every row in
 * id order (each returns 0, or -1 to stop). 0, or -1 after one line on stderr. */
int transfer_export(const transfer_table *t, int (*each)(const msgpack_object *row, void *arg),
                    void *arg);

/* Sends rows (an array of maps) to the table's import op in pages under TP_TRANSFER_PAGE_BYTES,
 * with check and merge as tp_transfer.h says. ids and added (one per row), when not NULL, get
 * each row's id in this site and whether it was added. 0, or -1 with the service's message (or
 * why it could not be reached) in why. */
int transfer_import(const transfer_table *t, const msgpack_object *rows, bool check, bool merge,
                    int64_t *ids, bool *added, char *why, size_t whylen);

#endif
