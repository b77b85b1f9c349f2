/* page_cache: rendered anonymous pages (see page_cache.h). */
#include "page_cache.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "csrf.h"
#include "own_comments.h"
#include "render.h"
#include "tp_buf.h"
#include "tp_clock.h"
#include "tp_config.h"
#include "tp_events.h"

#define SLOTS              512 /* direct-mapped: a page whose slot is taken replaces the other */
#define KEY_MAX            256
#define BUDGET_BYTES       (32u << 20)
#define REFRESH_GIVE_UP_MS 2000 /* a refresh whose request never rendered (the client left) */

/* What goes back in at a cut: the visitor's CSRF token, or a fresh one-time form key. */
enum cut_kind { CUT_TOKEN, CUT_FORM_KEY, CUT_KINDS };

/* One ref-counted chunk (h2o_mem_alloc_shared): the HTML without its markers, and where the
 * visitor's token and form keys go back in. Each answer that sends it holds a reference, so a
 * page can leave the cache while it is still being written to a slow client. */
typedef struct page {
    size_t len, ncuts;
    size_t *cuts;         /* offsets into html, ascending */
    unsigned char *kinds; /* enum cut_kind of each cut */
    char *html;
} page;

typedef struct slot {
    char key[KEY_MAX];
    size_t keylen;
    page *page; /* NULL when empty */
    uint64_t generation;
    int64_t made_ms, refreshing_ms;
} slot;

/* A request rendering a page for the cache (from its pool). */
struct page_cache_fill {
    char key[KEY_MAX];
    size_t keylen;
    uint64_t generation;
};

static long ttl_ms; /* 0: no cache */
static slot slots[SLOTS];
static size_t cached_bytes;
static _Atomic uint64_t generation = 1;
static char markers[CUT_KINDS][GW_SECRET_TEXT]; /* all of one length */
static size_t marker_len;

void page_cache_forget(void)
{
    atomic_fetch_add(&generation, 1);
}

long page_cache_ttl_ms(void)
{
    return ttl_ms;
}

/* ---- events: svc-comments says when comments appear or go ---- */

static bool starts_with(const char *data, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(data, prefix, n) == 0;
}

/* Comment events change talk pages and comment counts, except a new comment that waits for
 * moderation: it shows nowhere yet. A batch changes them when any of its events does. Other
 * events (log.error) change nothing; a comment message we cannot read may change anything. */
static bool event_changes_pages(const char *data, size_t len)
{
    if (!starts_with(data, len, "comment.")) return false;
    tp_msg m;
    const msgpack_object *events;
    if (tp_events_parse(data, len, &m, &events) != 0) return true;
    bool changes = false;
    for (uint32_t i = 0; i < events->via.array.size && !changes; i++) {
        const msgpack_object *e = &events->via.array.ptr[i];
        tp_event_hint hint = {.approved = true}; /* one we cannot read may change anything */
        tp_str type = {"", 0};
        tp_event_hint_read(tp_map_get(e, "comment"), &hint);
        tp_get_str(e, "type", 32, &type);
        changes = hint.approved || tp_event_by_name(type) != TP_EV_COMMENT_CREATED;
    }
    tp_msg_free(&m);
    return changes;
}

void page_cache_on_event(const char *event, size_t len)
{
    if (event_changes_pages(event, len)) page_cache_forget();
}

int page_cache_start(char *err, size_t errlen)
{
    if (tp_config_int(TALKS_PAGE_CACHE_MS, 0, 3600000, &ttl_ms, err, errlen)) return -1;
    for (int k = 0; k < CUT_KINDS; k++) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(markers[k], sizeof markers[k], raw, sizeof raw,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    }
    marker_len = strlen(markers[CUT_TOKEN]);
    return 0;
}

static void empty_slot(slot *s)
{
    if (!s->page) return;
    cached_bytes -= s->page->len;
    h2o_mem_release_shared(s->page);
    s->page = NULL;
}

void page_cache_stop(void)
{
    for (size_t i = 0; i < SLOTS; i++) empty_slot(&slots[i]);
}

/* ---- serving ---- */

static size_t hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return (size_t)(h % SLOTS);
}

static bool is_method(const h2o_req_t *req, const char *m, size_t n)
{
    return h2o_memis(req->method.base, req->method.len, m, n);
}

