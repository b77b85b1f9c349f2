/* page_search: search (/search?q=…&page=N) and its API twin (/api/1.0/search?q=…&page=N): the
 * talks that match every word, best first, each with an excerpt where the words are marked.
 *
 * Whatever the box holds is answered (SPEC section 4): svc-talks reads any text as words
 * (svc-talks/search.h), a q that cannot be decoded is "" (the router reads it leniently), and a
 * q longer than SEARCH_Q_MAX bytes is cut, so links to its other pages stay short. A q with
 * nothing but spaces is no search: the page shows the form alone, the API an empty list.
 *
 * When too many talks match to rank them (svc-talks/search.h), the hits come newest first and
 * both say so with SEARCH_NEWEST, so the reader knows to add words. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "form.h"
#include "pager.h"
#include "pages.h"
#include "render.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"
#include "tp_utf8.h"

#define SEARCH_Q_MAX 256
#define SEARCH_NEWEST                                                                              \
    "Many talks match, so the newest are shown first. Add words to narrow the search."

/* The query as searched: cut to SEARCH_Q_MAX bytes; its length 0 when it holds only spaces. */
static tp_str query_of(const gw_ctx *ctx)
{
    const char *q = form_get(&ctx->query, "q");
    tp_str s = {q ? q : "", 0};
    size_t n = q ? strlen(q) : 0;
    s.n = tp_utf8_prefix(s.p, n, SEARCH_Q_MAX);
    size_t i = 0;
    while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\r' || s.p[i] == '\n')) i++;
    if (i == s.n) s.n = 0;
    return s;
}

/* path?q=<q, encoded> into out. */
static void link_base(tp_buf *out, const char *path, tp_str q)
{
    tp_buf_puts(out, path);
    tp_buf_puts(out, "?q=");
    form_url_encode(out, q.p, q.n);
    tp_buf_putc(out, '\0');
}

/* Where a page of hits is among all of them, and their order (a reply that passed its shape;
 * 1, 1, 0, exact, ranked for none). total_exact false: more than total match, which is as far
 * as svc-talks counts (svc-talks/search.h). */
typedef struct paging {
    int64_t page, pages, total;
    bool total_exact, ranked;
} paging;

static paging paging_of(const msgpack_object *hits)
{
    paging p = {1, 1, 0, true, true};
    tp_get_int(hits, "page", 1, INT64_MAX, &p.page);
    tp_get_int(hits, "pages", 1, INT64_MAX, &p.pages);
    tp_get_int(hits, "total", 0, INT64_MAX, &p.total);
    tp_get_bool(hits, "total_exact", &p.total_exact);
    tp_get_bool(hits, "ranked", &p.ranked);
    return p;
}

static void show_page(gw_ctx *ctx, const msgpack_object *hits, const talk_extras *extras)
{
    tp_str q = query_of(ctx);
    char title[SEARCH_Q_MAX + 32];
    snprintf(title, sizeof title, "%.*s · Search", (int)q.n, q.p);
    tp_w *w = render_begin(ctx, q.n ? title : "Search");
    tp_w_kstrn(w, "q", q.p, q.n);
    if (hits) {
        paging p = paging_of(hits);
        tp_buf base = TP_BUF_INIT;
        link_base(&base, "/search", q);
        tp_w_kbool(w, "searched", true);
        tp_w_kint(w, "total", p.total);
        tp_w_kbool(w, "total_exact", p.total_exact);
        tp_w_kbool(w, "one", p.total == 1);
        tp_w_kstr(w, "notice", p.ranked ? NULL : SEARCH_NEWEST);
        talk_view_write_cards(w, "talks", tp_map_get(hits, "talks"), extras, true);
        pager_write(w, "pager", base.data, "", p.page, p.pages, &pager_ranked);
        tp_buf_free(&base);
    }
    render_page(ctx, 200, "search");
}

void page_search(gw_ctx *ctx)
{
    tp_str q = query_of(ctx);
    if (!q.n) {
        show_page(ctx, NULL, NULL);
        return;
    }
    talk_fetch_search(ctx, q, gw_query_page(ctx), site_talks_per_page(), show_page);
}

static void page_link(tp_w *w, const char *key, tp_str q, int64_t page, bool exists)
{
    if (!exists) {
        tp_w_kstr(w, key, NULL);
        return;
    }
    tp_buf url = TP_BUF_INIT;
    link_base(&url, "/api/1.0/search", q);
    url.len--; /* over the NUL link_base ends with */
    tp_buf_printf(&url, "&page=%" PRId64, page);
    tp_w_kstr(w, key, url.data);
    tp_buf_free(&url);
}

/* {talks, page, pages, total, total_exact, ranked, notice, prev, next}, as GET /api/1.0/talks
 * answers, each talk with its "excerpt" (text) and "excerpt_html" (escaped, the matched words in
 * <mark>); total_exact false when more than total talks match; ranked false and notice
 * SEARCH_NEWEST when the hits are newest first, else true and null. */
static void send_hits(gw_ctx *ctx, const msgpack_object *hits, const talk_extras *extras)
{
    static const talk_extras none = {NULL, NULL};
    paging p = paging_of(hits);
    tp_str q = query_of(ctx);
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    talk_view_write_hits(&out, "talks", tp_map_get(hits, "talks"), extras ? extras : &none,
                         ctx->me);
    tp_w_kint(&out, "page", p.page);
    tp_w_kint(&out, "pages", p.pages);
    tp_w_kint(&out, "total", p.total);
    tp_w_kbool(&out, "total_exact", p.total_exact);
    tp_w_kbool(&out, "ranked", p.ranked);
    tp_w_kstr(&out, "notice", p.ranked ? NULL : SEARCH_NEWEST);
    page_link(&out, "prev", q, p.page - 1, p.page > 1);
    page_link(&out, "next", q, p.page + 1, p.page < p.pages);
    tp_w_map_end(&out);
    render_json_bytes(ctx, 200, &out);
}

void api_search(gw_ctx *ctx)
{
    tp_str q = query_of(ctx);
    if (!q.n) {
        send_hits(ctx, NULL, NULL);
        return;
    }
    talk_fetch_search(ctx, q, gw_query_page(ctx), site_talks_per_page(), send_hits);
}
