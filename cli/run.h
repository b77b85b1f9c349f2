/* run: the decisions of `talksctl run` (cli/run.c), kept apart from its processes, pipes and
 * signals so that unit tests can drive them: how a process's output becomes whole lines with
 * its name in front, and what is done when a process ends on its own. */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_buf.h"

/* A process has *started* once one of its runs has lasted RUN_STARTED_MS. Until then, a run
 * that ends with a non-zero exit status means it *cannot start* (bad configuration: every
 * process reads and checks its settings, opens its database and its sockets first, in a few
 * milliseconds, and exits with one line saying what is wrong), and the whole stack stops. Any
 * other end is a death, and the process is started again: after a started process dies; after
 * a signal (a kill, a crash), even within its first second; after an exit with status 0. */
#define RUN_STARTED_MS 1000
/* Restarts: the first comes RUN_FIRST_DELAY_MS after the death, and each further death doubles
 * the wait, up to RUN_MAX_DELAY_MS; a run that lasted RUN_STABLE_MS brings it back to the first
 * delay. Half a second: a process that dies on every start costs little, and one killed once
 * is back well within the 2 s a page may wait for it. */
#define RUN_FIRST_DELAY_MS 500
#define RUN_MAX_DELAY_MS   10000
#define RUN_STABLE_MS      30000

typedef struct run_history {
    bool started;      /* some run lasted RUN_STARTED_MS */
    int next_delay_ms; /* the wait before the next restart; 0 before the first death */
} run_history;

/* A run of the process ended after ran_ms with status (as waitpid gives it). Returns false
 * when the process cannot start; otherwise true and *delay_ms, the wait before its restart. */
bool run_after_end(run_history *h, int64_t ran_ms, int status, int *delay_ms);

/* One line of output at most: a longer one is passed on cut into lines of this size. */
#define RUN_LINE_MAX 8192
#define RUN_LAST_MAX 512

/* What a process wrote that is not yet a whole line, and its last whole line. */
typedef struct run_lines {
    char held[RUN_LINE_MAX];
    size_t held_len;
    char last[RUN_LAST_MAX]; /* NUL-terminated, without its newline; cut to RUN_LAST_MAX - 1 */
} run_lines;

/* Appends to out "<prefix>" + each whole line in what was held and data[0..n), newline
 * included; holds an unfinished end for the next call. */
void run_lines_feed(run_lines *l, const char *prefix, const char *data, size_t n, tp_buf *out);
/* The output ended: appends what is held as a line of its own (with a newline), if anything. */
void run_lines_flush(run_lines *l, const char *prefix, tp_buf *out);

#endif
