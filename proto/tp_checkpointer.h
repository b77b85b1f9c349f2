/* tp_checkpointer: the writer's WAL checkpoints, on a thread and a connection of their own, so
 * that no batch waits for one.
 *
 * Design notes: SQLite checkpoints on the connection that commits past wal_autocheckpoint pages,
 * inside that COMMIT: every job queued meanwhile waited for the copy of thousands of pages and
 * two fsyncs (20-30 ms at 10 000 comment POSTs a second, about 1 % of them: their p99). Copying
 * on another connection (a PASSIVE checkpoint) lets the writer go on, but the WAL only starts
 * over from its beginning when a write transaction begins with every frame copied, which a
 * writer that never stops never sees: it grew to the cap. So the copy is done here, and when it
 * has caught up, the writer copies the few frames it wrote meanwhile itself, just before its next
 * batch (tp_checkpointer_before_batch): that batch then writes the WAL from its start again. If
 * this thread falls far behind, the writer checkpoints inline as SQLite would
 * (TP_CHECKPOINT_INLINE_PAGES), so the WAL stays bounded whatever happens. */
#ifndef TP_CHECKPOINTER_H
#define TP_CHECKPOINTER_H

#include <sqlite3.h>
#include <stdint.h>

/* The WAL pages after which this thread checkpoints, and after which the writer itself does. */
#define TP_CHECKPOINT_PAGES        1000
#define TP_CHECKPOINT_INLINE_PAGES 16000

typedef struct tp_checkpointer tp_checkpointer;

/* Starts checkpointing writer's database (the writer's connection: its WAL hook is set here,
 * which turns its autocheckpoint off). NULL, with a log line, if the thread's own connection
 * cannot be opened: the writer then keeps SQLite's own checkpoints. */
tp_checkpointer *tp_checkpointer_start(sqlite3 *writer);

/* On the writer's thread, before each batch begins: the writer's share (see above). */
void tp_checkpointer_before_batch(tp_checkpointer *c);

/* Stops the thread and closes its connection, and takes the hook off the writer's (on the
 * writer's thread or after it has ended; before the writer's connection closes). */
void tp_checkpointer_stop(tp_checkpointer *c);

typedef struct tp_checkpointer_stats {
    uint64_t passes;    /* rounds of checkpoints made on this thread */
    uint64_t catch_ups; /* checkpoints the writer made after one of them */
    uint64_t inline_;   /* checkpoints the writer made because the WAL passed the inline limit */
    int max_pages;      /* the most pages the WAL held after a commit */
} tp_checkpointer_stats;

tp_checkpointer_stats tp_checkpointer_get_stats(tp_checkpointer *c);

#endif
