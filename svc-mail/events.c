/* events: applying comment events from svc-comments' outbox (see events.h). */
#include "events.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alerts.h"
#include "contacts.h"
#include "store.h"
#include "tp_err.h"
#include "tp_events.h"
#include "tp_log.h"
#include "tp_relay.h"

#define SOURCE        "comments"
#define RELAY_TIMEOUT 3000
/* The request id of svc-mail's own calls, made for no request: the periodic catch-up. */
#define OWN_RID "svc-mail"
/* A wake-up: tp_events.h's topic for comment events, and the space after it. */

static int64_t now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* A speaker's address and name, from the cache (see contacts.h) or else through the relay, asked
 * with the id of the request that made the event (rid, NUL-terminated): 0, 1 when there is no
 * such account, -1 when svc-auth cannot say now. */
static int contact_of(int64_t user_id, const char *rid, contact *out)
{
    int64_t now = now_s();
    if (contacts_find(user_id, now, out)) return 0;
    tp_msg reply;
    char err[200];
    if (tp_relay_call(AUTH_USER_CONTACT, rid[0] ? rid : OWN_RID, RELAY_TIMEOUT, &reply, err,
                      sizeof err, .id = user_id)) {
        tp_warn(rid, "cannot look up user %" PRId64 ": %s", user_id, err);
        return -1;
    }
    int rc = 0;
    bool ok = false;
    tp_str email, name, err_code = {"", 0};
    tp_get_bool(reply.root, "ok", &ok);
    if (ok && tp_get_str(reply.root, "email", STORE_EMAIL_MAX, &email) == 0 &&
        tp_get_str(reply.root, "name", CONTACT_NAME_MAX, &name) == 0) {
        snprintf(out->email, sizeof out->email, "%.*s", (int)email.n, email.p);
        snprintf(out->name, sizeof out->name, "%.*s", (int)name.n, name.p);
        contacts_put(user_id, out, now);
    } else {
        tp_get_str(reply.root, "err", 32, &err_code);
        /* An account that no longer exists gets no mail; anything else is worth a retry. */
        rc = tp_err_from_name(err_code.p, err_code.n) == TP_ENOTFOUND ? 1 : -1;
    }
    tp_msg_free(&reply);
    return rc;
}

static bool same_address(tp_str a, tp_str b)
{
    return a.n == b.n && a.n && strncasecmp(a.p, b.p, a.n) == 0;
}

/* One event of a batch, read and with its speaker's contact looked up before the transaction
 * begins, so that no relay call is waited for while mail.db's write lock is held. Strings point
 * into the event's message. */
typedef struct pending {
    int64_t seq, id, talk_id, author_id;
    bool malformed, waiting, visible, deleted, talk_deleted, notify;
    tp_str author, email, body, speaker, speaker_name;
    contact contact; /* speaker and speaker_name point here when the account exists */
    char rid[65];    /* the request that made the change, or "" */
} pending;

