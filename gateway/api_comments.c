/* api_comments: the comment endpoints of the JSON API — approve (PUT) and delete (DELETE)
 * /api/1.0/comments/<id>, a talk's comments (GET /api/1.0/talks/<id>/comments), and the live
 * preview (POST /api/1.0/preview), which renders with the very code that stores comments. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "page_cache.h"
#include "api_auth.h"
#include "comment_view.h"
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply_read.h"
#include "site.h"
#include "talk_fetch.h"
#include "tp_svc.h"

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* ---- approve and delete ---- */

static void on_moderated(gw_ctx *ctx, const msgpack_object *reply)
{
    if (gw_reply_ok(reply)) {
        page_cache_forget();
        tp_w out;
        tp_w_init(&out);
        tp_w_map_begin(&out);
        tp_w_kstr(&out, "status", "ok");
        tp_w_map_end(&out);
        render_json_bytes(ctx, 200, &out);
        return;
    }
    tp_str err = gw_reply_err(reply), msg = gw_reply_msg(reply);
    char message[300];
    snprintf(message, sizeof message, "%.*s", (int)msg.n, msg.p);
    int status = tp_str_eq(err, "conflict")    ? 400
                 : tp_str_eq(err, "forbidden") ? 403
                 : tp_str_eq(err, "not_found") ? 404
                                               : 500;
    render_json_error(ctx, status, status == 500 ? "The comment could not be changed." : message);
}

static void moderate(gw_ctx *ctx, const msgpack_object *user, const char *op)
{
    int64_t id = talk_fetch_param_id(ctx);
    bool admin = false;
    if (id <= 0) {
        render_json_error(ctx, 404, "Comment not found.");
        return;
    }
    tp_get_bool(user, "is_admin", &admin);
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, op, ctx->rid);
    tp_w_kint(&call, "id", id);
    tp_w_kint(&call, "user_id", int_field(user, "id"));
    tp_w_kbool(&call, "is_admin", admin);
    tp_w_map_end(&call);
    gw_call_batched(ctx, GW_COMMENTS, &call, on_moderated);
}

static void approve_as(gw_ctx *ctx, const msgpack_object *user)
{
    moderate(ctx, user, "comments.approve");
}

static void delete_as(gw_ctx *ctx, const msgpack_object *user)
{
    moderate(ctx, user, "comments.delete");
}

void api_comment_approve(gw_ctx *ctx)
{
    api_authenticate(ctx, approve_as);
}

void api_comment_delete(gw_ctx *ctx)
{
    api_authenticate(ctx, delete_as);
}

/* ---- a talk's comments ---- */

typedef struct listing {
    const msgpack_object *reader; /* who asks (may be NULL) */
    const msgpack_object *talk;
    const msgpack_object *comments;
    bool can_moderate;
} listing;

static void on_list_users(gw_ctx *ctx, const msgpack_object *reply)
{
    listing *l = ctx->page_state;
    const msgpack_object *users =
        tp_map_get(reply_read_try(ctx, "auth", reply, &reply_auth_users_get), "users");
    int64_t page = int_field(l->comments, "page"), pages = int_field(l->comments, "pages");
    int64_t first = comment_view_first_number(page, site_comments_per_page());
    int64_t id = int_field(l->talk, "id");
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    comment_view_write_list(&out, "comments", tp_map_get(l->comments, "comments"), users,
                            l->can_moderate, first);
    tp_w_kint(&out, "page", page);
    tp_w_kint(&out, "pages", pages);
    tp_w_kint(&out, "total", int_field(l->comments, "total"));
    char url[80];
    snprintf(url, sizeof url, "/api/1.0/talks/%" PRId64 "/comments?page=%" PRId64, id, page - 1);
    tp_w_kstr(&out, "prev", page > 1 ? url : NULL);
    snprintf(url, sizeof url, "/api/1.0/talks/%" PRId64 "/comments?page=%" PRId64, id, page + 1);
    tp_w_kstr(&out, "next", page < pages ? url : NULL);
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}

static void on_list(gw_ctx *ctx, const msgpack_object *reply)
{
    listing *l = ctx->page_state;
    if (!gw_reply_ok(reply)) {
        render_json_error(ctx, 500, "The comments could not be read.");
        return;
    }
    if (!reply_read_or_503(ctx, "comments", reply, &reply_comments_list)) return;
    l->comments = reply;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "auth.users_get", ctx->rid);
    tp_w_key(&call, "ids");
    tp_w_array_begin(&call);
    comment_view_author_ids(&call, tp_map_get(reply, "comments"));
    tp_w_array_end(&call);
    tp_w_map_end(&call);
    gw_call_try(ctx, GW_AUTH, &call, on_list_users);
}

static void list_for(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    (void)author;
    listing *l = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *l);
    memset(l, 0, sizeof *l);
    l->talk = talk;
    l->reader = ctx->me;
    l->can_moderate = comment_view_can_moderate(ctx->me, int_field(talk, "author_id"));
    ctx->page_state = l;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "comments.list", ctx->rid);
    tp_w_kint(&call, "talk_id", int_field(talk, "id"));
    tp_w_kint(&call, "page", gw_query_page(ctx));
    tp_w_kint(&call, "per_page", site_comments_per_page());
    tp_w_kbool(&call, "include_pending", l->can_moderate);
    tp_w_map_end(&call);
    gw_call(ctx, GW_COMMENTS, &call, on_list);
}

static void list_as(gw_ctx *ctx, const msgpack_object *user)
{
    ctx->me = user; /* a token's owner reads as that speaker */
    talk_fetch_one(ctx, list_for);
}

void api_talk_comments(gw_ctx *ctx)
{
    if (api_has_token(ctx))
        api_authenticate(ctx, list_as);
    else
        talk_fetch_one(ctx, list_for);
}

/* ---- preview ---- */

static void on_preview(gw_ctx *ctx, const msgpack_object *reply)
{
    if (!gw_reply_ok(reply)) {
        tp_str msg = gw_reply_msg(reply);
        char message[200];
        snprintf(message, sizeof message, "%.*s", (int)msg.n, msg.p);
        render_json_error(ctx, 400, message);
        return;
    }
    if (!reply_read_or_503(ctx, "comments", reply, &reply_comments_preview)) return;
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_w_kobject(&out, "html", tp_map_get(reply, "html"));
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}

static void preview_as(gw_ctx *ctx, const msgpack_object *user)
{
    (void)user;
    tp_str body;
    if (!ctx->has_json || tp_get_str(ctx->json.root, "body", 1 << 20, &body)) {
        render_json_error(ctx, 400, "Send {\"body\": \"markdown text\"}.");
        return;
    }
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "comments.preview", ctx->rid);
    tp_w_kstrn(&call, "body", body.p, body.n);
    tp_w_map_end(&call);
    gw_call(ctx, GW_COMMENTS, &call, on_preview);
}

/* Visitors preview too: the page's CSRF token is enough, no account needed. */
void api_preview(gw_ctx *ctx)
{
    if (api_csrf_header_valid(ctx))
        preview_as(ctx, NULL);
    else
        api_authenticate(ctx, preview_as);
}
