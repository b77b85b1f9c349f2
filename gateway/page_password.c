/* page_password: changing one's password while logged in (/profile/password). svc-auth checks
 * the current password under the login throttle, the new one's rules, and ends every other
 * session of the account (and its API tokens); the browser's own session goes on. */
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "tp_svc.h"

/* The form, never filled in again (it holds passwords), with a message per refused field. */
static void show_form(gw_ctx *ctx, int status, const msgpack_object *errors)
{
    tp_w *w = render_begin(ctx, "Change password");
    tp_w_key(w, "errors");
    reply_write(w, errors, &reply_password_errors);
    render_page(ctx, status, "profile_password");
}

void page_password_form(gw_ctx *ctx)
{
    show_form(ctx, 200, NULL);
}

static void on_changed(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        render_flash(ctx, FLASH_PASSWORD_CHANGED);
        render_redirect(ctx, "/profile");
        return;
    }
    if (r->err == TP_ETHROTTLED) {
        render_error(ctx, 429, "Too many attempts",
                     "The current password was wrong too many times. Please try again later.");
        return;
    }
    const msgpack_object *fields = r->err == TP_EINVAL ? tp_map_get(r->map, "fields") : NULL;
    ctx->notice = "Please correct the errors below.";
    show_form(ctx, 400, fields);
}

void page_password_submit(gw_ctx *ctx)
{
    int64_t id;
    if (tp_get_int(ctx->me, "id", 1, INT64_MAX, &id) != 0) {
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
        return;
    }
    gw_call(ctx, AUTH_PASSWORD_CHANGE, on_changed, .user_id = id, .session = tp_s(ctx->session),
            .current = tp_s(gw_field(ctx, "current")), .password = tp_s(gw_field(ctx, "password")),
            .confirm = tp_s(gw_field(ctx, "confirm")), .addr = tp_s(ctx->peer));
}
