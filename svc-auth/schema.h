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
    /* 3: password reset links, stored as BLAKE2b hashes like sessions: a link works once (its
     * row goes when it is used, or when the password changes) and until expires_at. */
    "CREATE TABLE reset_tokens("
    "  id_hash BLOB PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  expires_at INTEGER NOT NULL) STRICT, WITHOUT ROWID;"
    "CREATE INDEX reset_tokens_user ON reset_tokens(user_id);"
    "CREATE INDEX reset_tokens_expiry ON reset_tokens(expires_at);",
    /* 4: name_seq, a change counter of the names: each user made or renamed gets the next
     * number (writes are serialised, so numbers are committed in order). svc-talks keeps a copy
     * of every speaker's name for its search and asks for the names after the last it has
     * (auth.names_after), so a name change is never lost while svc-talks is away. */
    "ALTER TABLE users ADD COLUMN name_seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE users SET name_seq = id;"
    "CREATE INDEX users_name_seq ON users(name_seq);"
    "CREATE TRIGGER users_name_seq_new AFTER INSERT ON users BEGIN"
    "  UPDATE users SET name_seq = (SELECT max(name_seq) FROM users) + 1 WHERE id = new.id;"
    "END;"
    "CREATE TRIGGER users_name_seq_renamed AFTER UPDATE OF name ON users"
    "  WHEN new.name IS NOT old.name BEGIN"
    "  UPDATE users SET name_seq = (SELECT max(name_seq) FROM users) + 1 WHERE id = new.id;"
    "END;",
    /* 5: each failed login first forgets the failures older than the throttling window; with no
     * index on the time that scanned every failure of the window, so a guessing flood from many
     * addresses made each failure cost the whole flood. */
    "CREATE INDEX login_failures_at ON login_failures(at);",
    /* 6: the change counter counts every change of what a page shows of an account (its name,
     * location and bio; the username and admin flag never change), not only of its name: the
     * gateway remembers the accounts pages show and asks for the ones changed since
     * (auth.names_after), so a new bio is no more stale than the page cache allows. svc-talks
     * copies a name again when only the bio changed, which costs it nothing. */
    "ALTER TABLE users RENAME COLUMN name_seq TO profile_seq;"
    "DROP TRIGGER users_name_seq_new;"
    "DROP TRIGGER users_name_seq_renamed;"
    "DROP INDEX users_name_seq;"
    "CREATE INDEX users_profile_seq ON users(profile_seq);"
    "CREATE TRIGGER users_profile_seq_new AFTER INSERT ON users BEGIN"
    "  UPDATE users SET profile_seq = (SELECT max(profile_seq) FROM users) + 1 WHERE id = new.id;"
    "END;"
    "CREATE TRIGGER users_profile_changed AFTER UPDATE OF name, location, bio ON users"
    "  WHEN new.name IS NOT old.name OR new.location IS NOT old.location"
    "    OR new.bio IS NOT old.bio BEGIN"
    "  UPDATE users SET profile_seq = (SELECT max(profile_seq) FROM users) + 1 WHERE id = new.id;"
    "END;",
};

#endif
