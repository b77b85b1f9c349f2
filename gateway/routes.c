/* routes: the page table and the router that runs every dynamic request through the same
 * steps: match → decode query and form → cookies → CSRF (every POST) → who is it (svc-auth) →
 * needs (login, admin) → the page. A step that fails answers the request itself. */
#include "routes.h"

#include <arpa/inet.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csrf.h"
#include "flash.h"
#include "gw_call.h"
#include "live.h"
#include "metrics.h"
#include "pages.h"
#include "render.h"
#include "talk_fetch.h"
#include "tp_json.h"
#include "tp_svc.h"
#include "trusted_proxy.h"

static const route routes[] = {
    {"GET", "/", page_home, 0, PARAM_NONE},
    {"GET", "/healthz", page_healthz, NO_SESSION, PARAM_NONE},
    {"GET", "/livez", page_livez, NO_SESSION, PARAM_NONE},
    {"GET", "/auth/login", page_login_form, NEED_AUTH_SVC, PARAM_NONE},
    {"POST", "/auth/login", page_login_submit, 0, PARAM_NONE},
    {"POST", "/auth/logout", page_logout, 0, PARAM_NONE},
    {"GET", "/auth/reset", page_reset_form, 0, PARAM_NONE},
    {"POST", "/auth/reset", page_reset_request, 0, PARAM_NONE},
    {"GET", "/auth/reset/*", page_reset_link, 0, PARAM_TOKEN},
    {"POST", "/auth/reset/*", page_reset_submit, 0, PARAM_TOKEN},
    {"GET", "/user/*", page_user, 0, PARAM_NAME},
    {"GET", "/user/*/feed.atom", page_user_feed, 0, PARAM_NAME},
    {"GET", "/feed.atom", page_feed, 0, PARAM_NONE},
    {"GET", "/search", page_search, 0, PARAM_NONE},
    {"GET", "/talk/*", page_talk, 0, PARAM_ID},
    {"POST", "/talk/*", page_comment_post, 0, PARAM_ID},
    {"GET", "/talk/*/feed.atom", page_talk_feed, 0, PARAM_ID},
    {"GET", "/talk/*/card.png", page_talk_card, NO_SESSION, PARAM_ID},
    {"GET", "/talk/*/live", page_talk_live, 0, PARAM_ID},
    {"POST", "/comment/*/approve", page_comment_approve, 0, PARAM_ID},
    {"POST", "/comment/*/delete", page_comment_delete, 0, PARAM_ID},
    {"POST", "/moderate/commenter/approve", page_commenter_approve, 0, PARAM_NONE},
    {"POST", "/moderate/commenter/delete", page_commenter_delete, 0, PARAM_NONE},
    {"GET", "/unsubscribe/*", page_unsubscribe, 0, PARAM_TOKEN},
    {"POST", "/unsubscribe/*", page_unsubscribe_post, NO_CSRF, PARAM_TOKEN},
    {"GET", "/moderate", page_moderate, NEED_LOGIN, PARAM_NONE},
    {"GET", "/moderate-admin", page_moderate_admin, NEED_ADMIN, PARAM_NONE},
    {"GET", "/new", page_talk_new, NEED_LOGIN, PARAM_NONE},
    {"POST", "/new", page_talk_create, NEED_LOGIN, PARAM_NONE},
    {"GET", "/edit/*", page_talk_edit, NEED_LOGIN, PARAM_ID},
    {"POST", "/edit/*", page_talk_update, NEED_LOGIN, PARAM_ID},
    {"GET", "/delete/*", page_talk_delete_form, NEED_LOGIN, PARAM_ID},
    {"POST", "/delete/*", page_talk_delete, NEED_LOGIN, PARAM_ID},
    {"GET", "/api/1.0/talks", api_talks_list, 0, PARAM_NONE},
    {"GET", "/api/1.0/talks/*", api_talk_get, 0, PARAM_ID},
    {"DELETE", "/api/1.0/talks/*", api_talk_delete, 0, PARAM_ID},
    {"GET", "/api/1.0/talks/*/comments", api_talk_comments, 0, PARAM_ID},
    {"POST", "/api/1.0/tokens", api_tokens_create, 0, PARAM_NONE},
    {"PUT", "/api/1.0/comments/*", api_comment_approve, 0, PARAM_ID},
    {"DELETE", "/api/1.0/comments/*", api_comment_delete, 0, PARAM_ID},
    {"POST", "/api/1.0/preview", api_preview, 0, PARAM_NONE},
    {"GET", "/api/1.0/search", api_search, 0, PARAM_NONE},
    {"GET", "/profile", page_profile_form, NEED_LOGIN, PARAM_NONE},
    {"POST", "/profile", page_profile_submit, NEED_LOGIN, PARAM_NONE},
    {"GET", "/profile/password", page_password_form, NEED_LOGIN, PARAM_NONE},
    {"POST", "/profile/password", page_password_submit, NEED_LOGIN, PARAM_NONE},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* ---- matching ---- */

static bool pattern_match(const char *pattern, const char *path, size_t len, tp_str *param)
{
    size_t i = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == '*') {
            size_t start = i;
            while (i < len && path[i] != '/') i++;
            if (i == start) return false;
            *param = (tp_str){path + start, i - start};
        } else if (i < len && path[i] == *p) {
            i++;
        } else {
            return false;
        }
    }
    return i == len;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* Whether the route's path segment can name anything (enum route_param). The name and token
 * rules are wider than svc-auth's usernames and svc-mail's tokens (a segment that passes and
 * names nothing is their not_found, a 404 page too), but hold every segment to bytes a service
 * can read: a %ff or %00 never reaches the bus. */
