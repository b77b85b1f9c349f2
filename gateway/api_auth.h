/* api_auth: who is calling the JSON API. Either a bearer token (the Authorization header, or
 * for compatibility a "token" member of the JSON body), checked by svc-auth; or the site's own
 * pages: the session cookie together with an X-CSRF-Token header holding the page's token, so
 * no long-lived token is ever written into a page. */
#ifndef API_AUTH_H
#define API_AUTH_H

#include "gw_ctx.h"

typedef void (*api_user_fn)(gw_ctx *ctx, const msgpack_object *user);

/* Runs then with the caller's account, or answers 401 (or 503) itself. */
void api_authenticate(gw_ctx *ctx, api_user_fn then);
/* True when the request carries this browser's CSRF token in X-CSRF-Token. */
bool api_csrf_header_valid(const gw_ctx *ctx);
/* True when the request offers a bearer token (header or body). */
bool api_has_token(const gw_ctx *ctx);

#endif