/* Only what every visitor without a session sees alike (a visitor with comments waiting for
 * review sees them on talk pages: own_comments.h). */
static bool cacheable(const gw_ctx *ctx)
{
    const h2o_req_t *req = ctx->req;
    return (is_method(req, H2O_STRLIT("GET")) || is_method(req, H2O_STRLIT("HEAD"))) && !ctx->me &&
           ctx->flash < 0 && !ctx->notice && !own_comments_sent(ctx);
}

static void send_page(gw_ctx *ctx, int status, page *p)
{
    h2o_req_t *req = ctx->req;
    h2o_mem_link_shared(&req->pool, p);
    size_t n = 2 * p->ncuts + 1, at = 0, k = 0, token_len = strlen(ctx->csrf_token);
    h2o_iovec_t *parts = h2o_mem_alloc_pool(&req->pool, n * sizeof *parts);
    for (size_t i = 0; i < p->ncuts; i++) {
        parts[k++] = h2o_iovec_init(p->html + at, p->cuts[i] - at);
        if (p->kinds[i] == CUT_FORM_KEY) {
            char *key = h2o_mem_alloc_pool(&req->pool, CSRF_FORM_KEY_LEN + 1);
            csrf_form_key_new(key);
            parts[k++] = h2o_iovec_init(key, CSRF_FORM_KEY_LEN);
        } else {
            parts[k++] = h2o_iovec_init(ctx->csrf_token, token_len);
        }
        at = p->cuts[i];
    }
    parts[k++] = h2o_iovec_init(p->html + at, p->len - at);
    render_send_parts(ctx, status, "text/html; charset=utf-8", parts, n);
}

bool page_cache_serve(gw_ctx *ctx)
{
    if (!ttl_ms || !cacheable(ctx)) return false;
    const h2o_iovec_t path = ctx->req->path_normalized;
    char key[KEY_MAX];
    int n =
        snprintf(key, sizeof key, "%.*s?%" PRId64, (int)path.len, path.base, gw_query_page(ctx));
    if (n < 0 || (size_t)n >= sizeof key) return false;
    slot *s = &slots[hash(key, (size_t)n)];
    uint64_t now_generation = atomic_load(&generation);
    int64_t now = tp_clock_ms();
    if (s->page && s->keylen == (size_t)n && memcmp(s->key, key, (size_t)n) == 0 &&
        s->generation == now_generation) {
        bool fresh = now - s->made_ms < ttl_ms;
        /* Stale copies are served only while a refresh is under way, and never for long (a
         * service that is down turns into its 503 page soon after). */
        bool refreshing = s->refreshing_ms && now - s->refreshing_ms < REFRESH_GIVE_UP_MS &&
                          now - s->made_ms < ttl_ms + REFRESH_GIVE_UP_MS;
        if (fresh || refreshing) {
            send_page(ctx, 200, s->page);
            return true;
        }
        s->refreshing_ms = now; /* this request renders it again; the others keep this copy */
    }
    struct page_cache_fill *f = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *f);
    memcpy(f->key, key, (size_t)n);
    f->keylen = (size_t)n;
    f->generation = now_generation;
    ctx->cache_fill = f;
    return false;
}

bool page_cache_filling(const gw_ctx *ctx)
{
    return ctx->cache_fill != NULL;
}

const char *page_cache_marker(void)
{
    return markers[CUT_TOKEN];
}

const char *page_cache_form_key_marker(void)
{
    return markers[CUT_FORM_KEY];
}

void page_cache_form_key(const gw_ctx *ctx, char out[GW_SECRET_TEXT])
{
    _Static_assert(CSRF_FORM_KEY_LEN < GW_SECRET_TEXT, "a form key fits where a marker does");
    if (page_cache_filling(ctx))
        memcpy(out, markers[CUT_FORM_KEY], GW_SECRET_TEXT);
    else
        csrf_form_key_new(out);
}

/* A walk through the markers of a page, in order: where each kind occurs next is kept, and
 * searched for again only once the walk has passed it, so the page is read once a kind (searching
 * every kind again from each marker read a talk page's 40 kB some sixteen times, a tenth of what
 * rendering it cost). The markers are random and of one length, so they cannot overlap. */
