/* check.h: the tiny unit-test harness. Each test file lists its cases in a table at the end
 * and calls check_main(); every failed CHECK prints file:line and the expression. The last line
 * printed is "<name>: N passed, N failed" (a name without spaces), which tests/run_all.py adds
 * up. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

#include "tp_db.h"
#include "tp_msg.h"

typedef struct check_case {
    const char *name;
    void (*fn)(void);
} check_case;

extern int check_failures_in_case;

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);             \
            check_failures_in_case++;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(got, want)                                                                    \
    do {                                                                                           \
        const char *got_ = (got), *want_ = (want);                                                 \
        if (!got_ || strcmp(got_, want_) != 0) {                                                   \
            fprintf(stderr, "  %s:%d: CHECK_STR_EQ failed:\n    got:  %s\n    want: %s\n",         \
                    __FILE__, __LINE__, got_ ? got_ : "(null)", want_);                            \
            check_failures_in_case++;                                                              \
        }                                                                                          \
    } while (0)

/* A table entry named after its function. */
#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }

int check_main(const char *suite, const check_case *cases, size_t n);

/* A SQLite file of a test's own, in a fresh directory under /tmp (aborts if it cannot make one):
 * path is DIR/<file>; check_db_dir_remove deletes the file, its -wal and -shm, and the directory.
 */
typedef struct check_db_dir {
    char dir[64], path[128];
} check_db_dir;
void check_db_dir_make(check_db_dir *d, const char *file);
void check_db_dir_remove(const check_db_dir *d);
/* A connection to d's file with its n migrations run (aborts, saying why, if it cannot). */
tp_db *check_db_open(const check_db_dir *d, const char *const *migrations, int n);
/* What SQLite counted (op: SQLITE_STMTSTATUS_SORT, _FULLSCAN_STEP, ...) over the statements
 * prepared on db whose SQL holds sql_part (tp_db keeps each one it runs); -1 when none does. */
int check_stmt_status(tp_db *db, const char *sql_part, int op);

/* A fake relay reply {ok: true, key: [...], last}, for a service's fetch seam: check_reply_begin
 * starts w with the array open (write its items), check_reply_end closes it, adds last unless it
 * is negative, parses it into reply (the caller frees it) and frees w; 0, or -1. */
void check_reply_begin(tp_w *w, const char *key);
int check_reply_end(tp_w *w, int64_t last, tp_msg *reply);

#define CHECK_MAIN(suite, table)                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        return check_main(suite, table, sizeof table / sizeof table[0]);                           \
    }

#endif
