/* Unit tests for svc-auth/store.c: reading several users at once. */
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

static const check_case cases[] = {
    {"users_by_ids_answers_each_known_user_once", users_by_ids_answers_each_known_user_once},
    {"users_by_ids_of_nothing_is_nobody", users_by_ids_of_nothing_is_nobody},
};

CHECK_MAIN("auth-store", cases)
