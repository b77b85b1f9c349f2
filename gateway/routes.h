/* routes: the table of every page the gateway serves and what each needs (a login, an admin,
 * svc-auth) — checked once, by the router, before the page's handler runs. */
#ifndef ROUTES_H
#define ROUTES_H

#include <h2o.h>

#include "gw_ctx.h"

/* The largest request body any page accepts (SPEC: over 1 MiB is a 413). */
#define GW_MAX_BODY (1024 * 1024)

enum route_needs {
    NEED_LOGIN = 1,    /* anonymous visitors are sent to the login page */
    NEED_ADMIN = 2,    /* others get the 403 page */
    NEED_AUTH_SVC = 4, /* a page that makes no svc-auth call of its own but is useless without
                          it (the login form): 503 when it is down. Pages that call svc-auth
                          get their 503 from gw_call and need not say so here. */
    NO_SESSION = 8,    /* do not look the visitor up (health checks) */
    NO_CSRF = 16,      /* a POST authorised by a secret in its URL (one-click unsubscribe) */
};

/* What a route's path segment ('*') must be; any other segment is the 404 page, answered by
 * the router before any bus call (a service never sees a segment that cannot name anything). */
enum route_param {
    PARAM_NONE,  /* the pattern has no '*' */
    PARAM_ID,    /* a talk's or a comment's id: 1 to 15 digits, not 0 */
    PARAM_NAME,  /* a username: 1 to 64 letters, digits, '_', '-' or '.' */
    PARAM_TOKEN, /* an unsubscribe token: 1 to 64 characters of base64url */
};

typedef struct route {
    const char *method;
    const char *pattern; /* '*' stands for one path segment, given to the page as param */
    void (*page)(gw_ctx *ctx);
    unsigned needs;
    enum route_param param;
} route;

/* The h2o handler for every dynamic path. */
int routes_on_req(h2o_handler_t *self, h2o_req_t *req);

/* The table, for the metrics' labels: how many routes, and route i (i < routes_count()). */
size_t routes_count(void);
const route *routes_get(size_t i);

#endif
