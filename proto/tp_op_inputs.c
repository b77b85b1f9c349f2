/* tp_op_inputs: writing and reading ops' requests from the field lists in tp_op_inputs.h. Each
 * op gets a writer and a reader function made from its list, one statement per field. */
#include "tp_op_inputs.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tp_svc.h"

enum presence { REQ, OPT };

int64_t tp_ids_at(const tp_ids *ids, size_t i)
{
    if (ids->v) return ids->v[i];
    const msgpack_object *o = &ids->o->via.array.ptr[i];
    return (int64_t)o->via.u64; /* tp_in_read checked it is a positive integer */
}

tp_str tp_s(const char *s)
{
    return (tp_str){s, s ? strlen(s) : 0};
}

/* ---- writing ---- */

static void write_ID(tp_w *w, const char *key, int64_t v, enum presence p)
{
    if (p == REQ || v != 0) tp_w_kint(w, key, v);
}

static void write_INT(tp_w *w, const char *key, int64_t v, enum presence p)
{
    write_ID(w, key, v, p);
}

static void write_BOOL(tp_w *w, const char *key, bool v, enum presence p)
{
    if (p == REQ || v) tp_w_kbool(w, key, v);
}

static void write_STR(tp_w *w, const char *key, tp_str v, enum presence p)
{
    if (p == REQ || v.p) tp_w_kstrn(w, key, v.p ? v.p : "", v.n);
}

static void write_IDS(tp_w *w, const char *key, tp_ids v, enum presence p)
{
    (void)p;
    tp_w_key(w, key);
    tp_w_array_begin(w);
    for (size_t i = 0; i < v.n; i++) tp_w_int(w, tp_ids_at(&v, i));
    tp_w_array_end(w);
}

static void write_ROWS(tp_w *w, const char *key, const msgpack_object *v, enum presence p)
{
    (void)p;
    tp_w_kobject(w, key, v);
}

#define WRITE_FIELD(kind, name, min, max, presence) write_##kind(w, #name, in->name, presence);
#define OP_WRITER(id, wire, owner, from)                                                           \
    static void write_##id(tp_w *w, const void *p)                                                 \
    {                                                                                              \
        const struct tp_in_##id *in = p;                                                           \
        (void)w, (void)in;                                                                         \
        id##_IN(WRITE_FIELD)                                                                       \
    }
TP_OPS(OP_WRITER)
#undef OP_WRITER
#undef WRITE_FIELD

static void (*const writers[TP_OP_COUNT])(tp_w *, const void *) = {
#define OP_WRITER_ROW(id, wire, owner, from) [id] = write_##id,
    TP_OPS(OP_WRITER_ROW)
#undef OP_WRITER_ROW
};

void tp_w_call(tp_w *w, enum tp_op_id op, const char *rid, const void *in)
{
    tp_w_request(w, tp_op_name(op), rid);
    writers[op](w, in);
    tp_w_map_end(w);
}

/* ---- reading ---- */

/* Each reader: 0, or -1 after saying in why what the field should have been. */
typedef struct reading {
    const msgpack_object *msg;
    char *why;
    size_t whylen;
} reading;

static int refuse(reading *r, const char *key, const char *what)
{
    snprintf(r->why, r->whylen, "%s: %s", key, what);
    return -1;
}

static bool absent(const msgpack_object *o)
{
    return !o || o->type == MSGPACK_OBJECT_NIL;
}

static int read_INT(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                    int64_t *out)
{
    const msgpack_object *o = tp_map_get(r->msg, key);
    *out = 0;
    if (p == OPT && absent(o)) return 0;
    if (tp_get_int(r->msg, key, min, max, out) == 0) return 0;
    char what[96];
    snprintf(what, sizeof what, "an integer in [%" PRId64 ", %" PRId64 "]", min, max);
    return refuse(r, key, what);
}

