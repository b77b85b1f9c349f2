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
};

#endif