static bool param_fits(const gw_ctx *ctx)
{
    tp_str p = ctx->param;
    switch (ctx->route->param) {
    case PARAM_NONE:
        return true;
    case PARAM_ID:
        return talk_fetch_param_id(ctx) > 0;
    case PARAM_NAME:
    case PARAM_TOKEN:
        if (p.n == 0 || p.n > 64) return false;
        for (size_t i = 0; i < p.n; i++)
            if (!is_name_char(p.p[i]) || (ctx->route->param == PARAM_TOKEN && p.p[i] == '.'))
                return false;
        return true;
    }
    return false;
}

/* The route for this method and path; *path_known tells a wrong method (405) from a 404. */
static const route *find_route(h2o_req_t *req, tp_str *param, bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < NROUTES; i++) {
        if (!pattern_match(routes[i].pattern, req->path_normalized.base, req->path_normalized.len,
                           param))
            continue;
        *path_known = true;
        if (h2o_memis(req->method.base, req->method.len, routes[i].method,
                      strlen(routes[i].method)))
            return &routes[i];
        if (strcmp(routes[i].method, "GET") == 0 &&
            h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))
            return &routes[i];
    }
    return NULL;
}

/* ---- the request's context ---- */

static void ctx_dispose(void *p)
{
    gw_ctx *ctx = p;
    gw_call_orphan_all(ctx);
    for (int i = 0; i < ctx->nreplies; i++) tp_msg_free(&ctx->replies[i]);
    form_free(&ctx->query);
    form_free(&ctx->body);
    if (ctx->has_json) tp_msg_free(&ctx->json);
    tp_w_free(&ctx->page);
}

/* The client's address: the socket's peer, or, when the peer is a trusted proxy, the hop of
 * X-Forwarded-For that trusted_proxy_client picks — from all its lines, since a proxy such as
 * HAProxy adds a line of its own after any the client sent (never a header from anyone else). */
static void client_address(gw_ctx *ctx)
{
    h2o_req_t *req = ctx->req;
    struct sockaddr_storage sa;
    socklen_t n = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&sa);
    ctx->peer[0] = '\0';
    if (n && sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, ctx->peer, sizeof ctx->peer);
    else if (n && sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, ctx->peer, sizeof ctx->peer);
    if (!trusted_proxy_is(ctx->peer) || req->headers.size == 0) return;
    tp_str *lines = h2o_mem_alloc_pool(&req->pool, req->headers.size * sizeof *lines);
    size_t nlines = 0;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, i)) != -1;)
        lines[nlines++] =
            (tp_str){req->headers.entries[i].value.base, req->headers.entries[i].value.len};
    char client[sizeof ctx->peer];
    if (trusted_proxy_client(ctx->peer, lines, nlines, client, sizeof client))
        memcpy(ctx->peer, client, sizeof client);
}

