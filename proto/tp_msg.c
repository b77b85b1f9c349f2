/* tp_msg: building and validating msgpack messages (see tp_msg.h). */
#include "tp_msg.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tp_decode.h"
#include "tp_utf8.h"
#include "tp_w_tree.h"

static int packer_write(void *data, const char *buf, size_t len)
{
    tp_buf_append(data, buf, len);
    return 0;
}

void tp_packer_init(msgpack_packer *pk, tp_buf *b)
{
    msgpack_packer_init(pk, b, packer_write);
}

/* ---- encoding ----
 * Strings, integers and the one-byte values are encoded here straight into the buffer: through
 * msgpack-c's packer each took two indirect calls (header, then body) to packer_write, a fifth
 * of the work of a service writing a page of rows. The encodings are msgpack's smallest, as
 * msgpack-c's packer writes them. */

/* Room for n more bytes at the end of w's buffer, which the caller fills and then counts with
 * wrote(). */
static inline unsigned char *room(tp_w *w, size_t n)
{
    if (n >= w->buf.cap - w->buf.len) tp_buf_reserve(&w->buf, n);
    return (unsigned char *)w->buf.data + w->buf.len;
}

static inline void wrote(tp_w *w, size_t n)
{
    w->buf.len += n;
    w->buf.data[w->buf.len] = '\0';
}

static size_t put_be(unsigned char *p, uint64_t v, size_t bytes)
{
    for (size_t i = bytes; i-- > 0; v >>= 8) p[i] = (unsigned char)v;
    return bytes;
}

/* A str (or bin) header for n bytes, then the bytes. */
static void encode_bytes(tp_w *w, bool bin, const void *s, size_t n)
{
    assert(n <= UINT32_MAX);
    unsigned char *p = room(w, 5 + n);
    size_t k;
    if (!bin && n < 32) {
        p[0] = (unsigned char)(0xa0 | n);
        k = 1;
    } else if (n < 256) {
        p[0] = bin ? 0xc4 : 0xd9;
        k = 1 + put_be(p + 1, n, 1);
    } else if (n < 65536) {
        p[0] = bin ? 0xc5 : 0xda;
        k = 1 + put_be(p + 1, n, 2);
    } else {
        p[0] = bin ? 0xc6 : 0xdb;
        k = 1 + put_be(p + 1, n, 4);
    }
    if (n) memcpy(p + k, s, n);
    wrote(w, k + n);
}

static void encode_int(tp_w *w, int64_t v)
{
    unsigned char *p = room(w, 9);
    size_t k = 1;
    if (v >= -32 && v <= 127) {
        p[0] = (unsigned char)v; /* positive or negative fixint */
    } else if (v > 0) {
        uint64_t u = (uint64_t)v;
        size_t bytes = u <= UINT8_MAX ? 1 : u <= UINT16_MAX ? 2 : u <= UINT32_MAX ? 4 : 8;
        p[0] = bytes == 1 ? 0xcc : bytes == 2 ? 0xcd : bytes == 4 ? 0xce : 0xcf;
        k += put_be(p + 1, u, bytes);
    } else {
        size_t bytes = v >= INT8_MIN ? 1 : v >= INT16_MIN ? 2 : v >= INT32_MIN ? 4 : 8;
        p[0] = bytes == 1 ? 0xd0 : bytes == 2 ? 0xd1 : bytes == 4 ? 0xd2 : 0xd3;
        k += put_be(p + 1, (uint64_t)v, bytes); /* two's complement, big-endian */
    }
    wrote(w, k);
}

static void encode_byte(tp_w *w, unsigned char b)
{
    *room(w, 1) = b;
    wrote(w, 1);
}

/* ---- writing ----
 * Containers are written with 32-bit counts (map32/array32) patched when they close, so a
 * builder never has to count ahead. The few extra header bytes are not worth the bookkeeping. */

void tp_w_init(tp_w *w)
{
    memset(w, 0, sizeof *w);
    tp_packer_init(&w->pk, &w->buf);
}

void tp_w_init_tree(tp_w *w)
{
    tp_w_init(w);
    w->tree = tp_w_tree_new();
}

void tp_w_free(tp_w *w)
{
    tp_buf_free(&w->buf);
    tp_w_tree_free(w->tree);
    w->tree = NULL;
}

const msgpack_object *tp_w_root(const tp_w *w)
{
    return w->tree ? tp_w_tree_root(w->tree) : NULL;
}

/* Every value counts as one entry of an open array; in a map tp_w_key counts the pair. */
static void count_value(tp_w *w)
{
    if (w->depth > 0 && !w->is_map[w->depth - 1]) w->count[w->depth - 1]++;
}

static void container_begin(tp_w *w, bool is_map)
{
    assert(w->depth < TP_W_MAX_DEPTH);
    count_value(w);
    if (w->tree) {
        w->is_map[w->depth++] = is_map;
        tp_w_tree_open(w->tree);
        return;
    }
    unsigned char header[5] = {is_map ? 0xdf : 0xdd, 0, 0, 0, 0};
    w->header_at[w->depth] = w->buf.len + 1;
    w->count[w->depth] = 0;
    w->is_map[w->depth] = is_map;
    w->depth++;
    tp_buf_append(&w->buf, header, sizeof header);
}

