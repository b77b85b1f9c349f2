/* tp_writer: group commit. One writer thread per service process, with its own connection,
 * runs the write jobs of every worker: it takes all the jobs queued, runs them in one
 * BEGIN IMMEDIATE … COMMIT, each inside its own SAVEPOINT, and so pays one fsync
 * (synchronous=FULL) for the whole batch instead of one per job. A submitter either hands its
 * job over and is called back on the writer's thread after the batch (tp_writer_submit: the
 * service loop, which then replies from there), or waits on a semaphore of its own
 * (tp_writer_run). Replicas of the service on the same file still meet in SQLite's lock (tp_db's
 * busy handler).
 *
 * Design notes: a job's success is reported only once its batch is durable. A job that fails is
 * rolled back to its savepoint and the others go on; a COMMIT that fails fails every job of the
 * batch. So a job must not let anything out (a reply, an event) while it runs: it fills a result
 * struct that its committed and done functions, or its waiting worker, act on after. Limits: a
 * job that needs a deferred constraint check can fail the whole batch at COMMIT (our schemas have
 * none). */
#ifndef TP_WRITER_H
#define TP_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_checkpointer.h"
#include "tp_db.h"

typedef struct tp_writer tp_writer;

/* A write job, run on the writer's thread and connection inside a transaction and a savepoint
 * of its own. It must not begin, commit or roll back. 0 keeps its changes; anything else rolls
 * them back, and is what tp_writer_run returns. */
typedef int (*tp_write_fn)(tp_db *db, void *arg);
/* Runs on the writer's thread once a job's batch has committed: what it made durable may now be
 * let out (an event). Before the submitter is woken, so arg is still there. */
typedef void (*tp_committed_fn)(void *arg);

/* Starts the writer thread on db_take, which it owns from then on and closes when it stops.
 * after_batch (or NULL) runs on that thread after each batch, once its jobs' committed
 * functions have run: a batch's events are queued by those, and sent together by it. */
tp_writer *tp_writer_start(tp_db *db_take, void (*after_batch)(void));

/* Queues fn(db, arg) and waits for its batch: 0 when fn returned 0 and the batch committed (then
 * committed(arg) has run, if not NULL); fn's own result when it was not 0; -1 when the batch did
 * not commit, or the writer is stopping. */
int tp_writer_run(tp_writer *w, tp_write_fn fn, tp_committed_fn committed, void *arg);

/* What tp_writer_run would have returned, given on the writer's thread after the batch. */
typedef void (*tp_done_fn)(void *arg, int result);

/* tp_writer_run without waiting: queues the job and returns 0; after its batch (and after
 * committed and the batch's after_batch) done(arg, result) runs on the writer's thread. So a
 * service's worker need not wait for the commit, and a batch is not limited to one job per
 * worker. -1, and nothing queued, when the writer is stopping. */
int tp_writer_submit(tp_writer *w, tp_write_fn fn, tp_committed_fn committed, tp_done_fn done,
                     void *arg);

/* Runs the jobs already queued, then stops the thread and frees the writer once every caller
 * of tp_writer_run has left it. Jobs submitted after this started are refused (-1); a call after
 * it returned is a bug (the writer is gone). */
void tp_writer_stop(tp_writer *w);

typedef struct tp_writer_stats {
    uint64_t jobs, batches;            /* run so far, whatever their outcome */
    uint64_t queued;                   /* waiting for the next batch */
    bool stopping;                     /* tp_writer_stop has begun: jobs are refused */
    tp_checkpointer_stats checkpoints; /* zeros when SQLite's own checkpoints are used */
} tp_writer_stats;

tp_writer_stats tp_writer_get_stats(tp_writer *w);

#endif