/* Copies cookie name into out when it is present and looks like one of ours. */
static void read_cookie(h2o_req_t *req, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        const char *val;
        size_t n;
        if (!cookie_find(v.base, v.len, name, &val, &n) || n == 0 || n >= outlen) continue;
        for (size_t j = 0; j < n; j++) {
            char c = val[j];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
            if (!ok) return;
        }
        memcpy(out, val, n);
        out[n] = '\0';
        return;
    }
}

static void read_cookies(gw_ctx *ctx)
{
    char flash[16];
    read_cookie(ctx->req, "talks_session", ctx->session, sizeof ctx->session);
    read_cookie(ctx->req, "talks_csrf", ctx->csrf_cookie, sizeof ctx->csrf_cookie);
    read_cookie(ctx->req, "talks_flash", flash, sizeof flash);
    ctx->flash = -1;
    static const char *const codes[FLASH_COUNT] = {
#define FLASH_CODE(id, code, category, text) [id] = code,
        FLASHES(FLASH_CODE)
#undef FLASH_CODE
    };
    char *count = strchr(flash, '_'); /* a counted flash: code_N */
    if (count) {
        *count++ = '\0';
        char *end;
        long long n = strtoll(count, &end, 10);
        bool fits = *count >= '0' && *count <= '9' && !*end && n <= FLASH_COUNT_MAX;
        ctx->flash_count = fits ? n : 0;
    }
    for (int i = 0; i < FLASH_COUNT; i++)
        if (strcmp(flash, codes[i]) == 0) ctx->flash = i;
}

static bool has_content_type(h2o_req_t *req, const char *want)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0) return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    size_t n = strlen(want);
    return v.len >= n && h2o_lcstris(v.base, n, want, n) && (v.len == n || v.base[n] == ';');
}

/* An API body, when there is one, is a JSON object; it is kept as msgpack in ctx->json. */
static int read_json_body(gw_ctx *ctx)
{
    h2o_req_t *req = ctx->req;
    if (req->entity.len == 0) return 0;
    if (!has_content_type(req, "application/json")) {
        render_error(ctx, 415, "Unsupported media type",
                     "Send JSON, with Content-Type: application/json.");
        return -1;
    }
    tp_buf packed = TP_BUF_INIT;
    char why[160], message[200];
    int rc = json_to_msgpack(req->entity.base, req->entity.len, &packed, why, sizeof why);
    if (rc == 0 && tp_msg_parse(&ctx->json, packed.data, packed.len) == 0) {
        ctx->has_json = true;
    } else {
        snprintf(message, sizeof message, "Malformed JSON: %s",
                 rc == 0 ? "the body must be an object" : why);
        render_error(ctx, 400, "Bad request", message);
        rc = -1;
    }
    tp_buf_free(&packed);
    return rc ? -1 : 0;
}

/* ---- the steps after svc-auth has said who this is ---- */

static void run_page(gw_ctx *ctx)
{
    const route *r = ctx->route;
    if ((r->needs & (NEED_LOGIN | NEED_ADMIN)) && !ctx->me) {
        tp_buf next = TP_BUF_INIT, url = TP_BUF_INIT;
        tp_buf_append(&next, ctx->req->path.base, ctx->req->path.len);
        tp_buf_puts(&url, "/auth/login?next=");
        form_url_encode(&url, next.data, next.len);
        render_flash(ctx, FLASH_LOGIN_REQUIRED);
        render_redirect(ctx, url.data);
        tp_buf_free(&next);
        tp_buf_free(&url);
        return;
    }
    bool admin = false;
    if ((r->needs & NEED_ADMIN) && (tp_get_bool(ctx->me, "is_admin", &admin) || !admin)) {
        render_error(ctx, 403, "Forbidden", "This page is for administrators.");
        return;
    }
    r->page(ctx);
}

static void on_counts(gw_ctx *ctx, const gw_reply *r)
{
    ctx->counts = r->err == TP_OK ? r->map : NULL;
    run_page(ctx);
}

/* The navbar's moderation badges; a page still shows, without them, if svc-comments is down. */
static void ask_counts(gw_ctx *ctx)
{
    int64_t id = 0;
    bool admin = false;
    tp_get_int(ctx->me, "id", 1, INT64_MAX, &id);
    tp_get_bool(ctx->me, "is_admin", &admin);
    gw_call_try(ctx, COMMENTS_COUNTS, on_counts, .user_id = id, .is_admin = admin);
}

