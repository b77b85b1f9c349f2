/* page_cache: the pages anonymous visitors read most — the timeline, speaker pages and talk
 * pages — kept rendered in the gateway, so a visit costs no bus call and no template work.
 *
 * Design notes: such a page is the same for every visitor without a session except for the
 * CSRF token (a meta tag, the comment form) and the comment form's one-time key (csrf.h), which
 * must differ with every answer, or every visitor of a cached talk page would post with the same
 * key. A page that may be cached is rendered with a random marker in place of the token and
 * another in place of the form key; the cache keeps the HTML cut at the markers, and each answer
 * sends the pieces with the visitor's own token, or a fresh key, between them (iovecs pointing
 * into one ref-counted buffer: nothing of the page is copied). Logged-in visitors, flashes and
 * notices, error pages and every non-GET request take the normal path.
 *
 * A page leaves the cache when what it shows may have changed:
 *   - at once after a write made through this gateway (page_cache_forget, called where the
 *     write's reply arrives, before the redirect goes out: a visitor sees their own change);
 *   - when svc-comments publishes that a comment became visible or went away (seen as the event
 *     passes through the gateway's hub: writes made by talksctl, or another gateway);
 *   - TALKS_PAGE_CACHE_MS (1 s) after it was made, whatever happened (talks seeded by
 *     talksctl make no event). Then one request renders it again while the others are still
 *     answered from the old copy, so an expiry never sends every connection to the services
 *     at once.
 * Invalidation is a generation number: forgetting is one atomic increment, from any thread.
 * The table itself is touched only on the loop thread. */
#ifndef PAGE_CACHE_H
#define PAGE_CACHE_H

#include <stdbool.h>

#include "gw_ctx.h"

/* Reads TALKS_PAGE_CACHE_MS. -1 with a message on failure. */
int page_cache_start(char *err, size_t errlen);
void page_cache_stop(void);
/* A message passing through the hub (events_hub_fn): forgets the cache if an event in it changes
 * pages. */
void page_cache_on_event(const char *event, size_t len);

/* For a page that may be cached: answers the request from the cache and returns true; or
 * returns false, and the page's render (render_page) fills the cache. */
bool page_cache_serve(gw_ctx *ctx);
/* Everything cached may be out of date. */
void page_cache_forget(void);
/* TALKS_PAGE_CACHE_MS: how long a page is kept (0: none is). */
long page_cache_ttl_ms(void);

/* For render.c: true while the page being rendered is to be cached; its CSRF token must then
 * be written as page_cache_marker(), and a one-time form key as page_cache_form_key_marker(). */
bool page_cache_filling(const gw_ctx *ctx);
const char *page_cache_marker(void);
const char *page_cache_form_key_marker(void);
/* A one-time form key for the page being rendered: a fresh one, or the marker while filling. */
void page_cache_form_key(const gw_ctx *ctx, char out[GW_SECRET_TEXT]);
/* Takes the rendered page (with markers), keeps it when status is 200, and sends it with the
 * visitor's token and fresh form keys in place of the markers. */
void page_cache_fill(gw_ctx *ctx, int status, const char *html, size_t len);

#endif
