/* page_unsubscribe: /unsubscribe/<token>, the link in every notification mail. GET only shows
 * what will stop and a button (mail scanners follow links; a GET changes nothing); POST stops
 * it. The POST needs no CSRF token: the unguessable token is the permission, and RFC 8058
 * one-click unsubscribing (List-Unsubscribe-Post) comes from mail clients, which have none. */
#include <inttypes.h>
#include <stdio.h>

#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "reply_read.h"
#include "tp_svc.h"

static void ask(gw_ctx *ctx, const char *op, gw_reply_fn on_reply)
{
    tp_w call;
    tp_w_init(&call);
    tp_w_request(&call, op, ctx->rid);
    tp_w_kstrn(&call, "token", ctx->param.p, ctx->param.n);
    tp_w_map_end(&call);
    gw_call(ctx, GW_MAIL, &call, on_reply);
}

/* The page, asking (done == false) or saying it is done. */
static void show(gw_ctx *ctx, const msgpack_object *reply, bool done)
{
    if (!gw_reply_ok(reply)) {
        render_error(ctx, 404, "Link not valid", "This unsubscribe link is not valid.");
        return;
    }
    if (!reply_read_or_503(ctx, "mail", reply,
                           done ? &reply_mail_unsubscribe : &reply_mail_unsubscribe_info))
        return;
    int64_t talk_id = 0;
    bool active = false;
    tp_get_int(reply, "talk_id", 1, INT64_MAX, &talk_id);
    tp_get_bool(reply, "active", &active);
    char talk_url[40], action[300];
    snprintf(talk_url, sizeof talk_url, "/talk/%" PRId64, talk_id);
    snprintf(action, sizeof action, "/unsubscribe/%.*s", (int)ctx->param.n, ctx->param.p);
    tp_w *w = render_begin(ctx, "Email notifications");
    tp_w_kstr(w, "talk_url", talk_url);
    tp_w_kstr(w, "action", action);
    tp_w_kobject(w, "email_hint", tp_map_get(reply, "email_hint"));
    tp_w_kbool(w, "done", done);
    tp_w_kbool(w, "already", !done && !active);
    render_page(ctx, 200, "unsubscribe");
}

static void on_info(gw_ctx *ctx, const msgpack_object *reply)
{
    show(ctx, reply, false);
}

static void on_unsubscribed(gw_ctx *ctx, const msgpack_object *reply)
{
    show(ctx, reply, true);
}

void page_unsubscribe(gw_ctx *ctx)
{
    ask(ctx, "mail.unsubscribe_info", on_info);
}

void page_unsubscribe_post(gw_ctx *ctx)
{
    ask(ctx, "mail.unsubscribe", on_unsubscribed);
}
