/* page_reset: a forgotten password (/auth/reset, /auth/reset/<token>). The request goes to
 * svc-mail, which asks svc-auth for a link and mails it only when an account has that address:
 * the page that follows is the same either way (no enumeration). The link's page checks it
 * first, then sets the new password, which ends every session and API token of the account. */
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "tp_svc.h"

static void show_request_form(gw_ctx *ctx)
{
    render_begin(ctx, "Reset your password");
    render_page(ctx, 200, "reset_request");
}

void page_reset_form(gw_ctx *ctx)
{
    show_request_form(ctx);
}

static void on_requested(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        tp_w *w = render_begin(ctx, "Check your mail");
        tp_w_kbool(w, "sent", true);
        render_page(ctx, 200, "reset_request");
    } else if (r->err == TP_ETHROTTLED) {
        render_error(ctx, 429, "Too many attempts",
                     "There have been too many reset requests. Please try again later.");
    } else {
        render_unavailable(ctx, "mail");
    }
}

void page_reset_request(gw_ctx *ctx)
{
    gw_call(ctx, MAIL_PASSWORD_RESET, on_requested, .email = tp_s(gw_field(ctx, "email")),
            .addr = tp_s(ctx->peer));
}

/* ---- the link ---- */

static void show_new_password_form(gw_ctx *ctx, int status, const msgpack_object *errors)
{
    tp_w *w = render_begin(ctx, "Choose a new password");
    tp_w_kstrn(w, "token", ctx->param.p, ctx->param.n);
    tp_w_key(w, "errors");
    reply_write(w, errors, &reply_password_errors);
    render_page(ctx, status, "reset_password");
}

/* Answers a link that does not work (any more): a page that offers a new one. */
static void link_expired(gw_ctx *ctx)
{
    render_error(ctx, 404, "This link does not work",
                 "This reset link has expired or was already used. Ask for a new one at "
                 "/auth/reset.");
}

static void on_checked(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK)
        show_new_password_form(ctx, 200, NULL);
    else if (r->err == TP_ENOTFOUND)
        link_expired(ctx);
    else
        render_unavailable(ctx, "auth");
}

void page_reset_link(gw_ctx *ctx)
{
    gw_call(ctx, AUTH_RESET_CHECK, on_checked, .token = ctx->param);
}

static void on_reset(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        render_flash(ctx, FLASH_PASSWORD_RESET);
        render_redirect(ctx, "/auth/login");
        return;
    }
    if (r->err == TP_ENOTFOUND) {
        link_expired(ctx);
        return;
    }
    const msgpack_object *fields = r->err == TP_EINVAL ? tp_map_get(r->map, "fields") : NULL;
    ctx->notice = "Please correct the errors below.";
    show_new_password_form(ctx, 400, fields);
}

void page_reset_submit(gw_ctx *ctx)
{
    gw_call(ctx, AUTH_RESET_USE, on_reset, .token = ctx->param,
            .password = tp_s(gw_field(ctx, "password")), .confirm = tp_s(gw_field(ctx, "confirm")));
}
