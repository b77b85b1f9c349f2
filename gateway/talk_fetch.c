/* talk_fetch: talks then authors (see talk_fetch.h). */
#include "talk_fetch.h"

#include <string.h>

#include "gw_call.h"
#include "render.h"
#include "reply_read.h"
#include "talk_view.h"
#include "tp_svc.h"

typedef struct fetch {
    const msgpack_object *talks_reply;
    talk_extras extras;
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

/* Answers the request when reply is not an ok reply of shape from service. */
static bool failed(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                   const reply_shape *shape)
{
    if (gw_reply_ok(reply)) return !reply_read_or_503(ctx, service, reply, shape);
    if (tp_str_eq(gw_reply_err(reply), "not_found"))
        render_not_found(ctx);
    else
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
    return true;
}

/* Authors are a nicety: when svc-auth cannot say who they are, the talks show without them. */
static const msgpack_object *users_of(gw_ctx *ctx, const msgpack_object *reply)
{
    return tp_map_get(reply_read_try(ctx, "auth", reply, &reply_auth_users_get), "users");
}

/* An auth.users_get request for the authors of talks (a list), or of one talk. */
static void ask_authors(gw_ctx *ctx, const msgpack_object *talks, const msgpack_object *talk,
                        gw_reply_fn on_reply)
{
    int64_t id = 0;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "auth.users_get", ctx->rid);
    tp_w_key(&call, "ids");
    tp_w_array_begin(&call);
    for (uint32_t i = 0; talks && i < talks->via.array.size; i++)
        if (tp_get_int(&talks->via.array.ptr[i], "author_id", 1, INT64_MAX, &id) == 0)
            tp_w_int(&call, id);
    if (talk && tp_get_int(talk, "author_id", 1, INT64_MAX, &id) == 0) tp_w_int(&call, id);
    tp_w_array_end(&call);
    tp_w_map_end(&call);
    gw_call_try(ctx, GW_AUTH, &call, on_reply);
}

/* Comment counts are a nicety too: without svc-comments the lists show none. */
static void on_list_counts(gw_ctx *ctx, const msgpack_object *reply)
{
    fetch *f = ctx->page_state;
    f->extras.counts = tp_map_get(
        reply_read_try(ctx, "comments", reply, &reply_comments_approved_counts), "counts");
    f->list_done(ctx, f->talks_reply, &f->extras);
}

static void on_list_authors(gw_ctx *ctx, const msgpack_object *reply)
{
    fetch *f = ctx->page_state;
    const msgpack_object *talks = tp_map_get(f->talks_reply, "talks");
    f->extras.users = users_of(ctx, reply);
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "comments.approved_counts", ctx->rid);
    tp_w_key(&call, "talk_ids");
    tp_w_array_begin(&call);
    for (uint32_t i = 0; i < talks->via.array.size; i++) {
        int64_t id = 0;
        tp_get_int(&talks->via.array.ptr[i], "id", 1, INT64_MAX, &id);
        tp_w_int(&call, id);
    }
    tp_w_array_end(&call);
    tp_w_map_end(&call);
    gw_call_try(ctx, GW_COMMENTS, &call, on_list_counts);
}

static void on_list(gw_ctx *ctx, const msgpack_object *reply)
{
    fetch *f = ctx->page_state;
    if (failed(ctx, "talks", reply, &reply_talks_list)) return;
    f->talks_reply = reply;
    ask_authors(ctx, tp_map_get(reply, "talks"), NULL, on_list_authors);
}

void talk_fetch_list(gw_ctx *ctx, int64_t author_id, int64_t page, int per_page, talk_list_fn done)
{
    fetch *f = new_fetch(ctx);
    f->list_done = done;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "talks.list", ctx->rid);
    tp_w_kint(&call, "page", page);
    tp_w_kint(&call, "per_page", per_page);
    if (author_id) tp_w_kint(&call, "author_id", author_id);
    tp_w_map_end(&call);
    gw_call(ctx, GW_TALKS, &call, on_list);
}

typedef struct user_list {
    int64_t page;
    int per_page;
    talk_list_fn done;
} user_list;

static void on_user(gw_ctx *ctx, const msgpack_object *reply)
{
    user_list *u = ctx->page_state;
    int64_t id = 0;
    if (failed(ctx, "auth", reply, &reply_auth_user_get)) return;
    ctx->subject = tp_map_get(reply, "user");
    tp_get_int(ctx->subject, "id", 1, INT64_MAX, &id);
    talk_fetch_list(ctx, id, u->page, u->per_page, u->done);
}

void talk_fetch_user_list(gw_ctx *ctx, int64_t page, int per_page, talk_list_fn done)
{
    user_list *u = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *u);
    *u = (user_list){page, per_page, done};
    ctx->page_state = u;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "auth.user_get", ctx->rid);
    tp_w_kstrn(&call, "username", ctx->param.p, ctx->param.n);
    tp_w_map_end(&call);
    gw_call(ctx, GW_AUTH, &call, on_user);
}

static void on_one_author(gw_ctx *ctx, const msgpack_object *reply)
{
    fetch *f = ctx->page_state;
    const msgpack_object *talk = tp_map_get(f->talks_reply, "talk");
    f->one_done(ctx, talk, talk_view_author(users_of(ctx, reply), talk));
}

static void on_one(gw_ctx *ctx, const msgpack_object *reply)
{
    fetch *f = ctx->page_state;
    if (failed(ctx, "talks", reply, &reply_talks_get)) return;
    f->talks_reply = reply;
    ask_authors(ctx, NULL, tp_map_get(reply, "talk"), on_one_author);
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
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "talks.get", ctx->rid);
    tp_w_kint(&call, "id", id);
    tp_w_map_end(&call);
    gw_call(ctx, GW_TALKS, &call, on_one);
}
