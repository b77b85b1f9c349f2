/* users_cache: accounts remembered for pages (see users_cache.h). */
#include "users_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tp_clock.h"
#include "tp_fmt.h"

typedef struct slot {
    int64_t id; /* 0: empty */
    int64_t made_ms;
    uint64_t generation;
    uint64_t split; /* the last split that took it: an id asked twice is taken once */
    bool followed;  /* learnt as of a change number the feed had reached: kept while it runs */
    tp_buf user;    /* the user map's msgpack bytes */
    char username[USERS_CACHE_USERNAME_MAX + 1]; /* its username ("": none to look up by) */
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
/* The id last learnt under each username's hash (0: none), for auth.user_get's lookups. */
static int64_t named[USERS_CACHE_SLOTS];
static size_t cached_bytes;
static size_t hand; /* the next slot to empty when an account needs room */
static uint64_t generation = 1;
static uint64_t splits;
/* The change number up to which the feed's changes are applied here (-1: none yet). */
static int64_t applied_seq = -1;

/* What the feed's thread told and the loop has not applied yet (users_cache_changed). */
static pthread_mutex_t changes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int64_t *ids;
    size_t n, cap;
    bool forget_all;
    int64_t seq;
} changes = {.seq = -1};
static atomic_bool changes_waiting;
/* When the question was sent whose answer, applied, leaves nothing unknown (-1: never): a change
 * committed before it is known here. */
static _Atomic int64_t followed_ms = -1;

void users_cache_start(long ttl)
{
    ttl_ms = ttl;
}

static void drop(slot *s)
{
    cached_bytes -= s->user.len;
    tp_buf_free(&s->user);
    s->id = 0;
    s->username[0] = '\0';
}

/* Where a username's id is noted in named (FNV-1a). */
static size_t name_slot(tp_str username)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < username.n; i++) h = (h ^ (unsigned char)username.p[i]) * 1099511628211u;
    return h % USERS_CACHE_SLOTS;
}

void users_cache_stop(void)
{
    for (size_t i = 0; i < USERS_CACHE_SLOTS; i++) drop(&slots[i]);
    memset(named, 0, sizeof named);
    pthread_mutex_lock(&changes_lock);
    free(changes.ids);
    changes.ids = NULL;
    changes.n = changes.cap = 0;
    changes.forget_all = false;
    changes.seq = -1;
    pthread_mutex_unlock(&changes_lock);
    atomic_store(&changes_waiting, false);
    atomic_store(&followed_ms, -1);
    applied_seq = -1;
}

void users_cache_forget(void)
{
    generation++;
}

void users_cache_changed(const int64_t *ids, size_t n, int64_t seq, bool forget_all,
                         int64_t sent_ms)
{
    pthread_mutex_lock(&changes_lock);
    if (changes.n + n > USERS_CACHE_SLOTS) {
        /* More changes than the cache has room for (an import while no page was asked for):
         * forgetting everything costs less than holding them. */
        forget_all = true;
        changes.n = n = 0;
    }
    if (changes.n + n > changes.cap) {
        changes.cap = (changes.n + n) * 2;
        changes.ids = tp_xrealloc(changes.ids, changes.cap * sizeof *changes.ids);
    }
    if (n) memcpy(changes.ids + changes.n, ids, n * sizeof *ids);
    changes.n += n;
    changes.forget_all |= forget_all;
    changes.seq = seq;
    pthread_mutex_unlock(&changes_lock);
    atomic_store(&changes_waiting, true);
    /* After the changes: a loop that sees this time applies them first (users_cache_split). */
    if (sent_ms >= 0) atomic_store(&followed_ms, sent_ms);
}

/* The feed's changes, on the loop: the accounts it names go, and everything on forget_all. */
static void apply_changes(void)
{
    if (!atomic_exchange(&changes_waiting, false)) return;
    pthread_mutex_lock(&changes_lock);
    if (changes.forget_all) generation++;
    for (size_t i = 0; i < changes.n; i++) {
        slot *s = &slots[(uint64_t)changes.ids[i] % USERS_CACHE_SLOTS];
        if (changes.ids[i] > 0 && s->id == changes.ids[i]) drop(s);
    }
    applied_seq = changes.seq;
    changes.n = 0;
    changes.forget_all = false;
    pthread_mutex_unlock(&changes_lock);
}

/* Remembered as fresh: within the lifetime of when it was learnt, or, when learnt as of a change
 * number the feed had reached, for as long as the feed's last answer is that recent. */
