/* gw_call: the one place that talks to the bus. A route hands it a request and a function to
 * run with the reply; the event loop never waits on a service. */
#ifndef GW_CALL_H
#define GW_CALL_H

#include <h2o.h>
#include <nng/nng.h>

#include "gw_ctx.h"
#include "tp_ops.h"

enum gw_service { GW_AUTH, GW_TALKS, GW_COMMENTS, GW_MAIL, GW_NSERVICES };

typedef void (*gw_reply_fn)(gw_ctx *ctx, const msgpack_object *reply);

/* Listens on every service's bus address and hooks reply delivery into loop. */
int gw_bus_init(h2o_loop_t *loop, int timeout_ms, char *err, size_t errlen);
void gw_bus_close(void);
const char *gw_service_name(enum gw_service s);
/* The service of a role, or -1 (the gateway and talksctl are none). */
int gw_service_of_role(enum tp_role role);
/* The REQ socket the gateway holds for a service (the relay forwards over it too). */
nng_socket gw_bus_socket(enum gw_service s);

/* Sends request (its bytes are consumed: the writer is freed) to svc. When the reply arrives
 * on the loop thread, on_reply runs with it (a map; check its "ok"). If the service does not
 * answer in time, or answers garbage, gw_call sends the 503 page itself and on_reply never
 * runs; gw_call_try runs on_reply with NULL instead. If the client has gone, nothing runs. */
void gw_call(gw_ctx *ctx, enum gw_service svc, tp_w *request, gw_reply_fn on_reply);
void gw_call_try(gw_ctx *ctx, enum gw_service svc, tp_w *request, gw_reply_fn on_reply);
/* gw_call, but sent at the end of the loop's turn together with the turn's other batched calls
 * to svc, as one bus message when there are several (see TP_BATCH_MAX in tp_svc.h). For ops
 * that are quick and whose replies are small (a few kB at most: comments.create names the
 * comment it made instead of carrying it): the batch runs on one worker, and its reply must fit
 * in one message. */
void gw_call_batched(gw_ctx *ctx, enum gw_service svc, tp_w *request, gw_reply_fn on_reply);

/* Orphans the calls still in flight for a request that is going away. */
void gw_call_orphan_all(gw_ctx *ctx);

/* Reply helpers. */
bool gw_reply_ok(const msgpack_object *reply);
/* The reply's error code name ("not_found", …) or "" when ok. */
tp_str gw_reply_err(const msgpack_object *reply);
tp_str gw_reply_msg(const msgpack_object *reply);

#endif
