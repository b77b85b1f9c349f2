/* tp_relay: how a service asks another service something — through the gateway's relay
 * (TALKS_BUS_RELAY; see gateway/relay.h), so it needs no other service's address. */
#ifndef TP_RELAY_H
#define TP_RELAY_H

#include "tp_msg.h"

/* Starts a request map for service `to` (then add arguments and close the map). */
void tp_relay_request(tp_w *w, const char *to, const char *op, const char *rid);
/* Sends the closed request and waits at most timeout_ms for the answer. 0 with the parsed reply
 * (free it), or -1 with a reason. Safe to call from several threads. */
int tp_relay_call(const tp_w *req, int timeout_ms, tp_msg *reply, char *err, size_t errlen);

#endif