static void container_end(tp_w *w, bool is_map)
{
    assert(w->depth > 0 && w->is_map[w->depth - 1] == is_map);
    (void)is_map;
    w->depth--;
    if (w->tree) {
        tp_w_tree_close(w->tree, is_map);
        return;
    }
    uint32_t n = w->count[w->depth];
    unsigned char *p = (unsigned char *)w->buf.data + w->header_at[w->depth];
    p[0] = (unsigned char)(n >> 24);
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
}

void tp_w_map_begin(tp_w *w)
{
    container_begin(w, true);
}

void tp_w_map_end(tp_w *w)
{
    container_end(w, true);
}

void tp_w_array_begin(tp_w *w)
{
    container_begin(w, false);
}

void tp_w_array_end(tp_w *w)
{
    container_end(w, false);
}

void tp_w_key(tp_w *w, const char *key)
{
    tp_w_keyn(w, key, strlen(key));
}

void tp_w_keyn(tp_w *w, const char *key, size_t n)
{
    assert(w->depth > 0 && w->is_map[w->depth - 1] && n <= UINT32_MAX);
    w->count[w->depth - 1]++;
    if (!w->tree) {
        encode_bytes(w, false, key, n);
        return;
    }
    /* Referenced, not copied (tp_msg.h): a page of fifty talks writes some 650 keys. */
    msgpack_object o = {.type = MSGPACK_OBJECT_STR};
    o.via.str.size = (uint32_t)n;
    o.via.str.ptr = key;
    tp_w_tree_value(w->tree, o);
}

void tp_w_str(tp_w *w, const char *s)
{
    if (!s) {
        tp_w_nil(w);
        return;
    }
    tp_w_strn(w, s, strlen(s));
}

void tp_w_strn(tp_w *w, const char *s, size_t n)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_bytes(w->tree, MSGPACK_OBJECT_STR, s, n);
    else
        encode_bytes(w, false, s, n);
}

void tp_w_int(tp_w *w, int64_t v)
{
    count_value(w);
    if (!w->tree)
        encode_int(w, v);
    else if (v >= 0)
        tp_w_tree_value(w->tree, (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER,
                                                  .via.u64 = (uint64_t)v});
    else
        tp_w_tree_value(w->tree,
                        (msgpack_object){.type = MSGPACK_OBJECT_NEGATIVE_INTEGER, .via.i64 = v});
}

void tp_w_double(tp_w *w, double v)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_value(w->tree, (msgpack_object){.type = MSGPACK_OBJECT_FLOAT64, .via.f64 = v});
    else
        msgpack_pack_double(&w->pk, v);
}

void tp_w_bool(tp_w *w, bool v)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_value(w->tree,
                        (msgpack_object){.type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = v});
    else
        encode_byte(w, v ? 0xc3 : 0xc2);
}

void tp_w_nil(tp_w *w)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_value(w->tree, (msgpack_object){.type = MSGPACK_OBJECT_NIL});
    else
        encode_byte(w, 0xc0);
}

void tp_w_bin(tp_w *w, const void *p, size_t n)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_bytes(w->tree, MSGPACK_OBJECT_BIN, p, n);
    else
        encode_bytes(w, true, p, n);
}

void tp_w_object(tp_w *w, const msgpack_object *o)
{
    count_value(w);
    if (w->tree)
        tp_w_tree_value(w->tree, *o);
    else
        msgpack_pack_object(&w->pk, *o);
}

void tp_w_encoded(tp_w *w, const void *p, size_t n)
{
    assert(!w->tree);
    count_value(w);
    tp_buf_append(&w->buf, p, n);
}

void tp_w_kstr(tp_w *w, const char *key, const char *s)
{
    tp_w_key(w, key);
    tp_w_str(w, s);
}

void tp_w_kstrn(tp_w *w, const char *key, const char *s, size_t n)
{
    tp_w_key(w, key);
    tp_w_strn(w, s, n);
}

void tp_w_kint(tp_w *w, const char *key, int64_t v)
{
    tp_w_key(w, key);
    tp_w_int(w, v);
}

void tp_w_kbool(tp_w *w, const char *key, bool v)
{
    tp_w_key(w, key);
    tp_w_bool(w, v);
}

void tp_w_kobject(tp_w *w, const char *key, const msgpack_object *o)
{
    tp_w_key(w, key);
    if (o)
        tp_w_object(w, o);
    else
        tp_w_nil(w);
}

/* ---- reading ---- */

