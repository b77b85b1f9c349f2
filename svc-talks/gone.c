/* gone: telling svc-comments about deleted talks (see gone.h). */
#include "gone.h"

#include <inttypes.h>

#include "store.h"
#include "tp_relay.h"

#define CATCH_UP_TIMEOUT 3000
#define BATCH            50

int gone_tell(tp_db *db, int64_t id, const char *rid, int timeout_ms, enum tp_log_level level)
{
    tp_msg reply;
    char err[200];
    bool ok = false;
    if (tp_relay_call(COMMENTS_TALK_DELETED, rid[0] ? rid : "svc-talks", timeout_ms, &reply, err,
                      sizeof err, .talk_id = id)) {
        tp_log(level, rid, "svc-comments not told yet that talk %" PRId64 " is gone: %s", id, err);
        return -1;
    }
    tp_get_bool(reply.root, "ok", &ok);
    tp_msg_free(&reply);
    if (!ok) {
        tp_log(level, rid, "svc-comments refused to drop the comments of talk %" PRId64, id);
        return -1;
    }
    return store_gone_told(db, id);
}

int gone_catch_up(tp_db *db, const atomic_bool *stopping)
{
    int64_t ids[BATCH];
    char rids[BATCH][STORE_RID_MAX + 1];
    int n = store_gone_untold(db, ids, rids, BATCH);
    for (int i = 0; i < n && !atomic_load(stopping); i++)
        if (gone_tell(db, ids[i], rids[i], CATCH_UP_TIMEOUT, TP_DEBUG)) return -1;
    return n < 0 ? -1 : 0;
}
