/* Unit tests for gateway/users_feed.c's answers: what auth.names_after's reply does to the users
 * cache, and the replies it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../../../gateway/users_cache.h"
#include "../../../gateway/users_feed.h"
#include "users_put.h"
#include "tp_op_inputs.h"

/* An auth.names_after reply: changes ids[i] at seqs[i], and last. */
static void reply_of(tp_msg *m, const int64_t *ids, const int64_t *seqs, size_t n, int64_t last)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", true);
    tp_w_key(&w, "users");
    tp_w_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", ids[i]);
        tp_w_kstr(&w, "name", "someone");
        tp_w_kint(&w, "seq", seqs[i]);
        tp_w_map_end(&w);
    }
    tp_w_array_end(&w);
    tp_w_kint(&w, "last", last);
    tp_w_map_end(&w);
    if (tp_msg_parse(m, w.buf.data, w.buf.len) != 0) abort();
    tp_w_free(&w);
}

static int apply(const int64_t *ids, const int64_t *seqs, size_t n, int64_t last, int64_t *cursor)
{
    tp_msg m;
    reply_of(&m, ids, seqs, n, last);
    char why[200];
    int rc = users_feed_apply(m.root, cursor, 0, why, sizeof why);
    tp_msg_free(&m);
    return rc;
}

/* Remembers user id as of change number seq (a users_get reply). */
static void learn(int64_t id, int64_t seq)
{
    put_users_as_of(&id, 1, NULL, NULL, seq);
}

static bool remembered(int64_t id)
{
    int64_t missing[1];
    users_known *known;
    bool yes = users_cache_split(&id, 1, missing, &known) == 0;
    users_known_free(known);
    return yes;
}

static void the_first_answer_says_where_the_numbers_are_and_forgets_all(void)
{
    users_cache_start(60000);
    learn(3, 0); /* learnt before the feed's first answer */
    int64_t cursor = -1;
    CHECK(apply(NULL, NULL, 0, 40, &cursor) == 0);
    CHECK(cursor == 40);
    CHECK(!remembered(3));
    users_cache_stop();
}

static void changes_move_the_cursor_and_forget_their_users(void)
{
    users_cache_start(60000);
    int64_t cursor = -1;
    CHECK(apply(NULL, NULL, 0, 10, &cursor) == 0);
    learn(3, 10);
    learn(4, 10);
    int64_t ids[] = {4, 9}, seqs[] = {11, 13};
    CHECK(apply(ids, seqs, 2, 13, &cursor) == 0);
    CHECK(cursor == 13);
    CHECK(remembered(3) && !remembered(4));
    /* auth.db went back: last is below the cursor. */
    CHECK(apply(NULL, NULL, 0, 5, &cursor) == 0);
    CHECK(cursor == 5 && !remembered(3));
    users_cache_stop();
}

/* A change not after the cursor, or after last, is not an answer: nothing moves. */
static void an_answer_out_of_order_changes_nothing(void)
{
    users_cache_start(60000);
    int64_t cursor = -1;
    CHECK(apply(NULL, NULL, 0, 10, &cursor) == 0);
    learn(3, 10);
    int64_t ids[] = {3}, old[] = {10}, beyond[] = {12};
    CHECK(apply(ids, old, 1, 12, &cursor) == -1);
    CHECK(apply(ids, beyond, 1, 11, &cursor) == -1);
    CHECK(cursor == 10 && remembered(3));
    tp_msg m;
    reply_of(&m, ids, beyond, 1, 12);
    const msgpack_object *seq = &m.root->via.map.ptr[1].val.via.array.ptr[0].via.map.ptr[2].val;
    ((msgpack_object *)seq)->type = MSGPACK_OBJECT_STR; /* the shape is checked too */
    char why[200];
    CHECK(users_feed_apply(m.root, &cursor, 0, why, sizeof why) == -1);
    CHECK(strstr(why, "seq") != NULL);
    tp_msg_free(&m);
    CHECK(cursor == 10 && remembered(3));
    users_cache_stop();
}

/* svc-auth refusing the question (an older one, which allowed svc-talks only) is no answer. */
static void a_refusal_changes_nothing(void)
{
    users_cache_start(60000);
    int64_t cursor = -1;
    CHECK(apply(NULL, NULL, 0, 10, &cursor) == 0);
    learn(3, 10);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", false);
    tp_w_kstr(&w, "err", "forbidden");
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    char why[200];
    CHECK(users_feed_apply(m.root, &cursor, 0, why, sizeof why) == -1);
    CHECK_STR_EQ(why, "svc-auth refused: forbidden");
    CHECK(cursor == 10 && remembered(3));
    tp_msg_free(&m);
    tp_w_free(&w);
    users_cache_stop();
}

/* A full answer: more changes wait, and it is not yet an answer that leaves nothing unknown. */
static void a_full_answer_asks_for_more(void)
{
    users_cache_start(60000);
    int64_t cursor = -1;
    CHECK(apply(NULL, NULL, 0, 0, &cursor) == 0);
    static int64_t ids[TP_NAMES_AFTER_MAX], seqs[TP_NAMES_AFTER_MAX];
    for (int i = 0; i < TP_NAMES_AFTER_MAX; i++) ids[i] = seqs[i] = i + 1;
    CHECK(apply(ids, seqs, TP_NAMES_AFTER_MAX, TP_NAMES_AFTER_MAX + 7, &cursor) == 1);
    CHECK(cursor == TP_NAMES_AFTER_MAX);
    users_cache_stop();
}

static const check_case cases[] = {
    CASE(the_first_answer_says_where_the_numbers_are_and_forgets_all),
    CASE(changes_move_the_cursor_and_forget_their_users),
    CASE(an_answer_out_of_order_changes_nothing),
    CASE(a_refusal_changes_nothing),
    CASE(a_full_answer_asks_for_more),
};

CHECK_MAIN("users_feed", cases)
