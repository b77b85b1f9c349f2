/* tp_transfer: what every service's "<service>.export" and "<service>.import" share — the ops
 * behind talksctl export, import and import-flask (docs/export-format.md). Both are for talksctl
 * only (tp_ops.h): their rows hold password hashes and email addresses.
 *
 * Design notes: a site of any size crosses the bus in messages far under TP_MSG_MAX. Export is
 * paged by id: {after} → {rows: […], more}, the rows with an id above after, in id order, as many
 * as fit in TP_TRANSFER_PAGE_BYTES (the row that passes it is the last). Import takes
 * {rows: […], check, merge} → {ids: […], added: […]}, a page talksctl cut to the same size, and
 * writes it in one transaction: all of it or none. Each row is validated by the rules the
 * service applies to what people type, and a row with a field it does not know is refused: the
 * file is outside input. With check, nothing is written (talksctl checks every page of a file
 * before it writes any); without merge, a check also refuses a service that already has rows
 * (an import goes only into an empty site) and the rows keep their ids. With merge
 * (import-flask), a row already there (by its email, or the idempotency key the row carries) is
 * skipped, and a row whose id is taken gets a new one; ids and added say which. */
#ifndef TP_TRANSFER_H
#define TP_TRANSFER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "tp_db.h"
#include "tp_svc.h"

/* The most bytes of rows one page carries (one row may pass it: rows are capped far lower). */
#define TP_TRANSFER_PAGE_BYTES (512u * 1024)
/* The latest time a row may carry (9999-12-31T23:59:59Z). */
#define TP_TRANSFER_TIME_MAX 253402300799LL

/* ---- export ---- */

/* An export request's "after" (0 or more). */
int64_t tp_export_after(const tp_call *c);
/* Steps st (its rows in id order, after bound by the caller) and writes "rows": [row(…), …] and
 * "more" into c's reply, stopping after the row that passes TP_TRANSFER_PAGE_BYTES. 0, or -1. */
int tp_export_rows(tp_db *db, sqlite3_stmt *st, tp_w *w, tp_db_row_fn row);

/* ---- import ---- */

typedef struct tp_import {
    const msgpack_object *rows; /* an array of maps */
    bool check, merge;
    int64_t *ids; /* each row's id in this site, filled by the service (tp_import_read makes it) */
    bool *added;  /* false: skipped, it was there already (merge) */
} tp_import;

/* An import request's {rows, check, merge} (checked by tp_op_inputs), with im's arrays made:
 * free them with tp_import_free. */
void tp_import_read(tp_call *c, tp_import *im);
void tp_import_free(tp_import *im);
/* TP_OK when every key of row is one of keys (a NULL-terminated list), else the failure set on
 * c, naming what (the kind of row: "user") and the row's id. */
tp_err tp_import_keys(tp_call *c, const char *what, const msgpack_object *row,
                      const char *const *keys);
/* Sets the failure for a row on c, e.g. "user 3: Enter a valid email address.", and returns e. */
tp_err tp_import_refuse(tp_call *c, tp_err e, const char *what, const msgpack_object *row,
                        const char *why);
/* Steps an INSERT … RETURNING id of an imported row and resets it: 0 with *id, 1 when its id
 * or another unique field is taken (TP_IMPORT_TAKEN says so), -1 on any other error (logged). */
#define TP_IMPORT_TAKEN "it conflicts with one already there (its id or a unique field)"
int tp_import_insert(tp_db *db, sqlite3_stmt *st, int64_t *id);
/* A store's answer for an imported row (0 added or skipped, 1 taken, -1 database error) as the
 * op's: TP_OK, or the failure set on c. */
tp_err tp_import_stored(tp_call *c, int rc, const char *what, const msgpack_object *row);
/* Writes "ids" and "added" into c's reply. */
void tp_import_reply(tp_call *c, const tp_import *im);
/* The refusal when a check without merge finds the service not empty (n > 0 rows), else TP_OK
 * (n < 0: a database error). */
tp_err tp_import_require_empty(tp_call *c, const tp_import *im, int64_t n, const char *what);

/* An import op on the worker's own connection (every service but svc-comments, whose writes go
 * through its writer): reads the request, refuses a check of a service that is not empty, runs
 * add for each row in one transaction — rolled back after a check or the first refusal,
 * committed otherwise — and replies with the ids. A check so runs every statement a write
 * would, and finds a conflict within its page too. add validates row i, writes it, and fills
 * im->ids[i] and im->added[i]; it returns TP_OK or the failure it set on c. */
typedef struct tp_import_table {
    const char *plural;          /* "users", for the message that the site is not empty */
    int64_t (*count)(tp_db *db); /* rows the service has (-1: database error) */
    tp_err (*add)(tp_call *c, tp_import *im, uint32_t i);
} tp_import_table;
tp_err tp_import_op(tp_call *c, const tp_import_table *t);

#endif
