/* metrics: svc-mail's own gauges for the gateway's /metrics (SPEC section 10), added to what the
 * service loop reports (tp_metrics.h):
 *   talks_mail_queued{kind}                 notifications waiting to be sent
 *   talks_mail_failed{kind}                 of those, the ones whose last attempt failed
 *   talks_mail_sent_total{kind}             notifications sent (mail.db keeps every sent row)
 *   talks_mail_oldest_queued_age_seconds    how long the oldest waiting one has waited
 *   talks_events_subscriber_lag             comment events in svc-comments' outbox not applied
 *   talks_events_subscriber_lag_seconds     how long the oldest of them has waited
 * The queue's figures are read from mail.db at each scrape. The lag compares the cursor with
 * the newest event svc-mail has seen in the outbox: each catch-up (on every wake-up, and every
 * 2 s) reads the outbox from the cursor, so while svc-comments answers it is at most that old;
 * and when events cannot be applied (svc-auth away) it is at least the batch read. */
#ifndef MAIL_METRICS_H
#define MAIL_METRICS_H

#include <stdint.h>

#include "tp_db.h"
#include "tp_msg.h"

/* The events_fetch_fn the mail loop uses: events_fetch_by_relay, noting what came back. */
int metrics_fetch_events(int64_t seq, int limit, tp_msg *reply);

/* tp_svc.metrics: writes the families above into the array w has open. */
void metrics_write(tp_db *db, tp_w *w);

#endif