static slot *fresh(int64_t id, int64_t now, int64_t followed)
{
    if (id <= 0) return NULL;
    slot *s = &slots[(uint64_t)id % USERS_CACHE_SLOTS];
    if (s->id != id || s->generation != generation) return NULL;
    return now - s->made_ms < ttl_ms || (s->followed && followed >= 0 && now - followed < ttl_ms)
               ? s
               : NULL;
}

size_t users_cache_split(const int64_t *ids, size_t n, int64_t *missing, users_known **known)
{
    *known = NULL;
    if (ttl_ms <= 0) {
        if (n) memcpy(missing, ids, n * sizeof *ids);
        return n;
    }
    int64_t followed = atomic_load(&followed_ms);
    apply_changes();
    int64_t now = tp_clock_ms();
    uint64_t split = ++splits;
    size_t nmissing = 0;
    users_known *k = NULL;
    for (size_t i = 0; i < n; i++) {
        slot *s = fresh(ids[i], now, followed);
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

/* As of a change number the feed has reached, every later change of a reply's accounts is one it
 * will tell; as of an older one, a change it told already may not be in them. */
static bool followed_as_of(const msgpack_object *reply)
{
    int64_t as_of = -1;
    return tp_opt_int(reply, "seq", 0, INT64_MAX, -1, &as_of) == 0 && as_of >= 0 &&
           applied_seq >= 0 && as_of >= applied_seq;
}

/* Remembers account id, user (its map), making room past the budget. */
static void remember(int64_t id, const msgpack_object *user, bool followed, int64_t now)
{
    slot *s = &slots[(uint64_t)id % USERS_CACHE_SLOTS];
    tp_w w;
    tp_w_init(&w);
    tp_w_object(&w, user);
    drop(s);
    if (w.buf.len > USERS_CACHE_BUDGET) {
        tp_w_free(&w);
        return;
    }
    while (cached_bytes + w.buf.len > USERS_CACHE_BUDGET) { /* room, in slot order */
        drop(&slots[hand]);
        hand = (hand + 1) % USERS_CACHE_SLOTS;
    }
    s->id = id;
    s->made_ms = now;
    s->generation = generation;
    s->followed = followed;
    s->user = w.buf; /* the writer's bytes are the slot's now */
    cached_bytes += s->user.len;
    tp_str username;
    if (tp_get_str(user, "username", USERS_CACHE_USERNAME_MAX, &username) == 0 && username.n) {
        memcpy(s->username, username.p, username.n);
        s->username[username.n] = '\0';
        named[name_slot(username)] = id;
    }
}

void users_cache_put(const msgpack_object *reply)
{
    const msgpack_object *users = tp_map_get(reply, "users");
    if (ttl_ms <= 0 || !users || users->type != MSGPACK_OBJECT_MAP) return;
    apply_changes();
    bool followed = followed_as_of(reply);
    int64_t now = tp_clock_ms();
    for (uint32_t i = 0; i < users->via.map.size; i++) {
        const msgpack_object_kv *kv = &users->via.map.ptr[i];
        int64_t id = 0;
        char key[TP_FMT_INT_SIZE];
        /* Pages look a user up by the key: remembered only where key and id agree. */
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->val.type == MSGPACK_OBJECT_MAP &&
            tp_get_int(&kv->val, "id", 1, INT64_MAX, &id) == 0 &&
            kv->key.via.str.size == tp_fmt_i64(key, id) &&
            memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size) == 0)
            remember(id, &kv->val, followed, now);
    }
}

void users_cache_put_named(const msgpack_object *reply)
{
    const msgpack_object *user = tp_map_get(reply, "user");
    int64_t id = 0;
    if (ttl_ms <= 0 || !user || user->type != MSGPACK_OBJECT_MAP ||
        tp_get_int(user, "id", 1, INT64_MAX, &id) != 0)
        return;
    apply_changes();
    remember(id, user, followed_as_of(reply), tp_clock_ms());
}

bool users_cache_user_named(tp_str username, tp_w *reply)
{
    if (ttl_ms <= 0 || username.n == 0 || username.n > USERS_CACHE_USERNAME_MAX) return false;
    int64_t followed = atomic_load(&followed_ms);
    apply_changes();
    const slot *s = fresh(named[name_slot(username)], tp_clock_ms(), followed);
    /* The same bytes svc-auth would look up by (a name of another case is asked of it). */
    if (!s || strlen(s->username) != username.n || memcmp(s->username, username.p, username.n))
        return false;
    tp_w_map_begin(reply);
    tp_w_kbool(reply, "ok", true);
    tp_w_key(reply, "user");
    tp_w_encoded(reply, s->user.data, s->user.len);
    tp_w_map_end(reply);
    return true;
}
