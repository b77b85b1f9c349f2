/* tp_db: opening a service's SQLite file the one way we want it (WAL, a busy handler that
 * retries every 0.25 ms for 5 s, foreign keys, synchronous=FULL), forward migrations with
 * PRAGMA user_version, a per-connection cache of prepared statements, and the online copy a
 * backup makes (tp_db_backup). One connection per thread; never shared. Every SQLite connection of
 * the process writes its WAL through tp_wal_vfs.h, put in place at the first tp_db_open. */
#ifndef TP_DB_H
#define TP_DB_H

#include <sqlite3.h>
#include <stddef.h>

#include "tp_msg.h"

typedef struct tp_db tp_db;

/* Opens (creating) path and applies migrations[user_version..n) in one BEGIN IMMEDIATE
 * transaction, so replicas starting together migrate once. NULL + err on failure. */
tp_db *tp_db_open(const char *path, const char *const *migrations, int n, char *err, size_t errlen);
void tp_db_close(tp_db *db);
/* What a service keeps beside a connection (svc-talks' timeline anchors, which are of what this
 * connection has seen): size zeroed bytes at the first call, the same ever after, handed to
 * free_it when the connection closes. One such state a connection. */
void *tp_db_kept(tp_db *db, size_t size, void (*free_it)(void *));
sqlite3 *tp_db_handle(tp_db *db);
/* The database's file name, without its folder ("auth.db"). */
const char *tp_db_name(const tp_db *db);

/* Copies db's database, as it is at one commit, into the SQLite file at path (which must exist
 * and be empty: the caller makes it, see tp_backup.c) and fsyncs it. The copy is a page-for-page
 * image of the source, its header included (so it is a WAL-mode file, like the source). Writers
 * go on meanwhile; db must not be in a transaction. 0, or -1 with a message in err (path may
 * then hold anything: remove it). */
int tp_db_backup(tp_db *db, const char *path, char *err, size_t errlen);

/* The prepared statement for sql, reset and with bindings cleared. Reset it again as soon as
 * its rows are read: in WAL mode a statement left mid-way holds its read snapshot open, and the
 * connection would go on seeing the database as it was. sql must be a string
 * literal (the cache is keyed by its address). Aborts on a statement that does not compile:
 * that is a bug in our SQL, found by the first test that runs it. */
sqlite3_stmt *tp_db_stmt(tp_db *db, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK: every transaction that may write starts IMMEDIATE, since
 * a deferred one fails at once with SQLITE_BUSY_SNAPSHOT under concurrency. 0 or -1. */
int tp_db_begin(tp_db *db);
int tp_db_commit(tp_db *db);
void tp_db_rollback(tp_db *db);

/* BEGIN (deferred) / COMMIT around reads that belong together: they see one snapshot, and pay
 * for it once. In WAL mode each statement outside a transaction is a read transaction of its
 * own, which locks and unlocks its place in the WAL index: two fcntl system calls a statement.
 * tp_db_read_begin: 0, or -1 (logged). tp_db_read_end ends it whatever happened inside. */
int tp_db_read_begin(tp_db *db);
void tp_db_read_end(tp_db *db);

/* Small helpers every store uses. */
/* Logs the connection's last error with the database's file name; returns -1. */
int tp_db_error(tp_db *db);
void tp_db_bind_str(sqlite3_stmt *st, int i, tp_str s);
/* Steps a statement that returns no row, resets it; 0, or -1 (logged). */
int tp_db_step_done(tp_db *db, sqlite3_stmt *st);
/* Steps a statement whose one row holds one integer (a count), resets it; the value, or -1. */
int64_t tp_db_step_int(tp_db *db, sqlite3_stmt *st);
/* A text column written as key: value into a reply. */
void tp_db_write_text(tp_w *w, const char *key, sqlite3_stmt *st, int col);
/* Writes a row of st (its current one) into a reply. */
typedef void (*tp_db_row_fn)(sqlite3_stmt *st, tp_w *w);
/* Steps st to the end, writing key: [<row>, …]. 0, or -1. */
int tp_db_write_all(tp_db *db, sqlite3_stmt *st, tp_w *w, const char *key, tp_db_row_fn row);
/* A text column copied (cut if need be) into out; "" for NULL. */
void tp_db_column_copy(sqlite3_stmt *st, int col, char *out, size_t outlen);

/* Path of DATA_DIR/<file> into out. */
void tp_db_path(const char *file, char *out, size_t outlen);

#endif
