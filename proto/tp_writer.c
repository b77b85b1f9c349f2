/* tp_writer: group commit on one writer thread (see tp_writer.h). */
#include "tp_writer.h"

#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tp_buf.h"
#include "tp_checkpointer.h"
#include "tp_log.h"
#include "tp_metrics.h"

/* A job. tp_writer_run's lives on its submitter's stack until done_sem is posted: each such
 * submitter waits on its own semaphore, so a finished batch wakes exactly its own submitters (a
 * shared condition variable woke every waiting worker, most of them to sleep again).
 * tp_writer_submit's is allocated, and freed once done has run. */
typedef struct job {
    tp_write_fn fn;
    tp_committed_fn committed;
    tp_done_fn done; /* NULL: a tp_writer_run job */
    void *arg;
    int result;
    sem_t done_sem;
    struct job *next;
} job;

struct tp_writer {
    tp_db *db;
    tp_checkpointer *checkpointer; /* NULL: SQLite's own checkpoints, in the COMMIT */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t queued; /* a job was queued, or stopping was set */
    pthread_cond_t left;   /* the last submitter left tp_writer_run while stopping */
    job *head, *tail;      /* the next batch */
    void (*after_batch)(void);
    int inside; /* threads in tp_writer_run: tp_writer_stop waits for them to leave */
    bool stopping;
    tp_writer_stats stats;
};

static bool in_transaction(tp_db *db)
{
    return !sqlite3_get_autocommit(tp_db_handle(db));
}

/* Runs one job inside its own savepoint; its result, with its changes undone unless it is 0. */
static int run_job(tp_db *db, job *j)
{
    if (tp_db_step_done(db, tp_db_stmt(db, "SAVEPOINT job"))) return -1;
    int rc = j->fn(db, j->arg);
    /* An I/O error or a full disk can make SQLite roll the whole transaction back: then there
     * is no savepoint left to release, and the caller fails the batch so far. */
    if (!in_transaction(db)) return rc ? rc : -1;
    if (rc != 0 && tp_db_step_done(db, tp_db_stmt(db, "ROLLBACK TO job"))) rc = -1;
    if (tp_db_step_done(db, tp_db_stmt(db, "RELEASE job"))) rc = rc ? rc : -1;
    return rc;
}

static void fail_jobs(job *from, job *to)
{
    for (job *j = from; j != to; j = j->next) j->result = -1;
}

/* Runs the batch in one transaction (more only when SQLite ended one under us); sets every
 * job's result. */
