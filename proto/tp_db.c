/* tp_db: SQLite open, migrate, statement cache and online copy (see tp_db.h). */
#include "tp_db.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tp_buf.h"
#include "tp_config.h"
#include "tp_log.h"
#include "tp_metrics.h"
#include "tp_wal_vfs.h"

#define STMT_CACHE 64

struct tp_db {
    sqlite3 *h;
    char name[64]; /* the file's name, for log lines */
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    int ncache;
    uint64_t began_ns; /* when tp_db_begin began the transaction open now (tp_metrics) */
    void *kept;        /* tp_db_kept's state, freed by kept_free at close */
    void (*kept_free)(void *);
};

#define LOCK_WAIT_MS 5000

/* Another connection (another replica's writer) holds the write lock: try again soon, for up to
 * LOCK_WAIT_MS. SQLite's own busy_timeout naps 1, 2, 5 ... up to 100 ms between tries, right for
 * a rare clash; but replicas of svc-comments meet on every commit, and a 100 ms nap is a reply
 * 100 ms late. A lock is held for a commit, about a millisecond: tries every 0.25 ms. */
static int wait_for_lock(void *arg, int tries)
{
    (void)arg;
    if (tries >= LOCK_WAIT_MS * 4) return 0;
    struct timespec pause = {0, 250 * 1000};
    nanosleep(&pause, NULL);
    return 1;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return -1;
}

