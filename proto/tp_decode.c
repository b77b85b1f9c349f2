/* tp_decode: msgpack into msgpack_object in one pass (see tp_decode.h). */
#include "tp_decode.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct reader {
    const unsigned char *p;
    size_t len, off;
    int max_depth;
    tp_arena *arena;
    /* Entries the open containers claimed and have not read yet. Each takes at least a byte, so
     * in a well-formed message they never outnumber the bytes left: held to that before anything
     * is allocated for a container, containers nested inside each other cannot claim, together,
     * more than the message holds (each fitting alone, they could add up to its length times its
     * depth). */
    size_t owed;
} reader;

/* The next n bytes, or NULL when fewer remain. */
static const unsigned char *take(reader *r, size_t n)
{
    if (r->len - r->off < n) return NULL;
    const unsigned char *at = r->p + r->off;
    r->off += n;
    return at;
}

/* A big-endian unsigned number of n bytes (1, 2, 4 or 8) into *v. */
static bool number(reader *r, size_t n, uint64_t *v)
{
    const unsigned char *at = take(r, n);
    if (!at) return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) *v = *v << 8 | at[i];
    return true;
}

static bool value(reader *r, int depth, msgpack_object *o);

/* A str or bin (type) of n bytes, pointing into the input. */
static bool bytes(reader *r, msgpack_object_type type, uint64_t n, msgpack_object *o)
{
    const unsigned char *at = n <= UINT32_MAX ? take(r, (size_t)n) : NULL;
    if (!at) return false;
    o->type = type; /* str and bin share one layout in msgpack_object's union */
    o->via.str.size = (uint32_t)n;
    o->via.str.ptr = (const char *)at;
    return true;
}

/* One entry of a container at depth: one owed entry read. */
static bool entry(reader *r, int depth, msgpack_object *o)
{
    r->owed--;
    return value(r, depth + 1, o);
}

static bool entries(reader *r, int depth, uint64_t n, bool is_map, msgpack_object *o)
{
    size_t left = r->len - r->off;
    uint64_t claimed = is_map ? 2 * n : n; /* n < 2^32: no overflow */
    if (r->owed > left || claimed > left - r->owed) return false;
    r->owed += (size_t)claimed;
    if (is_map) {
        msgpack_object_kv *kv = n ? tp_arena_alloc(r->arena, (size_t)n * sizeof *kv) : NULL;
        for (uint64_t i = 0; i < n; i++)
            if (!entry(r, depth, &kv[i].key) || kv[i].key.type != MSGPACK_OBJECT_STR ||
                !entry(r, depth, &kv[i].val))
                return false;
        o->type = MSGPACK_OBJECT_MAP;
        o->via.map.size = (uint32_t)n;
        o->via.map.ptr = kv;
    } else {
        msgpack_object *items = n ? tp_arena_alloc(r->arena, (size_t)n * sizeof *items) : NULL;
        for (uint64_t i = 0; i < n; i++)
            if (!entry(r, depth, &items[i])) return false;
        o->type = MSGPACK_OBJECT_ARRAY;
        o->via.array.size = (uint32_t)n;
        o->via.array.ptr = items;
    }
    return true;
}

/* A signed integer, typed as msgpack-c types it: negative or positive. */
static void integer(int64_t v, msgpack_object *o)
{
    if (v < 0) {
        o->type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
        o->via.i64 = v;
    } else {
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = (uint64_t)v;
    }
}

static bool value(reader *r, int depth, msgpack_object *o)
{
    const unsigned char *at = depth <= r->max_depth ? take(r, 1) : NULL;
    if (!at) return false;
    unsigned char c = *at;
    uint64_t n;
    memset(o, 0, sizeof *o);
    if (c <= 0x7f) {
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = c;
        return true;
    }
    if (c >= 0xe0) {
        integer((int8_t)c, o);
        return true;
    }
    if (c <= 0x8f) return entries(r, depth, c & 0x0f, true, o);
    if (c <= 0x9f) return entries(r, depth, c & 0x0f, false, o);
    if (c <= 0xbf) return bytes(r, MSGPACK_OBJECT_STR, c & 0x1f, o);
    switch (c) {
    case 0xc0:
        o->type = MSGPACK_OBJECT_NIL;
        return true;
    case 0xc2:
    case 0xc3:
        o->type = MSGPACK_OBJECT_BOOLEAN;
        o->via.boolean = c == 0xc3;
        return true;
    case 0xc4: /* bin8, bin16, bin32 */
    case 0xc5:
    case 0xc6:
        return number(r, (size_t)1 << (c - 0xc4), &n) && bytes(r, MSGPACK_OBJECT_BIN, n, o);
    case 0xca: { /* float32 */
        float f;
        uint32_t bits;
        if (!number(r, 4, &n)) return false;
        bits = (uint32_t)n;
        memcpy(&f, &bits, sizeof f);
        o->type = MSGPACK_OBJECT_FLOAT32;
        o->via.f64 = f;
        return true;
    }
    case 0xcb: /* float64 */
        if (!number(r, 8, &n)) return false;
        o->type = MSGPACK_OBJECT_FLOAT64;
        memcpy(&o->via.f64, &n, sizeof n);
        return true;
    case 0xcc: /* uint8 .. uint64 */
    case 0xcd:
    case 0xce:
    case 0xcf:
        if (!number(r, (size_t)1 << (c - 0xcc), &n)) return false;
        o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        o->via.u64 = n;
        return true;
    case 0xd0: /* int8 .. int64, two's complement of their width */
        if (!number(r, 1, &n)) return false;
        integer((int8_t)n, o);
        return true;
    case 0xd1:
        if (!number(r, 2, &n)) return false;
        integer((int16_t)n, o);
        return true;
    case 0xd2:
        if (!number(r, 4, &n)) return false;
        integer((int32_t)n, o);
        return true;
    case 0xd3:
        if (!number(r, 8, &n)) return false;
        integer((int64_t)n, o);
        return true;
    case 0xd9: /* str8, str16, str32 */
    case 0xda:
    case 0xdb:
        return number(r, (size_t)1 << (c - 0xd9), &n) && bytes(r, MSGPACK_OBJECT_STR, n, o);
    case 0xdc: /* array16, array32 */
    case 0xdd:
        return number(r, c == 0xdc ? 2 : 4, &n) && entries(r, depth, n, false, o);
    case 0xde: /* map16, map32 */
    case 0xdf:
        return number(r, c == 0xde ? 2 : 4, &n) && entries(r, depth, n, true, o);
    default: /* 0xc1, and every ext type */
        return false;
    }
}

int tp_decode(const unsigned char *p, size_t len, int max_depth, tp_arena *arena,
              msgpack_object *out)
{
    reader r = {p, len, 0, max_depth, arena, 0};
    return value(&r, 0, out) && r.off == len ? 0 : -1;
}
