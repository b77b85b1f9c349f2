/* Unit tests for proto/tp_writer.c. Each case opens a fresh database in its own mkdtemp
 * directory. To know what a batch holds, a case first blocks the writer with a job that waits on
 * a gate, queues the jobs it means to batch (waiting until the writer's stats count them), then
 * opens the gate. */
#include "tp_writer.h"

#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"

static const char *const migrations[] = {
    "CREATE TABLE rows(n INTEGER NOT NULL);"
    /* A deferred foreign key is checked at COMMIT only: an orphan child fails the batch. */
    "CREATE TABLE parents(id INTEGER PRIMARY KEY);"
    "CREATE TABLE children(parent INTEGER REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED);",
};

static check_db_dir tmp;

static tp_db *open_db(void)
{
    char err[256];
    tp_db *db = tp_db_open(tmp.path, migrations, 1, err, sizeof err);
    if (!db) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
    return db;
}

/* What the writer let out, in order: each committed job's number, and BATCH_DONE after each
 * batch. */
#define BATCH_DONE (-1)
static struct {
    pthread_mutex_t mu;
    int64_t seen[128];
    int n;
} outlog = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void record(int64_t what)
{
    pthread_mutex_lock(&outlog.mu);
    if (outlog.n < 128) outlog.seen[outlog.n] = what;
    outlog.n++;
    pthread_mutex_unlock(&outlog.mu);
}

static void record_committed(void *arg)
{
    record(*(int64_t *)arg);
}

static void record_batch_done(void)
{
    record(BATCH_DONE);
}

static tp_writer *start(void)
{
    check_db_dir_make(&tmp, "test.db");
    outlog.n = 0;
    return tp_writer_start(open_db(), record_batch_done);
}

static void cleanup(void)
{
    check_db_dir_remove(&tmp);
}

static int64_t count(const char *sql)
{
    tp_db *db = open_db();
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(tp_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    tp_db_close(db);
    return n;
}

/* ---- jobs ---- */

static int insert(tp_db *db, void *arg)
{
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO rows(n) VALUES(?1)");
    sqlite3_bind_int64(st, 1, *(int64_t *)arg);
    return tp_db_step_done(db, st);
}

/* Inserts, then fails: its row must go. */
static int insert_then_fail(tp_db *db, void *arg)
{
    return insert(db, arg) ? -1 : 7;
}

static int insert_orphan(tp_db *db, void *arg)
{
    (void)arg;
    return tp_db_step_done(db, tp_db_stmt(db, "INSERT INTO children(parent) VALUES(42)"));
}

/* A job that holds the writer until the case opens the gate. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, open;
} gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};

static int wait_at_gate(tp_db *db, void *arg)
{
    (void)db, (void)arg;
    pthread_mutex_lock(&gate.mu);
    gate.running = true;
    pthread_cond_broadcast(&gate.cv);
    while (!gate.open) pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);
    return 0;
}

/* ---- submitting from threads ---- */

typedef struct submitter {
    tp_writer *w;
    tp_write_fn fn;
    int64_t n;
    int jobs; /* how many times to submit fn */
    int failed, result;
    pthread_t thread;
} submitter;

static void *submit_main(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < s->jobs; i++) {
        int64_t n = s->n * 1000 + i;
        s->result = tp_writer_run(s->w, s->fn, record_committed, &n);
        if (s->result != 0) s->failed++;
    }
    return NULL;
}

static void submit(submitter *s, tp_writer *w, tp_write_fn fn, int64_t n, int jobs)
{
    *s = (submitter){.w = w, .fn = fn, .n = n, .jobs = jobs};
    if (pthread_create(&s->thread, NULL, submit_main, s) != 0) abort();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits (at most 10 s) until n jobs wait for the next batch. */
static bool queued(tp_writer *w, uint64_t n)
{
    double until = now_s() + 10;
    while (tp_writer_get_stats(w).queued < n) {
        if (now_s() > until) {
            fprintf(stderr, "  %" PRIu64 " jobs queued, not %" PRIu64 "\n",
                    tp_writer_get_stats(w).queued, n);
            return false;
        }
        sched_yield();
    }
    return true;
}

/* Blocks the writer on the gate; returns the submitter holding it. */
static void close_gate(submitter *s, tp_writer *w)
{
    gate.open = gate.running = false;
    submit(s, w, wait_at_gate, 0, 1);
    pthread_mutex_lock(&gate.mu);
    while (!gate.running) pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);
}

