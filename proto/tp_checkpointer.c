/* tp_checkpointer: the writer's WAL checkpoints on a thread of their own (see tp_checkpointer.h).
 */
#include "tp_checkpointer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tp_buf.h"
#include "tp_log.h"

/* Passes are made again while the writer wrote more than this many pages during the last one
 * (a few at most): what is left is the writer's own copy before its next batch. */
#define CATCH_UP_PAGES 64
#define PASSES_MAX     4

struct tp_checkpointer {
    sqlite3 *writer; /* the writer's connection (used on its thread only) */
    sqlite3 *db;     /* this thread's connection to the writer's file */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    bool asked, running, stopping; /* under mu */
    atomic_bool caught_up;         /* the passes are done: the writer copies the rest */
    tp_checkpointer_stats stats;   /* under mu */
};

/* A PASSIVE checkpoint on db: the frames left uncopied after it, or -1 (busy: another
 * checkpoint runs, or an error). */
static int checkpoint(sqlite3 *db)
{
    int log = 0, copied = 0;
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) != SQLITE_OK)
        return -1;
    return log - copied;
}

static void *checkpointer_main(void *arg)
{
    tp_checkpointer *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->asked && !c->stopping) pthread_cond_wait(&c->wake, &c->mu);
        if (c->stopping) break;
        c->asked = false;
        c->running = true;
        pthread_mutex_unlock(&c->mu);
        /* The writer goes on meanwhile: passes until what it wrote since is a small copy. */
        int left = -1;
        for (int pass = 0; pass < PASSES_MAX && (left < 0 || left > CATCH_UP_PAGES); pass++)
            if ((left = checkpoint(c->db)) < 0) break;
        if (left >= 0) atomic_store(&c->caught_up, true);
        pthread_mutex_lock(&c->mu);
        c->running = false;
        c->stats.passes++;
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

/* After each of the writer's commits, on its thread, with the pages its WAL holds. */
static int on_commit(void *arg, sqlite3 *writer, const char *name, int pages)
{
    tp_checkpointer *c = arg;
    bool inline_ = pages >= TP_CHECKPOINT_INLINE_PAGES;
    pthread_mutex_lock(&c->mu);
    if (pages > c->stats.max_pages) c->stats.max_pages = pages;
    if (inline_) {
        c->stats.inline_++;
    } else if (pages >= TP_CHECKPOINT_PAGES && !c->running && !c->asked) {
        c->asked = true;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->mu);
    if (inline_) sqlite3_wal_checkpoint_v2(writer, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

tp_checkpointer *tp_checkpointer_start(sqlite3 *writer)
{
    sqlite3 *db = NULL;
    const char *path = sqlite3_db_filename(writer, "main");
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        /* FULL: a checkpoint syncs the WAL before it copies, and the database after. */
        sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
        tp_error(NULL, "checkpoints stay with the writer: %s",
                 db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return NULL;
    }
    tp_checkpointer *c = tp_xcalloc(1, sizeof *c);
    c->writer = writer;
    c->db = db;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        tp_error(NULL, "cannot start the checkpoint thread");
        abort();
    }
    pthread_setname_np(c->thread, "tp:checkpoint");
    sqlite3_wal_hook(writer, on_commit, c);
    return c;
}

void tp_checkpointer_before_batch(tp_checkpointer *c)
{
    if (!atomic_exchange(&c->caught_up, false)) return;
    /* Every frame copied once this returns, so the batch's BEGIN reads the database alone, and
     * its first write starts the WAL over (unless a reader still reads from it: then the next
     * pass tries again). */
    checkpoint(c->writer);
    pthread_mutex_lock(&c->mu);
    c->stats.catch_ups++;
    pthread_mutex_unlock(&c->mu);
}

void tp_checkpointer_stop(tp_checkpointer *c)
{
    sqlite3_wal_hook(c->writer, NULL, NULL); /* c goes: no commit may call on_commit after */
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

tp_checkpointer_stats tp_checkpointer_get_stats(tp_checkpointer *c)
{
    pthread_mutex_lock(&c->mu);
    tp_checkpointer_stats s = c->stats;
    pthread_mutex_unlock(&c->mu);
    return s;
}
