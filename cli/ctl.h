/* ctl: how talksctl reaches a service — one request over its control address. */
#ifndef CTL_H
#define CTL_H

#include "tp_config.h"
#include "tp_svc.h"

/* Sends req (a finished request map) to the service; 0 with the parsed reply (free it), or -1
 * after printing one line saying the service is unreachable. */
int ctl_call(enum tp_setting ctl, const char *svc, const tp_w *req, tp_msg *reply);
/* The reply's "ok", and its "msg" into msg (NUL-terminated, possibly cut). */
bool ctl_reply_ok(const tp_msg *reply, char *msg, size_t msglen);

#endif