static int parse_root(tp_msg *m, const void *data, size_t len, msgpack_object_type type)
{
    /* Each value takes at least a byte and becomes an object of 24 (a map's key and value two,
     * of 48) in arrays rounded up to 16: twice 24 a byte holds a small message's values. */
    size_t most = (len + 1) * 2 * sizeof(msgpack_object);
    tp_arena_init(&m->arena, most < TP_ARENA_BLOCK ? most : TP_ARENA_BLOCK);
    m->root = NULL;
    m->bytes = NULL;
    if (len == 0 || len > TP_MSG_MAX) return -1;
    m->bytes = tp_xmalloc(len);
    memcpy(m->bytes, data, len);
    msgpack_object *root = tp_arena_alloc(&m->arena, sizeof *root);
    if (tp_decode((const unsigned char *)m->bytes, len, TP_MSG_MAX_DEPTH, &m->arena, root) ||
        root->type != type) {
        tp_msg_free(m);
        return -1;
    }
    m->root = root;
    return 0;
}

int tp_msg_parse(tp_msg *m, const void *data, size_t len)
{
    return parse_root(m, data, len, MSGPACK_OBJECT_MAP);
}

int tp_msg_parse_array(tp_msg *m, const void *data, size_t len)
{
    return parse_root(m, data, len, MSGPACK_OBJECT_ARRAY);
}

void tp_msg_free(tp_msg *m)
{
    tp_arena_free(&m->arena);
    free(m->bytes);
    m->bytes = NULL;
    m->root = NULL;
}

bool tp_obj_is_str(const msgpack_object *o, const char *lit)
{
    size_t n = strlen(lit);
    /* An empty msgpack string has no pointer: compare bytes only when there are some. */
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == n &&
           (n == 0 || memcmp(o->via.str.ptr, lit, n) == 0);
}

const msgpack_object *tp_map_get(const msgpack_object *map, const char *key)
{
    uint32_t from = 0;
    return tp_map_get_next(map, key, strlen(key), &from);
}

const msgpack_object *tp_map_get_next(const msgpack_object *map, const char *key, size_t n,
                                      uint32_t *next)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    /* Bytes are compared only for keys of the key's length: pages and reply checks look up every
     * field of every map, and this was a tenth of a list page's work. */
    uint32_t size = map->via.map.size, from = *next < size ? *next : 0;
    for (uint32_t step = 0, i = from; step < size; step++, i = i + 1 < size ? i + 1 : 0) {
        if (tp_key_is(&map->via.map.ptr[i].key, key, n)) {
            *next = i + 1;
            return &map->via.map.ptr[i].val;
        }
    }
    return NULL;
}

static bool is_missing(const msgpack_object *o)
{
    return !o || o->type == MSGPACK_OBJECT_NIL;
}

int tp_str_of(const msgpack_object *o, size_t maxlen, tp_str *out)
{
    if (!o || o->type != MSGPACK_OBJECT_STR) return -1;
    size_t n = o->via.str.size;
    const char *p = n ? o->via.str.ptr : ""; /* an empty string may have no pointer */
    if (n > maxlen || memchr(p, '\0', n) || !tp_utf8_valid(p, n)) return -1;
    out->p = p;
    out->n = n;
    return 0;
}

int tp_int_of(const msgpack_object *o, int64_t min, int64_t max, int64_t *out)
{
    int64_t v;
    if (!o) return -1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > INT64_MAX) return -1;
        v = (int64_t)o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        v = o->via.i64;
    } else {
        return -1;
    }
    if (v < min || v > max) return -1;
    *out = v;
    return 0;
}

int tp_bool_of(const msgpack_object *o, bool *out)
{
    if (!o || o->type != MSGPACK_OBJECT_BOOLEAN) return -1;
    *out = o->via.boolean;
    return 0;
}

int tp_get_str(const msgpack_object *map, const char *key, size_t maxlen, tp_str *out)
{
    return tp_str_of(tp_map_get(map, key), maxlen, out);
}

int tp_get_int(const msgpack_object *map, const char *key, int64_t min, int64_t max, int64_t *out)
{
    return tp_int_of(tp_map_get(map, key), min, max, out);
}

int tp_get_bool(const msgpack_object *map, const char *key, bool *out)
{
    return tp_bool_of(tp_map_get(map, key), out);
}

int tp_opt_str(const msgpack_object *map, const char *key, size_t maxlen, tp_str *out)
{
    const msgpack_object *o = tp_map_get(map, key);
    if (is_missing(o)) {
        out->p = "";
        out->n = 0;
        return 0;
    }
    return tp_str_of(o, maxlen, out);
}

int tp_opt_int(const msgpack_object *map, const char *key, int64_t min, int64_t max, int64_t dflt,
               int64_t *out)
{
    const msgpack_object *o = tp_map_get(map, key);
    if (is_missing(o)) {
        *out = dflt;
        return 0;
    }
    return tp_int_of(o, min, max, out);
}

int tp_opt_bool(const msgpack_object *map, const char *key, bool dflt, bool *out)
{
    const msgpack_object *o = tp_map_get(map, key);
    if (is_missing(o)) {
        *out = dflt;
        return 0;
    }
    return tp_bool_of(o, out);
}

bool tp_str_eq(tp_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

char *tp_str_dup(tp_str s)
{
    return tp_xstrndup(s.p, s.n);
}
