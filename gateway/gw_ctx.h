/* gw_ctx: what the gateway knows about one HTTP request while it is being answered. It lives in
 * the request's memory pool; its dispose callback frees what it holds and orphans any bus call
 * still in flight, so a reply that arrives after the client left is dropped (see gw_call.c). */
#ifndef GW_CTX_H
#define GW_CTX_H

#include <h2o.h>
#include <stdbool.h>

#include "form.h"
#include "request_id.h"
#include "tp_msg.h"

#define GW_MAX_REPLIES 8
#define GW_SECRET_TEXT 64 /* session and CSRF cookie values: base64url of 32 bytes */

struct route;
struct gw_job;
struct page_cache_fill;

typedef struct gw_ctx {
    h2o_req_t *req;
    const struct route *route;
    char rid[REQUEST_ID_MAX + 1]; /* see request_id.h */
    char peer[64];                /* the client address used for throttling */
    tp_str param;                 /* the <name> segment of routes such as /user/<name> */
    form query, body;             /* decoded query string and form body */
    tp_msg json;                  /* an API request's JSON body, as msgpack (when has_json) */
    bool has_json;
    char session[GW_SECRET_TEXT];     /* talks_session cookie, or "" */
    char csrf_cookie[GW_SECRET_TEXT]; /* talks_csrf cookie (made if absent) */
    char csrf_token[GW_SECRET_TEXT];  /* what this page's forms must send back */
    int flash;                        /* flash code carried by the cookie, or -1 */
    int64_t flash_count;              /* a counted flash's number (flash.h) */
    const char *notice;               /* a message for this page only (e.g. a failed login) */
    const char *notice_category;      /* its Bootstrap alert colour: danger, warning, … */
    const msgpack_object *me;         /* the logged-in user (from svc-auth), or NULL */
    const msgpack_object *counts;     /* their moderation counts (svc-comments), or NULL */
    tp_msg replies[GW_MAX_REPLIES];   /* every bus reply, kept until the request ends */
    int nreplies;
    struct gw_job *jobs;           /* bus calls in flight for this request */
    tp_w page;                     /* the template context being built (render.c) */
    void *page_state;              /* a page's own state across bus calls, from the request pool */
    const msgpack_object *subject; /* what the page is about (the user of /user/<name>) */
    bool api;                      /* under /api/: errors are JSON, not pages */
    bool partial;                  /* a gw_call_try got no answer: the page shows less than usual */
    struct page_cache_fill *cache_fill; /* set while rendering a page for page_cache */
} gw_ctx;

/* A field of the form body, or "" when absent. */
const char *gw_field(const gw_ctx *ctx, const char *name);
/* The ?page= number: 1 for anything that is not a positive number (the services clamp it). */
int64_t gw_query_page(const gw_ctx *ctx);

#endif
