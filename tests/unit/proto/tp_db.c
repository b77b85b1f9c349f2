/* Unit tests for proto/tp_db.c: its online copy (tp_db_backup) is one commit of the database,
 * made while others write, and it needs no write lock; reads in one snapshot; what it keeps
 * beside a connection; SQLite's settings. */
#include "tp_db.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"

/* Every transaction of the writers adds ROWS_PER_COMMIT rows: a copy of one commit holds a
 * multiple of it. */
#define ROWS_PER_COMMIT 10
static const char *const migrations[] = {
    "CREATE TABLE rows(n INTEGER NOT NULL, pad TEXT NOT NULL);"
    "CREATE INDEX rows_n ON rows(n);",
};

static check_db_dir tmp;

static tp_db *open_source(void)
{
    char err[256];
    tp_db *db = tp_db_open(tmp.path, migrations, 1, err, sizeof err);
    if (!db) fprintf(stderr, "  %s\n", err);
    return db;
}

/* Adds one transaction's rows, each with 200 bytes of text so the file grows quickly. */
static int add_rows(tp_db *db, int64_t first)
{
    if (tp_db_begin(db) != 0) return -1;
    for (int i = 0; i < ROWS_PER_COMMIT; i++) {
        sqlite3_stmt *st =
            tp_db_stmt(db, "INSERT INTO rows(n, pad) VALUES (?, printf('%200d', ?))");
        sqlite3_bind_int64(st, 1, first + i);
        sqlite3_bind_int64(st, 2, first + i);
        if (tp_db_step_done(db, st) != 0) {
            tp_db_rollback(db);
            return -1;
        }
    }
    return tp_db_commit(db);
}

/* A new, empty file in the test's folder, as tp_backup_op makes one. */
static void make_empty(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
}

/* The copy at path opened on its own: 0 when PRAGMA integrity_check says "ok", with its number
 * of rows in *rows. */
static int check_copy(const char *path, int64_t *rows)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    int ok = -1;
    *rows = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) goto out;
    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW &&
            strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0)
            ok = 0;
        sqlite3_finalize(st);
    }
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM rows", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) *rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
out:
    sqlite3_close(h);
    return ok;
}

