/* prune: svc-mail forgets the notifications it sent once they are SENT_KEEP_S old. Before this,
 * mail.db kept every mail it ever sent, with the comment's text and the recipient's address, and
 * the metrics counted the whole queue at every scrape; a busy talk's ten subscribers made ten
 * rows a comment, for ever.
 *
 * Design notes: a sent row is read by nothing once it is sent: its count and the time of the
 * last one are kept apart (sent_counts, schema.h migration 3, by trigger), the unsubscribe links
 * name subscriptions, not rows, and a row's key only stops an event from being queued twice,
 * which the cursor already does for every event before it (events.h). SENT_KEEP_S (7 days) is
 * the outbox's (svc-comments/prune.h): what a mail.db restored from a backup of the last week
 * asks for again finds its rows still there. The mail loop (ops.c) deletes PRUNE_BATCH rows at
 * a time in their own transaction, one batch a turn of the loop while there are more, then
 * waits PRUNE_EVERY_MS, so a long backlog (the first run on an old mail.db) never holds mail.db
 * or the loop for long. */
#ifndef MAIL_PRUNE_H
#define MAIL_PRUNE_H

#include <stdint.h>

#include "tp_db.h"

#define SENT_KEEP_S    (7 * 24 * 3600)
#define PRUNE_BATCH    2000
#define PRUNE_EVERY_MS (3600 * 1000)

/* One batch at time now (seconds since the epoch): at most PRUNE_BATCH rows sent before
 * now - SENT_KEEP_S go, in one transaction. How many, or -1 (logged). *pass adds the batches of
 * one pass up, and is logged and set back to 0 by the batch that ends it (short of PRUNE_BATCH):
 * a long backlog is one line, not one a batch. */
int64_t prune_sent_batch(tp_db *db, int64_t now, int64_t *pass);

#endif
