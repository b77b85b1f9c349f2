/* store: the SQL of svc-mail (see store.h). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_transfer.h"

#define DUE_MAX 1000 /* notifications read per flush; the rest wait for the next one */

static char *column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return tp_xstrdup(t ? (const char *)t : "");
}

int64_t store_cursor(tp_db *db, const char *source)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT seq FROM cursors WHERE source = ?1");
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return seq < 0 ? tp_db_error(db) : seq;
}

int store_cursor_set(tp_db *db, const char *source, int64_t seq)
{
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO cursors(source, seq) VALUES(?1, ?2) "
                                      "ON CONFLICT(source) DO UPDATE SET seq = excluded.seq");
    sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, seq);
    return tp_db_step_done(db, st);
}

int store_subscribe(tp_db *db, int64_t talk_id, tp_str email, tp_str name)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO subscriptions(talk_id, email, name, active) VALUES(?1, ?2, ?3, 1) "
            "ON CONFLICT(talk_id, email) DO UPDATE SET active = 1, name = excluded.name");
    sqlite3_bind_int64(st, 1, talk_id);
    tp_db_bind_str(st, 2, email);
    tp_db_bind_str(st, 3, name);
    return tp_db_step_done(db, st);
}

int store_subscribers(tp_db *db, int64_t talk_id, subscriber **out, size_t *n)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT id, email, name FROM subscriptions WHERE talk_id = ?1 AND active = 1");
    sqlite3_bind_int64(st, 1, talk_id);
    size_t cap = 8;
    *n = 0;
    *out = tp_xmalloc(cap * sizeof **out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) *out = tp_xrealloc(*out, (cap *= 2) * sizeof **out);
        subscriber *s = &(*out)[(*n)++];
        s->id = sqlite3_column_int64(st, 0);
        tp_db_column_copy(st, 1, s->email, sizeof s->email);
        tp_db_column_copy(st, 2, s->name, sizeof s->name);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int store_subscription(tp_db *db, int64_t id, int64_t *talk_id, char *email, size_t emaillen,
                       bool *active)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT talk_id, email, active FROM subscriptions WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *talk_id = sqlite3_column_int64(st, 0);
        tp_db_column_copy(st, 1, email, emaillen);
        *active = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int store_unsubscribe(tp_db *db, int64_t id)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    sqlite3_stmt *st = tp_db_stmt(db, "UPDATE subscriptions SET active = 0 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    if (tp_db_step_done(db, st)) goto fail;
    st = tp_db_stmt(db, "DELETE FROM queue WHERE subscription_id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, id);
    if (tp_db_step_done(db, st) || tp_db_commit(db)) goto fail;
    return 0;
fail:
    tp_db_rollback(db);
    return -1;
}

int store_queue_add(tp_db *db, const char *key, const char *kind, tp_str recipient,
                    tp_str recipient_name, int64_t subscription_id, int64_t talk_id,
                    int64_t comment_id, tp_str author, tp_str body, tp_str rid, int64_t now)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO queue(key, kind, recipient, recipient_name, subscription_id, talk_id, "
            "comment_id, comment_author, comment_body, created_at, next_try_at, rid) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11) "
            "ON CONFLICT(key) DO NOTHING");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    tp_db_bind_str(st, 3, recipient);
    tp_db_bind_str(st, 4, recipient_name);
    sqlite3_bind_int64(st, 5, subscription_id);
    sqlite3_bind_int64(st, 6, talk_id);
    sqlite3_bind_int64(st, 7, comment_id);
    tp_db_bind_str(st, 8, author);
    tp_db_bind_str(st, 9, body);
    sqlite3_bind_int64(st, 10, now);
    sqlite3_bind_text(st, 11, rid.p ? rid.p : "", (int)rid.n, SQLITE_STATIC); /* NOT NULL */
    return tp_db_step_done(db, st);
}

