/* relay: requests from one service to another go through the hub (DESIGN §2): a service sends
 * its ordinary request map, plus "to": "<service>", to TALKS_BUS_RELAY, and the gateway passes
 * it on over the same REQ socket its pages use and sends the answer back. So no service needs
 * another's address, and replicas and restarts stay invisible. */
#ifndef RELAY_H
#define RELAY_H

#include <stddef.h>

int relay_start(int timeout_ms, char *err, size_t errlen);
void relay_stop(void);

#endif