static void on_session(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_EUNAVAILABLE) {
        if (ctx->route->needs & (NEED_LOGIN | NEED_ADMIN | NEED_AUTH_SVC)) {
            render_unavailable(ctx, "auth");
            return;
        }
    } else if (r->err == TP_OK) {
        ctx->me = tp_map_get(r->map, "user");
        ask_counts(ctx);
        return;
    } else {
        /* Expired or ended: forget the cookie, and sign this page's forms without it. */
        render_set_cookie(ctx, "talks_session", "", 0);
        ctx->session[0] = '\0';
        csrf_token(ctx->csrf_cookie, ctx->session, ctx->csrf_token);
    }
    run_page(ctx);
}

static void on_auth_ping(gw_ctx *ctx, const gw_reply *r)
{
    (void)r; /* gw_ping answered 503 itself if svc-auth is down */
    run_page(ctx);
}

/* ---- the handler ---- */

int routes_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    gw_ctx *ctx = h2o_mem_alloc_shared(&req->pool, sizeof *ctx, ctx_dispose);
    memset(ctx, 0, sizeof *ctx);
    ctx->req = req;
    ctx->flash = -1;
    tp_w_init(&ctx->page);
    /* The answer carries it from the start, so access_log.c finds it even for a client that
     * left before its answer. */
    request_id_of(req, ctx->rid);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          ctx->rid, strlen(ctx->rid));
    client_address(ctx);
    read_cookies(ctx);
    if (!ctx->csrf_cookie[0]) {
        csrf_new_cookie(ctx->csrf_cookie);
        render_set_cookie(ctx, "talks_csrf", ctx->csrf_cookie, -1);
    }
    csrf_token(ctx->csrf_cookie, ctx->session, ctx->csrf_token);

    ctx->api =
        h2o_memis(req->path_normalized.base,
                  req->path_normalized.len < 5 ? req->path_normalized.len : 5, H2O_STRLIT("/api/"));
    bool path_known;
    ctx->route = find_route(req, &ctx->param, &path_known);
    if (!ctx->route) {
        if (path_known) {
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                           H2O_STRLIT("GET, POST"));
            render_error(ctx, 405, "Method not allowed", "This page cannot be used that way.");
        } else {
            render_not_found(ctx);
        }
        return 0;
    }
    metrics_http_route(req, (size_t)(ctx->route - routes));
    if (!param_fits(ctx)) {
        render_not_found(ctx);
        return 0;
    }

    if (req->entity.len > GW_MAX_BODY) { /* see max_request_entity_size in main.c */
        render_error(ctx, 413, "Too much data",
                     "The request sent more than 1 MiB. Please send less.");
        return 0;
    }
    enum form_err fe = FORM_OK;
    static const char *const lenient[] = {"page", "q", NULL};
    if (req->query_at != SIZE_MAX)
        fe = form_parse_query(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1,
                              lenient, &ctx->query);
    if (fe == FORM_OK && ctx->api) {
        if (read_json_body(ctx) != 0) return 0;
    } else if (fe == FORM_OK && strcmp(ctx->route->method, "POST") == 0) {
        if (!has_content_type(req, "application/x-www-form-urlencoded")) {
            render_error(ctx, 400, "Bad request", "This form must be sent as a web form.");
            return 0;
        }
        fe = form_parse(req->entity.base ? req->entity.base : "", req->entity.len, &ctx->body);
        if (fe == FORM_OK && !(ctx->route->needs & NO_CSRF) &&
            !csrf_token_is(ctx->csrf_token, form_get(&ctx->body, "csrf_token"))) {
            render_error(ctx, 400, "Form expired",
                         "The form was out of date or did not come from this site. Please go "
                         "back, reload the page and try again.");
            return 0;
        }
    }
    if (fe != FORM_OK) {
        render_error(ctx, 400, "Bad request", form_err_message(fe));
        return 0;
    }

    if (ctx->session[0] && !(ctx->route->needs & NO_SESSION))
        gw_call_try(ctx, AUTH_SESSION, on_session, .session = tp_s(ctx->session));
    else if (ctx->route->needs & NEED_AUTH_SVC)
        gw_ping(ctx, GW_NEED, GW_AUTH, on_auth_ping);
    else
        run_page(ctx);
    return 0;
}

size_t routes_count(void)
{
    return NROUTES;
}

const route *routes_get(size_t i)
{
    return &routes[i];
}
