/* talks_cache: talks remembered for talk pages (see talks_cache.h). */
#include "talks_cache.h"

#include <pthread.h>
#include <stdlib.h>

#include "tp_clock.h"
#include "tp_metrics.h"

typedef struct slot {
    int64_t id; /* 0: empty */
    int64_t made_ms;
    int64_t state; /* of talks.db when it was read; -1: unknown */
    uint64_t generation;
    tp_buf reply; /* talks.get's reply, msgpack */
} slot;

static long ttl_ms;
static slot slots[TALKS_CACHE_SLOTS];
static size_t cached_bytes;
static uint64_t generation = 1;
static uint64_t forgotten_ns; /* a reply to a talks.get asked before this is not learnt from */

/* The feed's last answer (talks_cache_state): written on its thread, read on the loop. */
static pthread_mutex_t feed_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t feed_state = -1, feed_sent_ms = -1;

void talks_cache_start(long ttl)
{
    ttl_ms = ttl;
}

static void drop(slot *s)
{
    cached_bytes -= s->reply.len;
    tp_buf_free(&s->reply);
    s->id = 0;
}

void talks_cache_stop(void)
{
    for (size_t i = 0; i < TALKS_CACHE_SLOTS; i++) drop(&slots[i]);
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

bool talks_cache_get(int64_t id, tp_buf *out)
{
    if (ttl_ms <= 0 || id <= 0) return false;
    slot *s = &slots[(uint64_t)id % TALKS_CACHE_SLOTS];
    if (s->id != id || s->generation != generation) return false;
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

void talks_cache_put(const msgpack_object *reply, uint64_t asked_ns)
{
    int64_t id = 0, state = -1;
    if (ttl_ms <= 0 || asked_ns < forgotten_ns ||
        tp_get_int(tp_map_get(reply, "talk"), "id", 1, INT64_MAX, &id) != 0)
        return;
    tp_opt_int(reply, "state", 0, INT64_MAX, -1, &state); /* absent from an older svc-talks */
    slot *s = &slots[(uint64_t)id % TALKS_CACHE_SLOTS];
    tp_w w;
    tp_w_init(&w);
    tp_w_object(&w, reply);
    drop(s);
    if (cached_bytes + w.buf.len > TALKS_CACHE_BUDGET) {
        tp_w_free(&w);
        return;
    }
    *s = (slot){.id = id,
                .made_ms = tp_clock_ms(),
                .state = state,
                .generation = generation,
                .reply = w.buf}; /* the writer's bytes are the slot's now */
    cached_bytes += s->reply.len;
}