/* Reads one event into p; 0, or -1 when svc-auth cannot say now who the speaker is. */
static int prepare(int64_t seq, tp_str type, tp_str rid, const msgpack_object *c, pending *p)
{
    int64_t talk_author_id;
    bool approved = false;
    *p = (pending){.seq = seq, .speaker = {"", 0}, .speaker_name = {"", 0}};
    snprintf(p->rid, sizeof p->rid, "%.*s", (int)rid.n, rid.p);
    int kind = tp_event_by_name(type);
    /* A deleted talk's event names the talk only (tp_events.h). */
    p->talk_deleted = kind == TP_EV_TALK_DELETED;
    if (p->talk_deleted ? tp_get_int(c, "talk_id", 1, INT64_MAX, &p->talk_id) != 0
                        : tp_get_int(c, "id", 1, INT64_MAX, &p->id) ||
                              tp_get_int(c, "talk_id", 1, INT64_MAX, &p->talk_id) ||
                              tp_get_int(c, "talk_author_id", 1, INT64_MAX, &talk_author_id) ||
                              tp_opt_int(c, "author_id", 0, INT64_MAX, 0, &p->author_id) ||
                              tp_opt_bool(c, "approved", false, &approved) ||
                              tp_opt_bool(c, "notify", false, &p->notify) ||
                              tp_opt_str(c, "author_name", 1024, &p->author) ||
                              tp_opt_str(c, "author_email", STORE_EMAIL_MAX, &p->email) ||
                              tp_opt_str(c, "body", 1 << 20, &p->body)) {
        tp_warn(p->rid, "event %" PRId64 " is malformed; skipped", seq);
        p->malformed = true;
        return 0;
    }
    bool created = kind == TP_EV_COMMENT_CREATED;
    p->deleted = kind == TP_EV_COMMENT_DELETED;
    p->visible = approved && (created || kind == TP_EV_COMMENT_APPROVED);
    p->waiting = created && !approved;
    if (p->waiting || p->visible) {
        int found = contact_of(talk_author_id, p->rid, &p->contact);
        if (found < 0) return -1;
        if (found == 0) {
            p->speaker = (tp_str){p->contact.email, strlen(p->contact.email)};
            p->speaker_name = (tp_str){p->contact.name, strlen(p->contact.name)};
        }
        p->waiting = p->waiting && found == 0;
    }
    return 0;
}

/* A talk's active subscriptions, read once for a batch's run of events on that talk (a busy
 * talk's approvals come one after another: reading them again for each event was a fifth of
 * what svc-mail spent on one) and read again after the batch changes them. */
typedef struct talk_subscribers {
    int64_t talk_id; /* 0: none read */
    subscriber *subs;
    size_t n;
} talk_subscribers;

static int subscribers_of(tp_db *db, int64_t talk_id, talk_subscribers *t)
{
    if (t->talk_id == talk_id) return 0;
    free(t->subs);
    *t = (talk_subscribers){0};
    if (store_subscribers(db, talk_id, &t->subs, &t->n)) return -1;
    t->talk_id = talk_id;
    return 0;
}

/* The notifications one event makes; inside the batch's transaction. */
static int apply_one(tp_db *db, const pending *p, int64_t now, talk_subscribers *known)
{
    char key[400];
    tp_str rid = {p->rid, strlen(p->rid)};
    if (p->malformed) return 0;
    if (p->waiting) {
        snprintf(key, sizeof key, "%" PRId64 ":moderation:%.*s", p->seq, (int)p->speaker.n,
                 p->speaker.p);
        if (store_queue_add(db, key, "moderation", p->speaker, p->speaker_name, 0, p->talk_id,
                            p->id, p->author, p->body, rid, now))
            return -1;
    }
    if (p->visible) {
        int rc = subscribers_of(db, p->talk_id, known);
        const subscriber *subs = known->subs;
        for (size_t i = 0; i < known->n && rc == 0; i++) {
            tp_str to = {subs[i].email, strlen(subs[i].email)};
            tp_str to_name = {subs[i].name, strlen(subs[i].name)};
            /* Not to the comment's own author, nor to the speaker (told as moderator). */
            if (same_address(to, p->email) || same_address(to, p->speaker)) continue;
            snprintf(key, sizeof key, "%" PRId64 ":new:%" PRId64, p->seq, subs[i].id);
            rc = store_queue_add(db, key, "new_comment", to, to_name, subs[i].id, p->talk_id, p->id,
                                 p->author, p->body, rid, now);
        }
        if (rc) return -1;
        if (p->notify && p->author_id == 0 && p->email.n) {
            known->talk_id = 0; /* a new subscriber of that talk, perhaps */
            if (store_subscribe(db, p->talk_id, p->email, p->author)) return -1;
        }
    }
    if (p->deleted && store_queue_drop_comment(db, p->id)) return -1;
    if (p->talk_deleted) {
        known->talk_id = 0;
        if (store_talk_drop(db, p->talk_id)) return -1;
    }
    return 0;
}