typedef struct marker_walk {
    const char *end;
    const char *next[CUT_KINDS]; /* NULL: no more of that kind */
} marker_walk;

static void walk_begin(marker_walk *w, const char *html, const char *end)
{
    w->end = end;
    for (int k = 0; k < CUT_KINDS; k++)
        w->next[k] = memmem(html, (size_t)(end - html), markers[k], marker_len);
}

/* The first marker at or after from, or NULL; *kind says which. */
static const char *walk_next(marker_walk *w, const char *from, enum cut_kind *kind)
{
    const char *first = NULL;
    for (int k = 0; k < CUT_KINDS; k++) {
        if (w->next[k] && w->next[k] < from)
            w->next[k] = memmem(from, (size_t)(w->end - from), markers[k], marker_len);
        if (w->next[k] && (!first || w->next[k] < first)) {
            first = w->next[k];
            *kind = (enum cut_kind)k;
        }
    }
    return first;
}

/* The rendered HTML without its markers, as a page of one reference. */
static page *cut_markers(const char *html, size_t len)
{
    /* One walk, which notes where the markers are: a page for visitors has a few. */
    typedef struct cut {
        const char *at;
        enum cut_kind kind;
    } cut;
    tp_buf found = TP_BUF_INIT;
    const char *end = html + len;
    marker_walk w;
    walk_begin(&w, html, end);
    cut c;
    for (const char *from = html; (c.at = walk_next(&w, from, &c.kind)); from = c.at + marker_len)
        tp_buf_append(&found, &c, sizeof c);
    const cut *cuts = (const cut *)found.data;
    size_t ncuts = found.len / sizeof c;
    page *p = h2o_mem_alloc_shared(NULL, sizeof *p + ncuts * (sizeof(size_t) + 1) + len, NULL);
    p->cuts = (size_t *)(p + 1);
    p->kinds = (unsigned char *)(p->cuts + ncuts);
    p->html = (char *)(p->kinds + ncuts);
    p->ncuts = 0;
    p->len = 0;
    const char *from = html;
    for (size_t i = 0; i < ncuts; i++) {
        memcpy(p->html + p->len, from, (size_t)(cuts[i].at - from));
        p->len += (size_t)(cuts[i].at - from);
        p->kinds[p->ncuts] = (unsigned char)cuts[i].kind;
        p->cuts[p->ncuts++] = p->len;
        from = cuts[i].at + marker_len;
    }
    memcpy(p->html + p->len, from, (size_t)(end - from));
    p->len += (size_t)(end - from);
    tp_buf_free(&found);
    return p;
}

/* Drops what can no longer be served, to make room. */
static void sweep(uint64_t now_generation, int64_t now)
{
    for (size_t i = 0; i < SLOTS; i++)
        if (slots[i].page &&
            (slots[i].generation != now_generation || now - slots[i].made_ms >= ttl_ms))
            empty_slot(&slots[i]);
}

static void keep(const struct page_cache_fill *f, page *p)
{
    uint64_t now_generation = atomic_load(&generation);
    int64_t now = tp_clock_ms();
    /* Something changed while this page was being rendered: it may already be out of date. */
    if (f->generation != now_generation) {
        h2o_mem_release_shared(p);
        return;
    }
    slot *s = &slots[hash(f->key, f->keylen)];
    empty_slot(s);
    if (cached_bytes + p->len > BUDGET_BYTES) sweep(now_generation, now);
    if (cached_bytes + p->len > BUDGET_BYTES) {
        h2o_mem_release_shared(p);
        return;
    }
    memcpy(s->key, f->key, f->keylen);
    s->keylen = f->keylen;
    s->page = p;
    s->generation = f->generation;
    s->made_ms = now;
    s->refreshing_ms = 0;
    cached_bytes += p->len;
}

void page_cache_fill(gw_ctx *ctx, int status, const char *html, size_t len)
{
    page *p = cut_markers(html, len);
    send_page(ctx, status, p);
    /* A page missing what a service could not say now is not kept: it would outlive the outage. */
    if (status == 200 && !ctx->partial)
        keep(ctx->cache_fill, p);
    else
        h2o_mem_release_shared(p);
    ctx->cache_fill = NULL;
}
