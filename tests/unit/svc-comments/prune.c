/* Unit tests for svc-comments/prune.c: what a pass deletes from a fresh comments.db (in a
 * mkdtemp directory), at a time the test gives. */
#include "prune.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ops.h"
#include "schema.h"
#include "store.h"
#include "tp_db.h"

#define DAY (24 * 3600)
#define NOW ((int64_t)1700000000)

static check_db_dir tmp;
static tp_db *db;
static atomic_bool running, stopped = true;

static void setup(void)
{
    char err[256];
    check_db_dir_make(&tmp, "comments.db");
    db = tp_db_open(tmp.path, comments_migrations,
                    (int)(sizeof comments_migrations / sizeof comments_migrations[0]), err,
                    sizeof err);
    if (!db) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
}

static void teardown(void)
{
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* n outbox events made at time at, after those already there. */
static void add_events(int64_t n, int64_t at)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
            "INSERT INTO outbox(type, comment, created_at) SELECT 'comment.created', x'80', ?2 "
            "FROM n");
    sqlite3_bind_int64(st, 1, n);
    sqlite3_bind_int64(st, 2, at);
    CHECK(tp_db_step_done(db, st) == 0);
}

static int64_t outbox_count(void)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM outbox"));
}

static int64_t outbox_oldest(void)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT coalesce(min(seq), 0) FROM outbox"));
}

static void an_applied_event_goes_once_it_is_a_week_old(void)
{
    setup();
    add_events(3, NOW - 8 * DAY); /* 1-3: applied, old */
    add_events(1, NOW - 1 * DAY); /* 4: applied, recent */
    add_events(1, NOW - 8 * DAY); /* 5: applied, old (the clock was set back) */
    add_events(2, NOW - 8 * DAY); /* 6-7: old, not applied */
    CHECK(prune_pass(db, NOW, 5, &running) == 3);
    CHECK(outbox_count() == 4 && outbox_oldest() == 4);
    /* A week after event 4, it and 5 go; 6 and 7 stay, however old. */
    CHECK(prune_pass(db, NOW + 7 * DAY, 5, &running) == 2);
    CHECK(outbox_count() == 2 && outbox_oldest() == 6);
    teardown();
}

static void an_event_svc_mail_has_not_applied_stays_however_old(void)
{
    setup();
    add_events(5, NOW - 365 * DAY);
    CHECK(prune_pass(db, NOW, 0, &running) == 0); /* svc-mail has not asked yet */
    CHECK(prune_pass(db, NOW, 2, &running) == 2);
    CHECK(outbox_count() == 3 && outbox_oldest() == 3);
    teardown();
}

static void a_recent_event_stays_though_applied(void)
{
    setup();
    add_events(5, NOW - OUTBOX_KEEP_S + 1);
    CHECK(prune_pass(db, NOW, 5, &running) == 0);
    CHECK(outbox_count() == 5);
    add_events(1, NOW); /* the sequence goes on from where it was, whatever went */
    CHECK(prune_pass(db, NOW + 2, 6, &running) == 5);
    CHECK(outbox_count() == 1 && outbox_oldest() == 6);
    teardown();
}

static void a_long_backlog_goes_in_batches_until_stopped(void)
{
    setup();
    add_events(2 * PRUNE_BATCH + 5, NOW - 30 * DAY);
    /* Stopping ends the pass after the batch under way. */
    CHECK(prune_pass(db, NOW, INT64_MAX, &stopped) == PRUNE_BATCH);
    CHECK(outbox_count() == PRUNE_BATCH + 5);
    CHECK(prune_pass(db, NOW, INT64_MAX, &running) == PRUNE_BATCH + 5);
    CHECK(outbox_count() == 0);
    teardown();
}

/* n published comments on talk 1, each with its live row (schema.h's trigger). */
static void add_comments(int64_t n)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) "
            "INSERT INTO comments(talk_id, talk_author_id, author_id, author_name, approved, body, "
            "body_html, created_at) SELECT 1, 7, 7, 'Ann', 1, 'x', '<p>x</p>', 0 FROM n");
    sqlite3_bind_int64(st, 1, n);
    CHECK(tp_db_step_done(db, st) == 0);
}

/* The live rows from from to to (seqs) were written at time at. */
static void live_written(int64_t from, int64_t to, int64_t at)
{
    sqlite3_stmt *st = tp_db_stmt(db, "UPDATE live SET at = ?3 WHERE seq BETWEEN ?1 AND ?2");
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, at);
    CHECK(tp_db_step_done(db, st) == 0);
}

static int64_t live_count(void)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM live"));
}

