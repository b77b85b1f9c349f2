/* page_moderate: comments waiting for moderation — on my talks (/moderate) or on every talk
 * (/moderate-admin, admins only), oldest first, paginated, each with the talk it is on and the
 * Approve / Delete buttons (talks.js calls the API). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "comment_view.h"
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply_read.h"
#include "site.h"
#include "tp_svc.h"

typedef struct moderation {
    bool all;
    const msgpack_object *pending; /* the comments.pending reply */
} moderation;

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

static void on_titles(gw_ctx *ctx, const msgpack_object *reply)
{
    moderation *m = ctx->page_state;
    const msgpack_object *talks =
        tp_map_get(reply_read_try(ctx, "talks", reply, &reply_talks_titles), "talks");
    const msgpack_object *list = tp_map_get(m->pending, "comments");
    int64_t page = int_field(m->pending, "page"), pages = int_field(m->pending, "pages");
    const char *heading = m->all ? "Moderate [Admin]" : "Moderate";
    const char *base = m->all ? "/moderate-admin" : "/moderate";

    tp_w *w = render_begin(ctx, heading);
    tp_w_kstr(w, "heading", heading);
    tp_w_key(w, "comments");
    tp_w_array_begin(w);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *c = &list->via.array.ptr[i];
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, int_field(c, "talk_id"));
        comment_view_write(w, c, NULL, true, 0, tp_map_get(talks, key));
    }
    tp_w_array_end(w);
    /* Oldest first: later pages hold newer comments. */
    tp_w_key(w, "pager");
    if (pages <= 1) {
        tp_w_nil(w);
    } else {
        char url[80];
        tp_w_map_begin(w);
        if (page < pages) {
            snprintf(url, sizeof url, "%s?page=%" PRId64, base, page + 1);
            tp_w_kstr(w, "newer_url", url);
        }
        if (page > 1) {
            snprintf(url, sizeof url, "%s?page=%" PRId64, base, page - 1);
            tp_w_kstr(w, "older_url", url);
        }
        tp_w_map_end(w);
    }
    render_page(ctx, 200, "moderate");
}

static void on_pending(gw_ctx *ctx, const msgpack_object *reply)
{
    moderation *m = ctx->page_state;
    if (!gw_reply_ok(reply)) {
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
        return;
    }
    if (!reply_read_or_503(ctx, "comments", reply, &reply_comments_pending)) return;
    m->pending = reply;
    const msgpack_object *list = tp_map_get(reply, "comments");
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "talks.titles", ctx->rid);
    tp_w_key(&call, "ids");
    tp_w_array_begin(&call);
    for (uint32_t i = 0; i < list->via.array.size; i++)
        tp_w_int(&call, int_field(&list->via.array.ptr[i], "talk_id"));
    tp_w_array_end(&call);
    tp_w_map_end(&call);
    gw_call_try(ctx, GW_TALKS, &call, on_titles);
}

static void moderate(gw_ctx *ctx, bool all)
{
    moderation *m = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *m);
    memset(m, 0, sizeof *m);
    m->all = all;
    ctx->page_state = m;
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, "comments.pending", ctx->rid);
    tp_w_kint(&call, "user_id", int_field(ctx->me, "id"));
    tp_w_kbool(&call, "all", all);
    tp_w_kint(&call, "page", gw_query_page(ctx));
    tp_w_kint(&call, "per_page", site_comments_per_page());
    tp_w_map_end(&call);
    gw_call(ctx, GW_COMMENTS, &call, on_pending);
}

void page_moderate(gw_ctx *ctx)
{
    moderate(ctx, false);
}

void page_moderate_admin(gw_ctx *ctx)
{
    moderate(ctx, true);
}
