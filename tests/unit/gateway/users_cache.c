/* Unit tests for gateway/users_cache.c: which users_get calls it answers, and with what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../../../gateway/users_cache.h"
#include "lifetime.h"
#include "users_put.h"

static void put_users(const int64_t *ids, size_t n, const char *key_of_first, const char *bio)
{
    put_users_as_of(ids, n, key_of_first, bio, -1);
}

/* The names of a users_get reply's users map, in key order, into names (*count of them). */
static void read_names(const tp_w *reply, char names[][32], size_t *count)
{
    tp_msg m;
    *count = 0;
    CHECK(tp_msg_parse(&m, reply->buf.data, reply->buf.len) == 0);
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

/* Asks for ids; true with the answer's users map's names in names (in key order) when the cache
 * answers the whole call. */
static bool ask(const int64_t *ids, size_t n, char names[][32], size_t *count)
{
    int64_t missing[8];
    users_known *known;
    bool answered = users_cache_split(ids, n, missing, &known) == 0;
    *count = 0;
    if (answered) {
        tp_w w;
        tp_w_init(&w);
        users_cache_reply(&w, NULL, known);
        read_names(&w, names, count);
        tp_w_free(&w);
    }
    users_known_free(known);
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

/* A call of which some accounts are remembered: svc-auth is asked for the others only, and the
 * answer holds its users and the remembered ones, each once. */
static void a_call_asks_only_for_the_users_not_remembered(void)
{
    fresh_cache(60000);
    int64_t known_ids[] = {7, 12}, asked[] = {12, 40, 7, 12, 41};
    put_users(known_ids, 2, NULL, NULL);
    int64_t missing[5];
    users_known *known;
    CHECK(users_cache_split(asked, 5, missing, &known) == 2);
    CHECK(missing[0] == 40 && missing[1] == 41);
    CHECK(known != NULL);
    /* svc-auth's reply for 40 and 41 (not learnt here: only the users map is read). */
    tp_w fresh;
    tp_w_init(&fresh);
    tp_w_map_begin(&fresh);
    const char *keys[] = {"40", "41"}, *fresh_names[] = {"user 40", "user 41"};
    for (int i = 0; i < 2; i++) {
        tp_w_key(&fresh, keys[i]);
        tp_w_map_begin(&fresh);
        tp_w_kint(&fresh, "id", 40 + i);
        tp_w_kstr(&fresh, "name", fresh_names[i]);
        tp_w_map_end(&fresh);
    }
    tp_w_map_end(&fresh);
    tp_msg m;
    CHECK(tp_msg_parse(&m, fresh.buf.data, fresh.buf.len) == 0);
    tp_w w;
    tp_w_init(&w);
    users_cache_reply(&w, m.root, known);
    char names[8][32];
    size_t n;
    read_names(&w, names, &n);
    CHECK(n == 4);
    CHECK(n == 4 && strcmp(names[0], "user 40") == 0 && strcmp(names[1], "user 41") == 0 &&
          strcmp(names[2], "user 12") == 0 && strcmp(names[3], "user 7") == 0);
    tp_w_free(&w);
    tp_msg_free(&m);
    tp_w_free(&fresh);
    users_known_free(known);
    /* Nothing remembered, or the cache off: every id is asked for, as given. */
    int64_t strangers[] = {50, 51};
    CHECK(users_cache_split(strangers, 2, missing, &known) == 2 && known == NULL);
    fresh_cache(0);
    CHECK(users_cache_split(asked, 5, missing, &known) == 5 && known == NULL);
    CHECK(memcmp(missing, asked, sizeof asked) == 0);
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
    wait_ms(25);
    CHECK(!ask(ids, 1, names, &n));
    users_cache_stop();
}

/* The feed (users_feed.h) answered that every change up to 5 is told: accounts learnt as of 5
 * are kept past the lifetime for as long as it keeps answering, and no longer. */
static void a_user_outlives_the_lifetime_while_the_feed_answers(void)
{
    int64_t ids[] = {5, 6};
    char names[2][32];
    size_t n;
    fresh_cache(20);
    users_cache_changed(NULL, 0, 5, true, clock_ms()); /* the feed's first answer */
    put_users_as_of(ids, 2, NULL, NULL, 5);
    for (int i = 0; i < 3; i++) {
        wait_ms(15);
        users_cache_changed(NULL, 0, 5, false, clock_ms()); /* nothing changed */
        CHECK(ask(ids, 2, names, &n));
    }
    wait_ms(25); /* the feed stopped answering: the lifetime again */
    CHECK(!ask(ids, 2, names, &n));
    users_cache_stop();
}

/* A change the feed tells forgets that account only; one learnt as of a number before a change
 * already told (a users_get answered before it, arriving after) lives the lifetime only. */
static void a_change_the_feed_tells_forgets_that_user(void)
{
    int64_t both[] = {7, 12}, seven[] = {7}, twelve[] = {12};
    char names[2][32];
    size_t n;
    fresh_cache(20);
    users_cache_changed(NULL, 0, 5, true, clock_ms());
    put_users_as_of(both, 2, NULL, NULL, 5);
    users_cache_changed(seven, 1, 6, false, clock_ms());
    CHECK(!ask(seven, 1, names, &n));
    CHECK(ask(twelve, 1, names, &n));
    put_users_as_of(seven, 1, NULL, NULL, 5); /* read before change 6 */
    CHECK(ask(seven, 1, names, &n));
    wait_ms(25);
    users_cache_changed(NULL, 0, 6, false, clock_ms());
    CHECK(!ask(seven, 1, names, &n));
    CHECK(ask(twelve, 1, names, &n));
    users_cache_stop();
}

/* auth.db went back (a restored backup): everything is forgotten; and accounts from a svc-auth
 * that says no change number live the lifetime only, feed or not. */
static void going_back_or_no_number_keeps_nothing_past_the_lifetime(void)
{
    int64_t ids[] = {3}, other[] = {4};
    char names[2][32];
    size_t n;
    fresh_cache(20);
    users_cache_changed(NULL, 0, 9, true, clock_ms());
    put_users_as_of(ids, 1, NULL, NULL, 9);
    put_users(other, 1, NULL, NULL);
    wait_ms(25);
    users_cache_changed(NULL, 0, 9, false, clock_ms());
    CHECK(ask(ids, 1, names, &n));
    CHECK(!ask(other, 1, names, &n));
    users_cache_changed(NULL, 0, 2, true, clock_ms());
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
    char want[32];
    snprintf(want, sizeof want, "user %d", 4 + USERS_CACHE_SLOTS);
    CHECK(ask(b, 1, names, &n) && n == 1 && strcmp(names[0], want) == 0);
    users_cache_stop();
}

/* Accounts of 3 kB each (a long bio): the cache holds what its budget allows, and refuses the
 * rest rather than grow. */
/* Past the budget, slots are emptied in turn to make room: the accounts learnt last are
 * remembered, the first placed go, and no more than the budget is held. */
static void a_full_cache_makes_room_for_the_accounts_learnt_now(void)
{
    fresh_cache(60000);
    static char bio[3001];
    memset(bio, 'b', sizeof bio - 1);
    size_t fit = USERS_CACHE_BUDGET / 3000, remembered = 0;
    int64_t first = 1, last = (int64_t)fit + 100;
    for (int64_t id = 1; id <= last; id++) put_users(&id, 1, NULL, bio);
    char names[2][32];
    size_t n;
    for (int64_t id = 1; id <= last; id++) remembered += ask(&id, 1, names, &n);
    CHECK(remembered > fit * 9 / 10 && remembered < fit);
    CHECK(ask(&last, 1, names, &n) && !ask(&first, 1, names, &n));
    users_cache_stop();
}

/* The feed's changes wait for the loop's next lookup: more of them than the cache has slots are
 * not held, everything is forgotten instead. */
static void more_changes_than_slots_forget_everything(void)
{
    int64_t ids[] = {3, 4}, three[] = {3};
    char names[2][32];
    size_t n;
    fresh_cache(60000);
    users_cache_changed(NULL, 0, 1, true, clock_ms());
    put_users_as_of(ids, 2, NULL, NULL, 1);
    static int64_t many[USERS_CACHE_SLOTS];
    for (size_t i = 0; i < USERS_CACHE_SLOTS; i++) many[i] = 100000 + (int64_t)i;
    users_cache_changed(many, USERS_CACHE_SLOTS / 2, 2, false, clock_ms());
    CHECK(ask(three, 1, names, &n)); /* applied: 3 and 4 were not among them */
    users_cache_changed(many, USERS_CACHE_SLOTS / 2, 3, false, clock_ms());
    users_cache_changed(many, USERS_CACHE_SLOTS / 2 + 1, 4, false, clock_ms());
    CHECK(!ask(three, 1, names, &n));
    users_cache_stop();
}

/* The name of the account the cache answers auth.user_get for username with, or "" when it does
 * not answer. */
static const char *named(const char *username)
{
    static char name[32];
    tp_w w;
    tp_w_init(&w);
    name[0] = '\0';
    if (users_cache_user_named((tp_str){username, strlen(username)}, &w)) {
        tp_msg m;
        CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
        bool ok = false;
        tp_str got = {"", 0};
        CHECK(tp_get_bool(m.root, "ok", &ok) == 0 && ok);
        CHECK(tp_get_str(tp_map_get(m.root, "user"), "name", 31, &got) == 0);
        snprintf(name, sizeof name, "%.*s", (int)got.n, got.p);
        tp_msg_free(&m);
    }
    tp_w_free(&w);
    return name;
}

/* A speaker's page asks for its speaker by username: answered from the accounts users_get taught,
 * for exactly that name, for as long as users_get's answer by id would be. */
static void a_user_is_answered_by_username_as_by_id(void)
{
    int64_t ids[] = {3, 4}, three[] = {3}, other[] = {3 + USERS_CACHE_SLOTS};
    fresh_cache(20);
    CHECK_STR_EQ(named("u3"), "");
    users_cache_changed(NULL, 0, 5, true, clock_ms()); /* the feed's first answer */
    put_users_as_of(ids, 2, NULL, NULL, 5);
    CHECK_STR_EQ(named("u3"), "user 3");
    CHECK_STR_EQ(named("u4"), "user 4");
    CHECK_STR_EQ(named("U3"), ""); /* svc-auth says what another case means */
    CHECK_STR_EQ(named("u33"), "");
    CHECK_STR_EQ(named("u"), "");
    CHECK_STR_EQ(named(""), "");
    users_cache_changed(three, 1, 6, false, clock_ms()); /* changed elsewhere */
    CHECK_STR_EQ(named("u3"), "");
    CHECK_STR_EQ(named("u4"), "user 4");
    users_cache_forget(); /* changed through this gateway */
    CHECK_STR_EQ(named("u4"), "");
    put_users(ids, 2, NULL, NULL); /* no change number: the lifetime only */
    CHECK_STR_EQ(named("u3"), "user 3");
    put_users(other, 1, NULL, NULL); /* takes u3's slot */
    CHECK_STR_EQ(named("u3"), "");
    CHECK_STR_EQ(named("u4"), "user 4");
    wait_ms(25);
    CHECK_STR_EQ(named("u4"), "");
    users_cache_stop();
    users_cache_start(0);
    put_users(ids, 2, NULL, NULL);
    CHECK_STR_EQ(named("u3"), "");
    users_cache_stop();
}

/* A user_get reply {"user": user, "seq"}: the speaker's page's own answer is remembered too, by
 * name and by id, and kept past the lifetime while the feed answers, as users_get's. */
static void a_user_get_reply_is_remembered_as_a_users_get_one(void)
{
    int64_t nine[] = {9};
    char names[2][32];
    size_t n;
    fresh_cache(20);
    users_cache_changed(NULL, 0, 5, true, clock_ms());
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", true);
    tp_w_key(&w, "user");
    tp_w_map_begin(&w);
    tp_w_kint(&w, "id", 9);
    tp_w_kstr(&w, "username", "u9");
    tp_w_kstr(&w, "name", "user 9");
    tp_w_map_end(&w);
    tp_w_kint(&w, "seq", 5);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    users_cache_put_named(m.root);
    tp_msg_free(&m);
    tp_w_free(&w);
    CHECK_STR_EQ(named("u9"), "user 9");
    CHECK(ask(nine, 1, names, &n) && n == 1);
    wait_ms(25);
    users_cache_changed(NULL, 0, 5, false, clock_ms()); /* the feed answers: nothing changed */
    CHECK_STR_EQ(named("u9"), "user 9");
    users_cache_changed(nine, 1, 6, false, clock_ms());
    CHECK_STR_EQ(named("u9"), "");
    users_cache_stop();
}

/* Many usernames share where their id is noted: each is answered with its own account or not at
 * all. */
static void usernames_sharing_a_slot_never_answer_for_each_other(void)
{
    enum { N = 8000 };
    static int64_t ids[N];
    for (int i = 0; i < N; i++) ids[i] = i + 1;
    fresh_cache(60000);
    put_users(ids, N, NULL, NULL);
    int answered = 0;
    for (int i = 1; i <= N; i++) {
        char username[16], want[32];
        snprintf(username, sizeof username, "u%d", i);
        snprintf(want, sizeof want, "user %d", i);
        const char *got = named(username);
        CHECK(got[0] == '\0' || strcmp(got, want) == 0);
        answered += got[0] != '\0';
    }
    CHECK(answered > N / 2 && answered < N); /* most, and some names did share */
    users_cache_stop();
}

static const check_case cases[] = {
    CASE(a_full_cache_makes_room_for_the_accounts_learnt_now),
    CASE(a_call_is_answered_only_when_every_user_is_remembered),
    CASE(a_call_asks_only_for_the_users_not_remembered),
    CASE(forgetting_and_disabling_answer_nothing),
    CASE(a_user_is_forgotten_after_the_lifetime),
    CASE(a_user_outlives_the_lifetime_while_the_feed_answers),
    CASE(a_change_the_feed_tells_forgets_that_user),
    CASE(going_back_or_no_number_keeps_nothing_past_the_lifetime),
    CASE(more_changes_than_slots_forget_everything),
    CASE(a_user_whose_key_is_not_its_id_is_not_remembered),
    CASE(ids_sharing_a_slot_never_answer_for_each_other),
    CASE(a_user_is_answered_by_username_as_by_id),
    CASE(usernames_sharing_a_slot_never_answer_for_each_other),
    CASE(a_user_get_reply_is_remembered_as_a_users_get_one),
};

CHECK_MAIN("users_cache", cases)
