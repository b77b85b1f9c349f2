/* talks_cache: talks and lists of talks remembered for pages (see talks_cache.h). */
#include "talks_cache.h"

#include <pthread.h>
#include <stdlib.h>

#include "tp_clock.h"
#include "tp_metrics.h"

/* What a reply answers: a talk (kind TALK, a = its id) or a page of a list (kind LIST, a = the
 * author's id or 0 for everyone's, b = the page, c = talks a page). */
enum { EMPTY, TALK, LIST };
typedef struct key {
    int kind;
    int64_t a, b, c;
} key;

typedef struct slot {
    key key;
    int64_t made_ms;
    int64_t state; /* of talks.db when it was read; -1: unknown */
    uint64_t generation;
    tp_buf reply; /* svc-talks' reply, msgpack */
} slot;

/* A direct-mapped table of replies, holding at most budget bytes of them; hand: the next slot to
 * empty when a reply needs room. */
typedef struct table {
    slot *slots;
    size_t nslots, budget, bytes, hand;
} table;

static slot talk_slots[TALKS_CACHE_SLOTS], list_slots[TALKS_CACHE_LIST_SLOTS];
static table talks = {talk_slots, TALKS_CACHE_SLOTS, TALKS_CACHE_BUDGET, 0, 0};
static table lists = {list_slots, TALKS_CACHE_LIST_SLOTS, TALKS_CACHE_LIST_BUDGET, 0, 0};

static long ttl_ms;
static uint64_t generation = 1;
static uint64_t forgotten_ns; /* a reply to a call asked before this is not learnt from */

/* The feed's last answer (talks_cache_state): written on its thread, read on the loop. */
static pthread_mutex_t feed_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t feed_state = -1, feed_sent_ms = -1;

void talks_cache_start(long ttl)
{
    ttl_ms = ttl;
}

static void drop(table *t, slot *s)
{
    t->bytes -= s->reply.len;
    tp_buf_free(&s->reply);
    s->key.kind = EMPTY;
}

static void drop_all(table *t)
{
    for (size_t i = 0; i < t->nslots; i++) drop(t, &t->slots[i]);
}

void talks_cache_stop(void)
{
    drop_all(&talks);
    drop_all(&lists);
    pthread_mutex_lock(&feed_lock);
    feed_state = feed_sent_ms = -1;
    pthread_mutex_unlock(&feed_lock);
}

void talks_cache_forget(void)
{
    generation++;
    forgotten_ns = tp_metrics_now_ns();
}

void talks_cache_state(int64_t state, int64_t sent_ms)
{
    pthread_mutex_lock(&feed_lock);
    feed_state = state;
    feed_sent_ms = sent_ms;
    pthread_mutex_unlock(&feed_lock);
}

static bool same_key(key x, key y)
{
    return x.kind == y.kind && x.a == y.a && x.b == y.b && x.c == y.c;
}

static slot *slot_of(const table *t, key k)
{
    uint64_t h = (uint64_t)k.a;
    if (k.kind == LIST) h = h * 1000003u ^ (uint64_t)k.b * 8191u ^ (uint64_t)k.c;
    return &t->slots[h % t->nslots];
}

/* The reply remembered for k, appended to out when it is fresh: within the lifetime of when it
 * was learnt, or past it while the feed's last answer is within the lifetime and says the state
 * it was read in. */
static bool get(const table *t, key k, tp_buf *out)
{
    if (ttl_ms <= 0) return false;
    const slot *s = slot_of(t, k);
    if (!same_key(s->key, k) || s->generation != generation) return false;
    int64_t now = tp_clock_ms();
    bool fresh = now - s->made_ms < ttl_ms;
    if (!fresh && s->state >= 0) {
        pthread_mutex_lock(&feed_lock);
        fresh = feed_state == s->state && now - feed_sent_ms < ttl_ms;
        pthread_mutex_unlock(&feed_lock);
    }
    if (!fresh) return false;
    tp_buf_append(out, s->reply.data, s->reply.len);
    return true;
}

static void put(table *t, key k, const msgpack_object *reply)
{
    int64_t state = -1;
    tp_opt_int(reply, "state", 0, INT64_MAX, -1, &state); /* absent from an older svc-talks */
    slot *s = slot_of(t, k);
    tp_w w;
    tp_w_init(&w);
    tp_w_object(&w, reply);
    drop(t, s);
    if (w.buf.len > t->budget) {
        tp_w_free(&w);
        return;
    }
    /* Room is made in slot order, round and round: a full table keeps taking what pages read now
     * (refusing them left it holding what was read first, long after, and a list whose slot
     * another took was never remembered again). */
    while (t->bytes + w.buf.len > t->budget) {
        drop(t, &t->slots[t->hand]);
        t->hand = (t->hand + 1) % t->nslots;
    }
    *s = (slot){.key = k,
                .made_ms = tp_clock_ms(),
                .state = state,
                .generation = generation,
                .reply = w.buf}; /* the writer's bytes are the slot's now */
    t->bytes += s->reply.len;
}

bool talks_cache_get(int64_t id, tp_buf *out)
{
    return id > 0 && get(&talks, (key){TALK, id, 0, 0}, out);
}

void talks_cache_put(const msgpack_object *reply, uint64_t asked_ns)
{
    int64_t id = 0;
    if (ttl_ms > 0 && asked_ns >= forgotten_ns &&
        tp_get_int(tp_map_get(reply, "talk"), "id", 1, INT64_MAX, &id) == 0)
        put(&talks, (key){TALK, id, 0, 0}, reply);
}

bool talks_cache_list_get(int64_t author_id, int64_t page, int64_t per_page, tp_buf *out)
{
    return author_id >= 0 && page > 0 && per_page > 0 &&
           get(&lists, (key){LIST, author_id, page, per_page}, out);
}

void talks_cache_list_put(const msgpack_object *reply, uint64_t asked_ns)
{
    int64_t author_id, page, per_page, state;
    /* Only a reply that says what it is a page of, and as of which state (an older svc-talks
     * says neither, and its lists are not remembered). */
    if (ttl_ms > 0 && asked_ns >= forgotten_ns &&
        tp_get_int(reply, "author_id", 0, INT64_MAX, &author_id) == 0 &&
        tp_get_int(reply, "page", 1, INT64_MAX, &page) == 0 &&
        tp_get_int(reply, "per_page", 1, INT64_MAX, &per_page) == 0 &&
        tp_get_int(reply, "state", 0, INT64_MAX, &state) == 0)
        put(&lists, (key){LIST, author_id, page, per_page}, reply);
}