int store_queue_add_later(tp_db *db, const char *key, const char *kind, tp_str recipient,
                          tp_str author, tp_str body, int64_t now, int64_t not_before)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO queue(key, kind, recipient, recipient_name, talk_id, comment_id, "
            "comment_author, comment_body, created_at, next_try_at) "
            "VALUES(?1, ?2, ?3, '', 0, 0, ?4, ?5, ?6, ?7) ON CONFLICT(key) DO NOTHING");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    tp_db_bind_str(st, 3, recipient);
    tp_db_bind_str(st, 4, author);
    tp_db_bind_str(st, 5, body);
    sqlite3_bind_int64(st, 6, now);
    sqlite3_bind_int64(st, 7, not_before);
    return tp_db_step_done(db, st);
}

int64_t store_last_sent(tp_db *db, const char *kind)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT coalesce((SELECT last_sent_at FROM sent_counts WHERE kind = ?1), 0)");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    return tp_db_step_int(db, st);
}

int64_t store_unsent_count(tp_db *db, const char *kind)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT count(*) FROM queue WHERE kind = ?1 AND sent_at IS NULL");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    return tp_db_step_int(db, st);
}

int store_queue_drop_comment(tp_db *db, int64_t comment_id)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "DELETE FROM queue WHERE comment_id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, comment_id);
    return tp_db_step_done(db, st);
}

int store_talk_drop(tp_db *db, int64_t talk_id)
{
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM queue WHERE talk_id = ?1 AND sent_at IS NULL");
    sqlite3_bind_int64(st, 1, talk_id);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, "UPDATE subscriptions SET active = 0 WHERE talk_id = ?1");
    sqlite3_bind_int64(st, 1, talk_id);
    return tp_db_step_done(db, st);
}

int store_due(tp_db *db, int64_t now, const char *kind, queued **out, size_t *n)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT id, kind, recipient, recipient_name, subscription_id, talk_id, comment_id, "
            "comment_author, comment_body, attempts, rid FROM queue WHERE sent_at IS NULL AND "
            "next_try_at <= ?1 AND (?3 IS NULL OR kind = ?3) ORDER BY recipient, talk_id, kind, "
            "id LIMIT ?2");
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, DUE_MAX);
    if (kind)
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    size_t cap = 16;
    *n = 0;
    *out = tp_xmalloc(cap * sizeof **out);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) *out = tp_xrealloc(*out, (cap *= 2) * sizeof **out);
        queued *q = &(*out)[(*n)++];
        q->id = sqlite3_column_int64(st, 0);
        tp_db_column_copy(st, 1, q->kind, sizeof q->kind);
        q->recipient = column_dup(st, 2);
        q->recipient_name = column_dup(st, 3);
        q->subscription_id = sqlite3_column_int64(st, 4);
        q->talk_id = sqlite3_column_int64(st, 5);
        q->comment_id = sqlite3_column_int64(st, 6);
        q->comment_author = column_dup(st, 7);
        q->comment_body = column_dup(st, 8);
        q->attempts = sqlite3_column_int(st, 9);
        tp_db_column_copy(st, 10, q->rid, sizeof q->rid);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

void store_due_free(queued *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(q[i].recipient);
        free(q[i].recipient_name);
        free(q[i].comment_author);
        free(q[i].comment_body);
    }
    free(q);
}

/* One UPDATE per id (sql binds ?1 = the id, ?2 = value), all in one transaction. */
static int mark(tp_db *db, const char *sql, const int64_t *ids, size_t n, int64_t value)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    sqlite3_stmt *st = tp_db_stmt(db, sql);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, value);
        if (tp_db_step_done(db, st)) {
            tp_db_rollback(db);
            return -1;
        }
    }
    return tp_db_commit(db) ? tp_db_error(db) : 0;
}

int store_mark_attempt(tp_db *db, const int64_t *ids, size_t n, int64_t next_try_at)
{
    return mark(db, "UPDATE queue SET attempts = attempts + 1, next_try_at = ?2 WHERE id = ?1", ids,
                n, next_try_at);
}