static void open_gate(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.open = true;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

/* ---- cases ---- */

static void concurrent_jobs_all_commit(void)
{
    tp_writer *w = start();
    submitter s[8];
    for (int i = 0; i < 8; i++) submit(&s[i], w, insert, i, 50);
    for (int i = 0; i < 8; i++) {
        pthread_join(s[i].thread, NULL);
        CHECK(s[i].failed == 0);
    }
    tp_writer_stats stats = tp_writer_get_stats(w);
    CHECK(stats.jobs == 400);
    CHECK(stats.batches >= 1 && stats.batches <= 400);
    tp_writer_stop(w);
    CHECK(count("SELECT count(*) FROM rows") == 400);
    cleanup();
}

static void jobs_queued_together_commit_in_one_batch(void)
{
    tp_writer *w = start();
    submitter holder, s[5];
    close_gate(&holder, w);
    for (int i = 0; i < 5; i++) submit(&s[i], w, insert, i, 1);
    CHECK(queued(w, 5));
    open_gate();
    pthread_join(holder.thread, NULL);
    for (int i = 0; i < 5; i++) {
        pthread_join(s[i].thread, NULL);
        CHECK(s[i].result == 0);
    }
    tp_writer_stats stats = tp_writer_get_stats(w);
    CHECK(stats.jobs == 6);
    CHECK(stats.batches == 2);
    tp_writer_stop(w);
    CHECK(count("SELECT count(*) FROM rows") == 5);
    cleanup();
}

static void a_failing_job_is_rolled_back_and_the_others_commit(void)
{
    tp_writer *w = start();
    submitter holder, s[3];
    close_gate(&holder, w);
    submit(&s[0], w, insert, 1, 1);
    CHECK(queued(w, 1));
    submit(&s[1], w, insert_then_fail, 2, 1);
    CHECK(queued(w, 2));
    submit(&s[2], w, insert, 3, 1);
    CHECK(queued(w, 3));
    open_gate();
    pthread_join(holder.thread, NULL);
    for (int i = 0; i < 3; i++) pthread_join(s[i].thread, NULL);
    CHECK(s[0].result == 0);
    CHECK(s[1].result == 7); /* the job's own result comes back */
    CHECK(s[2].result == 0);
    CHECK(tp_writer_get_stats(w).batches == 2);
    tp_writer_stop(w);
    CHECK(count("SELECT count(*) FROM rows") == 2);
    CHECK(count("SELECT count(*) FROM rows WHERE n = 2000") == 0);
    /* The gate's batch (its job is number 0), then the committed jobs of the second batch, not
     * the one that failed, then that batch's end: its events go out together, and only theirs. */
    CHECK(outlog.n == 5);
    CHECK(outlog.seen[0] == 0 && outlog.seen[1] == BATCH_DONE);
    CHECK(outlog.seen[2] == 1000 && outlog.seen[3] == 3000);
    CHECK(outlog.seen[4] == BATCH_DONE);
    cleanup();
}

static void a_failing_commit_fails_every_job_of_its_batch(void)
{
    tp_writer *w = start();
    submitter holder, s[3];
    close_gate(&holder, w);
    submit(&s[0], w, insert, 1, 1);
    submit(&s[1], w, insert_orphan, 2, 1);
    submit(&s[2], w, insert, 3, 1);
    CHECK(queued(w, 3));
    open_gate();
    pthread_join(holder.thread, NULL);
    for (int i = 0; i < 3; i++) {
        pthread_join(s[i].thread, NULL);
        CHECK(s[i].result == -1);
    }
    /* Nothing of the failed batch was let out. */
    CHECK(outlog.n == 3 && outlog.seen[0] == 0);
    CHECK(outlog.seen[1] == BATCH_DONE && outlog.seen[2] == BATCH_DONE);
    /* The writer goes on: the next batch commits. */
    int64_t n = 9;
    CHECK(tp_writer_run(w, insert, record_committed, &n) == 0);
    tp_writer_stop(w);
    CHECK(count("SELECT count(*) FROM rows") == 1);
    CHECK(count("SELECT count(*) FROM children") == 0);
    cleanup();
}

typedef struct stopper {
    tp_writer *w;
    pthread_t thread;
} stopper;

static void *stop_main(void *arg)
{
    tp_writer_stop(((stopper *)arg)->w);
    return NULL;
}

static void stopping_runs_the_queued_jobs_and_refuses_new_ones(void)
{
    tp_writer *w = start();
    submitter holder, s[4];
    close_gate(&holder, w);
    for (int i = 0; i < 4; i++) submit(&s[i], w, insert, i, 1);
    CHECK(queued(w, 4));
    /* tp_writer_stop waits for the writer, which waits at the gate: stop from a thread. */
    stopper st = {.w = w};
    if (pthread_create(&st.thread, NULL, stop_main, &st) != 0) abort();
    double until = now_s() + 10;
    while (!tp_writer_get_stats(w).stopping && now_s() < until) sched_yield();
    int64_t late = 99;
    CHECK(tp_writer_run(w, insert, record_committed, &late) == -1);
    open_gate();
    pthread_join(holder.thread, NULL);
    for (int i = 0; i < 4; i++) {
        pthread_join(s[i].thread, NULL);
        CHECK(s[i].result == 0);
    }
    pthread_join(st.thread, NULL);
    CHECK(count("SELECT count(*) FROM rows") == 4); /* not the refused one */
    cleanup();
}

/* tp_writer_submit: the done functions of one batch, in the order they ran. */
typedef struct submitted {
    int64_t n;
    int result;
} submitted;
static submitted done_log[64];
static int ndone;

static void record_done(void *arg, int result)
{
    /* After the batch's committed functions and after_batch: the log shows it. */
    done_log[ndone++] = (submitted){*(int64_t *)arg, result};
    record(-100 - *(int64_t *)arg);
}

static void one_thread_submits_a_whole_batch_and_is_called_back(void)
{
    tp_writer *w = start();
    submitter holder;
    close_gate(&holder, w);
    /* More jobs than any pool of workers: a submitter does not wait for its batch. */
    static int64_t n[40];
    ndone = 0;
    for (int i = 0; i < 40; i++) {
        n[i] = i + 1;
        CHECK(tp_writer_submit(w, i == 7 ? insert_then_fail : insert, record_committed, record_done,
                               &n[i]) == 0);
    }
    CHECK(queued(w, 40));
    open_gate();
    pthread_join(holder.thread, NULL);
    tp_writer_stop(w); /* runs the queued batch, calling back every job */
    CHECK(count("SELECT count(*) FROM rows") == 39);
    CHECK(ndone == 40);
    for (int i = 0; i < 40 && i < ndone; i++) {
        CHECK(done_log[i].n == i + 1);
        CHECK(done_log[i].result == (i == 7 ? 7 : 0));
    }
    /* The gate's batch, then 39 committed, the batch's end, then the 40 call-backs. */
    CHECK(outlog.n == 2 + 39 + 1 + 40);
    CHECK(outlog.seen[0] == 0 && outlog.seen[1] == BATCH_DONE);
    CHECK(outlog.seen[2] == 1 && outlog.seen[40] == 40);
    CHECK(outlog.seen[41] == BATCH_DONE);
    CHECK(outlog.seen[42] == -101 && outlog.seen[81] == -140);
    cleanup();
}

/* SQLite's temporary files (named etilqs_*, deleted as soon as opened) this process has open. */
static int temp_files_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        char link[300], target[512];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strstr(target, "/etilqs_") != NULL;
        }
    }
    if (d) closedir(d);
    return n;
}

