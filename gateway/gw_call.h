/* gw_call: the one place that talks to the bus. A route hands it a request and a function to
 * run with the reply; the event loop never waits on a service. */
#ifndef GW_CALL_H
#define GW_CALL_H

#include <h2o.h>
#include <nng/nng.h>

#include "gw_ctx.h"
#include "tp_err.h"
#include "tp_op_inputs.h"
#include "tp_ops.h"

enum gw_service { GW_AUTH, GW_TALKS, GW_COMMENTS, GW_MAIL, GW_NSERVICES };

/* A service's answer to one call, as a page sees it. The error code is read once, here. */
typedef struct gw_reply {
    tp_err err; /* TP_OK, the service's error, or TP_EUNAVAILABLE (no usable answer) */
    /* The reply map: when ok, it fits the op's shape (reply.h), and when invalid its "fields"
     * fit the op's field-errors shape; NULL when unavailable. */
    const msgpack_object *map;
} gw_reply;

typedef void (*gw_reply_fn)(gw_ctx *ctx, const gw_reply *r);

/* What a page does without an answer (no reply in time, garbage, or a reply that does not fit
 * its shape): GW_NEED answers the 503 page (the page layer's, given to gw_bus_init) and the
 * callback never runs; GW_TRY runs it with TP_EUNAVAILABLE and marks the page partial (never
 * cached); GW_BATCHED is GW_NEED, but sent at the end of the loop's turn together with the
 * turn's other batched calls to the same service, as one bus message when there are several
 * (see TP_BATCH_MAX in tp_svc.h) — for quick ops, since the batch runs on one worker; their
 * replies should be small (a few kB to tens of kB: comments.create names the comment it made
 * instead of carrying it), for the batch's reply must fit in one message: when it would not,
 * the service leaves the largest replies out and those calls are sent again alone (so a write,
 * whose reply is small, never runs twice). GW_TRY_BATCHED is GW_TRY
 * sent the same way: the reads of the talk page and the lists that many requests make at once
 * (talks.get, comments.list, auth.users_get, comments.approved_counts). */
enum gw_mode { GW_NEED, GW_TRY, GW_BATCHED, GW_TRY_BATCHED };

/* Listens on every service's bus address and hooks reply delivery into loop; unavailable is
 * how a GW_NEED call without an answer is answered. */
int gw_bus_init(h2o_loop_t *loop, int timeout_ms, void (*unavailable)(gw_ctx *, const char *svc),
                char *err, size_t errlen);
void gw_bus_close(void);
const char *gw_service_name(enum gw_service s);
/* The service of a role, or -1 (the gateway and talksctl are none). */
int gw_service_of_role(enum tp_role role);
/* The REQ socket the gateway holds for a service (the relay forwards over it too). */
nng_socket gw_bus_socket(enum gw_service s);

/* Calls op (its owner answers) with in, the op's struct tp_in_<op> (tp_op_inputs.h; NULL for an
 * op without fields). When the answer arrives on the loop thread, on_reply runs with it, as
 * mode says; if the client has gone, nothing runs. */
void gw_send(gw_ctx *ctx, enum gw_mode mode, enum tp_op_id op, const void *in,
             gw_reply_fn on_reply);
/* The typed forms: gw_call(ctx, TALKS_GET, on_talk, .id = 7) — the op's name and fields are
 * checked by the compiler. */
#define gw_call(ctx, OP, on_reply, ...)                                                            \
    gw_send(ctx, GW_NEED, TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, on_reply)
#define gw_call_try(ctx, OP, on_reply, ...)                                                        \
    gw_send(ctx, GW_TRY, TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, on_reply)
#define gw_call_batched(ctx, OP, on_reply, ...)                                                    \
    gw_send(ctx, GW_BATCHED, TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, on_reply)
#define gw_call_try_batched(ctx, OP, on_reply, ...)                                                \
    gw_send(ctx, GW_TRY_BATCHED, TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__},        \
            on_reply)
/* Asks svc whether it is up. */
void gw_ping(gw_ctx *ctx, enum gw_mode mode, enum gw_service svc, gw_reply_fn on_reply);

/* Orphans the calls still in flight for a request that is going away. */
void gw_call_orphan_all(gw_ctx *ctx);

/* The reply's "msg" (a service's message for the user), or "". */
tp_str gw_reply_msg(const gw_reply *r);

#endif
