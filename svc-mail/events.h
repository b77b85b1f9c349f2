/* events: turning comment events into queued notifications. Events are applied strictly in
 * sequence order, each in one transaction with the cursor, so a restart resumes exactly where
 * it stopped and a replayed event queues nothing twice (queue keys are per event and
 * recipient). Pub/sub brings events fast; whenever one is missing (a gap, or on start, or on a
 * timer for the tail) the rest comes from svc-comments' outbox through the relay. */
#ifndef MAIL_EVENTS_H
#define MAIL_EVENTS_H

#include <stdatomic.h>
#include <stddef.h>

#include "tp_db.h"

/* A message from the SUB socket: "<topic> <msgpack>" — a comment event, or an error report for
 * MAIL_ADMIN. 0, or -1 to retry later. */
int events_on_message(tp_db *db, const char *data, size_t len, const atomic_bool *stopping);
/* Applies everything after the cursor that svc-comments has, a batch at a time, until there is
 * no more or stopping is set; 0, or -1 to retry later. */
int events_catch_up(tp_db *db, const atomic_bool *stopping);

#endif
