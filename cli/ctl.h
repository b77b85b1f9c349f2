/* ctl: how talksctl reaches a service — one request over its control address. */
#ifndef CTL_H
#define CTL_H

#include "tp_config.h"
#include "tp_svc.h"

/* Sends req (a finished request map) to the service; 0 with the parsed reply (free it), or -1
 * after printing one line saying the service is unreachable. */
int ctl_call(enum tp_setting ctl, const char *svc, const tp_w *req, tp_msg *reply);
/* Sends req (then wiped, since it may hold a password, and freed) and reads the reply: 0 when it
 * is ok, else 1 after printing one line (the service's message, or that it is unreachable). */
int ctl_call_ok(enum tp_setting ctl, const char *svc, tp_w *req);
/* The reply's "ok", and its "msg" into msg (NUL-terminated, possibly cut). */
bool ctl_reply_ok(const tp_msg *reply, char *msg, size_t msglen);

#endif
