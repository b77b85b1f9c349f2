/* talks_feed: keeps the talks cache (talks_cache.h) in step with svc-talks. The feeds' thread
 * (feeds.h) asks talks.state every half of the page cache's lifetime and hands the answer to
 * talks_cache_state: a talk read in that state is still what svc-talks holds. */
#ifndef TALKS_FEED_H
#define TALKS_FEED_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"

/* One question on the gateway's REQ socket for svc-talks, as request rid, and its answer applied
 * (talks_feed_apply; *cursor is the state it said): 0, or -1 with the reason in why (also when
 * svc-talks did not answer). */
int talks_feed_ask(nng_socket talks, const char *rid, int timeout_ms, int64_t *cursor, char *why,
                   size_t whylen);
/* One answer of talks.state, the question sent at sent_ms: hands the state to the talks cache and
 * into *state. 0, or -1 with the reason in why when it is not an answer (a refusal, or a reply out
 * of shape: nothing changes then). */
int talks_feed_apply(const msgpack_object *reply, int64_t sent_ms, int64_t *state, char *why,
                     size_t whylen);

#endif
