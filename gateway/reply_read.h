/* reply_read: what a page does with a service's reply before using it. A reply that said ok
 * is checked against its shape (reply.h); one that does not fit is logged with the service and
 * what was wrong, and then counts as no answer: after gw_call the page answers 503 (the JSON
 * 503 under /api/), after gw_call_try the page goes on without it. */
#ifndef REPLY_READ_H
#define REPLY_READ_H

#include "gw_ctx.h"
#include "reply.h"

/* For a reply that said ok, from gw_call: true when it has shape; false after answering 503
 * (the caller just returns). service names it in the log and on the page ("talks"). */
bool reply_read_or_503(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                       const reply_shape *shape);
/* For a reply from gw_call_try: the reply when it said ok and has shape; NULL when there was
 * none, it said no, or it does not fit (logged; the page is then partial and never cached). */
const msgpack_object *reply_read_try(gw_ctx *ctx, const char *service, const msgpack_object *reply,
                                     const reply_shape *shape);

#endif