static int fill_rows(tp_db *db, void *arg)
{
    (void)arg;
    return tp_db_step_done(db, tp_db_stmt(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT "
                                              "i + 1 FROM c WHERE i < 20000) "
                                              "INSERT INTO rows(n) SELECT i FROM c"));
}

/* Rewrites every row (about 50 pages, all in the job's savepoint journal), then looks. */
static int rewrite_rows_and_count_temp_files(tp_db *db, void *arg)
{
    if (tp_db_step_done(db, tp_db_stmt(db, "UPDATE rows SET n = n + 1"))) return -1;
    *(int *)arg = temp_files_open();
    return 0;
}

/* A job's savepoint journal stays in memory: past SQLite's 64 KiB it went to a file under
 * /var/tmp, written for every batch of comments. */
static void a_jobs_savepoint_journal_makes_no_file(void)
{
    tp_writer *w = start();
    int files = -1;
    CHECK(tp_writer_run(w, fill_rows, NULL, NULL) == 0);
    CHECK(tp_writer_run(w, rewrite_rows_and_count_temp_files, NULL, &files) == 0);
    CHECK(files == 0);
    CHECK(count("SELECT sum(n) FROM rows") == 20000 * 20001 / 2 + 20000);
    tp_writer_stop(w);
    cleanup();
}

