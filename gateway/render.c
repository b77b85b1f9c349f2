/* render: pages, errors, redirects and cookies (see render.h). */
#include "render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page_cache.h"
#include "reply.h"
#include "tp_json.h"
#include "tp_template.h"
#include "tp_embed.h"
#include "tp_log.h"
#include "tp_utf8.h"

static tpl_set *templates;
static bool cookies_secure;

/* No inline script or style anywhere; frames only from the embed providers (tp_embed). */
static char csp[1024];

static const struct {
    const char *code, *category, *text;
} flash_table[FLASH_COUNT] = {
#define FLASH_ROW(id, code, category, text) [id] = {code, category, text},
    FLASHES(FLASH_ROW)
#undef FLASH_ROW
};

int render_init(const char *templates_dir, bool secure_cookies, char *err, size_t errlen)
{
    cookies_secure = secure_cookies;
    snprintf(csp, sizeof csp,
             "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "font-src 'self'; connect-src 'self'; frame-src %s; object-src 'none'; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
             tp_embed_frame_src());
    templates = tpl_load_dir(templates_dir, err, errlen);
    return templates ? 0 : -1;
}

void render_free(void)
{
    tpl_free(templates);
}

static void add_header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
}

static void add_header_str(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

void render_security_headers(gw_ctx *ctx)
{
    render_security_headers_req(ctx->req, NULL); /* X-Request-Id is set as it comes in (routes.c) */
}

void render_security_headers_req(h2o_req_t *req, const char *rid)
{
    add_header_str(req, "content-security-policy", csp);
    add_header_str(req, "x-content-type-options", "nosniff");
    add_header_str(req, "x-frame-options", "DENY");
    add_header_str(req, "referrer-policy", "same-origin");
    add_header_str(req, "cross-origin-opener-policy", "same-origin");
    add_header_str(req, "permissions-policy", "camera=(), microphone=(), geolocation=()");
    if (rid) add_header_str(req, "x-request-id", rid);
    if (cookies_secure) add_header(req, H2O_TOKEN_STRICT_TRANSPORT_SECURITY, "max-age=31536000");
}

void render_set_cookie(gw_ctx *ctx, const char *name, const char *value, long max_age)
{
    char age[40] = "";
    if (max_age >= 0) snprintf(age, sizeof age, "; Max-Age=%ld", max_age);
    size_t size = strlen(name) + strlen(value) + 128; /* talks_mine's value is ~700 bytes */
    char *line = h2o_mem_alloc_pool(&ctx->req->pool, size);
    int n = snprintf(line, size, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name, value, age,
                     cookies_secure ? "; Secure" : "");
    h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, line,
                   (size_t)n);
}

void render_flash(gw_ctx *ctx, enum flash f)
{
    render_set_cookie(ctx, "talks_flash", flash_table[f].code, -1);
}

void render_flash_count(gw_ctx *ctx, enum flash f, int64_t n)
{
    char value[32];
    if (n < 0) n = 0;
    if (n > FLASH_COUNT_MAX) n = FLASH_COUNT_MAX;
    snprintf(value, sizeof value, "%s_%" PRId64, flash_table[f].code, n);
    render_set_cookie(ctx, "talks_flash", value, -1);
}

/* The flash's text, its "%n" (if any) made "1 comment" or "<count> comments". */
static void write_flash_message(tp_w *w, const char *text, int64_t count)
{
    const char *at = strstr(text, "%n");
    if (!at) {
        tp_w_kstr(w, "message", text);
        return;
    }
    char message[200];
    snprintf(message, sizeof message, "%.*s%" PRId64 " comment%s%s", (int)(at - text), text, count,
             count == 1 ? "" : "s", at + 2);
    tp_w_kstr(w, "message", message);
}

