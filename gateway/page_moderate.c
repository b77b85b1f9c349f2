/* page_moderate: comments waiting for moderation — on my talks (/moderate) or on every talk
 * (/moderate-admin, admins only), oldest first, paginated, each with the talk it is on and the
 * Approve / Delete buttons (talks.js calls the API). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "comment_view.h"
#include "gw_call.h"
#include "pager.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
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

static void on_titles(gw_ctx *ctx, const gw_reply *r)
{
    moderation *m = ctx->page_state;
    const msgpack_object *talks = r->err == TP_OK ? tp_map_get(r->map, "talks") : NULL;
    const msgpack_object *list = tp_map_get(m->pending, "comments");
    int64_t page = int_field(m->pending, "page"), pages = int_field(m->pending, "pages");
    const char *heading = m->all ? "Moderate [Admin]" : "Moderate";
    const char *base = m->all ? "/moderate-admin" : "/moderate";

    tp_w *w = render_begin(ctx, heading);
    tp_w_kstr(w, "heading", heading);
    tp_w_kbool(w, "all_talks", m->all); /* the forms acting on all of a commenter's comments */
    tp_w_kstrn(w, "return_to", ctx->req->path.base, ctx->req->path.len); /* see comment.mustache */
    tp_w_key(w, "comments");
    tp_w_array_begin(w);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *c = &list->via.array.ptr[i];
        char key[24];
        snprintf(key, sizeof key, "%" PRId64, int_field(c, "talk_id"));
        comment_view_write(w, COMMENT_FOR_PAGE, c, NULL, true, 0, tp_map_get(talks, key));
    }
    tp_w_array_end(w);
    /* Oldest first: later pages hold newer comments. */
    pager_write(w, "pager", base, "", page, pages, &pager_oldest_first);
    render_page(ctx, 200, "moderate");
}

static void on_pending(gw_ctx *ctx, const gw_reply *r)
{
    moderation *m = ctx->page_state;
    if (r->err != TP_OK) {
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
        return;
    }
    m->pending = r->map;
    int64_t ids[TP_PER_PAGE_MAX];
    size_t n = reply_ids(tp_map_get(r->map, "comments"), "talk_id", ids, 0, TP_PER_PAGE_MAX);
    gw_call_try(ctx, TALKS_TITLES, on_titles, .ids = {.v = ids, .n = n});
}

static void moderate(gw_ctx *ctx, bool all)
{
    moderation *m = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *m);
    memset(m, 0, sizeof *m);
    m->all = all;
    ctx->page_state = m;
    gw_call(ctx, COMMENTS_PENDING, on_pending, .user_id = int_field(ctx->me, "id"), .all = all,
            .page = gw_query_page(ctx), .per_page = site_comments_per_page());
}

void page_moderate(gw_ctx *ctx)
{
    moderate(ctx, false);
}

void page_moderate_admin(gw_ctx *ctx)
{
    moderate(ctx, true);
}
