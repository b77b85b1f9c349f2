/* talk_fetch: talks then authors (see talk_fetch.h). */
#include "talk_fetch.h"

#include <string.h>

#include "gw_call.h"
#include "render.h"
#include "reply.h"
#include "talk_view.h"
#include "tp_fmt.h"
#include "tp_svc.h"

typedef struct fetch {
    const msgpack_object *talks_reply;
    talk_extras extras;
    const msgpack_object *author; /* a speaker's list: every talk's author, or NULL */
    int waiting;                  /* the list's replies still to come (authors, counts) */
    talk_list_fn list_done;
    talk_one_fn one_done;
} fetch;

static fetch *new_fetch(gw_ctx *ctx)
{
    fetch *f = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *f);
    memset(f, 0, sizeof *f);
    ctx->page_state = f;
    return f;
}

/* Answers the request when r is not ok: the 404 page for an unknown talk or speaker. */
static bool failed(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) return false;
    if (r->err == TP_ENOTFOUND)
        render_not_found(ctx);
    else
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
    return true;
}

/* Authors are a nicety: when svc-auth cannot say who they are, the talks show without them. */
static const msgpack_object *users_of(const gw_reply *r)
{
    return r->err == TP_OK ? tp_map_get(r->map, "users") : NULL;
}

/* The users map talk_view looks authors up in, {"<id>": user}, for a list of one speaker's
 * talks: made in the request's pool around the speaker already read (ctx->subject), instead of
 * asking svc-auth for the same account again. */
static const msgpack_object *one_author(gw_ctx *ctx, const msgpack_object *user)
{
    int64_t id = 0;
    tp_get_int(user, "id", 1, INT64_MAX, &id);
    msgpack_object *dict = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *dict);
    msgpack_object_kv *kv = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *kv);
    char *key = h2o_mem_alloc_pool(&ctx->req->pool, TP_FMT_INT_SIZE);
    size_t n = tp_fmt_i64(key, id);
    kv->key = (msgpack_object){.type = MSGPACK_OBJECT_STR, .via.str = {(uint32_t)n, key}};
    kv->val = *user;
    *dict = (msgpack_object){.type = MSGPACK_OBJECT_MAP, .via.map = {1, kv}};
    return dict;
}

static void list_extra_done(gw_ctx *ctx)
{
    fetch *f = ctx->page_state;
    if (--f->waiting == 0) f->list_done(ctx, f->talks_reply, &f->extras);
}

/* Comment counts are a nicety too: without svc-comments the lists show none. */
static void on_list_counts(gw_ctx *ctx, const gw_reply *r)
{
    fetch *f = ctx->page_state;
    f->extras.counts = r->err == TP_OK ? tp_map_get(r->map, "counts") : NULL;
    list_extra_done(ctx);
}

static void on_list_authors(gw_ctx *ctx, const gw_reply *r)
{
    fetch *f = ctx->page_state;
    f->extras.users = users_of(r);
    list_extra_done(ctx);
}

/* The authors and the comment counts of a page of talks, asked together: each needs only the
 * list. A speaker's list has one author, known already (the page's subject). */
static void on_list(gw_ctx *ctx, const gw_reply *r)
{
    fetch *f = ctx->page_state;
    if (failed(ctx, r)) return;
    f->talks_reply = r->map;
    const msgpack_object *talks = tp_map_get(r->map, "talks");
    int64_t ids[TP_PER_PAGE_MAX];
    f->waiting = 2;
    if (f->author) {
        f->extras.users = one_author(ctx, f->author);
        f->waiting--;
    } else {
        size_t n = reply_ids(talks, "author_id", ids, 0, TP_PER_PAGE_MAX);
        gw_call_try_batched(ctx, AUTH_USERS_GET, on_list_authors, .ids = {.v = ids, .n = n});
    }
    size_t n = reply_ids(talks, "id", ids, 0, TP_PER_PAGE_MAX);
    gw_call_try_batched(ctx, COMMENTS_APPROVED_COUNTS, on_list_counts,
                        .talk_ids = {.v = ids, .n = n});
}

void talk_fetch_list(gw_ctx *ctx, int64_t author_id, int64_t page, int per_page, talk_list_fn done)
{
    fetch *f = new_fetch(ctx);
    f->list_done = done;
    gw_call(ctx, TALKS_LIST, on_list, .page = page, .per_page = per_page, .author_id = author_id);
}

void talk_fetch_search(gw_ctx *ctx, tp_str q, int64_t page, int per_page, talk_list_fn done)
{
    fetch *f = new_fetch(ctx);
    f->list_done = done;
    gw_call(ctx, TALKS_SEARCH, on_list, .q = q, .page = page, .per_page = per_page);
}

typedef struct user_list {
    int64_t page;
    int per_page;
    talk_list_fn done;
} user_list;

static void on_user(gw_ctx *ctx, const gw_reply *r)
{
    user_list *u = ctx->page_state;
    int64_t id = 0;
    if (failed(ctx, r)) return;
    ctx->subject = tp_map_get(r->map, "user");
    tp_get_int(ctx->subject, "id", 1, INT64_MAX, &id);
    talk_fetch_list(ctx, id, u->page, u->per_page, u->done);
    ((fetch *)ctx->page_state)->author = ctx->subject;
}

void talk_fetch_user_list(gw_ctx *ctx, int64_t page, int per_page, talk_list_fn done)
{
    user_list *u = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *u);
    *u = (user_list){page, per_page, done};
    ctx->page_state = u;
    gw_call_batched(ctx, AUTH_USER_GET, on_user, .username = ctx->param);
}

static void on_one_author(gw_ctx *ctx, const gw_reply *r)
{
    fetch *f = ctx->page_state;
    const msgpack_object *talk = tp_map_get(f->talks_reply, "talk");
    f->one_done(ctx, talk, talk_view_author(users_of(r), talk));
}

static void on_one(gw_ctx *ctx, const gw_reply *r)
{
    fetch *f = ctx->page_state;
    if (failed(ctx, r)) return;
    f->talks_reply = r->map;
    int64_t author = 0;
    tp_get_int(tp_map_get(r->map, "talk"), "author_id", 1, INT64_MAX, &author);
    gw_call_try(ctx, AUTH_USERS_GET, on_one_author, .ids = {.v = &author, .n = author > 0});
}

int64_t talk_fetch_param_id(const gw_ctx *ctx)
{
    int64_t id = 0;
    if (ctx->param.n == 0 || ctx->param.n > 15) return 0; /* up to 10^15 talks, no overflow */
    for (size_t i = 0; i < ctx->param.n; i++) {
        char c = ctx->param.p[i];
        if (c < '0' || c > '9') return 0;
        id = id * 10 + (c - '0');
    }
    return id;
}

void talk_fetch_one(gw_ctx *ctx, talk_one_fn done)
{
    int64_t id = talk_fetch_param_id(ctx);
    if (id <= 0) {
        render_not_found(ctx);
        return;
    }
    fetch *f = new_fetch(ctx);
    f->one_done = done;
    gw_call(ctx, TALKS_GET, on_one, .id = id);
}
