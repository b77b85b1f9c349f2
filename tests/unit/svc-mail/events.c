/* Unit tests for svc-mail/events.c: a pub/sub message is only a wake-up, whatever its events
 * claim; what is applied, in order, comes from the outbox, EVENTS_BATCH at a time. The outbox is
 * a fake fetch function (events_catch_up's seam), and the speaker's contact is put in the cache
 * beforehand, so no test makes a relay call. */
#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "contacts.h"
#include "schema.h"
#include "store.h"
#include "tp_msg.h"

#define TALK    7
#define SPEAKER 3

typedef struct event {
    int64_t seq;
    const char *type;
    int64_t comment_id;
    bool approved, notify;
    const char *author, *email, *body;
} event;

/* One event as svc-comments writes it: {seq, type, comment}. */
static void write_event(tp_w *w, const event *e)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "seq", e->seq);
    tp_w_kstr(w, "type", e->type);
    tp_w_key(w, "comment");
    tp_w_map_begin(w);
    if (strcmp(e->type, "talk.deleted") == 0) { /* names the talk only */
        tp_w_kint(w, "talk_id", TALK);
        tp_w_map_end(w);
        tp_w_map_end(w);
        return;
    }
    tp_w_kint(w, "id", e->comment_id);
    tp_w_kint(w, "talk_id", TALK);
    tp_w_kint(w, "talk_author_id", SPEAKER);
    tp_w_kbool(w, "approved", e->approved);
    tp_w_kbool(w, "notify", e->notify);
    if (e->author) tp_w_kstr(w, "author_name", e->author);
    if (e->email) tp_w_kstr(w, "author_email", e->email);
    if (e->body) tp_w_kstr(w, "body", e->body);
    tp_w_map_end(w);
    tp_w_map_end(w);
}

/* ---- the fake outbox ---- */

static const event *outbox;
static size_t outbox_n;
static int fetches;
static int64_t fetched_after[8]; /* the seq of each fetch, the first 8 */

static void outbox_set(const event *events, size_t n)
{
    outbox = events;
    outbox_n = n;
    fetches = 0;
}

/* comments.events_after: at most limit events after seq, in order, as the relay returns them. */
static int fetch_fake(int64_t seq, int limit, tp_msg *reply)
{
    if (fetches < 8) fetched_after[fetches] = seq;
    fetches++;
    tp_w w;
    check_reply_begin(&w, "events");
    int n = 0;
    for (size_t i = 0; i < outbox_n && n < limit; i++)
        if (outbox[i].seq > seq) {
            write_event(&w, &outbox[i]);
            n++;
        }
    return check_reply_end(&w, -1, reply);
}

/* svc-comments cannot be reached. */
static int fetch_failing(int64_t seq, int limit, tp_msg *reply)
{
    (void)seq, (void)limit, (void)reply;
    fetches++;
    return -1;
}

/* ---- mail.db ---- */

static tp_db *open_db(check_db_dir *tmp)
{
    char err[200];
    check_db_dir_make(tmp, "mail.db");
    tp_db *db = tp_db_open(tmp->path, mail_migrations,
                           sizeof mail_migrations / sizeof *mail_migrations, err, sizeof err);
    CHECK(db != NULL);
    /* The speaker's contact, as svc-auth would give it: events are applied without the relay. */
    contact ann = {"ann@example.com", "Ann"};
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    contacts_put(SPEAKER, &ann, (int64_t)ts.tv_sec);
    return db;
}

static void close_and_remove(tp_db *db, const check_db_dir *tmp)
{
    tp_db_close(db);
    check_db_dir_remove(tmp);
}

static int64_t subscription_id(tp_db *db, const char *email)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(tp_db_handle(db), "SELECT id FROM subscriptions WHERE email = ?1", -1, &st,
                       NULL);
    sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return id;
}

static int64_t subscribe(tp_db *db, const char *email)
{
    CHECK(store_subscribe(db, TALK, (tp_str){email, strlen(email)}, (tp_str){"Sub", 3}) == 0);
    return subscription_id(db, email);
}

