/* tp_ask: one request on a REQ socket, and its reply waited for — for the threads that ask a
 * service something outside an event loop (a service through the relay, tp_relay.h; the
 * gateway's users feed, gateway/users_feed.h). */
#ifndef TP_ASK_H
#define TP_ASK_H

#include <nng/nng.h>
#include <stddef.h>

#include "tp_msg.h"
#include "tp_ops.h"

/* Sends op with in (the op's struct tp_in_<op>, tp_op_inputs.h) and request id rid on its own
 * context of s, and waits at most timeout_ms for each of the send and the reply: 0 with the
 * parsed reply (free it), or -1 with nng's reason in err. Safe to call from several threads. */
int tp_ask(nng_socket s, enum tp_op_id op, const void *in, const char *rid, int timeout_ms,
           tp_msg *reply, char *err, size_t errlen);

#endif