/* A job that writes some 40 pages (the rows' table rewritten in part). */
static int rewrite_some_rows(tp_db *db, void *arg)
{
    (void)arg;
    return tp_db_step_done(db, tp_db_stmt(db, "UPDATE rows SET n = n + 1 WHERE rowid % 100 = 0"));
}

/* Batch after batch, many times the checkpoint's pages: the checkpoints run on their own thread,
 * the writer copies only what was written since each, and the WAL starts over, so it never nears
 * the size at which the writer would copy it all itself. */
static void checkpoints_run_beside_the_writer_and_the_wal_starts_over(void)
{
    tp_writer *w = start();
    CHECK(tp_writer_run(w, fill_rows, NULL, NULL) == 0);
    for (int i = 0; i < 5000 && tp_writer_get_stats(w).checkpoints.catch_ups < 5; i++)
        CHECK(tp_writer_run(w, rewrite_some_rows, NULL, NULL) == 0);
    tp_writer_stats s = tp_writer_get_stats(w);
    CHECK(s.checkpoints.catch_ups >= 5 && s.checkpoints.passes >= 5);
    CHECK(s.checkpoints.inline_ == 0);
    CHECK(s.checkpoints.max_pages < TP_CHECKPOINT_INLINE_PAGES / 4);
    tp_writer_stop(w);
    cleanup();
}

static const check_case cases[] = {
    {"concurrent_jobs_all_commit", concurrent_jobs_all_commit},
    {"jobs_queued_together_commit_in_one_batch", jobs_queued_together_commit_in_one_batch},
    {"a_failing_job_is_rolled_back_and_the_others_commit",
     a_failing_job_is_rolled_back_and_the_others_commit},
    {"a_failing_commit_fails_every_job_of_its_batch",
     a_failing_commit_fails_every_job_of_its_batch},
    {"stopping_runs_the_queued_jobs_and_refuses_new_ones",
     stopping_runs_the_queued_jobs_and_refuses_new_ones},
    {"one_thread_submits_a_whole_batch_and_is_called_back",
     one_thread_submits_a_whole_batch_and_is_called_back},
    {"a_jobs_savepoint_journal_makes_no_file", a_jobs_savepoint_journal_makes_no_file},
    {"checkpoints_run_beside_the_writer_and_the_wal_starts_over",
     checkpoints_run_beside_the_writer_and_the_wal_starts_over},
};

CHECK_MAIN("tp_writer", cases)