static int read_ID(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                   int64_t *out)
{
    (void)min, (void)max;
    return read_INT(r, key, 1, INT64_MAX, p, out);
}

static int read_BOOL(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                     bool *out)
{
    (void)min, (void)max;
    *out = false;
    if (p == OPT && absent(tp_map_get(r->msg, key))) return 0;
    return tp_get_bool(r->msg, key, out) == 0 ? 0 : refuse(r, key, "true or false");
}

static int read_STR(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                    tp_str *out)
{
    (void)min;
    *out = (tp_str){"", 0};
    if (p == OPT && absent(tp_map_get(r->msg, key))) return 0;
    if (tp_get_str(r->msg, key, (size_t)max, out) == 0) return 0;
    char what[96];
    snprintf(what, sizeof what, "text of at most %" PRId64 " bytes", max);
    return refuse(r, key, what);
}

static int read_IDS(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                    tp_ids *out)
{
    (void)min, (void)p;
    const msgpack_object *o = tp_map_get(r->msg, key);
    *out = (tp_ids){0};
    char what[96];
    snprintf(what, sizeof what, "a list of at most %" PRId64 " positive integers", max);
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > (uint64_t)max)
        return refuse(r, key, what);
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *e = &o->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_POSITIVE_INTEGER || e->via.u64 == 0 || e->via.u64 > INT64_MAX)
            return refuse(r, key, what);
    }
    *out = (tp_ids){.o = o, .n = o->via.array.size};
    return 0;
}

static int read_ROWS(reading *r, const char *key, int64_t min, int64_t max, enum presence p,
                     const msgpack_object **out)
{
    (void)min, (void)p;
    const msgpack_object *o = tp_map_get(r->msg, key);
    *out = NULL;
    char what[96];
    snprintf(what, sizeof what, "a list of at most %" PRId64 " maps", max);
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > (uint64_t)max)
        return refuse(r, key, what);
    for (uint32_t i = 0; i < o->via.array.size; i++)
        if (o->via.array.ptr[i].type != MSGPACK_OBJECT_MAP) return refuse(r, key, what);
    *out = o;
    return 0;
}

#define READ_FIELD(kind, name, min, max, presence)                                                 \
    if (read_##kind(r, #name, min, max, presence, &in->name)) return -1;
#define OP_READER(id, wire, owner, from)                                                           \
    static int read_##id(reading *r, void *p)                                                      \
    {                                                                                              \
        struct tp_in_##id *in = p;                                                                 \
        (void)r, (void)in;                                                                         \
        id##_IN(READ_FIELD) return 0;                                                              \
    }
TP_OPS(OP_READER)
#undef OP_READER
#undef READ_FIELD

static int (*const readers[TP_OP_COUNT])(reading *, void *) = {
#define OP_READER_ROW(id, wire, owner, from) [id] = read_##id,
    TP_OPS(OP_READER_ROW)
#undef OP_READER_ROW
};

int tp_in_read(enum tp_op_id op, const msgpack_object *msg, void *out, char *why, size_t whylen)
{
    reading r = {msg, why, whylen};
    return readers[op](&r, out);
}

/* ---- names ---- */

#define FIELD_NAME(kind, name, min, max, presence) #name,
#define OP_NAMES(id, wire, owner, from)                                                            \
    static const char *const names_##id[] = {id##_IN(FIELD_NAME) NULL};
TP_OPS(OP_NAMES)
#undef OP_NAMES
#undef FIELD_NAME

static const char *const *const names[TP_OP_COUNT] = {
#define OP_NAMES_ROW(id, wire, owner, from) [id] = names_##id,
    TP_OPS(OP_NAMES_ROW)
#undef OP_NAMES_ROW
};

size_t tp_in_count(enum tp_op_id op)
{
    size_t n = 0;
    while (names[op][n]) n++;
    return n;
}

const char *tp_in_name(enum tp_op_id op, size_t i)
{
    return names[op][i];
}
