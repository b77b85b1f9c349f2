/* events: applying comment events (see events.h). */
#include "events.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alerts.h"
#include "store.h"
#include "tp_log.h"
#include "tp_relay.h"

#define SOURCE        "comments"
#define RELAY_TIMEOUT 3000
#define BATCH         200

/* A speaker's address and name, through the relay: 0 (reply kept: free it), 1 when there is no
 * such account, -1 when svc-auth cannot say now. */
static int contact_of(int64_t user_id, tp_msg *reply, tp_str *email, tp_str *name)
{
    tp_w req;
    char err[200];
    tp_w_init(&req);
    tp_relay_request(&req, "auth", "auth.user_contact", "svc-mail");
    tp_w_kint(&req, "id", user_id);
    tp_w_map_end(&req);
    int rc = tp_relay_call(&req, RELAY_TIMEOUT, reply, err, sizeof err);
    tp_w_free(&req);
    if (rc) {
        tp_warn(NULL, "cannot look up user %" PRId64 ": %s", user_id, err);
        return -1;
    }
    bool ok = false;
    tp_get_bool(reply->root, "ok", &ok);
    if (!ok || tp_get_str(reply->root, "email", STORE_EMAIL_MAX, email) ||
        tp_get_str(reply->root, "name", 256, name)) {
        tp_str err_code = {"", 0};
        tp_get_str(reply->root, "err", 32, &err_code);
        bool gone = tp_str_eq(err_code, "not_found");
        tp_msg_free(reply);
        /* An account that no longer exists gets no mail; anything else is worth a retry. */
        return gone ? 1 : -1;
    }
    return 0;
}

static bool same_address(tp_str a, tp_str b)
{
    return a.n == b.n && a.n && strncasecmp(a.p, b.p, a.n) == 0;
}

/* The notifications one event makes, and the cursor moved past it; one transaction. */
static int apply(tp_db *db, int64_t seq, tp_str type, const msgpack_object *c)
{
    int64_t id, talk_id, talk_author_id, author_id;
    bool approved = false, notify = false;
    tp_str author = {"", 0}, email = {"", 0}, body = {"", 0};
    if (tp_get_int(c, "id", 1, INT64_MAX, &id) ||
        tp_get_int(c, "talk_id", 1, INT64_MAX, &talk_id) ||
        tp_get_int(c, "talk_author_id", 1, INT64_MAX, &talk_author_id) ||
        tp_opt_int(c, "author_id", 0, INT64_MAX, 0, &author_id) ||
        tp_opt_bool(c, "approved", false, &approved) || tp_opt_bool(c, "notify", false, &notify) ||
        tp_opt_str(c, "author_name", 1024, &author) ||
        tp_opt_str(c, "author_email", STORE_EMAIL_MAX, &email) ||
        tp_opt_str(c, "body", 1 << 20, &body)) {
        tp_warn(NULL, "event %" PRId64 " is malformed; skipped", seq);
        return store_cursor_set(db, SOURCE, seq);
    }
    bool created = tp_str_eq(type, "comment.created"), deleted = tp_str_eq(type, "comment.deleted");
    bool visible = !deleted && approved && (created || tp_str_eq(type, "comment.approved"));
    bool waiting = created && !approved;

    tp_msg contact;
    tp_str speaker = {"", 0}, speaker_name = {"", 0};
    bool have_contact = false;
    if (waiting || visible) {
        int found = contact_of(talk_author_id, &contact, &speaker, &speaker_name);
        if (found < 0) return -1;
        have_contact = found == 0;
        waiting = waiting && have_contact;
    }
    subscriber *subs = NULL;
    size_t nsubs = 0;
    int64_t now = (int64_t)time(NULL);
    char key[400];
    int rc = -1;
    if (tp_db_begin(db)) goto out;
    if (waiting) {
        snprintf(key, sizeof key, "%" PRId64 ":moderation:%.*s", seq, (int)speaker.n, speaker.p);
        if (store_queue_add(db, key, "moderation", speaker, speaker_name, 0, talk_id, id, author,
                            body, now))
            goto rollback;
    }
    if (visible) {
        if (store_subscribers(db, talk_id, &subs, &nsubs)) goto rollback;
        for (size_t i = 0; i < nsubs; i++) {
            tp_str to = {subs[i].email, strlen(subs[i].email)};
            tp_str to_name = {subs[i].name, strlen(subs[i].name)};
            /* Not to the comment's own author, nor to the speaker (told as moderator). */
            if (same_address(to, email) || same_address(to, speaker)) continue;
            snprintf(key, sizeof key, "%" PRId64 ":new:%" PRId64, seq, subs[i].id);
            if (store_queue_add(db, key, "new_comment", to, to_name, subs[i].id, talk_id, id,
                                author, body, now))
                goto rollback;
        }
        if (notify && author_id == 0 && email.n && store_subscribe(db, talk_id, email, author))
            goto rollback;
    }
    if (deleted && store_queue_drop_comment(db, id)) goto rollback;
    if (store_cursor_set(db, SOURCE, seq) || tp_db_commit(db)) goto rollback;
    rc = 0;
    goto out;
rollback:
    tp_db_rollback(db);
out:
    free(subs);
    if (have_contact) tp_msg_free(&contact);
    return rc;
}

