/* Unit tests for the visitors' rate limit in svc-comments/store.c (store_comment_create with a
 * rate): a visitor over it is refused, others are not, and forgetting the posts older than a
 * minute reads those posts only, however many others the last minute holds. */
#include <string.h>
#include <time.h>

#include "check.h"
#include "schema.h"
#include "store.h"
#include "tp_op_inputs.h"

#define RATE   2
#define OTHERS 300 /* posts from other addresses within the last minute, and as many older */

static check_db_dir tmp;

static int64_t count(tp_db *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    CHECK(sqlite3_prepare_v2(tp_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static enum store_create post(tp_db *db, const char *addr)
{
    comment_input in = {.talk_id = 1,
                        .talk_author_id = 7,
                        .author_name = tp_s("A Visitor"),
                        .author_email = tp_s("visitor@example.com"),
                        .body = tp_s("Hello"),
                        .addr = tp_s(addr)};
    int64_t id;
    bool approved;
    store_event event;
    enum store_create made = store_comment_create(db, &in, "<p>Hello</p>\n", 13, tp_s(""), tp_s(""),
                                                  RATE, &id, &approved, &event);
    tp_buf_free(&event.hint);
    return made;
}

static void a_visitor_over_the_rate_is_refused_and_old_posts_go_without_a_scan(void)
{
    check_db_dir_make(&tmp, "comments.db");
    tp_db *db = check_db_open(&tmp, comments_migrations,
                              (int)(sizeof comments_migrations / sizeof comments_migrations[0]));
    char sql[400];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d) "
             "INSERT INTO anonymous_posts(addr, at) SELECT '198.51.100.' || n, %lld - 120 + "
             "(n %% 2) * 90 FROM i",
             2 * OTHERS, (long long)time(NULL));
    CHECK(sqlite3_exec(tp_db_handle(db), sql, NULL, NULL, NULL) == SQLITE_OK);
    for (int i = 0; i < RATE; i++) CHECK(post(db, "203.0.113.7") == STORE_CREATED);
    CHECK(post(db, "203.0.113.7") == STORE_THROTTLED);
    CHECK(post(db, "203.0.113.8") == STORE_CREATED);
    CHECK(count(db, "SELECT count(*) FROM comments") == RATE + 1);
    /* The older half went; the last minute's, and this test's, stayed. */
    CHECK(count(db, "SELECT count(*) FROM anonymous_posts") == OTHERS + RATE + 1);
    /* Every statement on the table used an index (SQLite counts a whole table's steps). */
    CHECK(check_stmt_status(db, "anonymous_posts", SQLITE_STMTSTATUS_FULLSCAN_STEP) == 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(a_visitor_over_the_rate_is_refused_and_old_posts_go_without_a_scan),
};

CHECK_MAIN("comments_rate_limit", cases)
