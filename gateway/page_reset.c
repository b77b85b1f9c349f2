/* page_reset: a forgotten password (/auth/reset, /auth/reset/<token>). The request goes to
 * svc-mail, which asks svc-auth for a link and mails it only when an account has that address:
 * the page that follows is the same either way (no enumeration). The link's page checks it
 * first, then sets the new password, which ends every session and API token of the account. */
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply_read.h"
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

static void on_requested(gw_ctx *ctx, const msgpack_object *reply)
{
    if (gw_reply_ok(reply)) {
        tp_w *w = render_begin(ctx, "Check your mail");
        tp_w_kbool(w, "sent", true);
        render_page(ctx, 200, "reset_request");
    } else if (tp_str_eq(gw_reply_err(reply), "throttled")) {
        render_error(ctx, 429, "Too many attempts",
                     "There have been too many reset requests. Please try again later.");
    } else {
        render_unavailable(ctx, "mail");
    }
}

void page_reset_request(gw_ctx *ctx)
{
    tp_w call;
    tp_w_init(&call);
    tp_w_call(&call, TP_OP_MAIL_PASSWORD_RESET, ctx->rid,
              &(struct tp_in_TP_OP_MAIL_PASSWORD_RESET){.email = tp_s(gw_field(ctx, "email")),
                                                        .addr = tp_s(ctx->peer)});
    gw_call(ctx, GW_MAIL, &call, on_requested);
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

static void on_checked(gw_ctx *ctx, const msgpack_object *reply)
{
    if (gw_reply_ok(reply))
        show_new_password_form(ctx, 200, NULL);
    else if (tp_str_eq(gw_reply_err(reply), "not_found"))
        link_expired(ctx);
    else
        render_unavailable(ctx, "auth");
}

void page_reset_link(gw_ctx *ctx)
{
    tp_w call;
    tp_w_init(&call);
    tp_w_call(&call, TP_OP_AUTH_RESET_CHECK, ctx->rid,
              &(struct tp_in_TP_OP_AUTH_RESET_CHECK){.token = ctx->param});
    gw_call(ctx, GW_AUTH, &call, on_checked);
}

static void on_reset(gw_ctx *ctx, const msgpack_object *reply)
{
    if (gw_reply_ok(reply)) {
        render_flash(ctx, FLASH_PASSWORD_RESET);
        render_redirect(ctx, "/auth/login");
        return;
    }
    tp_str err = gw_reply_err(reply);
    if (tp_str_eq(err, "not_found")) {
        link_expired(ctx);
        return;
    }
    const msgpack_object *fields = NULL;
    if (tp_str_eq(err, "invalid")) {
        fields = tp_map_get(reply, "fields");
        if (!reply_read_or_503(ctx, "auth", fields, &reply_password_errors)) return;
    }
    ctx->notice = "Please correct the errors below.";
    show_new_password_form(ctx, 400, fields);
}

void page_reset_submit(gw_ctx *ctx)
{
    tp_w call;
    tp_w_init(&call);
    tp_w_call(&call, TP_OP_AUTH_RESET_USE, ctx->rid,
              &(struct tp_in_TP_OP_AUTH_RESET_USE){.token = ctx->param,
                                                   .password = tp_s(gw_field(ctx, "password")),
                                                   .confirm = tp_s(gw_field(ctx, "confirm"))});
    gw_call(ctx, GW_AUTH, &call, on_reset);
}
