/* talks_cache: the talks the gateway read (talks.get's replies), remembered so that a talk page
 * the page cache cannot answer — one talk among thousands — does not ask svc-talks again for a
 * talk it read a moment before.
 *
 * Design notes: a talk page spread over 10 000 talks asked svc-talks talks.get every time, about
 * a fifth of what the page cost the stack (the bus call both ways and four system calls in
 * svc-talks), for talks that change a few times in their life. svc-talks draws a new random
 * state number in the transaction of every change to what talks.get shows (svc-talks/schema.h,
 * migration 6) and says it beside each talk; the feed (feeds.h) asks talks.state every half of
 * the page cache's lifetime (TALKS_PAGE_CACHE_MS; 0: nothing is remembered). A talk is fresh
 * within the lifetime of when it was learnt, as a cached page is, and after that for as long as
 * the feed's last answer is within the lifetime and says the state the talk was read in: no
 * talk has changed since. Any change then ends that for every talk (the state does not say
 * which one changed; changes are rare next to reads). A change made through this gateway
 * (talks.update, talks.delete) forgets every talk at once, and a reply to a talks.get asked
 * before it is not learnt from. A talks.get answered from here is delivered by gw_call at the
 * end of the loop's turn, as a bus reply is, with svc-talks' bytes checked against the reply's
 * shape again.
 * Loop thread only, but for talks_cache_state; a fixed direct-mapped table of TALKS_CACHE_SLOTS
 * talks (ids are dense: a talk whose slot is taken replaces the other), holding at most
 * TALKS_CACHE_BUDGET bytes of replies (a description may take 20 kB): past it, slots are emptied
 * in turn to make room.
 *
 * The pages of lists (talks.list: everyone's, newest first, or one speaker's) are remembered the
 * same way, in a table of their own (TALKS_CACHE_LIST_SLOTS, at most TALKS_CACHE_LIST_BUDGET
 * bytes: a page of fifty talks takes about 25 kB), by the author, page and page size the reply
 * says it is (svc-talks says them, with the state, in the same snapshot as the list): a speaker's
 * page and a logged-in reader's timeline, which the page cache never answers, asked svc-talks for
 * their list every time — 40 % of what a speaker's page cost the stack. A talk made through this
 * gateway (talks.create) forgets them, as an update or deletion does. */
#ifndef TALKS_CACHE_H
#define TALKS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_buf.h"
#include "tp_msg.h"

#define TALKS_CACHE_SLOTS       32768
#define TALKS_CACHE_BUDGET      (16u << 20)
#define TALKS_CACHE_LIST_SLOTS  4096
#define TALKS_CACHE_LIST_BUDGET (8u << 20)

/* Remembers talks for ttl_ms (0: never). */
void talks_cache_start(long ttl_ms);
void talks_cache_stop(void);

/* The fresh reply of talks.get for talk id, its msgpack bytes appended to out: true, or false
 * when none is. */
bool talks_cache_get(int64_t id, tp_buf *out);
/* Remembers a talks.get reply (one that fits its shape, to a call made at asked_ns on
 * tp_metrics_now_ns' clock) for the talk it holds. */
void talks_cache_put(const msgpack_object *reply, uint64_t asked_ns);
/* The fresh reply of talks.list for that page of author_id's talks (0: everyone's), per_page a
 * page, its msgpack bytes appended to out: true, or false when none is. */
bool talks_cache_list_get(int64_t author_id, int64_t page, int64_t per_page, tp_buf *out);
/* Remembers a talks.list reply (one that fits its shape, to a call made at asked_ns) as the page
 * it says it is. */
void talks_cache_list_put(const msgpack_object *reply, uint64_t asked_ns);
/* A talk changed through this gateway: every remembered talk and list goes. */
void talks_cache_forget(void);
/* From the feed's thread: talks.db was in state `state` when svc-talks answered the question
 * sent at sent_ms (CLOCK_MONOTONIC ms). */
void talks_cache_state(int64_t state, int64_t sent_ms);

#endif
