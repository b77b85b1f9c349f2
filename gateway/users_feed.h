/* users_feed: keeps the users cache (users_cache.h) in step with svc-auth. A thread of its own
 * asks auth.names_after, every half of the page cache's lifetime, for the accounts whose profile
 * changed after the last change number it has seen, and hands them to users_cache_changed.
 *
 * Design notes: svc-auth numbers every change of what a page shows of an account (users.
 * profile_seq, in the transaction of the change), the same numbers svc-talks follows for its
 * copy of the names; a question carries no state but the number, so a gateway that restarts, or
 * a svc-auth that does, loses nothing. The first answer only says where the numbers are (the
 * question asks after the largest number there is), and everything remembered before it is
 * forgotten. An answer whose last number is below the one reached means auth.db went back (a
 * restored backup): everything is forgotten and the feed goes on from there. A question that
 * gets no answer, or an answer that does not fit its shape, changes nothing: the accounts then
 * outlive the page cache's lifetime no more, since the cache keeps an account past it only while
 * the feed's last answer is within it. A thread and not the loop: the wait is svc-auth's, and
 * nothing of a page waits on it. */
#ifndef USERS_FEED_H
#define USERS_FEED_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"

/* Starts the thread, asking on the gateway's REQ socket for svc-auth, at most timeout_ms a
 * question; ttl_ms is the page cache's lifetime. 0, or -1 with a reason in err. */
int users_feed_start(nng_socket auth, long ttl_ms, int timeout_ms, char *err, size_t errlen);
/* Stops and joins the thread: after the bus sockets are closed, which ends a question it waits
 * on. */
void users_feed_stop(void);

/* One answer of auth.names_after, asked after *cursor (-1: the first question), the question sent
 * at sent_ms: hands what it says to the users cache and moves *cursor. 1 when more changes wait
 * (the answer was full), 0 when none, -1 with the reason in why when it is not an answer (a
 * refusal, or a reply out of shape or out of order: nothing changes then). */
int users_feed_apply(const msgpack_object *reply, int64_t *cursor, int64_t sent_ms, char *why,
                     size_t whylen);

#endif
