/* check.c: runs a table of test cases and prints one summary line. */
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

int check_failures_in_case;

int check_main(const char *suite, const check_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        check_failures_in_case = 0;
        cases[i].fn();
        if (check_failures_in_case) {
            printf("FAIL %s: %s\n", suite, cases[i].name);
            failed++;
        } else {
            printf("ok   %s: %s\n", suite, cases[i].name);
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

void check_db_dir_make(check_db_dir *d, const char *file)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/talks-test.XXXXXX");
    if (!mkdtemp(d->dir)) abort();
    snprintf(d->path, sizeof d->path, "%s/%s", d->dir, file);
}

tp_db *check_db_open(const check_db_dir *d, const char *const *migrations, int n)
{
    char err[256];
    tp_db *db = tp_db_open(d->path, migrations, n, err, sizeof err);
    if (!db) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
    return db;
}

void check_reply_begin(tp_w *w, const char *key)
{
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kbool(w, "ok", true);
    tp_w_key(w, key);
    tp_w_array_begin(w);
}

int check_reply_end(tp_w *w, int64_t last, tp_msg *reply)
{
    tp_w_array_end(w);
    if (last >= 0) tp_w_kint(w, "last", last);
    tp_w_map_end(w);
    int rc = tp_msg_parse(reply, w->buf.data, w->buf.len);
    tp_w_free(w);
    return rc;
}

int check_stmt_status(tp_db *db, const char *sql_part, int op)
{
    int total = -1;
    for (sqlite3_stmt *st = sqlite3_next_stmt(tp_db_handle(db), NULL); st;
         st = sqlite3_next_stmt(tp_db_handle(db), st))
        if (strstr(sqlite3_sql(st), sql_part))
            total = (total < 0 ? 0 : total) + sqlite3_stmt_status(st, op, 0);
    return total;
}

void check_db_dir_remove(const check_db_dir *d)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char p[sizeof d->path + 8];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, suffixes[i]);
        unlink(p);
    }
    rmdir(d->dir);
}
