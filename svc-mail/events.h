/* events: turning comment events into queued notifications. Events are applied strictly in
 * sequence order, a batch at a time in one transaction with the cursor, so a restart resumes
 * exactly where it stopped, a failure leaves the cursor before the whole batch (which then comes
 * again), and a replayed event queues nothing twice (queue keys are per event and recipient).
 * Pub/sub brings events fast; whenever one is missing (a gap, or on start, or on a timer for the
 * tail) the rest comes from svc-comments' outbox through the relay. */
#ifndef MAIL_EVENTS_H
#define MAIL_EVENTS_H

#include <stdatomic.h>
#include <stddef.h>

#include "tp_db.h"

/* Events applied in one transaction, at most: also how many SUB messages to take at once. */
#define EVENTS_BATCH 200

/* Messages from the SUB socket, as received (see tp_events.h): a batch of comment events, or an
 * error report for MAIL_ADMIN. At most EVENTS_BATCH messages; their events are applied
 * EVENTS_BATCH at a time. 0, or -1 to retry later. */
int events_on_messages(tp_db *db, const tp_str *msgs, size_t n, const atomic_bool *stopping);
/* Applies everything after the cursor that svc-comments has, a batch at a time, until there is
 * no more or stopping is set; 0, or -1 to retry later. */
int events_catch_up(tp_db *db, const atomic_bool *stopping);

#endif
