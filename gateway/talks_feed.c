/* talks_feed: svc-talks' state into the talks cache (see talks_feed.h). */
#include "talks_feed.h"

#include <stdio.h>

#include "reply.h"
#include "talks_cache.h"
#include "tp_ask.h"
#include "tp_clock.h"
#include "tp_op_inputs.h"

int talks_feed_apply(const msgpack_object *reply, int64_t sent_ms, int64_t *state, char *why,
                     size_t whylen)
{
    tp_err said = reply_err(reply);
    if (said != TP_OK) {
        snprintf(why, whylen, "svc-talks refused: %s", tp_err_name(said));
        return -1;
    }
    if (reply_answer(TP_OP_TALKS_STATE, reply, why, whylen) != TP_OK) return -1;
    tp_get_int(reply, "state", 0, INT64_MAX, state); /* checked by the shape */
    talks_cache_state(*state, sent_ms);
    return 0;
}

int talks_feed_ask(nng_socket talks, const char *rid, int timeout_ms, int64_t *cursor, char *why,
                   size_t whylen)
{
    int64_t sent = tp_clock_ms();
    tp_msg reply;
    struct tp_in_TP_OP_TALKS_STATE in;
    if (tp_ask(talks, TP_OP_TALKS_STATE, &in, rid, timeout_ms, &reply, why, whylen) != 0) return -1;
    int rc = talks_feed_apply(reply.root, sent, cursor, why, whylen);
    tp_msg_free(&reply);
    return rc;
}
