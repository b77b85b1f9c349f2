/* error_pages: h2o's own errors as the site's pages (see error_pages.h).
 *
 * Design notes: h2o answers these with h2o_send_error_*, which sets text/plain and sends the body
 * in one piece; a filter sees the response before it leaves. A response of ours never has that
 * content type with an error status (render.c sends HTML or JSON, and text/plain only for
 * redirects and its own last-resort 500), so the content type is how h2o's errors are told
 * apart. The replacement is rendered once at start: it depends on nothing but the status and
 * whether the path is under /api/. */
#include "error_pages.h"

#include <stdio.h>
#include <string.h>

#include "render.h"
#include "request_id.h"
#include "tp_buf.h"

#define H2O_ERROR_TYPE "text/plain; charset=utf-8"

typedef struct error_page {
    int status;
    const char *heading, *message;
    tp_buf html, json;
} error_page;

static error_page pages[] = {
    {400, "Bad request", "The request could not be understood.", TP_BUF_INIT, TP_BUF_INIT},
    {403, "Forbidden", "You may not see this.", TP_BUF_INIT, TP_BUF_INIT},
    {404, "Page not found",
     "There is nothing at this address. It may have moved, or the link may be mistyped.",
     TP_BUF_INIT, TP_BUF_INIT},
    {405, "Method not allowed", "This address does not take that kind of request.", TP_BUF_INIT,
     TP_BUF_INIT},
    {413, "Too much data", "The request sent more than 1 MiB. Please send less.", TP_BUF_INIT,
     TP_BUF_INIT},
    {416, "Range not satisfiable", "The part of the file asked for is not there.", TP_BUF_INIT,
     TP_BUF_INIT},
    {417, "Expectation failed", "The request expected something this server does not do.",
     TP_BUF_INIT, TP_BUF_INIT},
    /* Last: the page for any other status. */
    {500, "Something went wrong", "The server could not answer this request. Please try again.",
     TP_BUF_INIT, TP_BUF_INIT},
};
#define NPAGES (sizeof pages / sizeof pages[0])

typedef struct replacement {
    h2o_ostream_t super;
    h2o_iovec_t body;
} replacement;

int error_pages_init(char *err, size_t errlen)
{
    for (size_t i = 0; i < NPAGES; i++) {
        error_page *p = &pages[i];
        render_json_error_document(p->status, p->message, &p->json);
        if (render_error_document(p->status, p->heading, p->message, &p->html) != 0) {
            snprintf(err, errlen, "cannot render the %d page", p->status);
            return -1;
        }
    }
    return 0;
}

void error_pages_free(void)
{
    for (size_t i = 0; i < NPAGES; i++) {
        tp_buf_free(&pages[i].html);
        tp_buf_free(&pages[i].json);
    }
}

static const error_page *page_for(int status)
{
    for (size_t i = 0; i < NPAGES - 1; i++)
        if (pages[i].status == status) return &pages[i];
    return &pages[NPAGES - 1];
}

static bool is_h2o_error(h2o_req_t *req)
{
    if (req->res.status < 400) return false;
    ssize_t i = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
    return i >= 0 && h2o_memis(req->res.headers.entries[i].value.base,
                               req->res.headers.entries[i].value.len, H2O_STRLIT(H2O_ERROR_TYPE));
}

/* By name: a header set by h2o's headers filter is not stored as a token. */
static void delete_all(h2o_headers_t *headers, const char *name)
{
    for (ssize_t i; (i = h2o_find_header_by_str(headers, name, strlen(name), -1)) >= 0;)
        h2o_delete_header(headers, i);
}

/* h2o sends its error body in one piece: ours goes instead, whole, with the same state. */
static void send_replacement(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                             h2o_send_state_t state)
{
    (void)bufs;
    (void)n;
    replacement *r = (replacement *)self;
    bool head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    h2o_iovec_t body = r->body;
    r->body = h2o_iovec_init(NULL, 0); /* sent once, whatever comes after */
    h2o_ostream_send_next(self, req, &body, head || !body.len ? 0 : 1, state);
}

static void on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    if (is_h2o_error(req)) {
        const error_page *p = page_for(req->res.status);
        bool api =
            req->path_normalized.len >= 5 && memcmp(req->path_normalized.base, "/api/", 5) == 0;
        const tp_buf *body = api ? &p->json : &p->html;
        delete_all(&req->res.headers, "content-type");
        delete_all(&req->res.headers, "cache-control");
        delete_all(&req->res.headers, "x-content-type-options"); /* ours add it again */
        const char *type = api ? "application/json" : "text/html; charset=utf-8";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type,
                       strlen(type));
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       H2O_STRLIT("no-store"));
        char *rid = NULL; /* unless routes.c set it: then the request's calls were logged with it */
        if (h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1) < 0) {
            rid = h2o_mem_alloc_pool(&req->pool, REQUEST_ID_MAX + 1); /* the header's life */
            request_id_of(req, rid);
        }
        render_security_headers_req(req, rid); /* and access_log.c logs the same id */
        req->res.content_length = body->len;
        replacement *r = (replacement *)h2o_add_ostream(req, sizeof *r, slot);
        r->super.do_send = send_replacement;
        r->body = h2o_iovec_init(body->data, body->len);
        slot = &r->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

void error_pages_register(h2o_pathconf_t *pathconf)
{
    h2o_filter_t *f = h2o_create_filter(pathconf, sizeof *f);
    f->on_setup_ostream = on_setup_ostream;
}
