/* page_unsubscribe: /unsubscribe/<token>, the link in every notification mail. GET only shows
 * what will stop and a button (mail scanners follow links; a GET changes nothing); POST stops
 * it. The POST needs no CSRF token: the unguessable token is the permission, and RFC 8058
 * one-click unsubscribing (List-Unsubscribe-Post) comes from mail clients, which have none. */
#include <inttypes.h>
#include <stdio.h>

#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "tp_svc.h"

/* The page, asking (done == false) or saying it is done. */
static void show(gw_ctx *ctx, const gw_reply *r, bool done)
{
    if (r->err != TP_OK) {
        render_error(ctx, 404, "Link not valid", "This unsubscribe link is not valid.");
        return;
    }
    const msgpack_object *reply = r->map;
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

static void on_info(gw_ctx *ctx, const gw_reply *r)
{
    show(ctx, r, false);
}

static void on_unsubscribed(gw_ctx *ctx, const gw_reply *r)
{
    show(ctx, r, true);
}

void page_unsubscribe(gw_ctx *ctx)
{
    gw_call(ctx, MAIL_UNSUBSCRIBE_INFO, on_info, .token = ctx->param);
}

void page_unsubscribe_post(gw_ctx *ctx)
{
    gw_call(ctx, MAIL_UNSUBSCRIBE, on_unsubscribed, .token = ctx->param);
}
