/* prune: deleting what nobody will read again from comments.db (see prune.h). */
#include "prune.h"

#include <inttypes.h>
#include <time.h>

#include "store.h"
#include "tp_log.h"
#include "tp_svc.h"

#define BATCH_GAP_MS 20 /* between two batches of one pass: the writer's turn */

static _Atomic int64_t mail_handled;

void prune_mail_handled(int64_t seq)
{
    /* The last asked, not the highest: a svc-mail whose mail.db was restored asks from its
     * older cursor, and the events after it are not applied there any more. svc-mail asks one
     * call at a time, so the last stored is its latest. */
    atomic_store(&mail_handled, seq);
}

int64_t prune_mail_cursor(void)
{
    return atomic_load(&mail_handled);
}

/* One batch of a table in its own transaction: how many rows went, or -1. */
static int64_t batch(tp_db *db, bool live, int64_t now, int64_t handled)
{
    if (tp_db_begin(db)) return -1;
    int64_t n = live ? store_live_prune(db, now - LIVE_KEEP_S, PRUNE_BATCH)
                     : store_outbox_prune(db, handled, now - OUTBOX_KEEP_S, PRUNE_BATCH);
    if (n < 0 || tp_db_commit(db)) {
        tp_db_rollback(db);
        return -1;
    }
    return n;
}

/* The batches of one table until a batch comes short of PRUNE_BATCH (it found the first row to
 * keep) or stopping is set; into *total. 0 or -1. */
static int prune_table(tp_db *db, bool live, int64_t now, int64_t handled,
                       const atomic_bool *stopping, int64_t *total)
{
    int64_t n;
    do {
        if ((n = batch(db, live, now, handled)) < 0) return -1;
        *total += n;
        if (n == PRUNE_BATCH) tp_svc_sleep(stopping, BATCH_GAP_MS);
    } while (n == PRUNE_BATCH && !atomic_load(stopping));
    return 0;
}

int64_t prune_pass(tp_db *db, int64_t now, int64_t handled, const atomic_bool *stopping)
{
    int64_t outbox = 0, live = 0;
    int rc = prune_table(db, false, now, handled, stopping, &outbox);
    if (!atomic_load(stopping) && prune_table(db, true, now, handled, stopping, &live)) rc = -1;
    if (outbox || live)
        tp_info(NULL,
                "pruned %" PRId64 " outbox events svc-mail has applied, %" PRId64 " live rows",
                outbox, live);
    return rc ? -1 : outbox + live;
}

void prune_background(tp_db *db, const atomic_bool *stopping)
{
    while (!atomic_load(stopping)) {
        /* A failure is logged where it happens; the next pass tries again. */
        if (prune_pass(db, (int64_t)time(NULL), prune_mail_cursor(), stopping) < 0)
            tp_warn(NULL, "pruning comments.db failed; trying again in %d s",
                    PRUNE_EVERY_MS / 1000);
        tp_svc_sleep(stopping, PRUNE_EVERY_MS);
    }
}
