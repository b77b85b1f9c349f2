/* ops: svc-talks' operations — list (paged), get, create, update, delete, search. The gateway says
 * who is asking (author_id / user_id, is_admin); this service decides what they may change. */
#include "ops.h"

#include <stdio.h>

#include "gone.h"
#include "oembed.h"
#include "search.h"
#include "search_store.h"
#include "store.h"
#include "tp_backup.h"
#include "transfer.h"

#define PER_PAGE_MAX 100
/* Under the gateway's bus deadline (TALKS_BUS_TIMEOUT_MS, 1.5 s), so a slow svc-comments costs
 * the speaker a delay, not an error page for a deletion that was made. */
#define GONE_TELL_TIMEOUT 800

static tp_err db_failed(tp_call *c)
{
    return tp_fail(c, TP_EINTERNAL, "database error");
}

/* {page, per_page, author_id?} → {talks, page, pages, total}. A page past the end (or before
 * the start) is clamped to the last (or first) page, never an error. */
static tp_err op_list(tp_call *c)
{
    int64_t page = TP_IN(c, TALKS_LIST)->page, per_page = TP_IN(c, TALKS_LIST)->per_page;
    int64_t author_id = TP_IN(c, TALKS_LIST)->author_id;
    /* The count, the page and the state from one snapshot: the gateway remembers the page as of
     * that state (gateway/talks_cache.h). */
    if (tp_db_read_begin(c->db)) return db_failed(c);
    int64_t total = store_talk_count(c->db, author_id), state = -1;
    int64_t pages = total > 0 ? (total + per_page - 1) / per_page : 1;
    if (page < 1) page = 1;
    if (page > pages) page = pages;
    int rc = total < 0 ||
             store_talk_list(c->db, author_id, (page - 1) * per_page, per_page, c->out, "talks");
    if (rc == 0) state = store_talks_state(c->db);
    tp_db_read_end(c->db);
    if (rc || state < 0) return db_failed(c);
    tp_w_kint(c->out, "page", page);
    tp_w_kint(c->out, "pages", pages);
    tp_w_kint(c->out, "total", total);
    tp_w_kint(c->out, "author_id", author_id);
    tp_w_kint(c->out, "per_page", per_page);
    tp_w_kint(c->out, "state", state);
    return TP_OK;
}

static tp_err op_get(tp_call *c)
{
    int found = store_talk_get(c->db, TP_IN(c, TALKS_GET)->id, c->out);
    if (found < 0) return db_failed(c);
    return found ? TP_OK : tp_fail(c, TP_ENOTFOUND, "No such talk.");
}

/* What the gateway's talks cache follows (gateway/talks_cache.h). */
static tp_err op_state(tp_call *c)
{
    int64_t state = store_talks_state(c->db);
    if (state < 0) return db_failed(c);
    c->routine = true; /* every half second: only at debug */
    tp_w_kint(c->out, "state", state);
    return TP_OK;
}

/* Reads the fields; on a wrong one answers invalid with {"fields": {…}}. A deck page pasted as
 * slides or video is looked up here, once per save (oembed.h). */
static tp_err read_input(tp_call *c, talk_input *in)
{
    talk_errors errors;
    if (talk_input_read(c->msg, in, &errors)) return tp_fail(c, TP_EBADMSG, "talk fields missing");
    if (!talk_errors_any(&errors)) {
        char rid[STORE_RID_MAX + 1];
        snprintf(rid, sizeof rid, "%.*s", (int)c->rid.n, c->rid.p);
        oembed_resolve(in, rid);
        return TP_OK;
    }
    talk_errors_write(&errors, c->out);
    return tp_fail(c, TP_EINVAL, "Please correct the errors below.");
}

/* Made once per idempotency key: `key` when the request has one (the gateway's: a client may
 * choose its request id, so two requests can share that), else the request id (talksctl seed's
 * are deterministic, so seeding twice adds nothing). */
static tp_err op_create(tp_call *c)
{
    const struct tp_in_TP_OP_TALKS_CREATE *req = TP_IN(c, TALKS_CREATE);
    int64_t id;
    talk_input in;
    tp_err e = read_input(c, &in);
    if (e != TP_OK) return e;
    if (store_talk_create(c->db, req->author_id, &in, req->key.n ? req->key : c->rid, &id))
        return db_failed(c);
    tp_w_kint(c->out, "id", id);
    return TP_OK;
}

static tp_err op_update(tp_call *c)
{
    int64_t id = TP_IN(c, TALKS_UPDATE)->id, user_id = TP_IN(c, TALKS_UPDATE)->user_id, author_id;
    bool is_admin = TP_IN(c, TALKS_UPDATE)->is_admin;
    talk_input in;
    int found = store_talk_author(c->db, id, &author_id);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such talk.");
    if (author_id != user_id && !is_admin)
        return tp_fail(c, TP_EFORBIDDEN,
                       "Only the talk's speaker or an administrator can edit it.");
    tp_err e = read_input(c, &in);
    if (e != TP_OK) return e;
    if (store_talk_update(c->db, id, &in)) return db_failed(c);
    tp_w_kint(c->out, "id", id);
    return TP_OK;
}

