/* schema.h: auth.db migrations, oldest first; each runs once, in order (tp_db_open). */
#ifndef AUTH_SCHEMA_H
#define AUTH_SCHEMA_H

static const char *const auth_migrations[] = {
    /* 1: users, sessions, API tokens, login throttling */
    "CREATE TABLE users("
    "  id INTEGER PRIMARY KEY,"
    "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password_hash TEXT NOT NULL,"
    "  is_admin INTEGER NOT NULL DEFAULT 0,"
    "  name TEXT NOT NULL DEFAULT '',"
    "  location TEXT NOT NULL DEFAULT '',"
    "  bio TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL) STRICT;"
    /* Session ids and API tokens are stored as BLAKE2b hashes: a leaked database holds no
     * usable credential. */
    "CREATE TABLE sessions("
    "  id_hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  remember INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE api_tokens("
    "  id_hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    /* One row per failed login, keyed "email:<address>" or "addr:<peer>"; rows older than the
     * window are deleted as new ones arrive. */
    "CREATE TABLE login_failures(key TEXT NOT NULL, at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX login_failures_key ON login_failures(key, at);",
    /* 2: API tokens get seq, their order of creation (a user's oldest go first when they hold too
     * many, and tokens made in the same second have the same expiry), and indexes for that cap
     * and for pruning expired tokens, so each costs a few rows per new token. Not named "id":
     * token lookups join users, whose columns are read unprefixed. */
    "CREATE TABLE api_tokens_v2("
    "  seq INTEGER PRIMARY KEY,"
    "  id_hash BLOB NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  expires_at INTEGER NOT NULL) STRICT;"
    "INSERT INTO api_tokens_v2(id_hash, user_id, expires_at) "
    "  SELECT id_hash, user_id, expires_at FROM api_tokens ORDER BY expires_at;"
    "DROP TABLE api_tokens;"
    "ALTER TABLE api_tokens_v2 RENAME TO api_tokens;"
    "CREATE INDEX api_tokens_user ON api_tokens(user_id, seq);"
    "CREATE INDEX api_tokens_expiry ON api_tokens(expires_at);",
};

#endif
