/* Unit tests for svc-comments/prune.c: what a pass deletes from a fresh comments.db (in a
 * mkdtemp directory), at a time the test gives. */
#include "prune.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ops.h"
#include "schema.h"
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

/* comments.events_after's seq is svc-mail's cursor: what the pass may delete up to. A lower one
 * (mail.db restored from a backup) counts from then on. */
static void the_cursor_is_the_last_svc_mail_asked_after(void)
{
    setup();
    int64_t asked[] = {3, 9, 4};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        tp_w req, out;
        tp_w_init(&req);
        tp_w_map_begin(&req);
        tp_w_kint(&req, "seq", asked[i]);
        tp_w_map_end(&req);
        tp_msg in;
        CHECK(tp_msg_parse(&in, req.buf.data, req.buf.len) == 0);
        tp_w_init(&out);
        tp_w_map_begin(&out);
        tp_call c = {.msg = in.root, .op = {"comments.events_after", 21}, .out = &out, .db = db};
        CHECK(tp_call_op(comments_ops, TP_OP_COMMENTS_EVENTS_AFTER, &c) == TP_OK);
        CHECK(prune_mail_cursor() == asked[i]);
        tp_msg_free(&in);
        tp_w_free(&out);
        tp_w_free(&req);
    }
    teardown();
}

static const check_case cases[] = {
    CASE(an_applied_event_goes_once_it_is_a_week_old),
    CASE(an_event_svc_mail_has_not_applied_stays_however_old),
    CASE(a_recent_event_stays_though_applied),
    CASE(a_long_backlog_goes_in_batches_until_stopped),
    CASE(the_cursor_is_the_last_svc_mail_asked_after),
};

CHECK_MAIN("svc-comments/prune", cases)
