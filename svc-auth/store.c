/* store: the SQL of svc-auth (see store.h). Statements are prepared once per connection. */
#include "store.h"

#include <string.h>

#include "tp_transfer.h"
#include "tp_fmt.h"

#define USER_COLUMNS "id, is_admin, email, username, name, location, bio, password_hash"

static void column_user(sqlite3_stmt *st, user *out)
{
    out->id = sqlite3_column_int64(st, 0);
    out->is_admin = sqlite3_column_int(st, 1) != 0;
    tp_db_column_copy(st, 2, out->email, sizeof out->email);
    tp_db_column_copy(st, 3, out->username, sizeof out->username);
    tp_db_column_copy(st, 4, out->name, sizeof out->name);
    tp_db_column_copy(st, 5, out->location, sizeof out->location);
    tp_db_column_copy(st, 6, out->bio, sizeof out->bio);
    tp_db_column_copy(st, 7, out->password_hash, sizeof out->password_hash);
}

static int read_user(tp_db *db, sqlite3_stmt *st, user *out)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        tp_db_error(db);
        sqlite3_reset(st);
        return -1;
    }
    column_user(st, out);
    sqlite3_reset(st);
    return 1;
}

int store_user_by_email(tp_db *db, tp_str email, user *out)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM users WHERE email = ?1");
    sqlite3_bind_text(st, 1, email.p, (int)email.n, SQLITE_STATIC);
    return read_user(db, st, out);
}

int store_user_by_username(tp_db *db, tp_str username, user *out)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM users WHERE username = ?1");
    sqlite3_bind_text(st, 1, username.p, (int)username.n, SQLITE_STATIC);
    return read_user(db, st, out);
}

int store_user_by_id(tp_db *db, int64_t id, user *out)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    return read_user(db, st, out);
}

/* One statement for the whole list, the ids passed as a JSON array: one id at a time, each
 * lookup was its own read transaction (WAL read lock taken and released, fcntl), about five
 * times the cost for a page of 50 talks. The array drives the join (CROSS JOIN keeps it
 * outside), one primary-key search per id: `id IN (SELECT value FROM json_each(?1))` built a
 * temporary index of the ids first, a third of svc-auth's work for a talk page. The array
 * holds each id once, so each user is read once. */
int store_users_by_ids(tp_db *db, const int64_t *ids, size_t n, store_user_fn each, void *arg)
{
    tp_buf json = TP_BUF_INIT;
    tp_buf_reserve(&json, n * 21 + 2);
    tp_buf_putc(&json, '[');
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = ids[j] == ids[i];
        if (seen) continue;
        char digits[TP_FMT_INT_SIZE];
        if (json.len > 1) tp_buf_putc(&json, ',');
        tp_buf_append(&json, digits, tp_fmt_i64(digits, ids[i]));
    }
    tp_buf_putc(&json, ']');
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM (SELECT value AS wanted FROM "
                                      "json_each(?1)) CROSS JOIN users ON id = wanted");
    sqlite3_bind_text(st, 1, json.data, (int)json.len, SQLITE_STATIC);
    user u;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        column_user(st, &u);
        each(&u, arg);
    }
    if (rc != SQLITE_DONE) tp_db_error(db);
    sqlite3_reset(st);
    tp_buf_free(&json);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps an INSERT … RETURNING id into users and says how it went. */
static enum store_insert insert_user(tp_db *db, sqlite3_stmt *st, int64_t *id, bool *added)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *added = true;
        sqlite3_reset(st);
        return STORE_INSERTED;
    }
    /* The error code and message are read before the reset, which clears them. */
    int code = sqlite3_extended_errcode(tp_db_handle(db));
    const char *why = sqlite3_errmsg(tp_db_handle(db));
    bool dup_email = strstr(why, "users.email") != NULL, dup_id = strstr(why, "users.id") != NULL;
    bool dup = code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
    if (!dup) tp_db_error(db);
    sqlite3_reset(st);
    if (!dup) return STORE_FAILED;
    return dup_id ? STORE_DUP_ID : dup_email ? STORE_DUP_EMAIL : STORE_DUP_USERNAME;
}

enum store_insert store_user_insert(tp_db *db, tp_str email, tp_str username, const char *hash,
                                    bool is_admin, int64_t *id)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "INSERT INTO users(email, username, password_hash, is_admin, "
                       "created_at) VALUES(?1, ?2, ?3, ?4, unixepoch()) RETURNING id");
    sqlite3_bind_text(st, 1, email.p, (int)email.n, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, username.p, (int)username.n, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, is_admin);
    bool added;
    return insert_user(db, st, id, &added);
}

