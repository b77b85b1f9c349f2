/* tp_relay: how a service asks another service something — through the gateway's relay (see
 * gateway/relay.h), so it needs no other service's address. Each calling service has a relay
 * address of its own (TALKS_BUS_RELAY_<SERVICE>): the address it arrives on is what tells the
 * gateway who is calling, and the gateway forwards only what tp_ops.h allows that caller. */
#ifndef TP_RELAY_H
#define TP_RELAY_H

#include "tp_msg.h"
#include "tp_op_inputs.h"
#include "tp_ops.h"

/* The relay address setting of a calling service, or -1 if it calls no one (tp_ops.h). */
int tp_relay_address(enum tp_role caller);
/* Which service this process is (tp_svc_main says so): its requests go to its own relay
 * address, where the gateway knows who is calling. */
void tp_relay_init(enum tp_role self);

/* Calls op (its owner answers) with in, the op's struct tp_in_<op> (tp_op_inputs.h), and waits at
 * most timeout_ms for the answer: 0 with the parsed reply (free it), or -1 with a reason. The
 * relay forwards it only if tp_ops.h allows this process's role to call op. Safe to call from
 * several threads. */
int tp_relay_send(enum tp_op_id op, const void *in, const char *rid, int timeout_ms, tp_msg *reply,
                  char *err, size_t errlen);
/* Closes the relay socket, once no call is under way (a service's stop, after its threads are
 * joined): nng then finalises every context, with the requests it kept to send again. A later
 * call opens a new socket. */
void tp_relay_close(void);

/* The typed form: tp_relay_call(TALKS_GET, rid, 2000, &reply, err, sizeof err, .id = 7). */
#define tp_relay_call(OP, rid, timeout_ms, reply, err, errlen, ...)                                \
    tp_relay_send(TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, rid, timeout_ms,      \
                  reply, err, errlen)

#endif
