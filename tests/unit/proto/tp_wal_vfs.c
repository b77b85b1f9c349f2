/* Unit tests for proto/tp_wal_vfs.c, through tp_db (which puts it under every connection): a
 * commit's frames reach the WAL in a few writes; what is committed is what another connection, and
 * a process recovering the WAL after a crash, read; a write that fails fails its commit and
 * loses nothing committed before. Writes are counted, and made to fail, at SQLite's own system
 * call table (xSetSystemCall), below the layer under test. */
#include "tp_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check.h"
#include "tp_wal_vfs.h"

static const char *const migrations[] = {
    "CREATE TABLE rows(n INTEGER PRIMARY KEY, pad BLOB NOT NULL);",
};

static check_db_dir tmp;

/* ---- SQLite's write system calls, counted, and failed on demand ---- */

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
static sqlite3_syscall_ptr real_pwrite, real_pwrite64, real_write;
static int writes;
static bool fail_writes;

static ssize_t counted(int fd, const void *p, size_t n, off_t off, sqlite3_syscall_ptr real)
{
    writes++;
    if (fail_writes) {
        errno = ENOSPC;
        return -1;
    }
    return ((pwrite_fn)real)(fd, p, n, off);
}

static ssize_t counted_pwrite(int fd, const void *p, size_t n, off_t off)
{
    return counted(fd, p, n, off, real_pwrite);
}

static ssize_t counted_pwrite64(int fd, const void *p, size_t n, off_t off)
{
    return counted(fd, p, n, off, real_pwrite64);
}

static ssize_t counted_write(int fd, const void *p, size_t n)
{
    writes++;
    if (fail_writes) {
        errno = ENOSPC;
        return -1;
    }
    return ((write_fn)real_write)(fd, p, n);
}

/* Puts the counters in SQLite's table (each call SQLite's unix VFS has), or takes them out. */
static void count_writes(bool on)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
    static const struct {
        const char *name;
        sqlite3_syscall_ptr *real;
        sqlite3_syscall_ptr counter;
    } calls[] = {
        {"pwrite", &real_pwrite, (sqlite3_syscall_ptr)counted_pwrite},
        {"pwrite64", &real_pwrite64, (sqlite3_syscall_ptr)counted_pwrite64},
        {"write", &real_write, (sqlite3_syscall_ptr)counted_write},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        if (on) *calls[i].real = vfs->xGetSystemCall(vfs, calls[i].name);
        if (*calls[i].real)
            vfs->xSetSystemCall(vfs, calls[i].name, on ? calls[i].counter : *calls[i].real);
    }
    writes = 0;
    fail_writes = false;
}

/* ---- the database ---- */

static tp_db *open_db(void)
{
    tp_db *db = check_db_open(&tmp, migrations, 1);
    /* Nothing but commits writes: no checkpoint moves pages into the database meanwhile. */
    sqlite3_exec(tp_db_handle(db), "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
    return db;
}

/* One transaction of rows [first, first + n), each with size bytes: SQLite's result of COMMIT. */
static int add_rows(tp_db *db, int first, int n, int size)
{
    if (tp_db_begin(db) != 0) return -1;
    for (int i = 0; i < n; i++) {
        sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO rows(n, pad) VALUES (?, zeroblob(?))");
        sqlite3_bind_int(st, 1, first + i);
        sqlite3_bind_int(st, 2, size);
        if (tp_db_step_done(db, st) != 0) {
            tp_db_rollback(db);
            return -1;
        }
    }
    int rc = sqlite3_exec(tp_db_handle(db), "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) tp_db_rollback(db);
    return rc;
}

static int64_t count_rows(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM rows"));
}

static bool intact(tp_db *db)
{
    sqlite3_stmt *st = tp_db_stmt(db, "PRAGMA integrity_check");
    bool ok = sqlite3_step(st) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_reset(st);
    return ok;
}

/* ---- cases ---- */

static void a_commit_of_many_pages_reaches_the_wal_in_a_few_writes(void)
{
    check_db_dir_make(&tmp, "wal.db");
    tp_db *db = open_db();
    CHECK(add_rows(db, 1, 1, 100) == SQLITE_OK); /* the WAL's header, and its index grown */
    count_writes(true);
    /* 200 rows of 2 000 bytes: some 100 pages, each a frame SQLite writes as two calls; in
     * TP_WAL_VFS_BUFFER a call, four */
    CHECK(add_rows(db, 2, 200, 2000) == SQLITE_OK);
    int made = writes;
    count_writes(false);
    CHECK(made >= 1 && made <= 5);
    if (made > 5) fprintf(stderr, "  %d writes for one commit\n", made);
    CHECK(count_rows(db) == 201);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

/* Commits of every size, one past the buffer among them (written as it comes), by a process
 * that dies without a checkpoint: the next connection rebuilds the WAL's index from the file
 * alone, so what it reads is what reached the disk. */
static void commits_of_every_size_survive_a_crash_whole(void)
{
    check_db_dir_make(&tmp, "wal.db");
    static const int sizes[] = {10, 3000, 100, 70000, 500};
    const int nsizes = (int)(sizeof sizes / sizeof sizes[0]);
    pid_t child = fork();
    if (child == 0) {
        tp_db *db = open_db();
        for (int k = 0; k < nsizes; k++)
            if (add_rows(db, 1 + 40 * k, 40, sizes[k]) != SQLITE_OK) _exit(1);
        if (add_rows(db, 1 + 40 * nsizes, 2, (int)TP_WAL_VFS_BUFFER) != SQLITE_OK) _exit(1);
        _exit(0); /* no close: the WAL stays as it is, never checkpointed */
    }
    int status = -1;
    CHECK(child > 0 && waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tp_db *db = open_db();
    CHECK(count_rows(db) == 40 * nsizes + 2);
    int64_t bytes = 2 * (int64_t)TP_WAL_VFS_BUFFER;
    for (int k = 0; k < nsizes; k++) bytes += 40 * sizes[k];
    CHECK(tp_db_step_int(db, tp_db_stmt(db, "SELECT sum(length(pad)) FROM rows")) == bytes);
    CHECK(intact(db));
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static void a_write_that_fails_fails_its_commit_and_loses_nothing_before_it(void)
{
    check_db_dir_make(&tmp, "wal.db");
    tp_db *db = open_db();
    CHECK(add_rows(db, 1, 10, 100) == SQLITE_OK);
    count_writes(true);
    fail_writes = true;
    int rc = add_rows(db, 11, 50, 2000);
    count_writes(false);
    CHECK(rc == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR);
    tp_db *other = open_db();
    CHECK(count_rows(other) == 10);
    CHECK(count_rows(db) == 10);
    CHECK(add_rows(db, 11, 50, 2000) == SQLITE_OK);
    CHECK(count_rows(other) == 60);
    CHECK(intact(other));
    tp_db_close(other);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static void the_layer_is_every_connection_s(void)
{
    check_db_dir_make(&tmp, "wal.db");
    tp_db *db = open_db(); /* tp_db puts it in place at its first open */
    CHECK(strcmp(sqlite3_vfs_find(NULL)->zName, "talks-wal") == 0);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(the_layer_is_every_connection_s),
    CASE(a_commit_of_many_pages_reaches_the_wal_in_a_few_writes),
    CASE(commits_of_every_size_survive_a_crash_whole),
    CASE(a_write_that_fails_fails_its_commit_and_loses_nothing_before_it),
};

CHECK_MAIN("tp_wal_vfs", cases)
