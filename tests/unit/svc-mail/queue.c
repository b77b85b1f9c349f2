/* Unit tests for mail.db's queue (svc-mail/store.c, prune.c, schema.h migration 3) on a fresh
 * mail.db: the sent counts follow the rows marked sent and outlive the rows' pruning, the
 * metrics read the waiting rows and the counts (not every row ever sent), a row goes a week after
 * it was sent and a waiting one never, and the migration counts what was sent before it. */
#include "prune.h"

#include <string.h>

#include "check.h"
#include "schema.h"
#include "store.h"

#define NOW        ((int64_t)1700000000)
#define DAY        (24 * 3600)
#define MIGRATIONS (int)(sizeof mail_migrations / sizeof mail_migrations[0])

static check_db_dir tmp;

static tp_db *open_db_at(int n)
{
    return check_db_open(&tmp, mail_migrations, n);
}

/* Queues one notification of kind at time at; its row id. */
static int64_t queue(tp_db *db, const char *kind, int64_t at)
{
    static int keys;
    char key[32];
    snprintf(key, sizeof key, "k%d", ++keys);
    tp_str none = {"", 0}, to = {"vic@example.com", 15}, body = {"Nice talk.", 10};
    CHECK(store_queue_add(db, key, kind, to, none, 0, 1, 1, none, body, none, at) == 0);
    return sqlite3_last_insert_rowid(tp_db_handle(db));
}

static void sent(tp_db *db, int64_t id, int64_t at)
{
    CHECK(store_mark_sent(db, &id, 1, at) == 0);
}

/* The metrics' figures of kind (all 0 when the kind has none). */
static store_queue_stat stat_of(tp_db *db, const char *kind)
{
    store_queue_stat stats[8], none = {.queued = 0};
    size_t n = 0;
    CHECK(store_queue_stats(db, stats, 8, &n) == 0);
    for (size_t i = 0; i < n; i++)
        if (strcmp(stats[i].kind, kind) == 0) return stats[i];
    return none;
}

static int64_t rows(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM queue"));
}

static void sent_counts_follow_the_rows_and_outlive_their_pruning(void)
{
    check_db_dir_make(&tmp, "mail.db");
    tp_db *db = open_db_at(MIGRATIONS);
    int64_t a = queue(db, "new_comment", NOW - 10 * DAY),
            b = queue(db, "new_comment", NOW - 10 * DAY);
    int64_t waiting = queue(db, "new_comment", NOW - 10 * DAY);
    int64_t m = queue(db, "moderation", NOW - 10 * DAY);
    sent(db, a, NOW - 9 * DAY);
    sent(db, b, NOW - 8 * DAY);
    sent(db, m, NOW - 9 * DAY);
    sent(db, b, NOW - 8 * DAY); /* marked again (flush's held rows): counted once */
    CHECK(store_mark_attempt(db, &waiting, 1, NOW) == 0);
    store_queue_stat s = stat_of(db, "new_comment");
    CHECK(s.queued == 1 && s.failed == 1 && s.sent == 2 && s.oldest == NOW - 10 * DAY);
    s = stat_of(db, "moderation");
    CHECK(s.queued == 0 && s.failed == 0 && s.sent == 1 && s.oldest == 0);
    CHECK(store_last_sent(db, "new_comment") == NOW - 8 * DAY);
    CHECK(store_last_sent(db, "admin") == 0);

    int64_t recent = queue(db, "moderation", NOW - 7 * DAY), pass = 0;
    sent(db, recent, NOW - 6 * DAY);
    CHECK(prune_sent_batch(db, NOW, &pass) == 3); /* a, b, m: sent over a week ago */
    CHECK(rows(db) == 2); /* the waiting one, however old, and the recent one */
    CHECK(prune_sent_batch(db, NOW, &pass) == 0);
    s = stat_of(db, "new_comment");
    CHECK(s.queued == 1 && s.sent == 2);
    CHECK(stat_of(db, "moderation").sent == 2);
    CHECK(store_last_sent(db, "new_comment") == NOW - 8 * DAY);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* The metrics are scraped every few seconds: what they read must not grow with the mail sent. */
static void the_figures_and_the_pruning_read_no_sent_row_they_do_not_need(void)
{
    check_db_dir_make(&tmp, "mail.db");
    tp_db *db = open_db_at(MIGRATIONS);
    int64_t ids[500];
    for (int i = 0; i < 500; i++) ids[i] = queue(db, "new_comment", NOW);
    CHECK(store_mark_sent(db, ids, 500, NOW) == 0);
    int64_t pass = 0;
    queue(db, "new_comment", NOW);
    CHECK(stat_of(db, "new_comment").sent == 500);
    CHECK(store_last_sent(db, "new_comment") == NOW);
    CHECK(prune_sent_batch(db, NOW, &pass) == 0);
    /* Steps of whole-table scans: sent_counts' one row a kind at most, never the queue's. */
    CHECK(check_stmt_status(db, "FROM queue WHERE sent_at IS NULL",
                            SQLITE_STMTSTATUS_FULLSCAN_STEP) < 10);
    CHECK(check_stmt_status(db, "FROM sent_counts WHERE kind", SQLITE_STMTSTATUS_FULLSCAN_STEP) ==
          0);
    CHECK(check_stmt_status(db, "sent_at < ?1 LIMIT ?2", SQLITE_STMTSTATUS_FULLSCAN_STEP) == 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* An old mail.db's backlog goes PRUNE_BATCH rows a call, and its pass is counted as one. */
static void a_backlog_goes_a_batch_at_a_time(void)
{
    check_db_dir_make(&tmp, "mail.db");
    tp_db *db = open_db_at(MIGRATIONS);
    static int64_t ids[PRUNE_BATCH + 1];
    CHECK(tp_db_begin(db) == 0);
    for (int i = 0; i <= PRUNE_BATCH; i++) ids[i] = queue(db, "new_comment", NOW - 30 * DAY);
    CHECK(tp_db_commit(db) == 0);
    CHECK(store_mark_sent(db, ids, PRUNE_BATCH + 1, NOW - 30 * DAY) == 0);
    int64_t pass = 0;
    CHECK(prune_sent_batch(db, NOW, &pass) == PRUNE_BATCH && pass == PRUNE_BATCH);
    CHECK(prune_sent_batch(db, NOW, &pass) == 1 && pass == 0); /* the pass ends: logged */
    CHECK(rows(db) == 0 && stat_of(db, "new_comment").sent == PRUNE_BATCH + 1);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static void the_migration_counts_what_was_sent_before_it(void)
{
    check_db_dir_make(&tmp, "mail.db");
    tp_db *db = open_db_at(2);
    sent(db, queue(db, "new_comment", NOW), NOW + 5);
    sent(db, queue(db, "new_comment", NOW), NOW + 9);
    queue(db, "new_comment", NOW);
    sent(db, queue(db, "reset", NOW), NOW + 1);
    tp_db_close(db);
    db = open_db_at(MIGRATIONS);
    store_queue_stat s = stat_of(db, "new_comment");
    CHECK(s.queued == 1 && s.sent == 2);
    CHECK(stat_of(db, "reset").sent == 1);
    CHECK(store_last_sent(db, "new_comment") == NOW + 9);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(sent_counts_follow_the_rows_and_outlive_their_pruning),
    CASE(the_figures_and_the_pruning_read_no_sent_row_they_do_not_need),
    CASE(a_backlog_goes_a_batch_at_a_time),
    CASE(the_migration_counts_what_was_sent_before_it),
};
CHECK_MAIN("mail-queue", cases)