static void remove_copy(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[192];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/* A writer holds the write lock with rows not yet committed: the copy neither waits for it nor
 * holds its rows, and the writer commits afterwards. */
static void a_copy_needs_no_write_lock_and_holds_only_commits(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source(), *writer = open_source();
    CHECK(db && writer);
    if (!db || !writer) return;
    CHECK(add_rows(writer, 0) == 0);
    CHECK(tp_db_begin(writer) == 0);
    sqlite3_stmt *st = tp_db_stmt(writer, "INSERT INTO rows(n, pad) VALUES (-1, 'uncommitted')");
    CHECK(tp_db_step_done(writer, st) == 0);

    char copy[160], err[256];
    int64_t rows;
    snprintf(copy, sizeof copy, "%s/copy.db", tmp.dir);
    make_empty(copy);
    CHECK(tp_db_backup(db, copy, err, sizeof err) == 0);
    CHECK(check_copy(copy, &rows) == 0 && rows == ROWS_PER_COMMIT);
    CHECK(tp_db_commit(writer) == 0);
    remove_copy(copy);

    /* The copy is a file of its own: it has the source's schema version and opens as usual. */
    make_empty(copy);
    CHECK(tp_db_backup(db, copy, err, sizeof err) == 0);
    tp_db *reopened = tp_db_open(copy, migrations, 1, err, sizeof err);
    CHECK(reopened != NULL);
    if (reopened) {
        CHECK(tp_db_step_int(reopened, tp_db_stmt(reopened, "SELECT count(*) FROM rows")) ==
              ROWS_PER_COMMIT + 1);
        CHECK(tp_db_step_int(reopened, tp_db_stmt(reopened, "PRAGMA user_version")) == 1);
        tp_db_close(reopened);
    }
    remove_copy(copy);
    tp_db_close(writer);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static atomic_bool writing_stops;
static atomic_long commits;

static void *keep_writing(void *arg)
{
    (void)arg;
    tp_db *db = open_source();
    if (!db) return NULL;
    for (int64_t n = 1000000; !atomic_load(&writing_stops); n += ROWS_PER_COMMIT) {
        if (add_rows(db, n) != 0) break;
        atomic_fetch_add(&commits, 1);
    }
    tp_db_close(db);
    return NULL;
}

/* Copies made while another connection commits all the time: each passes integrity_check and
 * holds whole commits only, and the writer is never stopped for long. */
static void copies_under_writes_are_whole_commits(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source();
    CHECK(db != NULL);
    if (!db) return;
    for (int64_t n = 0; n < 2000 * ROWS_PER_COMMIT; n += ROWS_PER_COMMIT)
        if (add_rows(db, n) != 0) break; /* about 5 MB to copy each time */
    atomic_store(&writing_stops, false);
    atomic_store(&commits, 0);
    pthread_t writer;
    CHECK(pthread_create(&writer, NULL, keep_writing, NULL) == 0);
    while (atomic_load(&commits) < 5) usleep(1000); /* writing for real before the first copy */

    int64_t last = 0;
    long during = 0;
    for (int i = 0; i < 5; i++) {
        char copy[160], err[256];
        int64_t rows;
        snprintf(copy, sizeof copy, "%s/copy%d.db", tmp.dir, i);
        make_empty(copy);
        long before = atomic_load(&commits);
        int rv = tp_db_backup(db, copy, err, sizeof err);
        during += atomic_load(&commits) - before;
        if (rv != 0) fprintf(stderr, "  %s\n", err);
        CHECK(rv == 0);
        CHECK(check_copy(copy, &rows) == 0);
        CHECK(rows % ROWS_PER_COMMIT == 0 && rows >= last && rows >= 2000 * ROWS_PER_COMMIT);
        last = rows;
        remove_copy(copy);
    }
    atomic_store(&writing_stops, true);
    pthread_join(writer, NULL);
    /* The writer went on while copies were made (each copy takes milliseconds, a commit less). */
    CHECK(during > 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static void a_copy_into_a_file_that_is_not_empty_fails(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source();
    CHECK(db != NULL);
    if (!db) return;
    char copy[160], err[256] = "";
    snprintf(copy, sizeof copy, "%s/copy.db", tmp.dir);
    FILE *f = fopen(copy, "w");
    fputs("not a database, and not empty either: SQLite will not take it for one\n", f);
    fclose(f);
    CHECK(tp_db_backup(db, copy, err, sizeof err) == -1 && strstr(err, "source.db"));
    remove_copy(copy);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* What a service keeps beside a connection is made once, zeroed, and freed with it (ASan's leak
 * check fails the run if it is not). */
static int kept_freed;
static void free_kept(void *p)
{
    kept_freed++;
    free(p);
}

static void kept_state_lives_as_long_as_its_connection(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source();
    CHECK(db != NULL);
    if (!db) return;
    int *n = tp_db_kept(db, sizeof(int), free_kept);
    CHECK(n && *n == 0);
    *n = 7;
    CHECK(tp_db_kept(db, sizeof(int), free_kept) == n && *n == 7);
    tp_db_close(db);
    CHECK(kept_freed == 1);
    check_db_dir_remove(&tmp);
}

/* SQLite keeps no count of its memory (its one mutex for all threads, taken at every allocation):
 * with a connection open and used, it says it holds nothing. */
static void sqlite_counts_no_memory(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source();
    CHECK(db != NULL);
    if (!db) return;
    CHECK(tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM sqlite_schema")) > 0);
    sqlite3_int64 now = -1, peak = -1;
    CHECK(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &peak, 0) == SQLITE_OK);
    CHECK(now == 0 && peak == 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* Reads between tp_db_read_begin and tp_db_read_end see one snapshot: a commit made meanwhile on
 * another connection shows only after the end. */
static void reads_in_one_snapshot_do_not_see_a_commit_made_between_them(void)
{
    check_db_dir_make(&tmp, "source.db");
    tp_db *db = open_source(), *other = open_source();
    CHECK(db && other);
    if (!db || !other) return;
    const char *count = "SELECT count(*) FROM rows";
    CHECK(tp_db_read_begin(db) == 0);
    CHECK(tp_db_step_int(db, tp_db_stmt(db, count)) == 0);
    CHECK(add_rows(other, 1) == 0);
    CHECK(tp_db_step_int(db, tp_db_stmt(db, count)) == 0);
    tp_db_read_end(db);
    CHECK(sqlite3_get_autocommit(tp_db_handle(db)));
    CHECK(tp_db_step_int(db, tp_db_stmt(db, count)) == ROWS_PER_COMMIT);
    tp_db_close(other);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(reads_in_one_snapshot_do_not_see_a_commit_made_between_them),
    CASE(sqlite_counts_no_memory),
    CASE(a_copy_needs_no_write_lock_and_holds_only_commits),
    CASE(copies_under_writes_are_whole_commits),
    CASE(a_copy_into_a_file_that_is_not_empty_fails),
    CASE(kept_state_lives_as_long_as_its_connection),
};

CHECK_MAIN("tp_db", cases)
