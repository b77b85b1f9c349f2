/* Unit tests for gateway/users_cache.c: which users_get calls it answers, and with what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../check.h"
#include "../../../gateway/users_cache.h"

/* A users_get reply with users ids[0..n), each named "user <id>" (with bio, if not NULL);
 * key_of_first: another key for the first (a reply whose key and id disagree). */
static void put_users(const int64_t *ids, size_t n, const char *key_of_first, const char *bio)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", true);
    tp_w_key(&w, "users");
    tp_w_map_begin(&w);
    for (size_t i = 0; i < n; i++) {
        char key[24], name[32];
        snprintf(key, sizeof key, "%lld", (long long)ids[i]);
        snprintf(name, sizeof name, "user %lld", (long long)ids[i]);
        tp_w_key(&w, i == 0 && key_of_first ? key_of_first : key);
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", ids[i]);
        tp_w_kstr(&w, "name", name);
        if (bio) tp_w_kstr(&w, "bio", bio);
        tp_w_map_end(&w);
    }
    tp_w_map_end(&w);
    tp_w_map_end(&w);
    tp_msg m;
    if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) abort();
    users_cache_put(m.root);
    tp_msg_free(&m);
    tp_w_free(&w);
}

/* Asks for ids; true with the answer's users map's names in names (in key order) when answered. */
static bool ask(const int64_t *ids, size_t n, char names[][32], size_t *count)
{
    tp_w w;
    tp_w_init(&w);
    bool answered = users_cache_answer(ids, n, &w);
    *count = 0;
    if (answered) {
        tp_msg m;
        CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
        bool ok = false;
        CHECK(tp_get_bool(m.root, "ok", &ok) == 0 && ok);
        const msgpack_object *users = tp_map_get(m.root, "users");
        CHECK(users && users->type == MSGPACK_OBJECT_MAP);
        for (uint32_t i = 0; users && i < users->via.map.size; i++) {
            tp_str name = {"", 0};
            tp_get_str(&users->via.map.ptr[i].val, "name", 31, &name);
            snprintf(names[i], 32, "%.*s", (int)name.n, name.p);
            (*count)++;
        }
        tp_msg_free(&m);
    }
    tp_w_free(&w);
    return answered;
}

static void fresh_cache(long ttl_ms)
{
    users_cache_stop();
    users_cache_start(ttl_ms);
}

static void a_call_is_answered_only_when_every_user_is_remembered(void)
{
    fresh_cache(60000);
    int64_t known[] = {7, 12}, asked[] = {12, 7, 12}, with_stranger[] = {7, 99};
    put_users(known, 2, NULL, NULL);
    char names[4][32];
    size_t n;
    CHECK(ask(asked, 3, names, &n));
    CHECK(n == 2); /* an id asked twice is one key */
    CHECK(n == 2 && strcmp(names[0], "user 12") == 0 && strcmp(names[1], "user 7") == 0);
    CHECK(!ask(with_stranger, 2, names, &n));
    users_cache_stop();
}

static void forgetting_and_disabling_answer_nothing(void)
{
    int64_t ids[] = {3};
    char names[2][32];
    size_t n;
    fresh_cache(60000);
    put_users(ids, 1, NULL, NULL);
    CHECK(ask(ids, 1, names, &n));
    users_cache_forget();
    CHECK(!ask(ids, 1, names, &n));
    put_users(ids, 1, NULL, NULL); /* learnt again */
    CHECK(ask(ids, 1, names, &n));
    fresh_cache(0); /* TALKS_PAGE_CACHE_MS=0 */
    put_users(ids, 1, NULL, NULL);
    CHECK(!ask(ids, 1, names, &n));
    users_cache_stop();
}

static void a_user_is_forgotten_after_the_lifetime(void)
{
    int64_t ids[] = {5};
    char names[2][32];
    size_t n;
    fresh_cache(20);
    put_users(ids, 1, NULL, NULL);
    CHECK(ask(ids, 1, names, &n));
    /* The lifetime is the thing under test: wait for the clock itself. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 25);
    CHECK(!ask(ids, 1, names, &n));
    users_cache_stop();
}

/* Pages look a user up by the reply's key: one whose key is not its id is not remembered. */
static void a_user_whose_key_is_not_its_id_is_not_remembered(void)
{
    fresh_cache(60000);
    int64_t ids[] = {8};
    char names[2][32];
    size_t n;
    put_users(ids, 1, "9", NULL);
    CHECK(!ask(ids, 1, names, &n));
    int64_t nine[] = {9};
    CHECK(!ask(nine, 1, names, &n));
    users_cache_stop();
}

/* Two ids of one slot: the later replaces the earlier, and each answer is its own user's. */
static void ids_sharing_a_slot_never_answer_for_each_other(void)
{
    fresh_cache(60000);
    int64_t a[] = {4}, b[] = {4 + USERS_CACHE_SLOTS};
    char names[2][32];
    size_t n;
    put_users(a, 1, NULL, NULL);
    put_users(b, 1, NULL, NULL);
    CHECK(!ask(a, 1, names, &n));
    CHECK(ask(b, 1, names, &n) && n == 1 && strcmp(names[0], "user 2052") == 0);
    users_cache_stop();
}

/* Accounts of 3 kB each (a long bio): the cache holds what its budget allows, and refuses the
 * rest rather than grow. */
static void accounts_past_the_budget_are_not_remembered(void)
{
    fresh_cache(60000);
    static char bio[3001];
    memset(bio, 'b', sizeof bio - 1);
    size_t fit = USERS_CACHE_BUDGET / 3000, remembered = 0;
    for (int64_t id = 1; id <= (int64_t)fit + 100; id++) put_users(&id, 1, NULL, bio);
    char names[2][32];
    size_t n;
    for (int64_t id = 1; id <= (int64_t)fit + 100; id++) remembered += ask(&id, 1, names, &n);
    CHECK(remembered > fit * 9 / 10 && remembered < fit);
    users_cache_stop();
}

static const check_case cases[] = {
    CASE(accounts_past_the_budget_are_not_remembered),
    CASE(a_call_is_answered_only_when_every_user_is_remembered),
    CASE(forgetting_and_disabling_answer_nothing),
    CASE(a_user_is_forgotten_after_the_lifetime),
    CASE(a_user_whose_key_is_not_its_id_is_not_remembered),
    CASE(ids_sharing_a_slot_never_answer_for_each_other),
};

CHECK_MAIN("users_cache", cases)