static int migrate(sqlite3 *h, const char *const *migrations, int n, char *err, size_t errlen)
{
    if (exec(h, "BEGIN IMMEDIATE", err, errlen)) return -1;
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (version > n) {
        snprintf(err, errlen, "database schema version %d is newer than this program (%d)", version,
                 n);
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    for (int i = version; i < n; i++) {
        if (exec(h, migrations[i], err, errlen)) {
            sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", n); /* PRAGMA takes no bound values */
    if (exec(h, sql, err, errlen) || exec(h, "COMMIT", err, errlen)) {
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Before SQLite's first use in the process. SQLite counts every allocation it makes under one
 * mutex that all of a service's threads share, for sqlite3_status, which nothing here reads: a
 * talk page's services took 55 of those locks a request in svc-comments, 40 in svc-auth, about
 * 4 % of their instructions (callgrind). */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* Every connection of the process, the checkpointer's and a backup's too, writes its WAL
     * through it (tp_wal_vfs.h); without it SQLite's own is used, only slower. */
    if (!tp_wal_vfs_register(sqlite3_vfs_find(NULL), "talks-wal", 1))
        tp_warn(NULL, "SQLite refused the WAL write layer; using its own");
}

tp_db *tp_db_open(const char *path, const char *const *migrations, int n, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, h ? sqlite3_errmsg(h) : "cannot open");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_handler(h, wait_for_lock, NULL);
    if (exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err,
             errlen) ||
        migrate(h, migrations, n, err, errlen)) {
        sqlite3_close(h);
        return NULL;
    }
    tp_db *db = tp_xcalloc(1, sizeof *db);
    db->h = h;
    const char *slash = strrchr(path, '/');
    snprintf(db->name, sizeof db->name, "%s", slash ? slash + 1 : path);
    return db;
}

void tp_db_close(tp_db *db)
{
    if (!db) return;
    for (int i = 0; i < db->ncache; i++) sqlite3_finalize(db->cache[i].st);
    sqlite3_close(db->h);
    if (db->kept) db->kept_free(db->kept);
    free(db);
}

void *tp_db_kept(tp_db *db, size_t size, void (*free_it)(void *))
{
    if (!db->kept) {
        db->kept = tp_xcalloc(1, size);
        db->kept_free = free_it;
    }
    return db->kept;
}

sqlite3 *tp_db_handle(tp_db *db)
{
    return db->h;
}

const char *tp_db_name(const tp_db *db)
{
    return db->name;
}

/* Why SQLite's online backup API, with every page in one sqlite3_backup_step(-1), rather than
 * copying the file or VACUUM INTO:
 *   - one step runs inside one read transaction on the source: in WAL mode that is a snapshot of
 *     one commit, and a reader never blocks writers (they append to the WAL; only a checkpoint
 *     cannot move past the snapshot until the copy ends, so the WAL grows for that long). Steps of
 *     N pages would let writers in between, and a write by another connection (another worker,
 *     the writer, a replica) restarts the copy from page 1: under steady writes it might never
 *     finish;
 *   - it copies pages as they are, at the speed of reading the file; VACUUM INTO is as
 *     consistent but rebuilds every table and index (CPU for the whole database) to compact a
 *     copy nobody needs compacted;
 *   - a copy of the file itself (with or without its -wal) is not consistent while anyone writes.
 * The destination needs no journal (a failed copy is thrown away whole) and is fsynced once at
 * the end. */
int tp_db_backup(tp_db *db, const char *path, char *err, size_t errlen)
{
    sqlite3 *dest = NULL;
    int rc = sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc =
            sqlite3_exec(dest, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL);
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dest, "main", db->h, "main") : NULL;
    if (b) {
        /* SQLITE_BUSY or LOCKED: a lock on the source could not be had just now (a WAL being
         * recovered); the backup stays valid and is stepped again, as a busy handler would. */
        for (int tries = 0;; tries++) {
            rc = sqlite3_backup_step(b, -1);
            if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries >= LOCK_WAIT_MS * 4) break;
            struct timespec pause = {0, 250 * 1000};
            nanosleep(&pause, NULL);
        }
        int finished = sqlite3_backup_finish(b);
        rc = rc == SQLITE_DONE ? finished : rc;
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(dest);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "copying %s: %s", db->name,
                 dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
        sqlite3_close(dest);
        return -1;
    }
    if (sqlite3_close(dest) != SQLITE_OK) {
        snprintf(err, errlen, "closing the copy of %s: %s", db->name, sqlite3_errmsg(dest));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "syncing the copy of %s: %s", db->name, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

sqlite3_stmt *tp_db_stmt(tp_db *db, const char *sql)
{
    for (int i = 0; i < db->ncache; i++) {
        if (db->cache[i].sql == sql) {
            sqlite3_reset(db->cache[i].st);
            sqlite3_clear_bindings(db->cache[i].st);
            return db->cache[i].st;
        }
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        tp_error(NULL, "SQL does not compile: %s: %s", sqlite3_errmsg(db->h), sql);
        abort();
    }
    if (db->ncache < STMT_CACHE) {
        db->cache[db->ncache].sql = sql;
        db->cache[db->ncache].st = st;
        db->ncache++;
    } else {
        tp_error(NULL, "statement cache full; raise STMT_CACHE");
        abort();
    }
    return st;
}

int tp_db_begin(tp_db *db)
{
    db->began_ns = tp_metrics_now_ns(); /* a write's latency includes its wait for the lock */
    return sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int tp_db_commit(tp_db *db)
{
    if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        tp_metrics_db_write(TP_DB_WRITE_TRANSACTION, tp_metrics_now_ns() - db->began_ns);
        return 0;
    }
    tp_db_rollback(db);
    return -1;
}

void tp_db_rollback(tp_db *db)
{
    if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int tp_db_read_begin(tp_db *db)
{
    return tp_db_step_done(db, tp_db_stmt(db, "BEGIN"));
}

void tp_db_read_end(tp_db *db)
{
    /* A snapshot left open would hide every later change from this connection. */
    if (!sqlite3_get_autocommit(db->h) && tp_db_step_done(db, tp_db_stmt(db, "COMMIT")) != 0)
        tp_db_rollback(db);
}

int tp_db_error(tp_db *db)
{
    tp_error(NULL, "%s: %s", db->name, sqlite3_errmsg(db->h));
    return -1;
}

void tp_db_bind_str(sqlite3_stmt *st, int i, tp_str s)
{
    sqlite3_bind_text(st, i, s.p, (int)s.n, SQLITE_STATIC);
}

int tp_db_step_done(tp_db *db, sqlite3_stmt *st)
{
    /* A write outside a transaction is one of its own, committed here. */
    uint64_t began =
        sqlite3_get_autocommit(db->h) && !sqlite3_stmt_readonly(st) ? tp_metrics_now_ns() : 0;
    int rc = sqlite3_step(st);
    if (began && rc == SQLITE_DONE)
        tp_metrics_db_write(TP_DB_WRITE_TRANSACTION, tp_metrics_now_ns() - began);
    if (rc != SQLITE_DONE) tp_db_error(db);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int64_t tp_db_step_int(tp_db *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    if (rc != SQLITE_ROW) tp_db_error(db);
    sqlite3_reset(st);
    return n;
}

void tp_db_write_text(tp_w *w, const char *key, sqlite3_stmt *st, int col)
{
    tp_w_kstrn(w, key, (const char *)sqlite3_column_text(st, col),
               (size_t)sqlite3_column_bytes(st, col));
}

int tp_db_write_all(tp_db *db, sqlite3_stmt *st, tp_w *w, const char *key, tp_db_row_fn row)
{
    tp_w_key(w, key);
    tp_w_array_begin(w);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st, w);
    tp_w_array_end(w);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

void tp_db_column_copy(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
    /* Cut to outlen - 1 bytes like snprintf's "%s", which took half of svc-auth's work on a
     * page of authors. */
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (!outlen) return;
    if (n >= outlen) n = outlen - 1;
    if (n) memcpy(out, t, n);
    out[n] = '\0';
}

void tp_db_path(const char *file, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", tp_config_get(TALKS_DATA_DIR), file);
}
