/* ctl: how talksctl reaches a service — one request over its control address. */
#ifndef CTL_H
#define CTL_H

#include "tp_config.h"
#include "tp_svc.h"

/* Calls op on the control address of the service that owns it, with in (the op's struct
 * tp_in_<op>, tp_op_inputs.h) and request id rid; the request is wiped once sent (it may hold a
 * password). 0 with the parsed reply (free it), or -1 after printing one line saying the
 * service is unreachable. */
int ctl_send(enum tp_op_id op, const void *in, const char *rid, tp_msg *reply);
/* ctl_send, then 0 when the reply is ok, else 1 after printing one line (the service's message,
 * or that it is unreachable). */
int ctl_send_ok(enum tp_op_id op, const void *in, const char *rid);
/* The typed forms: ctl_op(TALKS_CREATE, rid, &reply, .author_id = 1, …), ctl_op_ok(…). */
#define ctl_op(OP, rid, reply, ...)                                                                \
    ctl_send(TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, rid, reply)
#define ctl_op_ok(OP, rid, ...)                                                                    \
    ctl_send_ok(TP_OP_##OP, &(const struct tp_in_TP_OP_##OP){__VA_ARGS__}, rid)
/* The reply's "ok", and its "msg" into msg (NUL-terminated, possibly cut). */
bool ctl_reply_ok(const tp_msg *reply, char *msg, size_t msglen);

#endif
