/* transfer: comments out and in (see transfer.h). An imported comment passes the checks of a
 * new one (comment_input_read; a registered author's name too, which the gateway vouches for on
 * the web), and its Markdown is rendered again here: a file never brings HTML. The rows are
 * checked and rendered on the worker, then written as one job of the writer (the one way
 * comments.db is written), without outbox events: nobody is mailed about history.
 * import-flask's rows carry a key ("flask-comment-<id>") kept like a creation's, so a second
 * run adds nothing. */
#include "transfer.h"

#include <stdlib.h>

#include "markdown.h"
#include "store.h"
#include "tp_transfer.h"

static const char *const comment_keys[] = {
    "id",     "talk_id",  "talk_author_id", "author_id",  "author_name", "author_email",
    "notify", "approved", "body",           "created_at", "key",         NULL};

tp_err transfer_export(tp_call *c)
{
    return store_comments_export(c->db, tp_export_after(c), c->out)
               ? tp_fail(c, TP_EINTERNAL, "database error")
               : TP_OK;
}

/* Reads, checks and renders row; TP_OK fills r (free its html). */
static tp_err read_row(tp_call *c, const msgpack_object *row, comment_row *r)
{
    comment_errors errors;
    char name_message[TP_TEXT_MESSAGE_MAX];
    tp_err e = tp_import_keys(c, "comment", row, comment_keys);
    if (e != TP_OK) return e;
    if (tp_get_int(row, "id", 1, INT64_MAX, &r->id) ||
        tp_get_int(row, "created_at", 0, TP_TRANSFER_TIME_MAX, &r->created_at) ||
        tp_get_bool(row, "approved", &r->approved) || tp_opt_str(row, "key", 64, &r->key) ||
        comment_input_read(row, &r->in, &errors))
        return tp_import_refuse(c, TP_EINVAL, "comment", row,
                                "a field is missing, of the wrong type or out of range");
    const char *why = errors.name ? errors.name : errors.email ? errors.email : errors.body;
    if (!why)
        why = tp_text_check(r->in.author_name, COMMENT_NAME_MAX_CHARS, "Name", TP_TEXT_REQUIRED,
                            name_message);
    if (!why && markdown_render(r->in.body.p, r->in.body.n, &r->html) != 0)
        why = "This comment is too long.";
    return why ? tp_import_refuse(c, TP_EINVAL, "comment", row, why) : TP_OK;
}

/* The write, run by the writer: every row, or none (the writer rolls a failed job back). */
typedef struct import_job {
    tp_import im;
    comment_row *rows; /* rendered, n of them */
    tp_err err;
    const msgpack_object *failed; /* the row refused, for the message */
} import_job;

static int import_rows(tp_db *db, void *arg)
{
    import_job *j = arg;
    for (uint32_t i = 0; i < j->im.rows->via.array.size; i++) {
        int rc = store_comment_import(db, &j->rows[i], j->im.merge, &j->im.ids[i], &j->im.added[i]);
        if (rc != 0) {
            j->err = rc > 0 ? TP_ECONFLICT : TP_EINTERNAL;
            j->failed = &j->im.rows->via.array.ptr[i];
            return -1;
        }
    }
    return 0;
}

static void free_rows(import_job *j)
{
    for (uint32_t i = 0; i < j->im.rows->via.array.size; i++) tp_buf_free(&j->rows[i].html);
    free(j->rows);
    tp_import_free(&j->im);
}

/* After the batch, on the writer's thread. */
static tp_err import_reply(tp_call *c, void *arg, int rc)
{
    import_job *j = arg;
    tp_err e = TP_OK;
    if (rc == 0)
        tp_import_reply(c, &j->im);
    else /* a database error also when the batch did not commit */
        e = tp_import_stored(c, j->err == TP_ECONFLICT ? 1 : -1, "comment", j->failed);
    free_rows(j);
    return e;
}

static const tp_deferred import_deferred = {import_rows, NULL, import_reply};
_Static_assert(sizeof(import_job) <= TP_JOB_MAX, "import_job is copied into the request");

tp_err transfer_import(tp_call *c)
{
    import_job j = {.err = TP_OK};
    tp_import_read(c, &j.im);
    uint32_t n = j.im.rows->via.array.size;
    j.rows = tp_xcalloc(n + 1, sizeof *j.rows);
    tp_err e = TP_OK;
    if (j.im.check && !j.im.merge)
        e = tp_import_require_empty(c, &j.im, store_comments_count(c->db), "comments");
    for (uint32_t i = 0; i < n && e == TP_OK; i++)
        e = read_row(c, &j.im.rows->via.array.ptr[i], &j.rows[i]);
    /* A check writes nothing: the site is empty (or, with merge, a taken id is replaced). */
    if (e != TP_OK || j.im.check) {
        if (e == TP_OK) tp_import_reply(c, &j.im);
        free_rows(&j);
        return e;
    }
    return tp_call_defer(c, &import_deferred, &j, sizeof j);
}
