/* Unit tests for svc-auth/store.c: reading several users at once; API tokens: expired ones are
 * pruned as new ones are made, and a user holds at most STORE_TOKENS_PER_USER; login failures. */
#include "store.h"

#include <stdlib.h>

#include "check.h"
#include "schema.h"

typedef struct seen {
    int64_t ids[16];
    char usernames[16][USERNAME_MAX + 1];
    size_t n;
} seen;

static void remember(const user *u, void *arg)
{
    seen *s = arg;
    if (s->n == 16) return;
    s->ids[s->n] = u->id;
    snprintf(s->usernames[s->n], sizeof s->usernames[0], "%s", u->username);
    s->n++;
}

static const char *username_of(const seen *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->ids[i] == id) return s->usernames[i];
    return NULL;
}

/* A fresh auth.db in its own directory, with three users: ids 1, 2, 3. */
static tp_db *open_with_users(check_db_dir *tmp)
{
    char err[200];
    check_db_dir_make(tmp, "auth.db");
    tp_db *db = tp_db_open(tmp->path, auth_migrations,
                           sizeof auth_migrations / sizeof *auth_migrations, err, sizeof err);
    CHECK(db != NULL);
    static const char *const names[] = {"ann", "bob", "cy"};
    for (int i = 0; i < 3; i++) {
        char email[64];
        int64_t id;
        snprintf(email, sizeof email, "%s@example.com", names[i]);
        CHECK(store_user_insert(db, (tp_str){email, strlen(email)},
                                (tp_str){names[i], strlen(names[i])}, "x", false,
                                &id) == STORE_INSERTED);
        CHECK(id == i + 1);
    }
    return db;
}

static void close_and_remove(tp_db *db, const check_db_dir *tmp)
{
    tp_db_close(db);
    check_db_dir_remove(tmp);
}

static void users_by_ids_answers_each_known_user_once(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    const int64_t ids[] = {3, 1, 3, 99, 1, 3};
    seen s = {0};
    CHECK(store_users_by_ids(db, ids, sizeof ids / sizeof ids[0], remember, &s) == 0);
    CHECK(s.n == 2);
    CHECK_STR_EQ(username_of(&s, 1), "ann");
    CHECK_STR_EQ(username_of(&s, 3), "cy");
    CHECK(username_of(&s, 2) == NULL);
    close_and_remove(db, &tmp);
}

/* The newest change number of the profiles, which svc-talks compares with what it has copied,
 * and after which the gateway asks which accounts changed: a new name, location or bio each take
 * the next number; a password does not, nor a profile saved unchanged. */
static void profiles_last_is_the_newest_change_number(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    CHECK(store_profiles_last(db) == 3);
    CHECK(sqlite3_exec(tp_db_handle(db), "UPDATE users SET name = 'Ann' WHERE id = 1", NULL, NULL,
                       NULL) == SQLITE_OK);
    CHECK(store_profiles_last(db) == 4);
    CHECK(store_profile_update(db, 3, (tp_str){"Cy", 2}, (tp_str){"Oslo", 4}, (tp_str){"", 0}) ==
          1);
    CHECK(store_profiles_last(db) == 5);
    CHECK(store_profile_update(db, 3, (tp_str){"Cy", 2}, (tp_str){"Oslo", 4},
                               (tp_str){"Talks about C.", 14}) == 1);
    CHECK(store_profiles_last(db) == 6);
    CHECK(store_profile_update(db, 3, (tp_str){"Cy", 2}, (tp_str){"Oslo", 4},
                               (tp_str){"Talks about C.", 14}) == 1);
    CHECK(sqlite3_exec(tp_db_handle(db), "UPDATE users SET password_hash = 'x' WHERE id = 1", NULL,
                       NULL, NULL) == SQLITE_OK);
    CHECK(store_profiles_last(db) == 6);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    CHECK(store_names_after(db, 4, 10, &w, "users") == 1); /* user 3, changed twice: once */
    tp_w_map_end(&w);
    tp_w_free(&w);
    CHECK(sqlite3_exec(tp_db_handle(db), "DELETE FROM users", NULL, NULL, NULL) == SQLITE_OK);
    CHECK(store_profiles_last(db) == 0);
    close_and_remove(db, &tmp);
}