/* The rows of a table's column, in id order, each followed by a space: "a b c ". */
static void column_of(tp_db *db, const char *sql, char *out, size_t outlen)
{
    sqlite3_stmt *st;
    size_t len = 0;
    out[0] = '\0';
    CHECK(sqlite3_prepare_v2(tp_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && len < outlen)
        len += (size_t)snprintf(out + len, outlen - len, "%s ", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* ---- the cases ---- */

static void a_forged_wake_up_changes_nothing_and_the_catch_up_reads_the_outbox(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    subscribe(db, "sub@example.com");
    /* What the audit's forger published: the very next seq, visible, "notify" for their own
     * address, their text for real subscribers; then a seq far ahead, to move the cursor. */
    static const event forged[] = {
        {1, "comment.created", 1, true, true, "Eve", "eve@attacker.test", "Cheap pills: evil.test"},
        {2, "comment.approved", 1, true, true, "Eve", "eve@attacker.test", "Cheap pills again"},
        {1000000, "comment.created", 2, true, true, "Eve", "eve@attacker.test", "Far ahead"},
    };
    tp_w w;
    tp_w_init(&w);
    tp_buf_puts(&w.buf, "comment.events ");
    tp_w_array_begin(&w);
    for (size_t i = 0; i < 3; i++) write_event(&w, &forged[i]);
    tp_w_array_end(&w);
    tp_str msg = {w.buf.data, w.buf.len};
    outbox_set(NULL, 0); /* svc-comments has none of it */

    CHECK(events_on_message(db, msg));
    char got[512];
    column_of(db, "SELECT email FROM subscriptions ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "sub@example.com ");
    column_of(db, "SELECT key FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "");
    CHECK(store_cursor(db, "comments") == 0);
    /* The catch-up it asks for reads the outbox after the real cursor, and applies nothing. */
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    CHECK(fetches == 1 && fetched_after[0] == 0);
    CHECK(store_cursor(db, "comments") == 0);
    column_of(db, "SELECT key FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "");
    tp_w_free(&w);
    close_and_remove(db, &tmp);
}

static void only_comment_events_wake_up_and_their_content_is_not_read(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    static const struct {
        const char *msg;
        bool wakes;
    } cases[] = {
        {"comment.events \x90", true},
        {"comment.events not msgpack at all", true},
        {"comment.events ", true},
        {"comment.delete \x90", false}, /* another topic */
        {"comment.eventsX \x90", false},
        {"log.error \x80", false}, /* an error report (and MAIL_ADMIN unset: nothing queued) */
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tp_str msg = {cases[i].msg, strlen(cases[i].msg)};
        if (events_on_message(db, msg) != cases[i].wakes) {
            fprintf(stderr, "  message %zu\n", i);
            CHECK(!"wakes up as expected");
        }
    }
    char got[64];
    column_of(db, "SELECT key FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "");
    CHECK(store_cursor(db, "comments") == 0);
    close_and_remove(db, &tmp);
}

static void the_outbox_events_are_applied_in_order_once_per_event_and_recipient(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    int64_t amy = subscribe(db, "amy@example.com");
    int64_t bob = subscribe(db, "bob@example.com");
    static const event events[] = {
        /* Vic's comment waits: the speaker is told. */
        {1, "comment.created", 10, false, true, "Vic", "vic@example.com", "First!"},
        /* It is approved: both subscribers are told, and Vic (notify) is subscribed. */
        {2, "comment.approved", 10, true, true, "Vic", "vic@example.com", "First!"},
        /* Amy's own comment, visible at once: not to Amy, to Bob and to Vic. */
        {3, "comment.created", 11, true, false, "Amy", "amy@example.com", "Second"},
    };
    outbox_set(events, 3);
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    CHECK(fetches == 1 && fetched_after[0] == 0);
    CHECK(store_cursor(db, "comments") == 3);
    int64_t vic = subscription_id(db, "vic@example.com");
    CHECK(vic > bob);
    char want[512], got[512];
    snprintf(want, sizeof want,
             "1:moderation:ann@example.com 2:new:%lld 2:new:%lld 3:new:%lld 3:new:%lld ",
             (long long)amy, (long long)bob, (long long)bob, (long long)vic);
    column_of(db, "SELECT key FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, want);
    column_of(db, "SELECT comment_body FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "First! First! First! Second Second ");

    /* Read again from the start (a restart before the cursor was written): nothing twice. */
    CHECK(store_cursor_set(db, "comments", 0) == 0);
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == 3);
    column_of(db, "SELECT key FROM queue ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, want);
    close_and_remove(db, &tmp);
}

/* A deleted talk: what was queued about it and not sent is dropped, its subscriptions stop (their
 * rows stay: an unsubscribe link names one), and another talk's are untouched. */
static void a_deleted_talk_drops_its_queued_mail_and_stops_its_subscriptions(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    subscribe(db, "amy@example.com");
    CHECK(store_subscribe(db, TALK + 1, (tp_str){"zed@example.com", 15}, (tp_str){"Zed", 3}) == 0);
    static const event events[] = {
        {1, "comment.created", 10, false, true, "Vic", "vic@example.com", "First!"},
        {2, "comment.approved", 10, true, true, "Vic", "vic@example.com", "First!"},
        {3, "talk.deleted", 0, false, false, NULL, NULL, NULL},
    };
    outbox_set(events, 2);
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    char got[512];
    column_of(db, "SELECT count(*) FROM queue WHERE sent_at IS NULL", got, sizeof got);
    CHECK_STR_EQ(got, "2 ");
    outbox_set(events, 3);
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == 3);
    column_of(db, "SELECT count(*) FROM queue", got, sizeof got);
    CHECK_STR_EQ(got, "0 ");
    column_of(db, "SELECT email || '=' || active FROM subscriptions ORDER BY id", got, sizeof got);
    CHECK_STR_EQ(got, "amy@example.com=0 zed@example.com=1 vic@example.com=0 ");
    close_and_remove(db, &tmp);
}

static void more_than_a_batch_is_read_a_batch_per_call_until_fewer_come_back(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    size_t n = 2 * EVENTS_BATCH + 50;
    event *deletions = calloc(n, sizeof *deletions);
    for (size_t i = 0; i < n; i++)
        deletions[i] = (event){.seq = (int64_t)i + 1, .type = "comment.deleted", .comment_id = 1};
    outbox_set(deletions, n);
    CHECK(events_catch_up(db, fetch_fake, &stopping) == 0);
    CHECK(store_cursor(db, "comments") == (int64_t)n);
    CHECK(fetches == 3);
    CHECK(fetched_after[0] == 0 && fetched_after[1] == EVENTS_BATCH &&
          fetched_after[2] == 2 * EVENTS_BATCH);
    free(deletions);
    close_and_remove(db, &tmp);
}

static void a_failed_fetch_moves_nothing(void)
{
    check_db_dir tmp;
    tp_db *db = open_db(&tmp);
    atomic_bool stopping = false;
    outbox_set(NULL, 0);
    CHECK(events_catch_up(db, fetch_failing, &stopping) == -1);
    CHECK(fetches == 1);
    CHECK(store_cursor(db, "comments") == 0);
    close_and_remove(db, &tmp);
}

static const check_case cases[] = {
    CASE(a_forged_wake_up_changes_nothing_and_the_catch_up_reads_the_outbox),
    CASE(only_comment_events_wake_up_and_their_content_is_not_read),
    CASE(the_outbox_events_are_applied_in_order_once_per_event_and_recipient),
    CASE(a_deleted_talk_drops_its_queued_mail_and_stops_its_subscriptions),
    CASE(more_than_a_batch_is_read_a_batch_per_call_until_fewer_come_back),
    CASE(a_failed_fetch_moves_nothing),
};

CHECK_MAIN("mail-events", cases)
