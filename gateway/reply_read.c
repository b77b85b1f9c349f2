/* reply_read: checking replies in a request (see reply_read.h). */
#include "reply_read.h"

#include "gw_call.h"
#include "render.h"
#include "tp_log.h"

_Static_assert(REPLY_SECRET_MAX < GW_SECRET_TEXT, "a session from svc-auth fits its buffer");

/* True when reply fits shape; logs why not otherwise. */
static bool fits(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                 const reply_shape *shape)
{
    char why[200];
    if (reply_check(reply, shape, why, sizeof why) == 0) return true;
    tp_warn(ctx->rid, "malformed %s reply from svc-%s: %s", shape->name, service, why);
    return false;
}

bool reply_read_or_503(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                       const reply_shape *shape)
{
    if (fits(ctx, service, reply, shape)) return true;
    render_unavailable(ctx, service);
    return false;
}

const msgpack_object *reply_read_try(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                                     const reply_shape *shape)
{
    if (!gw_reply_ok(reply)) return NULL;
    if (fits(ctx, service, reply, shape)) return reply;
    ctx->partial = true;
    return NULL;
}
