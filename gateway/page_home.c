/* page_home: the timeline of all talks (/), newest date first, TALKS_PER_PAGE a page. */
#include "page_cache.h"
#include "pager.h"
#include "pages.h"
#include "render.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"

static void show_home(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras)
{
    int64_t page = 1, pages = 1;
    tp_get_int(list, "page", 1, INT64_MAX, &page);
    tp_get_int(list, "pages", 1, INT64_MAX, &pages);
    tp_w *w = render_begin(ctx, NULL);
    talk_view_write_cards(w, "talks", tp_map_get(list, "talks"), extras, false);
    pager_write(w, "pager", "/", "", page, pages, &pager_newest_first);
    tp_w_kstr(w, "feed_url", "/feed.atom");
    render_page(ctx, 200, "home");
}

void page_home(gw_ctx *ctx)
{
    if (page_cache_serve(ctx)) return;
    talk_fetch_list(ctx, 0, gw_query_page(ctx), site_talks_per_page(), show_home);
}
