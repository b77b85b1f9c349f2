/* store: every SQL statement of svc-auth (auth.db). Functions return 1 found / 0 not found /
 * -1 database error, or 0 / -1 for writes, unless said otherwise. */
#ifndef AUTH_STORE_H
#define AUTH_STORE_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "fields.h"
#include "password.h"
#include "tp_db.h"

#define SESSION_HASH_BYTES 32

typedef struct user {
    int64_t id;
    bool is_admin;
    char email[TP_EMAIL_MAX * 4 + 1]; /* characters may take four bytes each */
    char username[USERNAME_MAX + 1];
    char name[NAME_MAX_CHARS * 4 + 1]; /* characters may take four bytes each */
    char location[LOCATION_MAX_CHARS * 4 + 1];
    char bio[BIO_MAX_CHARS * 4 + 1];
    char password_hash[PASSWORD_HASH_MAX + 1];
} user;

enum store_insert {
    STORE_INSERTED = 0,
    STORE_DUP_EMAIL = 1,
    STORE_DUP_USERNAME = 2,
    STORE_DUP_ID = 3,
    STORE_FAILED = -1
};

int store_user_by_email(tp_db *db, tp_str email, user *out);
int store_user_by_username(tp_db *db, tp_str username, user *out);
int store_user_by_id(tp_db *db, int64_t id, user *out);
/* Calls each(user, arg) once for every one of ids that names a user (each at most once, in no
 * particular order); 0, or -1. */
typedef void (*store_user_fn)(const user *u, void *arg);
int store_users_by_ids(tp_db *db, const int64_t *ids, size_t n, store_user_fn each, void *arg);
enum store_insert store_user_insert(tp_db *db, tp_str email, tp_str username, const char *hash,
                                    bool is_admin, int64_t *id);
int store_profile_update(tp_db *db, int64_t id, tp_str name, tp_str location, tp_str bio);
/* Replaces a user's password hash (a Werkzeug one, at its first login: password.h). */
int store_password_set(tp_db *db, int64_t id, const char *hash);

/* A user as talksctl export writes them and import brings them back (tp_transfer.h). */
typedef struct user_row {
    int64_t id, created_at;
    tp_str email, username, password_hash, name, location, bio;
    bool is_admin;
} user_row;

/* Writes the users with an id above after as "rows" and "more" (tp_export_rows). */
int store_users_export(tp_db *db, int64_t after, tp_w *w);
/* How many users there are; -1 on error. */
int64_t store_users_count(tp_db *db);
/* Adds r (inside the caller's transaction). Without merge it keeps r's id: a taken id, email or
 * username is STORE_DUP_*. With merge, a user with r's email is left as it is (*added false,
 * *id theirs), r gets a new id if its own is taken, and a username someone else has is
 * STORE_DUP_USERNAME. */
enum store_insert store_user_import(tp_db *db, const user_row *r, bool merge, int64_t *id,
                                    bool *added);
/* Writes key: [{id, name, seq}, …], the users made or whose profile (name, location, bio)
 * changed after change number after, in order, at most limit; name is what pages show (the
 * username when no name is set). How many, or -1. */
int64_t store_names_after(tp_db *db, int64_t after, int64_t limit, tp_w *w, const char *key);
/* The newest change number of the profiles (0 for none), or -1. */
int64_t store_profiles_last(tp_db *db);

int store_session_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                         bool remember, int64_t expires_at);
int store_session_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                       user *out);
int store_session_delete(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES]);

/* API tokens a user may hold: making one more retires their oldest. */
#define STORE_TOKENS_PER_USER 20
/* Expired tokens (anyone's) deleted with each new token, oldest first: bounded work per request,
 * and more than are made, so the expired ones cannot pile up. */
#define STORE_TOKENS_PRUNE_MAX 100

/* Stores a new API token and, in the same transaction, deletes up to STORE_TOKENS_PRUNE_MAX
 * tokens expired at now and the user's oldest beyond the newest STORE_TOKENS_PER_USER. */
int store_token_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                       int64_t now, int64_t expires_at);
int store_token_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                     user *out);

/* Sets a user's password hash and, in the same transaction, ends what the old password gave:
 * their sessions (all, or all but keep_session when it is not NULL), API tokens and reset links.
 * 1 done, 0 no such user, -1. */
int store_password_change(tp_db *db, int64_t user_id, const char *hash,
                          const unsigned char *keep_session);

/* Reset links live an hour; at most this many expired ones (anyone's) go with each new one. */
#define STORE_RESETS_PRUNE_MAX 100
/* Stores a reset link for user_id and deletes up to STORE_RESETS_PRUNE_MAX expired ones, inside
 * the caller's transaction. */
int store_reset_insert(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t user_id,
                       int64_t now, int64_t expires_at);
/* The user a reset link that has not expired at now belongs to. */
int store_reset_user(tp_db *db, const unsigned char hash[SESSION_HASH_BYTES], int64_t now,
                     user *out);

/* Login throttling: failures under key since a time; -1 on error. */
int store_failures_count(tp_db *db, const char *key, int64_t since);
int store_failure_add(tp_db *db, const char *key, int64_t now, int64_t prune_before);
int store_failures_clear(tp_db *db, const char *key);

#endif