static void run_batch(tp_writer *w, job *batch)
{
    job *first = NULL; /* the first job of the transaction open now */
    uint64_t began = 0;
    for (job *j = batch; j; j = j->next) {
        if (!first) {
            /* Another replica may hold the lock: busy_timeout waits for it. If it does not come,
             * the rest of the batch fails rather than waiting that long once per job. */
            if (!began) began = tp_metrics_now_ns();
            if (tp_db_begin(w->db)) {
                tp_db_error(w->db);
                fail_jobs(j, NULL);
                return;
            }
            first = j;
        }
        j->result = run_job(w->db, j);
        if (!in_transaction(w->db)) {
            tp_error(NULL, "a write job's error rolled its whole batch back");
            fail_jobs(first, j->next);
            first = NULL;
        }
    }
    if (!first) return;
    if (sqlite3_exec(tp_db_handle(w->db), "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        tp_db_error(w->db);
        tp_db_rollback(w->db);
        fail_jobs(first, NULL); /* nothing is acknowledged that is not on disk */
        return;
    }
    /* The batch's latency, BEGIN (its wait for the lock included) to the end of COMMIT. */
    tp_metrics_db_write(TP_DB_WRITE_GROUP_COMMIT, tp_metrics_now_ns() - began);
}

static void *writer_main(void *arg)
{
    tp_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping) pthread_cond_wait(&w->queued, &w->mu);
        if (!w->head) break; /* stopping, and every queued job has been run */
        job *batch = w->head;
        uint64_t n = w->stats.queued;
        w->head = w->tail = NULL;
        w->stats.queued = 0;
        pthread_mutex_unlock(&w->mu);
        if (w->checkpointer) tp_checkpointer_before_batch(w->checkpointer);
        run_batch(w, batch);
        for (job *j = batch; j; j = j->next)
            if (j->result == 0 && j->committed) j->committed(j->arg);
        if (w->after_batch) w->after_batch();
        /* Counted before anyone is told: a submitter that returns sees its batch in the stats. */
        pthread_mutex_lock(&w->mu);
        w->stats.jobs += n;
        w->stats.batches++;
        pthread_mutex_unlock(&w->mu);
        /* The done functions reply and log a line each: one write for the batch's lines. */
        tp_log_hold();
        /* Once done_sem is posted a submitter may return and its job go away: read next first. */
        for (job *j = batch, *next; j; j = next) {
            next = j->next;
            if (j->done) {
                j->done(j->arg, j->result);
                free(j);
            } else {
                sem_post(&j->done_sem);
            }
        }
        tp_log_release();
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

tp_writer *tp_writer_start(tp_db *db_take, void (*after_batch)(void))
{
    /* Each job runs in a savepoint, whose journal SQLite keeps in memory only up to 64 KiB unless
     * temporary files are: a comment's insert touches more pages than that (the row, its
     * indexes, the outbox), so every batch wrote a file under /var/tmp, five times as many
     * writes as its WAL got. In memory, a savepoint's journal is dropped when it is released:
     * it holds one job's pages at a time. Only on the writer's connection: the workers' reads
     * keep their large sorts in files.
     * Checkpoints are tp_checkpointer's, on a thread of their own. */
    sqlite3_exec(tp_db_handle(db_take), "PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
    tp_writer *w = tp_xcalloc(1, sizeof *w);
    w->db = db_take;
    w->checkpointer = tp_checkpointer_start(tp_db_handle(db_take));
    w->after_batch = after_batch;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->queued, NULL);
    pthread_cond_init(&w->left, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        tp_error(NULL, "cannot start the writer thread");
        abort();
    }
    pthread_setname_np(w->thread, "tp:writer");
    return w;
}

/* Queues j unless the writer is stopping; false if it is. */
static bool enqueue(tp_writer *w, job *j)
{
    pthread_mutex_lock(&w->mu);
    bool queued = !w->stopping;
    if (queued) {
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        w->stats.queued++;
        pthread_cond_signal(&w->queued);
    }
    pthread_mutex_unlock(&w->mu);
    return queued;
}

int tp_writer_run(tp_writer *w, tp_write_fn fn, tp_committed_fn committed, void *arg)
{
    job j = {.fn = fn, .committed = committed, .arg = arg, .result = -1};
    sem_init(&j.done_sem, 0, 0);
    pthread_mutex_lock(&w->mu);
    w->inside++;
    pthread_mutex_unlock(&w->mu);
    if (enqueue(w, &j))
        while (sem_wait(&j.done_sem) != 0) continue; /* EINTR */
    sem_destroy(&j.done_sem);
    pthread_mutex_lock(&w->mu);
    if (--w->inside == 0 && w->stopping) pthread_cond_broadcast(&w->left);
    pthread_mutex_unlock(&w->mu);
    return j.result;
}

int tp_writer_submit(tp_writer *w, tp_write_fn fn, tp_committed_fn committed, tp_done_fn done,
                     void *arg)
{
    job *j = tp_xcalloc(1, sizeof *j);
    *j = (job){.fn = fn, .committed = committed, .done = done, .arg = arg, .result = -1};
    if (enqueue(w, j)) return 0;
    free(j);
    return -1;
}

void tp_writer_stop(tp_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->queued);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* The last submitters may still be between their wake-up and unlocking the mutex. */
    pthread_mutex_lock(&w->mu);
    while (w->inside) pthread_cond_wait(&w->left, &w->mu);
    pthread_mutex_unlock(&w->mu);
    tp_info(NULL, "writer: %" PRIu64 " jobs in %" PRIu64 " batches", w->stats.jobs,
            w->stats.batches);
    if (w->checkpointer) {
        tp_checkpointer_stats c = tp_checkpointer_get_stats(w->checkpointer);
        tp_info(NULL,
                "checkpoints: %" PRIu64 " beside the writer, %" PRIu64 " caught up by it, %" PRIu64
                " by it alone; the WAL held at most %d pages",
                c.passes, c.catch_ups, c.inline_, c.max_pages);
        tp_checkpointer_stop(w->checkpointer);
    }
    tp_db_close(w->db);
    pthread_cond_destroy(&w->left);
    pthread_cond_destroy(&w->queued);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

tp_writer_stats tp_writer_get_stats(tp_writer *w)
{
    pthread_mutex_lock(&w->mu);
    tp_writer_stats s = w->stats;
    s.stopping = w->stopping;
    pthread_mutex_unlock(&w->mu);
    if (w->checkpointer) s.checkpoints = tp_checkpointer_get_stats(w->checkpointer);
    return s;
}