/* The flash that arrived with this request is shown once: the cookie is deleted as it is. */
static void write_flashes(gw_ctx *ctx, tp_w *w)
{
    tp_w_key(w, "flashes");
    tp_w_array_begin(w);
    if (ctx->flash >= 0 && ctx->flash < FLASH_COUNT) {
        tp_w_map_begin(w);
        write_flash_message(w, flash_table[ctx->flash].text, ctx->flash_count);
        tp_w_kstr(w, "category", flash_table[ctx->flash].category);
        tp_w_map_end(w);
        render_set_cookie(ctx, "talks_flash", "", 0);
        ctx->flash = -1;
    }
    if (ctx->notice) {
        tp_w_map_begin(w);
        tp_w_kstr(w, "message", ctx->notice);
        tp_w_kstr(w, "category", ctx->notice_category ? ctx->notice_category : "danger");
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
}

/* The navbar badges: only counts above zero are written (templates treat 0 as true). */
static void write_badges(gw_ctx *ctx, tp_w *w)
{
    static const char *const keys[][2] = {{"pending", "pending_count"},
                                          {"pending_all", "pending_all_count"}};
    for (int i = 0; i < 2; i++) {
        int64_t n = 0;
        if (tp_get_int(ctx->counts, keys[i][0], 1, INT64_MAX, &n) == 0) tp_w_kint(w, keys[i][1], n);
    }
}

tp_w *render_begin(gw_ctx *ctx, const char *title)
{
    tp_w *w = &ctx->page;
    tp_w_free(w);
    tp_w_init_tree(w); /* rendered from as it is, never packed (tp_w_tree.h) */
    tp_w_map_begin(w);
    if (title) tp_w_kstr(w, "title", title);
    tp_w_kstr(w, "csrf_token", page_cache_filling(ctx) ? page_cache_marker() : ctx->csrf_token);
    tp_w_kstr(w, "request_id", ctx->rid);
    tp_w_key(w, "me");
    reply_write(w, ctx->me, &reply_me);
    write_badges(ctx, w);
    write_flashes(ctx, w);
    return w;
}

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

static void send_head(gw_ctx *ctx, int status, const char *content_type, size_t length,
                      const char *cache_control)
{
    h2o_req_t *req = ctx->req;
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    render_security_headers(ctx);
    add_header(req, H2O_TOKEN_CONTENT_TYPE, content_type);
    add_header(req, H2O_TOKEN_CACHE_CONTROL, cache_control);
    req->res.content_length = length;
}

/* The body's parts, with their head: every response but the cacheable ones is no-store. */
static void send_parts(gw_ctx *ctx, int status, const char *content_type, const char *cache_control,
                       h2o_iovec_t *parts, size_t nparts)
{
    static h2o_generator_t generator = {NULL, NULL}; /* everything is sent at once */
    size_t length = 0;
    for (size_t i = 0; i < nparts; i++) length += parts[i].len;
    send_head(ctx, status, content_type, length, cache_control);
    h2o_req_t *req = ctx->req;
    h2o_start_response(req, &generator);
    bool head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    h2o_send(req, head ? NULL : parts, head ? 0 : nparts, H2O_SEND_STATE_FINAL);
}

void render_send_parts(gw_ctx *ctx, int status, const char *content_type, h2o_iovec_t *parts,
                       size_t nparts)
{
    send_parts(ctx, status, content_type, "no-store", parts, nparts);
}

static void free_owned(void *owner)
{
    free(*(char **)owner);
}

/* Sends body without copying it: the request's pool takes it and frees it with the request. */
static void send_owned(gw_ctx *ctx, int status, const char *content_type, const char *cache_control,
                       tp_buf *body)
{
    char **owner = h2o_mem_alloc_shared(&ctx->req->pool, sizeof *owner, free_owned);
    *owner = body->data;
    h2o_iovec_t part = h2o_iovec_init(body->data ? body->data : "", body->len);
    *body = (tp_buf)TP_BUF_INIT;
    send_parts(ctx, status, content_type, cache_control, &part, 1);
}

static void send_body(gw_ctx *ctx, int status, const char *content_type, tp_buf *body)
{
    send_owned(ctx, status, content_type, "no-store", body);
}

void render_send_cacheable(gw_ctx *ctx, const char *content_type, const char *cache_control,
                           tp_buf *body)
{
    send_owned(ctx, 200, content_type, cache_control, body);
}

void render_page(gw_ctx *ctx, int status, const char *template_name)
{
    render_document(ctx, status, template_name, "text/html; charset=utf-8");
}

/* The value w wrote: a tree writer's own, or its bytes unpacked into up; NULL if neither. */
static const msgpack_object *written(const tp_w *w, msgpack_unpacked *up)
{
    const msgpack_object *root = tp_w_root(w);
    size_t off = 0;
    if (root) return root;
    return msgpack_unpack_next(up, w->buf.data, w->buf.len, &off) == MSGPACK_UNPACK_SUCCESS
               ? &up->data
               : NULL;
}

/* What the next page's buffer starts with: a little more than the last page took (the loop's
 * thread only). Grown from nothing, a 40 kB talk page was ten reallocs and their copies, 3 % of
 * what rendering it cost. */
static size_t html_reserve = 16 * 1024;

void render_document(gw_ctx *ctx, int status, const char *template_name, const char *content_type)
{
    tp_w *w = &ctx->page;
    tp_w_map_end(w);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    tp_buf html = TP_BUF_INIT;
    tp_buf_reserve(&html, html_reserve);
    const msgpack_object *page = written(w, &up);
    if (!page || tpl_render(templates, template_name, page, &html) != 0) {
        tp_error(ctx->rid, "cannot render template %s", template_name);
        tp_buf_reset(&html);
        tp_buf_puts(&html, "Internal error");
        status = 500;
    }
    /* Whatever a user typed (U+FFFF in a title), a feed stays valid XML. */
    if (strstr(content_type, "xml")) tp_utf8_xml_safe(html.data, html.len);
    html_reserve = html.len + html.len / 8 < 1024 * 1024 ? html.len + html.len / 8 : 1024 * 1024;
    if (status != 500 && page_cache_filling(ctx))
        page_cache_fill(ctx, status, html.data ? html.data : "", html.len);
    else
        send_body(ctx, status, status == 500 ? "text/plain; charset=utf-8" : content_type, &html);
    tp_buf_free(&html);
    msgpack_unpacked_destroy(&up);
    tp_w_free(w);
    tp_w_init(w);
}

int render_fragment(const char *template_name, tp_w *w, tp_buf *out)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    const msgpack_object *page = written(w, &up);
    int rc = page && tpl_render(templates, template_name, page, out) == 0 ? 0 : -1;
    msgpack_unpacked_destroy(&up);
    tp_w_free(w);
    return rc;
}

