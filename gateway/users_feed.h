/* users_feed: keeps the users cache (users_cache.h) in step with svc-auth. The feeds' thread
 * (feeds.h) asks auth.names_after, every half of the page cache's lifetime, for the accounts
 * whose profile changed after the last change number it has seen, and hands them to
 * users_cache_changed.
 *
 * Design notes: svc-auth numbers every change of what a page shows of an account (users.
 * profile_seq, in the transaction of the change), the same numbers svc-talks follows for its
 * copy of the names. The first answer only says where the numbers are (the question asks after
 * the largest number there is), and everything remembered before it is forgotten. An answer
 * whose last number is below the one reached means auth.db went back (a restored backup):
 * everything is forgotten and the feed goes on from there. */
#ifndef USERS_FEED_H
#define USERS_FEED_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"

/* One question on the gateway's REQ socket for svc-auth, as request rid, asked after *cursor (-1:
 * the first question), and its answer applied (users_feed_apply): 1 when more changes wait, 0 when
 * none, -1 with the reason in why (also when svc-auth did not answer). */
int users_feed_ask(nng_socket auth, const char *rid, int timeout_ms, int64_t *cursor, char *why,
                   size_t whylen);
/* One answer of auth.names_after, asked after *cursor (-1: the first question), the question sent
 * at sent_ms: hands what it says to the users cache and moves *cursor. 1 when more changes wait
 * (the answer was full), 0 when none, -1 with the reason in why when it is not an answer (a
 * refusal, or a reply out of shape or out of order: nothing changes then). */
int users_feed_apply(const msgpack_object *reply, int64_t *cursor, int64_t sent_ms, char *why,
                     size_t whylen);

#endif
