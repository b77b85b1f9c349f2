/* render: turning a request's answer into bytes — template pages with the common context
 * (navbar user, CSRF token, flashes, request id), error pages, redirects, cookies, and the
 * security headers every response carries. */
#ifndef RENDER_H
#define RENDER_H

#include <stdbool.h>

#include "flash.h"
#include "gw_ctx.h"

/* Compiles the templates in dir; -1 with file and position in err on any mistake. */
int render_init(const char *templates_dir, bool secure_cookies, char *err, size_t errlen);
void render_free(void);

/* Starts ctx->page: an open map holding the common fields; the page adds its own and then
 * calls render_page. */
tp_w *render_begin(gw_ctx *ctx, const char *title);
void render_page(gw_ctx *ctx, int status, const char *template_name);
/* The same for a document that is not an HTML page (an Atom feed). */
void render_document(gw_ctx *ctx, int status, const char *template_name, const char *content_type);

/* Renders template_name with the map w holds (a piece of a page, not a page: no layout, nothing
 * sent) into out, and frees w. 0, or -1. */
int render_fragment(const char *template_name, tp_w *w, tp_buf *out);

/* Styled error pages (they end the request). */
void render_error(gw_ctx *ctx, int status, const char *heading, const char *message);
void render_not_found(gw_ctx *ctx);
void render_unavailable(gw_ctx *ctx, const char *service);

/* 303 See Other to a local path (after a POST), 302 otherwise. */
void render_redirect(gw_ctx *ctx, const char *location);
void render_json(gw_ctx *ctx, int status, const msgpack_object *body);
/* Sends a body made of parts that live at least as long as the request (its pool). */
void render_send_parts(gw_ctx *ctx, int status, const char *content_type, h2o_iovec_t *parts,
                       size_t nparts);
/* A 200 whose body (taken, like a page's) may be kept by browsers and proxies: cache_control
 * instead of no-store (a talk's og:image card). */
void render_send_cacheable(gw_ctx *ctx, const char *content_type, const char *cache_control,
                           tp_buf *body);
/* Sends the msgpack a writer holds as JSON, and frees the writer. */
void render_json_bytes(gw_ctx *ctx, int status, tp_w *w);
/* The API's error body; render_error sends it for every request under /api/. */
void render_json_error(gw_ctx *ctx, int status, const char *message);

/* Cookies: max_age < 0 is a browser-session cookie, 0 deletes it. */
void render_set_cookie(gw_ctx *ctx, const char *name, const char *value, long max_age);
void render_flash(gw_ctx *ctx, enum flash f);
/* A counted flash (flash.h): n, clamped to [0, FLASH_COUNT_MAX], goes where its "%n" is. */
void render_flash_count(gw_ctx *ctx, enum flash f, int64_t n);

/* Headers for every response: CSP, nosniff, referrer policy, frame-ancestors, request id. */
void render_security_headers(gw_ctx *ctx);
/* The same for a response made outside the router (error_pages.c); rid may be NULL. */
void render_security_headers_req(h2o_req_t *req, const char *rid);

/* An error page as an anonymous visitor sees it, or the API's JSON error, into out: what
 * error_pages.c sends for the errors h2o answers itself. 0, or -1. */
int render_error_document(int status, const char *heading, const char *message, tp_buf *out);
void render_json_error_document(int status, const char *message, tp_buf *out);

#endif
