/* api_comments: the comment endpoints of the JSON API — approve (PUT) and delete (DELETE)
 * /api/1.0/comments/<id>, a talk's comments (GET /api/1.0/talks/<id>/comments), and the live
 * preview (POST /api/1.0/preview), which renders with the very code that stores comments. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "page_cache.h"
#include "api_answer.h"
#include "api_auth.h"
#include "comment_view.h"
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
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

static void on_moderated(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) page_cache_forget();
    api_answer_change(ctx, r, "The comment could not be changed.");
}

static void moderate(gw_ctx *ctx, const msgpack_object *user, enum tp_op_id op)
{
    int64_t id = talk_fetch_param_id(ctx);
    bool admin = false;
    if (id <= 0) {
        render_json_error(ctx, 404, "Comment not found.");
        return;
    }
    tp_get_bool(user, "is_admin", &admin);
    /* approve and delete take the same fields (TP_MODERATE_IN) */
    const struct tp_in_TP_OP_COMMENTS_APPROVE in = {id, int_field(user, "id"), admin};
    gw_send(ctx, GW_BATCHED, op, &in, on_moderated);
}

static void approve_as(gw_ctx *ctx, const msgpack_object *user)
{
    moderate(ctx, user, TP_OP_COMMENTS_APPROVE);
}

static void delete_as(gw_ctx *ctx, const msgpack_object *user)
{
    moderate(ctx, user, TP_OP_COMMENTS_DELETE);
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

static void on_list_users(gw_ctx *ctx, const gw_reply *r)
{
    listing *l = ctx->page_state;
    const msgpack_object *users = r->err == TP_OK ? tp_map_get(r->map, "users") : NULL;
    int64_t page = int_field(l->comments, "page"), pages = int_field(l->comments, "pages");
    int64_t first = comment_view_first_number(page, site_comments_per_page());
    int64_t id = int_field(l->talk, "id");
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    comment_view_write_list(&out, COMMENT_FOR_API, "comments", tp_map_get(l->comments, "comments"),
                            users, l->can_moderate, first);
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

static void on_list(gw_ctx *ctx, const gw_reply *r)
{
    listing *l = ctx->page_state;
    if (r->err != TP_OK) {
        render_json_error(ctx, 500, "The comments could not be read.");
        return;
    }
    l->comments = r->map;
    int64_t ids[TP_USERS_GET_MAX];
    size_t n = reply_ids(tp_map_get(r->map, "comments"), "author_id", ids, 0, TP_USERS_GET_MAX);
    gw_call_try(ctx, AUTH_USERS_GET, on_list_users, .ids = {.v = ids, .n = n});
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
    gw_call(ctx, COMMENTS_LIST, on_list, .talk_id = int_field(talk, "id"),
            .page = gw_query_page(ctx), .per_page = site_comments_per_page(),
            .include_pending = l->can_moderate);
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

static void on_preview(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err != TP_OK) {
        tp_str msg = gw_reply_msg(r);
        char message[200];
        snprintf(message, sizeof message, "%.*s", (int)msg.n, msg.p);
        render_json_error(ctx, tp_err_http_status(r->err), message);
        return;
    }
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_w_kobject(&out, "html", tp_map_get(r->map, "html"));
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
    gw_call(ctx, COMMENTS_PREVIEW, on_preview, .body = body);
}

/* Visitors preview too: the page's CSRF token is enough, no account needed. */
void api_preview(gw_ctx *ctx)
{
    if (api_csrf_header_valid(ctx))
        preview_as(ctx, NULL);
    else
        api_authenticate(ctx, preview_as);
}
