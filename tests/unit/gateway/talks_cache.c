/* Unit tests for gateway/talks_cache.c and talks_feed.c: which talks.get calls the gateway
 * answers itself, with what, and for how long, as svc-talks' state numbers say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "../../../gateway/talks_cache.h"
#include "../../../gateway/talks_feed.h"
#include "lifetime.h"
#include "tp_metrics.h"

#define STATE 4242

/* A talks.get reply for talk id read in state (-1: a reply without one, from an older
 * svc-talks), its description desc_len bytes long. */
static void reply_of(tp_w *w, int64_t id, int64_t state, size_t desc_len)
{
    char *desc = malloc(desc_len + 1);
    memset(desc, 'd', desc_len);
    desc[desc_len] = '\0';
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kbool(w, "ok", true);
    tp_w_key(w, "talk");
    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kstr(w, "title", "Parsing with care");
    tp_w_kstr(w, "description", desc);
    tp_w_map_end(w);
    if (state >= 0) tp_w_kint(w, "state", state);
    tp_w_map_end(w);
    free(desc);
}

static void put_sized(int64_t id, int64_t state, size_t desc_len, uint64_t asked_ns)
{
    tp_w w;
    tp_msg m;
    reply_of(&w, id, state, desc_len);
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    talks_cache_put(m.root, asked_ns);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static void put(int64_t id, int64_t state)
{
    put_sized(id, state, 10, tp_metrics_now_ns());
}

static bool answered(int64_t id)
{
    tp_buf b = TP_BUF_INIT;
    bool hit = talks_cache_get(id, &b);
    tp_buf_free(&b);
    return hit;
}

static void fresh_cache(long ttl_ms)
{
    talks_cache_stop();
    talks_cache_start(ttl_ms);
}

static void a_talk_is_answered_with_the_reply_svc_talks_sent(void)
{
    fresh_cache(60000);
    put(3, STATE);
    tp_buf got = TP_BUF_INIT;
    CHECK(talks_cache_get(3, &got));
    tp_w want;
    reply_of(&want, 3, STATE, 10);
    tp_msg a, b;
    CHECK(tp_msg_parse(&a, got.data, got.len) == 0);
    CHECK(tp_msg_parse(&b, want.buf.data, want.buf.len) == 0);
    CHECK(msgpack_object_equal(*a.root, *b.root));
    tp_msg_free(&a);
    tp_msg_free(&b);
    tp_w_free(&want);
    tp_buf_free(&got);
    CHECK(!answered(4));
    CHECK(!answered(0));
    talks_cache_stop();
}

static void nothing_is_remembered_when_disabled(void)
{
    fresh_cache(0);
    put(3, STATE);
    CHECK(!answered(3));
    talks_cache_stop();
}

static void a_talk_is_forgotten_after_the_lifetime(void)
{
    fresh_cache(20);
    put(3, STATE);
    CHECK(answered(3));
    wait_ms(25);
    CHECK(!answered(3));
    talks_cache_stop();
}

/* The feed said the state the talk was read in: kept past the lifetime for as long as it keeps
 * saying so, and no longer. */
static void a_talk_outlives_the_lifetime_while_the_feed_says_its_state(void)
{
    fresh_cache(20);
    put(3, STATE);
    for (int i = 0; i < 3; i++) {
        wait_ms(15);
        talks_cache_state(STATE, clock_ms());
        CHECK(answered(3));
    }
    wait_ms(25); /* the feed stopped answering: the lifetime again */
    CHECK(!answered(3));
    talks_cache_stop();
}

/* A new state (a talk changed, which one is not said) ends that for every talk, and a talk read
 * without a state (an older svc-talks) is never kept past the lifetime. */
static void a_new_state_ends_it_for_every_talk(void)
{
    fresh_cache(20);
    put(3, STATE);
    put(4, STATE);
    put(5, -1);
    wait_ms(25);
    talks_cache_state(STATE, clock_ms());
    CHECK(answered(3) && answered(4));
    CHECK(!answered(5));
    talks_cache_state(STATE + 1, clock_ms());
    CHECK(!answered(3) && !answered(4));
    talks_cache_stop();
}

/* A change through this gateway: every talk goes, and a reply to a talks.get asked before it (on
 * its way back as the change was made) is not learnt from. */
static void forgetting_drops_every_talk_and_replies_asked_before(void)
{
    fresh_cache(60000);
    uint64_t asked = tp_metrics_now_ns();
    put(3, STATE);
    put(4, STATE);
    talks_cache_forget();
    CHECK(!answered(3) && !answered(4));
    put_sized(3, STATE, 10, asked);
    CHECK(!answered(3));
    put(3, STATE + 1);
    CHECK(answered(3));
    talks_cache_stop();
}

static void ids_sharing_a_slot_never_answer_for_each_other(void)
{
    fresh_cache(60000);
    put(3, STATE);
    put(3 + TALKS_CACHE_SLOTS, STATE);
    CHECK(!answered(3));
    CHECK(answered(3 + TALKS_CACHE_SLOTS));
    talks_cache_stop();
}

/* Past the budget, slots are emptied in turn to make room: the talks read last are remembered,
 * the first placed go, and no more than the budget is held. */
static void a_full_cache_makes_room_for_the_talks_read_now(void)
{
    fresh_cache(60000);
    size_t big = 60000;
    int64_t fit = TALKS_CACHE_BUDGET / (big + 100), held = 0;
    for (int64_t id = 1; id <= fit + 2; id++) put_sized(id, STATE, big, tp_metrics_now_ns());
    CHECK(answered(fit + 2) && answered(fit + 1) && answered(fit - 1));
    CHECK(!answered(1) && !answered(2));
    for (int64_t id = 1; id <= fit + 2; id++) held += answered(id);
    CHECK(held <= fit);
    talks_cache_stop();
}

static int apply(const char *key, int64_t state, bool ok)
{
    tp_w w;
    tp_msg m;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", ok);
    if (!ok) tp_w_kstr(&w, "err", "internal");
    tp_w_kint(&w, key, state);
    tp_w_map_end(&w);
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    char why[200];
    int64_t said = -1;
    int rc = talks_feed_apply(m.root, clock_ms(), &said, why, sizeof why);
    CHECK(rc != 0 || said == state);
    tp_msg_free(&m);
    tp_w_free(&w);
    return rc;
}

/* talks.state's answer is the feed's word; a refusal, or a reply out of shape, changes nothing. */
static void the_feed_hands_the_answered_state_to_the_cache(void)
{
    fresh_cache(20);
    put(3, STATE);
    wait_ms(25);
    CHECK(apply("state", STATE + 1, true) == 0);
    CHECK(!answered(3));
    CHECK(apply("state", STATE, false) == -1);
    CHECK(apply("state", -5, true) == -1);
    CHECK(apply("stat", STATE, true) == -1);
    CHECK(!answered(3));
    CHECK(apply("state", STATE, true) == 0);
    CHECK(answered(3));
    talks_cache_stop();
}

/* A talks.list reply that says it is page `page` of author_id's talks (0: everyone's), per_page
 * a page, read in state (-1: a reply that says none of these, from an older svc-talks). */
static void put_list(int64_t author_id, int64_t page, int64_t per_page, int64_t state,
                     uint64_t asked_ns)
{
    tp_w w;
    tp_msg m;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", true);
    tp_w_key(&w, "talks");
    tp_w_array_begin(&w);
    tp_w_array_end(&w);
    tp_w_kint(&w, "page", page);
    tp_w_kint(&w, "pages", 40);
    tp_w_kint(&w, "total", 400);
    if (state >= 0) {
        tp_w_kint(&w, "author_id", author_id);
        tp_w_kint(&w, "per_page", per_page);
        tp_w_kint(&w, "state", state);
    }
    tp_w_map_end(&w);
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    talks_cache_list_put(m.root, asked_ns);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static bool list_answered(int64_t author_id, int64_t page, int64_t per_page)
{
    tp_buf b = TP_BUF_INIT;
    bool hit = talks_cache_list_get(author_id, page, per_page, &b);
    tp_buf_free(&b);
    return hit;
}

/* A page of a list answers for exactly the list, page and page size it said it was. */
static void a_list_page_answers_for_the_page_it_said_it_was(void)
{
    fresh_cache(60000);
    put_list(0, 2, 50, STATE, tp_metrics_now_ns());
    put_list(7, 1, 10, STATE, tp_metrics_now_ns());
    CHECK(list_answered(0, 2, 50) && list_answered(7, 1, 10));
    CHECK(!list_answered(0, 1, 50) && !list_answered(0, 2, 10) && !list_answered(7, 2, 50));
    CHECK(!list_answered(8, 1, 10) && !list_answered(7, 1, 50) && !list_answered(0, 0, 50));
    put_list(0, 3, 50, -1, tp_metrics_now_ns()); /* an older svc-talks: not remembered */
    CHECK(!list_answered(0, 3, 50));
    talks_cache_stop();
}

/* Lists follow the feed's state as talks do, and a change through this gateway forgets them with
 * the talks; a list asked before that is not learnt from. */
static void lists_follow_the_state_and_are_forgotten_with_the_talks(void)
{
    fresh_cache(20);
    uint64_t asked = tp_metrics_now_ns();
    put_list(0, 1, 50, STATE, asked);
    put(3, STATE);
    wait_ms(25);
    CHECK(!list_answered(0, 1, 50)); /* past the lifetime, no word from the feed */
    talks_cache_state(STATE, clock_ms());
    CHECK(list_answered(0, 1, 50) && answered(3));
    talks_cache_state(STATE + 1, clock_ms());
    CHECK(!list_answered(0, 1, 50) && !answered(3));
    put_list(0, 1, 50, STATE + 1, tp_metrics_now_ns());
    CHECK(list_answered(0, 1, 50));
    talks_cache_forget();
    CHECK(!list_answered(0, 1, 50));
    put_list(0, 1, 50, STATE + 1, asked);
    CHECK(!list_answered(0, 1, 50));
    talks_cache_stop();
}

static const check_case cases[] = {
    CASE(a_talk_is_answered_with_the_reply_svc_talks_sent),
    CASE(nothing_is_remembered_when_disabled),
    CASE(a_talk_is_forgotten_after_the_lifetime),
    CASE(a_talk_outlives_the_lifetime_while_the_feed_says_its_state),
    CASE(a_new_state_ends_it_for_every_talk),
    CASE(forgetting_drops_every_talk_and_replies_asked_before),
    CASE(ids_sharing_a_slot_never_answer_for_each_other),
    CASE(a_full_cache_makes_room_for_the_talks_read_now),
    CASE(the_feed_hands_the_answered_state_to_the_cache),
    CASE(a_list_page_answers_for_the_page_it_said_it_was),
    CASE(lists_follow_the_state_and_are_forgotten_with_the_talks),
};

CHECK_MAIN("talks_cache", cases)