/* Applies an event newer than the cursor. From pub/sub (only_next) it must be the very next
 * one, else 1 says there is a gap to fill; from the outbox, its order is the truth. */
static int apply_newer(tp_db *db, const msgpack_object *event, bool only_next)
{
    int64_t seq;
    tp_str type;
    if (tp_get_int(event, "seq", 1, INT64_MAX, &seq) || tp_get_str(event, "type", 32, &type))
        return 0;
    int64_t cursor = store_cursor(db, SOURCE);
    if (cursor < 0) return -1;
    if (seq <= cursor) return 0;
    if (only_next && seq != cursor + 1) return 1;
    return apply(db, seq, type, tp_map_get(event, "comment"));
}

int events_on_message(tp_db *db, const char *data, size_t len, const atomic_bool *stopping)
{
    const char *space = memchr(data, ' ', len);
    tp_msg m;
    if (!space) return 0;
    if (space - data == 9 && memcmp(data, "log.error", 9) == 0) {
        alerts_on_error(db, space + 1, len - (size_t)(space + 1 - data));
        return 0;
    }
    if (tp_msg_parse(&m, space + 1, len - (size_t)(space + 1 - data))) return 0;
    int rc = apply_newer(db, m.root, true);
    tp_msg_free(&m);
    return rc > 0 ? events_catch_up(db, stopping) : rc;
}

int events_catch_up(tp_db *db, const atomic_bool *stopping)
{
    while (!atomic_load(stopping)) {
        int64_t cursor = store_cursor(db, SOURCE);
        if (cursor < 0) return -1;
        tp_w req;
        tp_msg reply;
        char err[200];
        tp_w_init(&req);
        tp_relay_request(&req, "comments", "comments.events_after", "svc-mail");
        tp_w_kint(&req, "seq", cursor);
        tp_w_kint(&req, "limit", BATCH);
        tp_w_map_end(&req);
        int rc = tp_relay_call(&req, RELAY_TIMEOUT, &reply, err, sizeof err);
        tp_w_free(&req);
        if (rc) return -1;
        const msgpack_object *events = tp_map_get(reply.root, "events");
        uint32_t n = events && events->type == MSGPACK_OBJECT_ARRAY ? events->via.array.size : 0;
        for (uint32_t i = 0; i < n && rc == 0; i++)
            rc = apply_newer(db, &events->via.array.ptr[i], false);
        tp_msg_free(&reply);
        if (rc || n < BATCH) return rc;
    }
    return 0;
}
