/* feeds: the thread that keeps the gateway's caches of other services' data in step with them.
 * Every half of the page cache's lifetime it asks svc-auth which accounts changed
 * (users_feed.h, for the users cache) and svc-talks in which state its talks are (talks_feed.h,
 * for the talks cache).
 *
 * Design notes: a question carries no state but where the last answer left off, so a gateway
 * that restarts, or a service that does, loses nothing. A question that gets no answer, or an
 * answer that does not fit its shape, changes nothing: what the caches hold then outlives the
 * page cache's lifetime no more, since each keeps data past it only while its feed's last answer
 * is within it. The first failure of a run of them is logged, and the answer that ends it. A
 * thread and not the loop: the wait is the services', and nothing of a page waits on it. */
#ifndef FEEDS_H
#define FEEDS_H

#include <nng/nng.h>
#include <stddef.h>

/* Starts the thread, asking on the gateway's REQ sockets for svc-auth and svc-talks, at most
 * timeout_ms a question; ttl_ms is the page cache's lifetime (below 200 ms no thread starts: the
 * caches then keep data for the lifetime alone). 0, or -1 with a reason in err. */
int feeds_start(nng_socket auth, nng_socket talks, long ttl_ms, int timeout_ms, char *err,
                size_t errlen);
/* Stops and joins the thread: after the bus sockets are closed, which ends a question it waits
 * on. */
void feeds_stop(void);

#endif