int store_profile_update(tp_db *db, int64_t id, tp_str name, tp_str location, tp_str bio)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "UPDATE users SET name = ?2, location = ?3, bio = ?4 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name.p, (int)name.n, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, location.p, (int)location.n, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, bio.p, (int)bio.n, SQLITE_STATIC);
    if (tp_db_step_done(db, st)) return -1;
    return sqlite3_changes(tp_db_handle(db)) == 1 ? 1 : 0;
}

int store_password_set(tp_db *db, int64_t id, const char *hash)
{
    sqlite3_stmt *st = tp_db_stmt(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    return tp_db_step_done(db, st);
}

/* The current row of an export statement, as the export file has it. */
static void write_export_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_db_write_text(w, "email", st, 1);
    tp_db_write_text(w, "username", st, 2);
    tp_db_write_text(w, "password_hash", st, 3);
    tp_w_kbool(w, "is_admin", sqlite3_column_int(st, 4) != 0);
    tp_db_write_text(w, "name", st, 5);
    tp_db_write_text(w, "location", st, 6);
    tp_db_write_text(w, "bio", st, 7);
    tp_w_kint(w, "created_at", sqlite3_column_int64(st, 8));
    tp_w_map_end(w);
}

int store_users_export(tp_db *db, int64_t after, tp_w *w)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id, email, username, password_hash, is_admin, name, "
                                      "location, bio, created_at FROM users WHERE id > ?1 "
                                      "ORDER BY id");
    sqlite3_bind_int64(st, 1, after);
    return tp_export_rows(db, st, w, write_export_row);
}

int64_t store_users_count(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM users"));
}

enum store_insert store_user_import(tp_db *db, const user_row *r, bool merge, int64_t *id,
                                    bool *added)
{
    user u;
    *added = false;
    if (merge) {
        int found = store_user_by_email(db, r->email, &u);
        if (found) {
            *id = u.id;
            return found > 0 ? STORE_INSERTED : STORE_FAILED;
        }
    }
    /* With merge, a taken id is NULL: SQLite picks the next free one. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO users(id, email, username, password_hash, is_admin, name, location, bio, "
            "created_at) VALUES(CASE WHEN ?10 AND EXISTS(SELECT 1 FROM users WHERE id = ?1) THEN "
            "NULL ELSE ?1 END, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id");
    sqlite3_bind_int64(st, 1, r->id);
    tp_db_bind_str(st, 2, r->email);
    tp_db_bind_str(st, 3, r->username);
    tp_db_bind_str(st, 4, r->password_hash);
    sqlite3_bind_int(st, 5, r->is_admin);
    tp_db_bind_str(st, 6, r->name);
    tp_db_bind_str(st, 7, r->location);
    tp_db_bind_str(st, 8, r->bio);
    sqlite3_bind_int64(st, 9, r->created_at);
    sqlite3_bind_int(st, 10, merge);
    return insert_user(db, st, id, added);
}

int store_session_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                         bool remember, int64_t expires_at)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "INSERT INTO sessions(id_hash, user_id, remember, expires_at) "
                       "VALUES(?1, ?2, ?3, ?4)");
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int(st, 3, remember);
    sqlite3_bind_int64(st, 4, expires_at);
    return tp_db_step_done(db, st);
}

/* The user a session or API token (stored hashed) belongs to, while it has not expired.
 * USER_COLUMNS needs no table prefix: sessions and api_tokens share no column name with users. */
static int user_by_secret(tp_db *db, sqlite3_stmt *st, const unsigned char hash[SESSION_HASH_BYTES],
                          int64_t now, user *out)
{
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return read_user(db, st, out);
}

int store_session_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                       user *out)
{
    return user_by_secret(db,
                          tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM sessions s JOIN users u "
                                         "ON u.id = s.user_id WHERE s.id_hash = ?1 AND "
                                         "s.expires_at > ?2"),
                          hash, now, out);
}

int store_session_delete(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES])
{
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM sessions WHERE id_hash = ?1 OR expires_at < "
                                      "unixepoch()");
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
    return tp_db_step_done(db, st);
}

/* Deletes up to prune_max secrets expired at now (prune: ?1 now, ?2 the most), then stores a
 * new one (insert: ?1 its hash, ?2 user_id, ?3 expires_at); 0, or -1. */
static int secret_insert(tp_db *db, const char *prune, int prune_max, const char *insert,
                         const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id, int64_t now,
                         int64_t expires_at)
{
    sqlite3_stmt *st = tp_db_stmt(db, prune);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, prune_max);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, insert);
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, expires_at);
    return tp_db_step_done(db, st);
}