static void users_by_ids_of_nothing_is_nobody(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    seen s = {0};
    CHECK(store_users_by_ids(db, NULL, 0, remember, &s) == 0);
    CHECK(s.n == 0);
    const int64_t unknown[] = {4, INT64_MAX};
    CHECK(store_users_by_ids(db, unknown, 2, remember, &s) == 0);
    CHECK(s.n == 0);
    close_and_remove(db, &tmp);
}

/* ---- API tokens ---- */

/* A distinct fake token hash per (user, n). */
static void token_hash(unsigned char hash[SESSION_HASH_BYTES], int64_t user_id, int n)
{
    memset(hash, 0, SESSION_HASH_BYTES);
    hash[0] = (unsigned char)user_id;
    hash[1] = (unsigned char)(n & 0xff);
    hash[2] = (unsigned char)(n >> 8);
}

/* Whose token (user_id, n) is at time now: the user id, 0 for nobody. */
static int64_t token_owner(tp_db *db, int64_t user_id, int n, int64_t now)
{
    unsigned char hash[SESSION_HASH_BYTES];
    user u;
    token_hash(hash, user_id, n);
    int found = store_token_user(db, hash, now, &u);
    CHECK(found >= 0);
    return found == 1 ? u.id : 0;
}

static void token_make(tp_db *db, int64_t user_id, int n, int64_t now, int64_t expires_at)
{
    unsigned char hash[SESSION_HASH_BYTES];
    token_hash(hash, user_id, n);
    CHECK(store_token_insert(db, hash, user_id, now, expires_at) == 0);
}

/* A token written straight into api_tokens, with none of store_token_insert's upkeep. */
static void token_insert_raw(tp_db *db, int64_t user_id, int n, int64_t expires_at)
{
    unsigned char hash[SESSION_HASH_BYTES];
    token_hash(hash, user_id, n);
    sqlite3_stmt *st =
        tp_db_stmt(db, "INSERT INTO api_tokens(id_hash, user_id, expires_at) VALUES(?1, ?2, ?3)");
    sqlite3_bind_blob(st, 1, hash, SESSION_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, expires_at);
    CHECK(tp_db_step_done(db, st) == 0);
}

static int64_t token_rows(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM api_tokens"));
}

static void making_a_token_deletes_expired_ones(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    token_make(db, 1, 0, 1000, 2000); /* expired at 5000, ann's */
    token_make(db, 1, 1, 1000, 2000);
    token_make(db, 2, 0, 1000, 2000); /* expired at 5000, bob's */
    token_make(db, 2, 1, 1000, 9000); /* still valid at 5000 */
    CHECK(token_owner(db, 1, 0, 1500) == 1);
    CHECK(token_rows(db) == 4);

    token_make(db, 1, 2, 5000, 8600);
    CHECK(token_rows(db) == 2);
    /* Gone, not merely expired: not even a clock set back finds them. */
    CHECK(token_owner(db, 1, 0, 1500) == 0);
    CHECK(token_owner(db, 1, 1, 1500) == 0);
    CHECK(token_owner(db, 2, 0, 1500) == 0);
    CHECK(token_owner(db, 2, 1, 5000) == 2);
    CHECK(token_owner(db, 1, 2, 5000) == 1);
    close_and_remove(db, &tmp);
}

static void pruning_expired_tokens_is_bounded_per_new_token(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    /* 150 expired tokens of ann's and bob's, written past the cap; then cy makes two. */
    for (int i = 0; i < 150; i++) token_insert_raw(db, 1 + i % 2, 1000 + i, 2000);
    token_make(db, 3, 0, 5000, 8600);
    CHECK(token_rows(db) == 150 - STORE_TOKENS_PRUNE_MAX + 1);
    token_make(db, 3, 1, 5000, 8600);
    CHECK(token_rows(db) == 2);
    close_and_remove(db, &tmp);
}

