/* speakers: copying speakers' names from svc-auth (see speakers.h). */
#include "speakers.h"

#include "store.h"
#include "tp_log.h"
#include "tp_relay.h"

#define RELAY_TIMEOUT 3000
#define OWN_RID       "svc-talks"

int speakers_fetch_by_relay(int64_t seq, int limit, tp_msg *reply)
{
    char err[200];
    /* A failure is not logged: while svc-auth is away that would be every second, and the next
     * catch-up tries again anyway. */
    return tp_relay_call(AUTH_NAMES_AFTER, OWN_RID, RELAY_TIMEOUT, reply, err, sizeof err,
                         .after = seq, .limit = limit);
}

/* Stores a batch of {id, name, seq}, the names after change number after, and gives their talks
 * the new names, in one transaction; how many, or -1 (nothing stored). A reply is input: a name
 * that is not one, or a seq not after the one asked from, is refused with the batch (the talks
 * are found by seq > after). */
static int store_batch(tp_db *db, int64_t after, const msgpack_object *users, uint32_t n)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *u = &users->via.array.ptr[i];
        int64_t id, seq;
        tp_str name;
        if (tp_get_int(u, "id", 1, INT64_MAX, &id) || tp_get_int(u, "seq", 1, INT64_MAX, &seq) ||
            seq <= after || tp_get_str(u, "name", 1024, &name)) {
            tp_warn(NULL, "auth.names_after: entry %u is not {id, name, seq after %lld}", i,
                    (long long)after);
            goto fail;
        }
        if (store_speaker_put(db, id, name, seq)) goto fail;
    }
    if (store_speakers_to_talks(db, after)) goto fail;
    return tp_db_commit(db) ? tp_db_error(db) : (int)n;
fail:
    tp_db_rollback(db);
    return -1;
}

int speakers_catch_up(tp_db *db, speakers_fetch_fn *fetch, const atomic_bool *stopping)
{
    while (!atomic_load(stopping)) {
        int64_t seq = store_speakers_seq(db);
        if (seq < 0) return -1;
        tp_msg reply;
        if (fetch(seq, SPEAKERS_BATCH, &reply)) return -1;
        int64_t last;
        if (tp_get_int(reply.root, "last", 0, INT64_MAX, &last) == 0 && last < seq) {
            tp_msg_free(&reply);
            tp_warn(NULL,
                    "svc-auth's names end at change %lld, before the %lld copied here "
                    "(auth.db restored from an older backup?): copying every name again",
                    (long long)last, (long long)seq);
            if (store_speakers_forget_seq(db)) return -1;
            continue; /* from 0 */
        }
        const msgpack_object *users = tp_map_get(reply.root, "users");
        int n = -1;
        if (users && users->type == MSGPACK_OBJECT_ARRAY && users->via.array.size <= SPEAKERS_BATCH)
            n = store_batch(db, seq, users, users->via.array.size);
        tp_msg_free(&reply);
        if (n < 0) return -1;
        if (n < SPEAKERS_BATCH) return 0;
    }
    return 0;
}
