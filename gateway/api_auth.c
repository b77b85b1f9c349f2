/* api_auth: bearer tokens and same-site page calls (see api_auth.h). */
#include "api_auth.h"

#include <string.h>

#include "csrf.h"
#include "gw_call.h"
#include "render.h"
#include "tp_svc.h"

#define TOKEN_MAX 256

typedef struct auth_wait {
    api_user_fn then;
} auth_wait;

bool api_csrf_header_valid(const gw_ctx *ctx)
{
    ssize_t i = h2o_find_header_by_str(&ctx->req->headers, H2O_STRLIT("x-csrf-token"), -1);
    if (i < 0) return false;
    h2o_iovec_t v = ctx->req->headers.entries[i].value;
    char token[GW_SECRET_TEXT];
    if (v.len == 0 || v.len >= sizeof token) return false;
    memcpy(token, v.base, v.len);
    token[v.len] = '\0';
    return csrf_token_is(ctx->csrf_token, token);
}

/* The bearer token offered, if any: 1 found, 0 none, -1 malformed. */
static int find_token(const gw_ctx *ctx, tp_str *token)
{
    ssize_t i = h2o_find_header(&ctx->req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i >= 0) {
        h2o_iovec_t v = ctx->req->headers.entries[i].value;
        return http_bearer_parse(v.base, v.len, &token->p, &token->n) ? 1 : -1;
    }
    if (ctx->has_json && tp_map_get(ctx->json.root, "token"))
        return tp_get_str(ctx->json.root, "token", TOKEN_MAX, token) == 0 && token->n ? 1 : -1;
    return 0;
}

bool api_has_token(const gw_ctx *ctx)
{
    tp_str token;
    return find_token(ctx, &token) != 0;
}

static void on_token(gw_ctx *ctx, const gw_reply *r)
{
    auth_wait *a = ctx->page_state;
    if (r->err != TP_OK) {
        render_json_error(ctx, 401, "Invalid authentication token.");
        return;
    }
    a->then(ctx, tp_map_get(r->map, "user"));
}

void api_authenticate(gw_ctx *ctx, api_user_fn then)
{
    tp_str token;
    int found = find_token(ctx, &token);
    if (found == 0 && ctx->me && api_csrf_header_valid(ctx)) {
        then(ctx, ctx->me);
        return;
    }
    if (found <= 0) {
        render_json_error(ctx, 401,
                          found < 0 ? "Invalid authentication token."
                                    : "Authentication token not provided.");
        return;
    }
    auth_wait *a = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *a);
    a->then = then;
    ctx->page_state = a;
    gw_call_batched(ctx, AUTH_TOKEN_CHECK, on_token, .token = token);
}
