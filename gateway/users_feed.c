/* users_feed: svc-auth's profile changes into the users cache (see users_feed.h). */
#include "users_feed.h"

#include <stdbool.h>
#include <stdio.h>

#include "reply.h"
#include "tp_ask.h"
#include "tp_clock.h"
#include "tp_op_inputs.h"
#include "users_cache.h"

int users_feed_apply(const msgpack_object *reply, int64_t *cursor, int64_t sent_ms, char *why,
                     size_t whylen)
{
    bool ok = false;
    int64_t last = 0;
    if (tp_get_bool(reply, "ok", &ok) != 0 || !ok) {
        tp_str err = {"", 0};
        tp_get_str(reply, "err", 32, &err);
        snprintf(why, whylen, "svc-auth refused: %.*s", (int)err.n, err.p);
        return -1;
    }
    if (reply_check(reply, &reply_auth_names_after, why, whylen) != 0) return -1;
    tp_get_int(reply, "last", 0, INT64_MAX, &last); /* checked by the shape */
    const msgpack_object *users = tp_map_get(reply, "users");
    uint32_t n = users->via.array.size; /* at most TP_NAMES_AFTER_MAX: the shape says */
    int64_t ids[TP_NAMES_AFTER_MAX];
    bool forget_all = *cursor < 0 || last < *cursor;
    int64_t seq = forget_all ? last : *cursor;
    for (uint32_t i = 0; i < n; i++) {
        int64_t changed_at = 0;
        tp_get_int(&users->via.array.ptr[i], "id", 1, INT64_MAX, &ids[i]);
        tp_get_int(&users->via.array.ptr[i], "seq", 1, INT64_MAX, &changed_at);
        /* Each change comes after the one asked from, and none after the last. */
        if (changed_at <= seq || changed_at > last) {
            snprintf(why, whylen, "change %u is not after %lld and up to %lld", i, (long long)seq,
                     (long long)last);
            return -1;
        }
        seq = changed_at;
    }
    bool more = n >= TP_NAMES_AFTER_MAX;
    users_cache_changed(ids, n, seq, forget_all, more ? -1 : sent_ms);
    *cursor = seq;
    return more;
}

int users_feed_ask(nng_socket auth, const char *rid, int timeout_ms, int64_t *cursor, char *why,
                   size_t whylen)
{
    int64_t sent = tp_clock_ms();
    tp_msg reply;
    struct tp_in_TP_OP_AUTH_NAMES_AFTER in = {.after = *cursor < 0 ? INT64_MAX : *cursor,
                                              .limit = TP_NAMES_AFTER_MAX};
    if (tp_ask(auth, TP_OP_AUTH_NAMES_AFTER, &in, rid, timeout_ms, &reply, why, whylen) != 0)
        return -1;
    int rc = users_feed_apply(reply.root, cursor, sent, why, whylen);
    tp_msg_free(&reply);
    return rc;
}