int store_token_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                       int64_t now, int64_t expires_at)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    int rc =
        secret_insert(db,
                      "DELETE FROM api_tokens WHERE seq IN (SELECT seq FROM api_tokens WHERE "
                      "expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
                      STORE_TOKENS_PRUNE_MAX,
                      "INSERT INTO api_tokens(id_hash, user_id, expires_at) VALUES(?1, ?2, ?3)",
                      hash, user_id, now, expires_at);
    sqlite3_stmt *st;
    if (rc == 0) {
        /* The seq of the newest token beyond the cap; none (NULL: nothing deleted) under it. */
        st = tp_db_stmt(db, "DELETE FROM api_tokens WHERE user_id = ?1 AND seq <= (SELECT seq "
                            "FROM api_tokens WHERE user_id = ?1 ORDER BY seq DESC LIMIT 1 "
                            "OFFSET ?2)");
        sqlite3_bind_int64(st, 1, user_id);
        sqlite3_bind_int(st, 2, STORE_TOKENS_PER_USER);
        rc = tp_db_step_done(db, st);
    }
    if (rc == 0 && tp_db_commit(db)) rc = tp_db_error(db);
    if (rc) tp_db_rollback(db);
    return rc;
}

int store_token_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                     user *out)
{
    return user_by_secret(db,
                          tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM api_tokens t JOIN users u "
                                         "ON u.id = t.user_id WHERE t.id_hash = ?1 AND "
                                         "t.expires_at > ?2"),
                          hash, now, out);
}

int store_password_change(tp_db *db, int64_t user_id, const char *hash,
                          const unsigned char *keep_session)
{
    if (tp_db_begin(db)) return tp_db_error(db);
    sqlite3_stmt *st = tp_db_stmt(db, "UPDATE users SET password_hash = ?2 WHERE id = ?1");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    int rc = tp_db_step_done(db, st);
    bool found = rc == 0 && sqlite3_changes(tp_db_handle(db)) == 1;
    /* ?2 is NULL when every session goes: "IS NOT NULL" is then true for each. */
    static const char *const ends[] = {
        "DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2",
        "DELETE FROM api_tokens WHERE user_id = ?1",
        "DELETE FROM reset_tokens WHERE user_id = ?1",
    };
    for (size_t i = 0; found && rc == 0 && i < sizeof ends / sizeof ends[0]; i++) {
        st = tp_db_stmt(db, ends[i]);
        sqlite3_bind_int64(st, 1, user_id);
        if (i == 0 && keep_session)
            sqlite3_bind_blob(st, 2, keep_session, SESSION_HASH_BYTES, SQLITE_STATIC);
        else if (i == 0)
            sqlite3_bind_null(st, 2);
        rc = tp_db_step_done(db, st);
    }
    if (rc == 0 && tp_db_commit(db)) rc = tp_db_error(db);
    if (rc) tp_db_rollback(db);
    return rc ? -1 : found;
}

int store_reset_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                       int64_t now, int64_t expires_at)
{
    return secret_insert(
        db,
        "DELETE FROM reset_tokens WHERE id_hash IN (SELECT id_hash FROM "
        "reset_tokens WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
        STORE_RESETS_PRUNE_MAX,
        "INSERT INTO reset_tokens(id_hash, user_id, expires_at) VALUES(?1, ?2, ?3)", hash, user_id,
        now, expires_at);
}
int store_reset_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                     user *out)
{
    return user_by_secret(db,
                          tp_db_stmt(db, "SELECT " USER_COLUMNS " FROM reset_tokens r JOIN users u "
                                         "ON u.id = r.user_id WHERE r.id_hash = ?1 AND "
                                         "r.expires_at > ?2"),
                          hash, now, out);
}

int store_failures_count(tp_db *db, const char *key, int64_t since)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT count(*) FROM login_failures WHERE key = ?1 AND at > ?2");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    return (int)tp_db_step_int(db, st);
}

int store_failure_add(tp_db *db, const char *key, int64_t now, int64_t prune_before)
{
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM login_failures WHERE at <= ?1");
    sqlite3_bind_int64(st, 1, prune_before);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, "INSERT INTO login_failures(key, at) VALUES(?1, ?2)");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return tp_db_step_done(db, st);
}

int store_failures_clear(tp_db *db, const char *key)
{
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM login_failures WHERE key = ?1");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return tp_db_step_done(db, st);
}

int64_t store_profiles_last(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT coalesce(max(profile_seq), 0) FROM users"));
}

int64_t store_names_after(tp_db *db, int64_t after, int64_t limit, tp_w *w, const char *key)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT id, iif(name = '', username, name), profile_seq FROM users WHERE "
                       "profile_seq > ?1 ORDER BY profile_seq LIMIT ?2");
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit);
    int64_t n = 0;
    int rc;
    tp_w_key(w, key);
    tp_w_array_begin(w);
    for (; (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
        tp_w_map_begin(w);
        tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
        tp_db_write_text(w, "name", st, 1);
        tp_w_kint(w, "seq", sqlite3_column_int64(st, 2));
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : tp_db_error(db);
}
