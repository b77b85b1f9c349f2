/* api_talks: GET /api/1.0/talks?page=N (newest first, with paging links) and
 * GET /api/1.0/talks/<id>, the same talks the pages show, as JSON. */
#include <inttypes.h>
#include <stdio.h>

#include "pages.h"
#include "render.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"

static void page_link(tp_w *w, const char *key, int64_t page, bool exists)
{
    char url[80];
    snprintf(url, sizeof url, "/api/1.0/talks?page=%" PRId64, page);
    if (exists)
        tp_w_kstr(w, key, url);
    else
        tp_w_kstr(w, key, NULL);
}

static void send_list(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras)
{
    int64_t page = 1, pages = 1, total = 0;
    tp_get_int(list, "page", 1, INT64_MAX, &page);
    tp_get_int(list, "pages", 1, INT64_MAX, &pages);
    tp_get_int(list, "total", 0, INT64_MAX, &total);
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    talk_view_write_list(&out, "talks", tp_map_get(list, "talks"), extras, ctx->me);
    tp_w_kint(&out, "page", page);
    tp_w_kint(&out, "pages", pages);
    tp_w_kint(&out, "total", total);
    page_link(&out, "prev", page - 1, page > 1);
    page_link(&out, "next", page + 1, page < pages);
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}

void api_talks_list(gw_ctx *ctx)
{
    talk_fetch_list(ctx, 0, gw_query_page(ctx), site_talks_per_page(), send_list);
}

static void send_one(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_w_key(&out, "talk");
    talk_view_write(&out, talk, author, -1, ctx->me);
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}

void api_talk_get(gw_ctx *ctx)
{
    talk_fetch_one(ctx, send_one);
}
