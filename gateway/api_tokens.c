/* api_tokens: POST /api/1.0/tokens — HTTP Basic (email:password) in, a bearer token out
 * ({"token", "expires_in"}), under the same throttling as the login form. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "tp_svc.h"

static void on_token(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        tp_w out;
        tp_w_init(&out);
        tp_w_map_begin(&out);
        tp_w_kobject(&out, "token", tp_map_get(r->map, "token"));
        tp_w_kobject(&out, "expires_in", tp_map_get(r->map, "expires_in"));
        tp_w_map_end(&out);
        render_json_bytes(ctx, 200, &out);
    } else if (r->err == TP_ETHROTTLED) {
        render_json_error(ctx, 429, "Too many failed attempts. Please try again later.");
    } else {
        render_json_error(ctx, 401, "Invalid email or password.");
    }
}

void api_tokens_create(gw_ctx *ctx)
{
    ssize_t i = h2o_find_header(&ctx->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    char *email = NULL, *password = NULL;
    if (i < 0 || !http_basic_parse(ctx->req->headers.entries[i].value.base,
                                   ctx->req->headers.entries[i].value.len, &email, &password)) {
        h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Basic realm=\"Talks\""));
        render_json_error(ctx, 401, "Send your email and password with HTTP Basic authentication.");
        return;
    }
    gw_call(ctx, AUTH_TOKEN_CREATE, on_token, .email = tp_s(email), .password = tp_s(password),
            .addr = tp_s(ctx->peer));
    sodium_memzero(password, strlen(password)); /* the request holds its own copy */
    free(email);
    free(password);
}
