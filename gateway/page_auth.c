/* page_auth: logging in (/auth/login) and out (/auth/logout). A successful login gets a new
 * session id and a new CSRF cookie (no fixation); `next` is followed only to a local path. */
#include <string.h>

#include "csrf.h"
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "tp_svc.h"

/* The `next` parameter from the form or query when it is a safe local path, else "/". */
static const char *next_target(gw_ctx *ctx)
{
    const char *next = form_get(&ctx->body, "next");
    if (!next) next = form_get(&ctx->query, "next");
    return next && form_is_local_path(next, strlen(next)) ? next : "/";
}

static void show_login(gw_ctx *ctx, int status, const char *email)
{
    tp_w *w = render_begin(ctx, "Presenter Login");
    tp_w_kstr(w, "email", email);
    tp_w_kstr(w, "next", next_target(ctx));
    tp_w_kbool(w, "remember_me", form_has(&ctx->body, "remember_me"));
    render_page(ctx, status, "login");
}

void page_login_form(gw_ctx *ctx)
{
    show_login(ctx, 200, "");
}

static void on_login(gw_ctx *ctx, const gw_reply *r)
{
    tp_str session = {"", 0};
    int64_t expires_in = 0;
    if (r->err == TP_OK) {
        tp_get_str(r->map, "session", REPLY_SECRET_MAX, &session);
        tp_get_int(r->map, "expires_in", 1, INT32_MAX, &expires_in);
        char value[GW_SECRET_TEXT];
        memcpy(value, session.p, session.n);
        value[session.n] = '\0';
        bool remember = form_has(&ctx->body, "remember_me");
        render_set_cookie(ctx, "talks_session", value, remember ? (long)expires_in : -1);
        csrf_new_cookie(ctx->csrf_cookie);
        render_set_cookie(ctx, "talks_csrf", ctx->csrf_cookie, -1);
        render_redirect(ctx, next_target(ctx));
        return;
    }
    if (r->err == TP_ETHROTTLED) {
        render_error(ctx, 429, "Too many attempts",
                     "There have been too many failed logins. Please try again later.");
        return;
    }
    ctx->notice = "Invalid email or password.";
    show_login(ctx, 200, gw_field(ctx, "email"));
}

void page_login_submit(gw_ctx *ctx)
{
    gw_call(ctx, AUTH_LOGIN, on_login, .email = tp_s(gw_field(ctx, "email")),
            .password = tp_s(gw_field(ctx, "password")), .addr = tp_s(ctx->peer),
            .remember = form_has(&ctx->body, "remember_me"));
}

static void on_logout(gw_ctx *ctx, const gw_reply *r)
{
    (void)r; /* ended or already gone: either way the browser forgets it */
    render_set_cookie(ctx, "talks_session", "", 0);
    csrf_new_cookie(ctx->csrf_cookie);
    render_set_cookie(ctx, "talks_csrf", ctx->csrf_cookie, -1);
    render_flash(ctx, FLASH_LOGGED_OUT);
    render_redirect(ctx, "/");
}

void page_logout(gw_ctx *ctx)
{
    if (!ctx->session[0]) {
        render_redirect(ctx, "/");
        return;
    }
    gw_call(ctx, AUTH_LOGOUT, on_logout, .session = tp_s(ctx->session));
}
