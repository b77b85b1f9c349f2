/* events: turning svc-comments' events into queued notifications.
 *
 * Design notes: what svc-mail acts on (who to mail, about which comment, how far it has read)
 * comes only from svc-comments' outbox, read through the relay (comments.events_after), never
 * from pub/sub (SPEC section 9, "events as hints"): an event believed from pub/sub let a forger
 * subscribe an address, mail real subscribers a text of their own, and move the cursor past real
 * comments, which were then never notified. So a "comment.events" message is only a wake-up: its
 * content is not even parsed, and any number of them costs the mail loop one catch-up. Events
 * are applied strictly in the outbox's sequence order, a batch at a time in one transaction with
 * the cursor, so a restart resumes exactly where it stopped, a failure leaves the cursor before
 * the whole batch (which then comes again), and a replayed event queues nothing twice (queue keys
 * are per event and recipient). A lost wake-up costs a delay, never a comment: the loop also
 * catches up on start and on a timer. */
#ifndef MAIL_EVENTS_H
#define MAIL_EVENTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tp_db.h"
#include "tp_msg.h"

/* Events asked of the outbox per call, and applied in one transaction, at most. */
#define EVENTS_BATCH 200

/* Reads at most limit events after seq from svc-comments' outbox: 0 with *reply (the caller frees
 * it) a map whose "events" is their array, in sequence order; or -1 when it cannot now. */
typedef int events_fetch_fn(int64_t seq, int limit, tp_msg *reply);
/* The one svc-mail runs with: comments.events_after through the relay. */
int events_fetch_by_relay(int64_t seq, int limit, tp_msg *reply);

/* One message from the subscription, as received (see tp_events.h). An error report ("log.error
 * ") is queued for MAIL_ADMIN. True when msg is a wake-up ("comment.events "): then the caller
 * runs events_catch_up, once for however many came together. Anything else is ignored. */
bool events_on_message(tp_db *db, tp_str msg);
/* Applies everything after the cursor that fetch returns, EVENTS_BATCH at a time, until fewer
 * come back or stopping is set; 0, or -1 to retry later. */
int events_catch_up(tp_db *db, events_fetch_fn *fetch, const atomic_bool *stopping);

#endif