void render_error(gw_ctx *ctx, int status, const char *heading, const char *message)
{
    if (ctx->api) {
        render_json_error(ctx, status, message);
        return;
    }
    char title[64];
    snprintf(title, sizeof title, "%d %s", status, heading);
    tp_w *w = render_begin(ctx, title);
    tp_w_kint(w, "status", status);
    tp_w_kstr(w, "heading", heading);
    tp_w_kstr(w, "message", message);
    render_page(ctx, status, "error");
}

void render_not_found(gw_ctx *ctx)
{
    render_error(ctx, 404, "Page not found",
                 "There is nothing at this address. It may have moved, or the link may be "
                 "mistyped.");
}

void render_unavailable(gw_ctx *ctx, const char *service)
{
    char message[160];
    snprintf(message, sizeof message,
             "Part of the site (the %s service) is not answering right now. Please try again in "
             "a moment.",
             service);
    h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   H2O_STRLIT("5"));
    render_error(ctx, 503, "Temporarily unavailable", message);
}

void render_redirect(gw_ctx *ctx, const char *location)
{
    /* Not h2o_send_redirect: it drops the headers set so far (cookies among them). */
    h2o_req_t *req = ctx->req;
    bool post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    h2o_iovec_t loc = h2o_strdup(&req->pool, location, SIZE_MAX);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, loc.base, loc.len);
    tp_buf body = TP_BUF_INIT;
    tp_buf_puts(&body, "Redirecting…");
    send_body(ctx, post ? 303 : 302, "text/plain; charset=utf-8", &body);
    tp_buf_free(&body);
}

/* SPEC §5: {"status": "<reason phrase in lower case>", "message": "…"}. */
static void json_error(tp_w *w, int status, const char *message)
{
    char word[40];
    const char *reason = reason_phrase(status);
    size_t i = 0;
    for (; reason[i] && i < sizeof word - 1; i++)
        word[i] = (char)(reason[i] >= 'A' && reason[i] <= 'Z' ? reason[i] + 32 : reason[i]);
    word[i] = '\0';
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kstr(w, "status", word);
    tp_w_kstr(w, "message", message);
    tp_w_map_end(w);
}

void render_json_error(gw_ctx *ctx, int status, const char *message)
{
    tp_w w;
    json_error(&w, status, message);
    render_json_bytes(ctx, status, &w);
}

void render_json_error_document(int status, const char *message, tp_buf *out)
{
    tp_w w;
    json_error(&w, status, message);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, w.buf.data, w.buf.len, &off) == MSGPACK_UNPACK_SUCCESS)
        json_from_msgpack(&up.data, out);
    msgpack_unpacked_destroy(&up);
    tp_w_free(&w);
}

int render_error_document(int status, const char *heading, const char *message, tp_buf *out)
{
    char title[64];
    snprintf(title, sizeof title, "%d %s", status, heading);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "title", title);
    tp_w_kstr(&w, "csrf_token", ""); /* the page has no form: an anonymous navbar, one link */
    tp_w_key(&w, "me");
    tp_w_nil(&w);
    tp_w_key(&w, "flashes");
    tp_w_array_begin(&w);
    tp_w_array_end(&w);
    tp_w_kint(&w, "status", status);
    tp_w_kstr(&w, "heading", heading);
    tp_w_kstr(&w, "message", message);
    tp_w_map_end(&w);
    return render_fragment("error", &w, out);
}

void render_json_bytes(gw_ctx *ctx, int status, tp_w *w)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, w->buf.data, w->buf.len, &off) == MSGPACK_UNPACK_SUCCESS)
        render_json(ctx, status, &up.data);
    msgpack_unpacked_destroy(&up);
    tp_w_free(w);
}

void render_json(gw_ctx *ctx, int status, const msgpack_object *body)
{
    tp_buf out = TP_BUF_INIT;
    json_from_msgpack(body, &out);
    send_body(ctx, status, "application/json", &out);
    tp_buf_free(&out);
}
