/* tp_transfer: the paging and checks every service's export and import ops share (see
 * tp_transfer.h). */
#include "tp_transfer.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The four exports share one input list (TP_EXPORT_IN) and the four imports another
 * (TP_IMPORT_IN), so every service's request reads through auth's struct: structs in a union
 * with the same members in the same order may be read through either (C17 6.5.2.3). */
int64_t tp_export_after(const tp_call *c)
{
    return TP_IN(c, AUTH_EXPORT)->after;
}

int tp_export_rows(tp_db *db, sqlite3_stmt *st, tp_w *w, tp_db_row_fn row)
{
    size_t start = w->buf.len;
    bool more = false;
    int rc;
    tp_w_key(w, "rows");
    tp_w_array_begin(w);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (w->buf.len - start > TP_TRANSFER_PAGE_BYTES) {
            more = true;
            break;
        }
        row(st, w);
    }
    tp_w_array_end(w);
    sqlite3_reset(st);
    tp_w_kbool(w, "more", more);
    return rc == SQLITE_DONE || more ? 0 : tp_db_error(db);
}

void tp_import_read(tp_call *c, tp_import *im)
{
    const struct tp_in_TP_OP_AUTH_IMPORT *in = TP_IN(c, AUTH_IMPORT);
    uint32_t n = in->rows->via.array.size;
    *im = (tp_import){.rows = in->rows, .check = in->check, .merge = in->merge};
    im->ids = tp_xcalloc(n + 1, sizeof *im->ids);
    im->added = tp_xcalloc(n + 1, sizeof *im->added);
}

void tp_import_free(tp_import *im)
{
    free(im->ids);
    free(im->added);
    im->ids = NULL;
    im->added = NULL;
}

tp_err tp_import_keys(tp_call *c, const char *what, const msgpack_object *row,
                      const char *const *keys)
{
    for (uint32_t k = 0; k < row->via.map.size; k++) {
        const msgpack_object *key = &row->via.map.ptr[k].key;
        bool known = false;
        for (const char *const *name = keys; *name && !known; name++)
            known = tp_obj_is_str(key, *name);
        if (!known)
            return tp_import_refuse(c, TP_EINVAL, what, row, "a field this version does not know");
    }
    return TP_OK;
}

tp_err tp_import_refuse(tp_call *c, tp_err e, const char *what, const msgpack_object *row,
                        const char *why)
{
    int64_t id = 0;
    if (tp_get_int(row, "id", 1, INT64_MAX, &id) == 0)
        return tp_fail(c, e, "%s %" PRId64 ": %s", what, id, why);
    return tp_fail(c, e, "a %s without an id: %s", what, why);
}

int tp_import_insert(tp_db *db, sqlite3_stmt *st, int64_t *id)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    /* Read before the reset, which clears it. */
    int code = sqlite3_extended_errcode(tp_db_handle(db));
    bool taken = code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE;
    if (rc != SQLITE_ROW && !taken) tp_db_error(db);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : taken ? 1 : -1;
}

tp_err tp_import_stored(tp_call *c, int rc, const char *what, const msgpack_object *row)
{
    if (rc == 0) return TP_OK;
    if (rc > 0) return tp_import_refuse(c, TP_ECONFLICT, what, row, TP_IMPORT_TAKEN);
    return tp_fail(c, TP_EINTERNAL, "database error");
}

void tp_import_reply(tp_call *c, const tp_import *im)
{
    uint32_t n = im->rows->via.array.size;
    tp_w_key(c->out, "ids");
    tp_w_array_begin(c->out);
    for (uint32_t i = 0; i < n; i++) tp_w_int(c->out, im->ids[i]);
    tp_w_array_end(c->out);
    tp_w_key(c->out, "added");
    tp_w_array_begin(c->out);
    for (uint32_t i = 0; i < n; i++) tp_w_bool(c->out, im->added[i]);
    tp_w_array_end(c->out);
}

tp_err tp_import_require_empty(tp_call *c, const tp_import *im, int64_t n, const char *what)
{
    if (!im->check || im->merge) return TP_OK;
    if (n < 0) return tp_fail(c, TP_EINTERNAL, "database error");
    if (n > 0)
        return tp_fail(c, TP_ECONFLICT, "this site already has %s: import only into an empty site",
                       what);
    return TP_OK;
}

tp_err tp_import_op(tp_call *c, const tp_import_table *t)
{
    tp_import im;
    tp_err e = TP_OK;
    tp_import_read(c, &im);
    if (im.check && !im.merge) e = tp_import_require_empty(c, &im, t->count(c->db), t->plural);
    if (e == TP_OK && tp_db_begin(c->db)) e = tp_fail(c, TP_EINTERNAL, "database error");
    if (e == TP_OK) {
        for (uint32_t i = 0; i < im.rows->via.array.size && e == TP_OK; i++) e = t->add(c, &im, i);
        if (e != TP_OK || im.check)
            tp_db_rollback(c->db);
        else if (tp_db_commit(c->db))
            e = tp_fail(c, TP_EINTERNAL, "database error");
    }
    if (e == TP_OK) tp_import_reply(c, &im);
    tp_import_free(&im);
    return e;
}