int store_mark_sent(tp_db *db, const int64_t *ids, size_t n, int64_t sent_at)
{
    return mark(db,
                "UPDATE queue SET sent_at = ?2, comment_body = CASE kind WHEN 'reset' THEN '' "
                "ELSE comment_body END WHERE id = ?1",
                ids, n, sent_at);
}

int store_queue_stats(tp_db *db, store_queue_stat *out, size_t max, size_t *n)
{
    /* The waiting rows through queue_due (their sent_at is NULL), the sent ones as counted. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT kind, sum(queued), sum(failed), sum(sent), min(oldest) FROM ("
            "SELECT kind, 1 AS queued, attempts > 0 AS failed, 0 AS sent, created_at AS oldest "
            "FROM queue WHERE sent_at IS NULL "
            "UNION ALL SELECT kind, 0, 0, sent, NULL FROM sent_counts) "
            "GROUP BY kind ORDER BY kind");
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        store_queue_stat *q = &out[(*n)++];
        tp_db_column_copy(st, 0, q->kind, sizeof q->kind);
        q->queued = sqlite3_column_int64(st, 1);
        q->failed = sqlite3_column_int64(st, 2);
        q->sent = sqlite3_column_int64(st, 3);
        q->oldest = sqlite3_column_int64(st, 4); /* NULL: 0 */
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int64_t store_queue_prune(tp_db *db, int64_t sent_before, int64_t limit)
{
    /* A range of queue_due: sent_at < ?1 leaves the waiting rows (NULL) out. */
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM queue WHERE id IN (SELECT id FROM queue WHERE "
                                      "sent_at < ?1 LIMIT ?2)");
    sqlite3_bind_int64(st, 1, sent_before);
    sqlite3_bind_int64(st, 2, limit);
    if (tp_db_step_done(db, st)) return -1;
    return sqlite3_changes64(tp_db_handle(db));
}

static void write_export_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_w_kint(w, "talk_id", sqlite3_column_int64(st, 1));
    tp_db_write_text(w, "email", st, 2);
    tp_db_write_text(w, "name", st, 3);
    tp_w_kbool(w, "active", sqlite3_column_int(st, 4) != 0);
    tp_w_map_end(w);
}

int store_subscriptions_export(tp_db *db, int64_t after, tp_w *w)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id, talk_id, email, name, active FROM subscriptions "
                                      "WHERE id > ?1 ORDER BY id");
    sqlite3_bind_int64(st, 1, after);
    return tp_export_rows(db, st, w, write_export_row);
}

int64_t store_subscriptions_count(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM subscriptions"));
}

int store_subscription_import(tp_db *db, const subscription_row *r, bool merge, int64_t *id,
                              bool *added)
{
    *added = false;
    if (merge) {
        sqlite3_stmt *st =
            tp_db_stmt(db, "SELECT id FROM subscriptions WHERE talk_id = ?1 AND email = ?2");
        sqlite3_bind_int64(st, 1, r->talk_id);
        tp_db_bind_str(st, 2, r->email);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return rc == SQLITE_ROW ? 0 : tp_db_error(db);
    }
    /* With merge, a taken id is NULL: SQLite picks the next free one. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO subscriptions(id, talk_id, email, name, active) VALUES(CASE WHEN ?6 AND "
            "EXISTS(SELECT 1 FROM subscriptions WHERE id = ?1) THEN NULL ELSE ?1 END, ?2, ?3, ?4, "
            "?5) RETURNING id");
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->talk_id);
    tp_db_bind_str(st, 3, r->email);
    tp_db_bind_str(st, 4, r->name);
    sqlite3_bind_int(st, 5, r->active);
    sqlite3_bind_int(st, 6, merge);
    int rc = tp_import_insert(db, st, id);
    *added = rc == 0;
    return rc;
}
