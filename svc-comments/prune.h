/* prune: svc-comments' background loop (tp_svc.background), which keeps comments.db's two
 * append-only tables from growing for nobody: every PRUNE_EVERY_MS it deletes the outbox events
 * svc-mail has applied once they are OUTBOX_KEEP_S old, and the live rows (the live streams'
 * change numbers, schema.h) once they are LIVE_KEEP_S old, PRUNE_BATCH rows per transaction.
 *
 * Design notes: svc-mail reads the outbox with comments.events_after(seq), and that seq is
 * always its cursor as committed in mail.db (svc-mail/events.c reads it from mail.db before
 * every call and moves it in the transaction that applies the events): a call after X says
 * every event up to X is applied and durable. ops.c hands each X to prune_mail_handled, and the
 * loop never deletes past the last one. It is kept in memory only: after svc-comments starts,
 * nothing of the outbox goes until svc-mail asks again (every 2 s while it runs), and each
 * replica knows what it was asked, never more than a cursor svc-mail committed. So no event
 * svc-mail has not applied is ever deleted, whatever restarts.
 *
 * Why OUTBOX_KEEP_S (7 days) on top: mail.db restored alone from an older backup comes back with
 * an older cursor, and svc-mail then asks again for what followed it; the events of the last
 * week are still there for it (backups are taken daily or more often, and a notification more
 * than a week late is of little use). A whole backup restored together needs nothing of it:
 * comments.db comes back with its own outbox. The events hold commenters' addresses and texts,
 * so keeping them longer than that has a cost too.
 *
 * Why LIVE_KEEP_S (3 days): a stream resumes after the last change number its browser has
 * (Last-Event-ID, or the page's data-live-after), and needs the rows after it. A dropped
 * connection, a laptop asleep overnight or over a weekend resumes within that (a tab left open
 * longer on a talk with no new comment reloads once). Older places are not lost silently either:
 * the rows kept start at store_live_oldest with no holes, and comments.live answers a place
 * before them with "gap", on which the gateway tells the page to reload (live.h). The rows hold
 * only numbers, so keeping three days costs next to nothing.
 *
 * Each batch is one short write transaction on this loop's own connection: the writer waits for
 * it as it waits for another replica (tp_db's busy handler), a few milliseconds at most, and the
 * loop pauses between batches so that a long backlog (the first run on a large site) never holds
 * the lock for long. Replicas each run the loop; deleting what another replica deleted is a
 * no-op. */
#ifndef COMMENTS_PRUNE_H
#define COMMENTS_PRUNE_H

#include <stdatomic.h>
#include <stdint.h>

#include "tp_db.h"

#define OUTBOX_KEEP_S  (7 * 24 * 3600)
#define LIVE_KEEP_S    (3 * 24 * 3600)
#define PRUNE_BATCH    2000  /* rows per transaction */
#define PRUNE_EVERY_MS 60000 /* between passes */

/* svc-mail asked for the events after seq (comments.events_after): it has applied every event
 * up to seq. Any thread. */
void prune_mail_handled(int64_t seq);
/* The last seq prune_mail_handled was given since this process started (0: none). */
int64_t prune_mail_cursor(void);

/* One pass at time now (seconds since the epoch): the outbox events up to handled made before
 * now - OUTBOX_KEEP_S go, then the live rows written before now - LIVE_KEEP_S (but the newest),
 * in batches, until none is left or stopping is set. How many rows went, or -1 (logged) when a
 * batch failed. */
int64_t prune_pass(tp_db *db, int64_t now, int64_t handled, const atomic_bool *stopping);

/* The loop: a pass at start and every PRUNE_EVERY_MS; returns soon after stopping is set. */
void prune_background(tp_db *db, const atomic_bool *stopping);

#endif