/* Applies the events of an outbox batch that are newer than the cursor, in the batch's order (the
 * outbox's, which is the truth), in one transaction that moves the cursor past the last of them.
 * -1 when the batch cannot be applied, or stopping was set while reading it (a speaker's lookup
 * may wait for RELAY_TIMEOUT): then nothing of it is, and the cursor stays where it was. */
static int apply_batch(tp_db *db, const msgpack_object *const *events, size_t n,
                       const atomic_bool *stopping)
{
    if (n == 0) return 0;
    int64_t cursor = store_cursor(db, SOURCE);
    if (cursor < 0) return -1;
    pending *ps = tp_xmalloc(n * sizeof *ps);
    size_t np = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t seq;
        tp_str type, rid;
        if (tp_get_int(events[i], "seq", 1, INT64_MAX, &seq) ||
            tp_get_str(events[i], "type", 32, &type) || seq <= cursor)
            continue;
        if (tp_opt_str(events[i], "rid", 64, &rid)) rid = (tp_str){"", 0};
        if (atomic_load(stopping) ||
            prepare(seq, type, rid, tp_map_get(events[i], "comment"), &ps[np])) {
            rc = -1;
            break;
        }
        cursor = ps[np++].seq;
    }
    if (rc == 0 && np > 0) {
        int64_t now = (int64_t)time(NULL);
        if (tp_db_begin(db)) {
            rc = -1;
        } else {
            talk_subscribers known = {0};
            for (size_t i = 0; i < np && rc == 0; i++)
                if (apply_one(db, &ps[i], now, &known)) rc = -1;
            free(known.subs);
            if (rc || store_cursor_set(db, SOURCE, cursor) || tp_db_commit(db)) {
                tp_db_rollback(db);
                rc = -1;
            }
        }
    }
    free(ps);
    return rc;
}

bool events_on_message(tp_db *db, tp_str msg)
{
    /* Error reports are taken from pub/sub as they come: only stack members publish (SPEC
     * section 9), and a report is mailed only to MAIL_ADMIN, rate-limited (alerts.h); it names
     * no subscriber, comment or cursor. */
    if (msg.n >= 10 && memcmp(msg.p, "log.error ", 10) == 0) {
        alerts_on_error(db, msg.p + 10, msg.n - 10);
        return false;
    }
    /* The topic only: what the events say is read from the outbox (see events.h). */
    return msg.n >= TP_EVENTS_TOPIC_LEN && memcmp(msg.p, TP_EVENTS_TOPIC, TP_EVENTS_TOPIC_LEN) == 0;
}

int events_fetch_by_relay(int64_t seq, int limit, tp_msg *reply)
{
    char err[200];
    /* A failure is not logged: while svc-comments is away that would be every few seconds (the
     * mail loop's timer), and the next catch-up tries again anyway. */
    return tp_relay_call(COMMENTS_EVENTS_AFTER, OWN_RID, RELAY_TIMEOUT, reply, err, sizeof err,
                         .seq = seq, .limit = limit);
}

int events_catch_up(tp_db *db, events_fetch_fn *fetch, const atomic_bool *stopping)
{
    while (!atomic_load(stopping)) {
        int64_t cursor = store_cursor(db, SOURCE);
        if (cursor < 0) return -1;
        tp_msg reply;
        if (fetch(cursor, EVENTS_BATCH, &reply)) return -1;
        const msgpack_object *list = tp_map_get(reply.root, "events");
        uint32_t n = list && list->type == MSGPACK_OBJECT_ARRAY ? list->via.array.size : 0;
        if (n > EVENTS_BATCH) n = EVENTS_BATCH;
        const msgpack_object *events[EVENTS_BATCH];
        for (uint32_t i = 0; i < n; i++) events[i] = &list->via.array.ptr[i];
        int rc = apply_batch(db, events, n, stopping);
        tp_msg_free(&reply);
        if (rc || n < EVENTS_BATCH) return rc;
    }
    return 0;
}