static void the_21st_token_retires_the_oldest(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    token_make(db, 2, 0, 1000, 4600); /* bob's, untouched by ann's tokens */
    /* All in the same second: the order of creation decides, not the expiry. */
    for (int n = 0; n < STORE_TOKENS_PER_USER; n++) token_make(db, 1, n, 1000, 4600);
    for (int n = 0; n < STORE_TOKENS_PER_USER; n++) CHECK(token_owner(db, 1, n, 1000) == 1);

    token_make(db, 1, STORE_TOKENS_PER_USER, 1000, 4600);
    CHECK(token_owner(db, 1, 0, 1000) == 0);
    for (int n = 1; n <= STORE_TOKENS_PER_USER; n++) CHECK(token_owner(db, 1, n, 1000) == 1);
    CHECK(token_owner(db, 2, 0, 1000) == 2);

    /* And so on: 400 more leave the newest 20. */
    for (int n = STORE_TOKENS_PER_USER + 1; n < 421; n++) token_make(db, 1, n, 1000, 4600);
    CHECK(token_rows(db) == STORE_TOKENS_PER_USER + 1);
    CHECK(token_owner(db, 1, 400, 1000) == 0);
    CHECK(token_owner(db, 1, 401, 1000) == 1);
    CHECK(token_owner(db, 1, 420, 1000) == 1);
    close_and_remove(db, &tmp);
}

static void upgrading_auth_db_keeps_its_tokens(void)
{
    check_db_dir tmp;
    char err[200];
    check_db_dir_make(&tmp, "auth.db");
    tp_db *db = tp_db_open(tmp.path, auth_migrations, 1, err, sizeof err); /* version 1 only */
    CHECK(db != NULL);
    int64_t id;
    CHECK(store_user_insert(db, (tp_str){"ann@example.com", 15}, (tp_str){"ann", 3}, "x", false,
                            &id) == STORE_INSERTED);
    token_insert_raw(db, 1, 7, 4600);
    tp_db_close(db);

    db = tp_db_open(tmp.path, auth_migrations, sizeof auth_migrations / sizeof *auth_migrations,
                    err, sizeof err);
    CHECK(db != NULL);
    CHECK(token_owner(db, 1, 7, 1000) == 1);
    token_make(db, 1, 8, 1000, 4600);
    CHECK(token_owner(db, 1, 7, 1000) == 1 && token_owner(db, 1, 8, 1000) == 1);
    close_and_remove(db, &tmp);
}

/* A failed login counts within its window and forgets the failures before it, reading those only
 * (a guessing flood from many addresses must not make each failure scan all the others). */
static void login_failures_are_counted_in_their_window_and_forgotten_after_it(void)
{
    check_db_dir tmp;
    tp_db *db = open_with_users(&tmp);
    for (int i = 0; i < 300; i++) {
        char key[32];
        snprintf(key, sizeof key, "198.51.100.%d", i);
        CHECK(store_failure_add(db, key, 1000 + i % 2 * 600, 0) == 0); /* half at 1000, half 1600 */
    }
    CHECK(store_failure_add(db, "203.0.113.7", 1601, 1000) == 0);
    CHECK(store_failure_add(db, "203.0.113.7", 1602, 1000) == 0);
    CHECK(store_failures_count(db, "203.0.113.7", 1000) == 2);
    CHECK(store_failures_count(db, "198.51.100.1", 1000) == 1);
    CHECK(store_failures_count(db, "198.51.100.0", 0) == 0); /* forgotten: it was at 1000 */
    CHECK(check_stmt_status(db, "login_failures", SQLITE_STMTSTATUS_FULLSCAN_STEP) == 0);
    close_and_remove(db, &tmp);
}

static const check_case cases[] = {
    {"users_by_ids_answers_each_known_user_once", users_by_ids_answers_each_known_user_once},
    {"users_by_ids_of_nothing_is_nobody", users_by_ids_of_nothing_is_nobody},
    CASE(making_a_token_deletes_expired_ones),
    CASE(pruning_expired_tokens_is_bounded_per_new_token),
    CASE(the_21st_token_retires_the_oldest),
    CASE(upgrading_auth_db_keeps_its_tokens),
    CASE(login_failures_are_counted_in_their_window_and_forgotten_after_it),
    CASE(profiles_last_is_the_newest_change_number),
};

CHECK_MAIN("auth-store", cases)