/* Runs op (its fields in req, an open map this closes and frees) as the service loop would. */
static tp_err call(enum tp_op_id op, tp_w *req, tp_msg *reply)
{
    tp_w out;
    tp_msg in;
    tp_w_map_end(req);
    if (tp_msg_parse(&in, req->buf.data, req->buf.len) != 0) abort();
    tp_w_init(&out);
    tp_w_map_begin(&out);
    const char *name = tp_op_name(op);
    tp_call c = {.msg = in.root, .op = {name, strlen(name)}, .out = &out, .db = db};
    tp_err e = tp_call_op(comments_ops, op, &c);
    tp_w_map_end(&out);
    if (tp_msg_parse(reply, out.buf.data, out.buf.len) != 0) abort();
    tp_w_free(&out);
    tp_msg_free(&in);
    tp_w_free(req);
    return e;
}

typedef struct live_answer {
    int64_t seq, first, n; /* first: the first comment's change number (0: none) */
    bool gap, more;
} live_answer;

/* comments.live on talk 1 after a change number, as a visitor's stream asks. */
static live_answer live_after(int64_t after)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", 1);
    tp_w_kint(&w, "after", after);
    tp_msg r;
    live_answer a = {.seq = -1};
    CHECK(call(TP_OP_COMMENTS_LIVE, &w, &r) == TP_OK);
    const msgpack_object *list = tp_map_get(r.root, "comments");
    CHECK(list && list->type == MSGPACK_OBJECT_ARRAY);
    a.n = list ? list->via.array.size : 0;
    if (a.n) tp_get_int(&list->via.array.ptr[0], "seq", 0, INT64_MAX, &a.first);
    tp_get_int(r.root, "seq", 0, INT64_MAX, &a.seq);
    CHECK(tp_get_bool(r.root, "gap", &a.gap) == 0 && tp_get_bool(r.root, "more", &a.more) == 0);
    tp_msg_free(&r);
    return a;
}

static void an_old_live_row_goes_and_a_recent_one_stays(void)
{
    setup();
    add_comments(6);
    live_written(1, 3, NOW - LIVE_KEEP_S - 1);
    live_written(4, 4, NOW - 3600);            /* recent */
    live_written(5, 6, NOW - LIVE_KEEP_S - 1); /* old again (the clock was set back) */
    CHECK(prune_pass(db, NOW, 0, &running) == 3);
    CHECK(live_count() == 3 && store_live_oldest(db) == 4);
    teardown();
}

static void the_newest_live_row_stays_however_old(void)
{
    setup();
    add_comments(3);
    live_written(1, 3, NOW - 30 * DAY);
    CHECK(prune_pass(db, NOW, 0, &running) == 2);
    CHECK(live_count() == 1 && store_live_head(db) == 3 && store_live_oldest(db) == 3);
    add_comments(1); /* the numbers go on */
    CHECK(store_live_head(db) == 4);
    teardown();
}

/* A stream whose place is before the oldest row kept cannot be sent what came after it: the
 * answer says gap, with the newest number as its place, and the gateway has the page reload. A
 * place from which nothing was pruned goes on as before. */
static void a_place_before_the_oldest_row_kept_is_a_gap(void)
{
    setup();
    add_comments(5);
    live_answer a = live_after(0); /* nothing pruned yet */
    CHECK(!a.gap && a.n == 5 && a.first == 1 && a.seq == 5);
    live_written(1, 3, NOW - LIVE_KEEP_S - 1);
    CHECK(prune_pass(db, NOW, 0, &running) == 3);
    int64_t gaps[] = {0, 1, 2};
    for (size_t i = 0; i < sizeof gaps / sizeof gaps[0]; i++) {
        a = live_after(gaps[i]);
        CHECK(a.gap && !a.more && a.seq == 5);
    }
    a = live_after(3); /* had every row up to 3: nothing it needs went */
    CHECK(!a.gap && a.n == 2 && a.first == 4 && a.seq == 5);
    a = live_after(5);
    CHECK(!a.gap && a.n == 0 && a.seq == 5);
    teardown();
}

/* comments.events_after's seq is svc-mail's cursor: what the pass may delete up to. A lower one
 * (mail.db restored from a backup) counts from then on. */
static void the_cursor_is_the_last_svc_mail_asked_after(void)
{
    setup();
    add_events(9, NOW);
    int64_t asked[] = {3, 9, 4};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        tp_w req;
        tp_msg r;
        tp_w_init(&req);
        tp_w_map_begin(&req);
        tp_w_kint(&req, "seq", asked[i]);
        CHECK(call(TP_OP_COMMENTS_EVENTS_AFTER, &req, &r) == TP_OK);
        CHECK(prune_mail_cursor() == asked[i]);
        tp_msg_free(&r);
    }
    teardown();
}

static const check_case cases[] = {
    CASE(an_applied_event_goes_once_it_is_a_week_old),
    CASE(an_event_svc_mail_has_not_applied_stays_however_old),
    CASE(a_recent_event_stays_though_applied),
    CASE(a_long_backlog_goes_in_batches_until_stopped),
    CASE(the_cursor_is_the_last_svc_mail_asked_after),
    CASE(an_old_live_row_goes_and_a_recent_one_stays),
    CASE(the_newest_live_row_stays_however_old),
    CASE(a_place_before_the_oldest_row_kept_is_a_gap),
};

CHECK_MAIN("svc-comments/prune", cases)
