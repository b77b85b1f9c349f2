/* users_cache: accounts remembered for pages (see users_cache.h). */
#include "users_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tp_fmt.h"

typedef struct slot {
    int64_t id; /* 0: empty */
    int64_t made_ms;
    uint64_t generation;
    tp_buf user; /* the user map's msgpack bytes */
} slot;

static long ttl_ms;
static slot slots[USERS_CACHE_SLOTS];
static size_t cached_bytes;
static uint64_t generation = 1;

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void users_cache_start(long ttl)
{
    ttl_ms = ttl;
}

void users_cache_stop(void)
{
    for (size_t i = 0; i < USERS_CACHE_SLOTS; i++) {
        tp_buf_free(&slots[i].user);
        slots[i].id = 0;
    }
    cached_bytes = 0;
}

void users_cache_forget(void)
{
    generation++;
}

static slot *fresh(int64_t id, int64_t now)
{
    if (id <= 0) return NULL;
    slot *s = &slots[(uint64_t)id % USERS_CACHE_SLOTS];
    return s->id == id && s->generation == generation && now - s->made_ms < ttl_ms ? s : NULL;
}

bool users_cache_answer(const int64_t *ids, size_t n, tp_w *reply)
{
    if (ttl_ms <= 0) return false;
    int64_t now = now_ms();
    for (size_t i = 0; i < n; i++)
        if (!fresh(ids[i], now)) return false;
    tp_w_map_begin(reply);
    tp_w_kbool(reply, "ok", true);
    tp_w_key(reply, "users");
    tp_w_map_begin(reply);
    for (size_t i = 0; i < n; i++) {
        /* An id asked twice is one key, as svc-auth answers it. */
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = ids[j] == ids[i];
        if (seen) continue;
        char key[TP_FMT_INT_SIZE];
        tp_fmt_i64(key, ids[i]);
        tp_w_key(reply, key);
        const slot *s = fresh(ids[i], now);
        tp_w_encoded(reply, s->user.data, s->user.len);
    }
    tp_w_map_end(reply);
    tp_w_map_end(reply);
    return true;
}

void users_cache_put(const msgpack_object *reply)
{
    const msgpack_object *users = tp_map_get(reply, "users");
    if (ttl_ms <= 0 || !users || users->type != MSGPACK_OBJECT_MAP) return;
    int64_t now = now_ms();
    for (uint32_t i = 0; i < users->via.map.size; i++) {
        const msgpack_object_kv *kv = &users->via.map.ptr[i];
        int64_t id = 0;
        char key[TP_FMT_INT_SIZE];
        /* Pages look a user up by the key: remembered only where key and id agree. */
        if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_MAP ||
            tp_get_int(&kv->val, "id", 1, INT64_MAX, &id) != 0 ||
            kv->key.via.str.size != tp_fmt_i64(key, id) ||
            memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size) != 0)
            continue;
        slot *s = &slots[(uint64_t)id % USERS_CACHE_SLOTS];
        tp_w w;
        tp_w_init(&w);
        tp_w_object(&w, &kv->val);
        cached_bytes -= s->user.len;
        tp_buf_free(&s->user);
        s->id = 0;
        if (cached_bytes + w.buf.len > USERS_CACHE_BUDGET) {
            tp_w_free(&w);
            continue;
        }
        s->id = id;
        s->made_ms = now;
        s->generation = generation;
        s->user = w.buf; /* the writer's bytes are the slot's now */
        cached_bytes += s->user.len;
    }
}