/* The speaker or an admin deletes a talk → {id, author_id}. Its comments follow (gone.h): told
 * now, within the gateway's deadline, or by the background loop if svc-comments cannot hear it
 * yet; the deletion stands either way. */
static tp_err op_delete(tp_call *c)
{
    const struct tp_in_TP_OP_TALKS_DELETE *req = TP_IN(c, TALKS_DELETE);
    int64_t author_id;
    int found = store_talk_author(c->db, req->id, &author_id);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such talk.");
    if (author_id != req->user_id && !req->is_admin)
        return tp_fail(c, TP_EFORBIDDEN,
                       "Only the talk's speaker or an administrator can delete it.");
    found = store_talk_delete(c->db, req->id, c->rid);
    if (found < 0) return db_failed(c);
    if (!found) return tp_fail(c, TP_ENOTFOUND, "No such talk."); /* deleted meanwhile */
    char rid[STORE_RID_MAX + 1];
    snprintf(rid, sizeof rid, "%.*s", (int)c->rid.n, c->rid.p);
    gone_tell(c->db, req->id, rid, GONE_TELL_TIMEOUT, TP_WARN);
    tp_w_kint(c->out, "id", req->id);
    tp_w_kint(c->out, "author_id", author_id);
    return TP_OK;
}

/* {ids: [..]} → {talks: {"<id>": {id, title}}}: the talks a page of comments is on. */
static tp_err op_titles(tp_call *c)
{
    return store_talk_titles(c->db, TP_IN(c, TALKS_TITLES)->ids.o, c->out, "talks") ? db_failed(c)
                                                                                    : TP_OK;
}

/* {q, page, per_page} → {talks, page, pages, total, total_exact, ranked}: the talks that match
 * every word of q, each with its "excerpt" (store.h), best first, or newest first (ranked false)
 * when too many match to rank them (search.h); total_exact false when more than total match, which
 * is as far as it counts and the pages go. Whatever q holds is a search (search.h): words, or
 * nothing to look for, which is no talk; a page past the end is the last. */
static tp_err op_search(tp_call *c)
{
    int64_t page, per_page;
    tp_str q;
    if (tp_get_str(c->msg, "q", 65536, &q) ||
        tp_opt_int(c->msg, "page", INT64_MIN, INT64_MAX, 1, &page) ||
        tp_get_int(c->msg, "per_page", 1, PER_PAGE_MAX, &per_page))
        return tp_fail(c, TP_EBADMSG, "q is text, page and per_page (1-100) are numbers");
    tp_buf match = TP_BUF_INIT;
    int64_t limit = search_count_limit();
    int64_t total = search_query(q, &match) ? store_search_count(c->db, match.data, limit) : 0;
    bool ranked = search_ranked(total), total_exact = total < limit;
    if (!total_exact) total = limit - 1;
    int64_t pages = total > 0 ? (total + per_page - 1) / per_page : 1;
    if (page < 1) page = 1;
    if (page > pages) page = pages;
    int64_t offset = (page - 1) * per_page,
            shown = total - offset < per_page ? total - offset : per_page;
    int rc = total < 0 ? -1
             : total   ? store_search(c->db, match.data, ranked, offset, shown, c->out, "talks")
                       : 0;
    tp_buf_free(&match);
    if (rc) return db_failed(c);
    if (!total) {
        tp_w_key(c->out, "talks");
        tp_w_array_begin(c->out);
        tp_w_array_end(c->out);
    }
    tp_w_kint(c->out, "page", page);
    tp_w_kint(c->out, "pages", pages);
    tp_w_kint(c->out, "total", total);
    tp_w_kbool(c->out, "total_exact", total_exact);
    tp_w_kbool(c->out, "ranked", ranked);
    return TP_OK;
}

/* The handlers by op, one a line. */
/* clang-format off */
const tp_op_fn talks_ops[TP_OP_COUNT] = {
    [TP_OP_TALKS_TITLES] = op_titles,
    [TP_OP_TALKS_LIST] = op_list,
    [TP_OP_TALKS_GET] = op_get,
    [TP_OP_TALKS_STATE] = op_state,
    [TP_OP_TALKS_CREATE] = op_create,
    [TP_OP_TALKS_UPDATE] = op_update,
    [TP_OP_TALKS_SEARCH] = op_search,
    [TP_OP_TALKS_DELETE] = op_delete,
    [TP_OP_TALKS_EXPORT] = transfer_export,
    [TP_OP_TALKS_IMPORT] = transfer_import,
    [TP_OP_TALKS_BACKUP] = tp_backup_op,
};
/* clang-format on */
