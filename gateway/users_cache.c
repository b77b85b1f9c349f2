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
    uint64_t split; /* the last split that took it: an id asked twice is taken once */
    tp_buf user;    /* the user map's msgpack bytes */
} slot;

struct users_known {
    size_t n;
    tp_buf bytes; /* the users' maps, one after the other */
    struct {
        int64_t id;
        size_t len;
    } at[]; /* room for the split's ids */
};

static long ttl_ms;
static slot slots[USERS_CACHE_SLOTS];
static size_t cached_bytes;
static uint64_t generation = 1;
static uint64_t splits;

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

size_t users_cache_split(const int64_t *ids, size_t n, int64_t *missing, users_known **known)
{
    *known = NULL;
    if (ttl_ms <= 0) {
        if (n) memcpy(missing, ids, n * sizeof *ids);
        return n;
    }
    int64_t now = now_ms();
    uint64_t split = ++splits;
    size_t nmissing = 0;
    users_known *k = NULL;
    for (size_t i = 0; i < n; i++) {
        slot *s = fresh(ids[i], now);
        if (!s) {
            missing[nmissing++] = ids[i];
            continue;
        }
        if (s->split == split) continue; /* asked twice: one key, as svc-auth answers it */
        s->split = split;
        if (!k) k = tp_xcalloc(1, sizeof *k + n * sizeof k->at[0]);
        k->at[k->n].id = s->id;
        k->at[k->n++].len = s->user.len;
        tp_buf_append(&k->bytes, s->user.data, s->user.len);
    }
    *known = k;
    return nmissing;
}

void users_cache_reply(tp_w *reply, const msgpack_object *fresh, const users_known *known)
{
    tp_w_map_begin(reply);
    tp_w_kbool(reply, "ok", true);
    tp_w_key(reply, "users");
    tp_w_map_begin(reply);
    for (uint32_t i = 0; fresh && i < fresh->via.map.size; i++) {
        const msgpack_object_kv *kv = &fresh->via.map.ptr[i];
        tp_w_keyn(reply, kv->key.via.str.ptr, kv->key.via.str.size);
        tp_w_object(reply, &kv->val);
    }
    const char *at = known ? known->bytes.data : NULL;
    for (size_t i = 0; known && i < known->n; i++) {
        char key[TP_FMT_INT_SIZE];
        tp_fmt_i64(key, known->at[i].id);
        tp_w_key(reply, key);
        tp_w_encoded(reply, at, known->at[i].len);
        at += known->at[i].len;
    }
    tp_w_map_end(reply);
    tp_w_map_end(reply);
}

void users_known_free(users_known *known)
{
    if (!known) return;
    tp_buf_free(&known->bytes);
    free(known);
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
