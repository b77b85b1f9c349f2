/* prune: deleting the notifications sent long ago (see prune.h). */
#include "prune.h"

#include <inttypes.h>

#include "store.h"
#include "tp_log.h"

int64_t prune_sent_batch(tp_db *db, int64_t now, int64_t *pass)
{
    if (tp_db_begin(db)) return -1;
    int64_t n = store_queue_prune(db, now - SENT_KEEP_S, PRUNE_BATCH);
    if (n < 0 || tp_db_commit(db)) {
        tp_db_rollback(db);
        tp_warn(NULL, "pruning mail.db's sent notifications failed; trying again in %d s",
                PRUNE_EVERY_MS / 1000);
        return -1;
    }
    *pass += n;
    if (n < PRUNE_BATCH) {
        if (*pass) tp_info(NULL, "pruned %" PRId64 " notifications sent over 7 days ago", *pass);
        *pass = 0;
    }
    return n;
}
