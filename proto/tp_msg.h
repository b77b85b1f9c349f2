/* tp_msg: every message on the bus is one msgpack map. This file builds them (tp_w, a writer
 * that counts map and array entries itself) and reads them (tp_msg, with typed getters that
 * validate while reading: a wrong type, a missing field, an over-long string or invalid UTF-8
 * is a clean error, never a crash).
 *
 * Design notes: a parsed message owns a copy of its bytes and an arena of its values
 * (tp_decode.h); every msgpack_object and tp_str taken from it points into them and dies with
 * tp_msg_free() (a tp_msg may be moved: nothing points into the struct itself). Strings are
 * not NUL-terminated. */
#ifndef TP_MSG_H
#define TP_MSG_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tp_arena.h"
#include "tp_buf.h"

/* The largest message any process accepts (also set as NNG_OPT_RECVMAXSZ on every socket). */
#define TP_MSG_MAX (2u * 1024 * 1024)
/* Deepest nesting a message may have; msgpack-c itself gives up at 32. */
#define TP_MSG_MAX_DEPTH 24

typedef struct tp_str {
    const char *p;
    size_t n;
} tp_str;

/* A msgpack packer that appends to a tp_buf. */
void tp_packer_init(msgpack_packer *pk, tp_buf *b);

/* ---- writing ---- */
#define TP_W_MAX_DEPTH 16
typedef struct tp_w {
    tp_buf buf;
    msgpack_packer pk;
    int depth;
    size_t header_at[TP_W_MAX_DEPTH]; /* offset of each open container's 32-bit count */
    uint32_t count[TP_W_MAX_DEPTH];
    bool is_map[TP_W_MAX_DEPTH];
    struct tp_w_tree *tree; /* tp_w_init_tree: values, not bytes (tp_w_tree.h) */
} tp_w;

void tp_w_init(tp_w *w);
/* A writer that builds msgpack_object values instead of bytes, for a reader in the same process
 * (the gateway's pages): buf stays empty, tp_w_object references its value and every tp_w_key*
 * its key instead of copying them (so they must outlive the writer: keys are literals, or a
 * reply's, which the request keeps), and tp_w_encoded may not be used. */
void tp_w_init_tree(tp_w *w);
/* A tree writer's value once its containers are closed (it lives until tp_w_free); else NULL. */
const msgpack_object *tp_w_root(const tp_w *w);
void tp_w_free(tp_w *w);
void tp_w_map_begin(tp_w *w);
void tp_w_map_end(tp_w *w);
void tp_w_array_begin(tp_w *w);
void tp_w_array_end(tp_w *w);
void tp_w_key(tp_w *w, const char *key); /* in a map: the next value belongs to this key */
void tp_w_keyn(tp_w *w, const char *key, size_t n);
void tp_w_str(tp_w *w, const char *s); /* NULL writes nil */
void tp_w_strn(tp_w *w, const char *s, size_t n);
void tp_w_int(tp_w *w, int64_t v);
void tp_w_double(tp_w *w, double v);
void tp_w_bool(tp_w *w, bool v);
void tp_w_nil(tp_w *w);
void tp_w_bin(tp_w *w, const void *p, size_t n);
void tp_w_object(tp_w *w, const msgpack_object *o);  /* copies a parsed value (a tree: see above) */
void tp_w_encoded(tp_w *w, const void *p, size_t n); /* one value, already msgpack; not a tree */
/* key + value in one call */
void tp_w_kstr(tp_w *w, const char *key, const char *s);
void tp_w_kstrn(tp_w *w, const char *key, const char *s, size_t n);
void tp_w_kint(tp_w *w, const char *key, int64_t v);
void tp_w_kbool(tp_w *w, const char *key, bool v);
void tp_w_kobject(tp_w *w, const char *key, const msgpack_object *o); /* NULL writes nil */

/* ---- reading ---- */
typedef struct tp_msg {
    tp_arena arena;             /* the message's values (tp_decode.h) */
    char *bytes;                /* our copy of the encoding: its strings point into it */
    const msgpack_object *root; /* a map after tp_msg_parse, an array after tp_msg_parse_array */
} tp_msg;

/* 0 when data is exactly one msgpack map no larger than TP_MSG_MAX and no deeper than
 * TP_MSG_MAX_DEPTH, whose keys are all strings; -1 otherwise (m is then already freed). */
int tp_msg_parse(tp_msg *m, const void *data, size_t len);
/* The same for a message that is one msgpack array (a batch of events, see tp_events.h). */
int tp_msg_parse_array(tp_msg *m, const void *data, size_t len);
void tp_msg_free(tp_msg *m);

/* Whether the n bytes at a and b are equal, compared inline in at most two loads of each: map
 * lookups compare a short key with many, and a call to memcmp for each was a twentieth of a list
 * page's work, a byte-by-byte loop still a tenth of the gateway's checks and lookups. The loads
 * overlap rather than read past n (keys sit at the end of a message's buffer). */
static inline uint64_t tp_load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline uint32_t tp_load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline bool tp_short_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        if (n > 16) return memcmp(a, b, n) == 0;
        return tp_load64(a) == tp_load64(b) && tp_load64(a + n - 8) == tp_load64(b + n - 8);
    }
    if (n >= 4) return tp_load32(a) == tp_load32(b) && tp_load32(a + n - 4) == tp_load32(b + n - 4);
    /* 0 to 3 bytes: the first, the middle and the last cover them all */
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* Whether k is the string of the n bytes at key. */
static inline bool tp_key_is(const msgpack_object *k, const char *key, size_t n)
{
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           tp_short_eq(k->via.str.ptr, key, n);
}

/* The value under key in a map, or NULL (also when map is not a map). */
const msgpack_object *tp_map_get(const msgpack_object *map, const char *key);
/* The same for a key of n bytes, looking at entry *next first and then on round the map, and
 * setting *next to the entry after the one found: a reader that takes a map's fields in the order
 * they were written finds each at the first comparison. The match is the first one only in a map
 * whose keys are unique (a checked reply's declared fields are: gateway/reply.c). */
const msgpack_object *tp_map_get_next(const msgpack_object *map, const char *key, size_t n,
                                      uint32_t *next);

/* Typed getters. Each returns 0 on success and -1 when the key is missing or the value has the
 * wrong type or range; strings must be valid UTF-8 with no NUL byte and at most maxlen bytes. */
int tp_get_str(const msgpack_object *map, const char *key, size_t maxlen, tp_str *out);
int tp_get_int(const msgpack_object *map, const char *key, int64_t min, int64_t max, int64_t *out);
int tp_get_bool(const msgpack_object *map, const char *key, bool *out);
/* Optional forms: a missing key or nil gives the default and 0; a present, bad value gives -1. */
int tp_opt_str(const msgpack_object *map, const char *key, size_t maxlen, tp_str *out);
int tp_opt_int(const msgpack_object *map, const char *key, int64_t min, int64_t max, int64_t dflt,
               int64_t *out);
int tp_opt_bool(const msgpack_object *map, const char *key, bool dflt, bool *out);

/* The typed getters' checks, on a value already found (NULL is missing: -1). */
int tp_str_of(const msgpack_object *o, size_t maxlen, tp_str *out);
int tp_int_of(const msgpack_object *o, int64_t min, int64_t max, int64_t *out);
int tp_bool_of(const msgpack_object *o, bool *out);

bool tp_str_eq(tp_str s, const char *lit);
char *tp_str_dup(tp_str s); /* malloc'd, NUL-terminated; caller frees */
bool tp_obj_is_str(const msgpack_object *o, const char *lit);

#endif
