/* relay: requests from one service to another go through the hub (DESIGN §2): a service sends
 * its ordinary request map to its own relay address (TALKS_BUS_RELAY_<SERVICE>), and the gateway
 * passes it on over the REQ socket its pages use to the service that owns the op, and sends the
 * answer back. So no service needs another's address, and replicas and restarts stay invisible.
 * The address a request arrives on says who is calling (on TLS, its listener accepts only that
 * service's certificate); an op tp_ops.h does not allow that caller is refused with "forbidden"
 * and logged, and what is forwarded says who called (see "relay" in tp_svc.h). */
#ifndef RELAY_H
#define RELAY_H

#include <stddef.h>

int relay_start(int timeout_ms, char *err, size_t errlen);
void relay_stop(void);

#endif
