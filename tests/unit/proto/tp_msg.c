/* Unit tests for proto/tp_msg.c: the writer, the typed getters, and every way tp_msg_parse must
 * refuse its input. Every input is parsed from an exact-size heap copy that is freed right after
 * the parse, so ASan catches both a read past the end and a message that kept pointing into the
 * caller's buffer. */
#include "tp_decode.h"
#include "tp_msg.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "../check.h"

/* Under ASan an allocation over 64 MB stops the test: a parse that trusted a container's declared
 * size (array32 of 16M elements is 256 MB of msgpack_object) dies here instead of passing
 * quietly. The largest message we accept needs at most 32 MB (a map of a million empty pairs). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "max_allocation_size_mb=64";
}

#define BYTES(...)                                                                                 \
    (const unsigned char[]){__VA_ARGS__}, sizeof((const unsigned char[]){__VA_ARGS__})

/* Parses an exact-size heap copy of data[0..n), freed before returning. */
static int parse(tp_msg *m, const void *data, size_t n)
{
    unsigned char *copy = malloc(n);
    if (n) memcpy(copy, data, n);
    int rc = tp_msg_parse(m, copy, n);
    free(copy);
    return rc;
}

static bool accepted(const void *data, size_t n)
{
    tp_msg m;
    int rc = parse(&m, data, n);
    bool ok = rc == 0 && m.root && m.root->type == MSGPACK_OBJECT_MAP;
    tp_msg_free(&m);
    return ok;
}

/* A refused parse leaves nothing behind and may still be freed. */
static bool refused(const void *data, size_t n)
{
    tp_msg m;
    int rc = parse(&m, data, n);
    bool ok = rc == -1 && m.root == NULL && m.bytes == NULL;
    tp_msg_free(&m);
    return ok;
}

/* Parses what the writer holds, then frees the writer. */
static int parse_w(tp_msg *m, tp_w *w)
{
    int rc = parse(m, w->buf.data, w->buf.len);
    tp_w_free(w);
    return rc;
}

/* One message with every kind of value the writer makes, nested three deep. */
static void write_sample(tp_w *w)
{
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kstr(w, "op", "user.get");
    tp_w_kint(w, "id", 42);
    tp_w_kint(w, "neg", -100000);
    tp_w_kint(w, "big", INT64_MAX);
    tp_w_kbool(w, "admin", true);
    tp_w_kstr(w, "name", "J\xc3\xb6rg");
    tp_w_key(w, "none");
    tp_w_nil(w);
    tp_w_key(w, "raw");
    tp_w_bin(w, "\0\1\2\xff", 4);
    tp_w_key(w, "pi");
    tp_w_double(w, 3.25);
    tp_w_key(w, "tags");
    tp_w_array_begin(w);
    tp_w_str(w, "a");
    tp_w_int(w, 7);
    tp_w_array_begin(w);
    tp_w_bool(w, false);
    tp_w_array_end(w);
    tp_w_array_end(w);
    tp_w_key(w, "user");
    tp_w_map_begin(w);
    tp_w_kstr(w, "email", "a@b.c");
    tp_w_key(w, "roles");
    tp_w_array_begin(w);
    tp_w_array_end(w);
    tp_w_map_end(w);
    tp_w_map_end(w);
}

static bool str_is(tp_str s, const char *want)
{
    return s.p && tp_str_eq(s, want);
}

/* ---- the writer ---- */

static void writer_empty_map_is_a_map32_header_with_count_zero(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_map_end(&w);
    CHECK(w.buf.len == 5 && memcmp(w.buf.data, "\xdf\0\0\0\0", 5) == 0);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    CHECK(m.root && m.root->via.map.size == 0);
    tp_msg_free(&m);
}

static void writer_patches_the_counts_of_nested_maps_and_arrays_when_they_close(void)
{
    tp_w w;
    write_sample(&w);
    CHECK(w.depth == 0);
    CHECK(memcmp(w.buf.data, "\xdf\0\0\0\x0b", 5) == 0);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    CHECK(m.root->via.map.size == 11);
    const msgpack_object *tags = tp_map_get(m.root, "tags");
    CHECK(tags && tags->type == MSGPACK_OBJECT_ARRAY && tags->via.array.size == 3);
    if (tags && tags->type == MSGPACK_OBJECT_ARRAY && tags->via.array.size == 3) {
        CHECK(tp_obj_is_str(&tags->via.array.ptr[0], "a"));
        CHECK(tags->via.array.ptr[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
              tags->via.array.ptr[1].via.u64 == 7);
        const msgpack_object *inner = &tags->via.array.ptr[2];
        CHECK(inner->type == MSGPACK_OBJECT_ARRAY && inner->via.array.size == 1);
    }
    const msgpack_object *user = tp_map_get(m.root, "user");
    CHECK(user && user->type == MSGPACK_OBJECT_MAP && user->via.map.size == 2);
    const msgpack_object *roles = tp_map_get(user, "roles");
    CHECK(roles && roles->type == MSGPACK_OBJECT_ARRAY && roles->via.array.size == 0);
    tp_str email;
    CHECK(tp_get_str(user, "email", 64, &email) == 0 && str_is(email, "a@b.c"));
    tp_msg_free(&m);
}

static void writer_counts_a_container_inside_an_array_as_one_element(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "list");
    tp_w_array_begin(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "k", 1);
    tp_w_kint(&w, "j", 2);
    tp_w_kint(&w, "i", 3);
    tp_w_map_end(&w);
    tp_w_array_begin(&w);
    tp_w_int(&w, 1);
    tp_w_int(&w, 2);
    tp_w_array_end(&w);
    tp_w_nil(&w);
    tp_w_array_end(&w);
    tp_w_kint(&w, "after", 9);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    CHECK(m.root->via.map.size == 2);
    const msgpack_object *list = tp_map_get(m.root, "list");
    CHECK(list && list->via.array.size == 3);
    if (list && list->via.array.size == 3) {
        CHECK(list->via.array.ptr[0].via.map.size == 3);
        CHECK(list->via.array.ptr[1].via.array.size == 2);
        CHECK(list->via.array.ptr[2].type == MSGPACK_OBJECT_NIL);
    }
    int64_t after;
    CHECK(tp_get_int(m.root, "after", 0, 100, &after) == 0 && after == 9);
    tp_msg_free(&m);
}

static void writer_key_value_helpers_write_the_expected_types(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "s", "text");
    tp_w_kstr(&w, "null", NULL);
    tp_w_kstrn(&w, "n", "a\0bc", 3);
    tp_w_kint(&w, "min", INT64_MIN);
    tp_w_kint(&w, "max", INT64_MAX);
    tp_w_kint(&w, "m1", -1);
    tp_w_kbool(&w, "t", true);
    tp_w_kbool(&w, "f", false);
    tp_w_key(&w, "nil");
    tp_w_nil(&w);
    tp_w_key(&w, "bin");
    tp_w_bin(&w, "\0\xff\x80", 3);
    tp_w_key(&w, "d");
    tp_w_double(&w, -0.5);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    CHECK(m.root->via.map.size == 11);
    const msgpack_object *o;
    CHECK((o = tp_map_get(m.root, "s")) && tp_obj_is_str(o, "text"));
    CHECK((o = tp_map_get(m.root, "null")) && o->type == MSGPACK_OBJECT_NIL);
    CHECK((o = tp_map_get(m.root, "n")) && o->type == MSGPACK_OBJECT_STR && o->via.str.size == 3 &&
          memcmp(o->via.str.ptr, "a\0b", 3) == 0);
    CHECK((o = tp_map_get(m.root, "min")) && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
          o->via.i64 == INT64_MIN);
    CHECK((o = tp_map_get(m.root, "max")) && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
          o->via.u64 == INT64_MAX);
    CHECK((o = tp_map_get(m.root, "m1")) && o->via.i64 == -1);
    CHECK((o = tp_map_get(m.root, "t")) && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean);
    CHECK((o = tp_map_get(m.root, "f")) && o->type == MSGPACK_OBJECT_BOOLEAN && !o->via.boolean);
    CHECK((o = tp_map_get(m.root, "nil")) && o->type == MSGPACK_OBJECT_NIL);
    CHECK((o = tp_map_get(m.root, "bin")) && o->type == MSGPACK_OBJECT_BIN &&
          o->via.bin.size == 3 && memcmp(o->via.bin.ptr, "\0\xff\x80", 3) == 0);
    CHECK((o = tp_map_get(m.root, "d")) && o->type == MSGPACK_OBJECT_FLOAT64 && o->via.f64 == -0.5);
    tp_msg_free(&m);
}

static void writer_object_copies_a_parsed_value_that_outlives_its_message(void)
{
    tp_w w;
    write_sample(&w);
    tp_msg a;
    CHECK(parse_w(&a, &w) == 0);
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "copy");
    tp_w_object(&w, tp_map_get(a.root, "user"));
    tp_w_key(&w, "both");
    tp_w_array_begin(&w);
    tp_w_object(&w, tp_map_get(a.root, "tags"));
    tp_w_object(&w, tp_map_get(a.root, "raw"));
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    tp_msg_free(&a);

    tp_msg b;
    CHECK(parse_w(&b, &w) == 0);
    CHECK(b.root->via.map.size == 2);
    const msgpack_object *copy = tp_map_get(b.root, "copy");
    tp_str email;
    CHECK(tp_get_str(copy, "email", 64, &email) == 0 && str_is(email, "a@b.c"));
    const msgpack_object *both = tp_map_get(b.root, "both");
    CHECK(both && both->type == MSGPACK_OBJECT_ARRAY && both->via.array.size == 2);
    if (both && both->type == MSGPACK_OBJECT_ARRAY && both->via.array.size == 2) {
        const msgpack_object *tags = &both->via.array.ptr[0], *raw = &both->via.array.ptr[1];
        CHECK(tags->type == MSGPACK_OBJECT_ARRAY && tags->via.array.size == 3);
        CHECK(raw->type == MSGPACK_OBJECT_BIN && raw->via.bin.size == 4 &&
              memcmp(raw->via.bin.ptr, "\0\1\2\xff", 4) == 0);
    }
    tp_msg_free(&b);
}

/* ---- typed getters ---- */

static void get_str_returns_the_bytes_and_enforces_maxlen_in_bytes(void)
{
    char long_text[1000];
    memset(long_text, 'x', sizeof long_text);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "s", "hello");
    tp_w_kstr(&w, "e", "");
    tp_w_kstr(&w, "u", "\xc3\xa9");
    tp_w_kstrn(&w, "long", long_text, sizeof long_text);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    tp_str s;
    CHECK(tp_get_str(m.root, "s", 5, &s) == 0 && str_is(s, "hello"));
    CHECK(tp_get_str(m.root, "s", 4, &s) == -1);
    CHECK(tp_get_str(m.root, "e", 0, &s) == 0 && s.p != NULL && s.n == 0);
    CHECK(tp_get_str(m.root, "u", 2, &s) == 0 && str_is(s, "\xc3\xa9"));
    CHECK(tp_get_str(m.root, "u", 1, &s) == -1);
    CHECK(tp_get_str(m.root, "long", 1000, &s) == 0 && s.n == 1000 &&
          memcmp(s.p, long_text, 1000) == 0);
    CHECK(tp_get_str(m.root, "long", 999, &s) == -1);
    char *dup = tp_str_dup(s);
    CHECK(strlen(dup) == 1000);
    free(dup);
    tp_msg_free(&m);
}

static void get_str_refuses_invalid_utf8_and_embedded_nul(void)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"\xff", 1},
        {"\xc0\xaf", 2},
        {"\xed\xa0\x80", 3},
        {"ab\xe2\x82", 4},
        {"\xf4\x90\x80\x80", 4},
        {"a\0b", 3},
        {"\0", 1},
        {"\x80", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tp_w w;
        tp_w_init(&w);
        tp_w_map_begin(&w);
        tp_w_kstrn(&w, "s", bad[i].s, bad[i].n);
        tp_w_map_end(&w);
        tp_msg m;
        CHECK(parse_w(&m, &w) == 0);
        tp_str s;
        if (tp_get_str(m.root, "s", 100, &s) != -1) fprintf(stderr, "  accepted bad[%zu]\n", i);
        CHECK(tp_get_str(m.root, "s", 100, &s) == -1);
        CHECK(tp_opt_str(m.root, "s", 100, &s) == -1);
        tp_msg_free(&m);
    }
}

/* {"i":1,"f":1.5,"b":true,"n":nil,"bin":"x" as bin,"a":[],"m":{},"s":"x"} */
static void write_one_of_each(tp_w *w)
{
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kint(w, "i", 1);
    tp_w_key(w, "f");
    tp_w_double(w, 1.5);
    tp_w_kbool(w, "b", true);
    tp_w_key(w, "n");
    tp_w_nil(w);
    tp_w_key(w, "bin");
    tp_w_bin(w, "x", 1);
    tp_w_key(w, "a");
    tp_w_array_begin(w);
    tp_w_array_end(w);
    tp_w_key(w, "m");
    tp_w_map_begin(w);
    tp_w_map_end(w);
    tp_w_kstr(w, "s", "x");
    tp_w_map_end(w);
}

static void getters_refuse_a_missing_key_and_every_other_type(void)
{
    tp_w w;
    write_one_of_each(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    tp_str s;
    int64_t v;
    bool b;
    const char *not_str[] = {"i", "f", "b", "n", "bin", "a", "m", "missing"};
    for (size_t i = 0; i < sizeof not_str / sizeof not_str[0]; i++)
        CHECK(tp_get_str(m.root, not_str[i], 100, &s) == -1);
    const char *not_int[] = {"f", "b", "n", "bin", "a", "m", "s", "missing"};
    for (size_t i = 0; i < sizeof not_int / sizeof not_int[0]; i++)
        CHECK(tp_get_int(m.root, not_int[i], INT64_MIN, INT64_MAX, &v) == -1);
    const char *not_bool[] = {"i", "f", "n", "bin", "a", "m", "s", "missing"};
    for (size_t i = 0; i < sizeof not_bool / sizeof not_bool[0]; i++)
        CHECK(tp_get_bool(m.root, not_bool[i], &b) == -1);
    CHECK(tp_get_str(m.root, "s", 100, &s) == 0 && str_is(s, "x"));
    CHECK(tp_get_int(m.root, "i", 0, 1, &v) == 0 && v == 1);
    CHECK(tp_get_bool(m.root, "b", &b) == 0 && b);
    /* Getters on something that is not a map find nothing. */
    CHECK(tp_get_str(tp_map_get(m.root, "a"), "s", 100, &s) == -1);
    CHECK(tp_get_int(NULL, "i", 0, 1, &v) == -1);
    tp_msg_free(&m);
}

static void get_int_checks_an_inclusive_range_for_positive_and_negative_values(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "zero", 0);
    tp_w_kint(&w, "five", 5);
    tp_w_kint(&w, "neg", -7);
    tp_w_kint(&w, "min", INT64_MIN);
    tp_w_kint(&w, "max", INT64_MAX);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    int64_t v = 0;
    CHECK(tp_get_int(m.root, "zero", 0, 0, &v) == 0 && v == 0);
    CHECK(tp_get_int(m.root, "zero", 1, 10, &v) == -1);
    CHECK(tp_get_int(m.root, "five", 5, 5, &v) == 0 && v == 5);
    CHECK(tp_get_int(m.root, "five", 6, 10, &v) == -1);
    CHECK(tp_get_int(m.root, "five", 0, 4, &v) == -1);
    CHECK(tp_get_int(m.root, "neg", -10, 0, &v) == 0 && v == -7);
    CHECK(tp_get_int(m.root, "neg", -7, -7, &v) == 0 && v == -7);
    CHECK(tp_get_int(m.root, "neg", 0, 10, &v) == -1);
    CHECK(tp_get_int(m.root, "neg", -6, 10, &v) == -1);
    CHECK(tp_get_int(m.root, "min", INT64_MIN, 0, &v) == 0 && v == INT64_MIN);
    CHECK(tp_get_int(m.root, "min", INT64_MIN + 1, 0, &v) == -1);
    CHECK(tp_get_int(m.root, "max", 0, INT64_MAX, &v) == 0 && v == INT64_MAX);
    CHECK(tp_get_int(m.root, "max", 0, INT64_MAX - 1, &v) == -1);
    tp_msg_free(&m);
}

static void get_int_reads_every_integer_encoding(void)
{
    /* {"a": uint8 255, "b": int8 -128, "c": int8 +5, "d": int64 INT64_MIN,
     *  "e": uint64 INT64_MAX, "f": uint16 65535, "g": int32 -2^31, "h": negative fixint -1} */
    const unsigned char msg[] = {
        0x88, 0xa1, 'a',  0xcc, 0xff, 0xa1, 'b',  0xd0, 0x80, 0xa1, 'c',  0xd0, 0x05,
        0xa1, 'd',  0xd3, 0x80, 0,    0,    0,    0,    0,    0,    0,    0xa1, 'e',
        0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xa1, 'f',  0xcd, 0xff,
        0xff, 0xa1, 'g',  0xd2, 0x80, 0,    0,    0,    0xa1, 'h',  0xff,
    };
    tp_msg m;
    CHECK(parse(&m, msg, sizeof msg) == 0);
    int64_t v = 0;
    CHECK(tp_get_int(m.root, "a", INT64_MIN, INT64_MAX, &v) == 0 && v == 255);
    CHECK(tp_get_int(m.root, "b", INT64_MIN, INT64_MAX, &v) == 0 && v == -128);
    CHECK(tp_get_int(m.root, "c", INT64_MIN, INT64_MAX, &v) == 0 && v == 5);
    CHECK(tp_get_int(m.root, "d", INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MIN);
    CHECK(tp_get_int(m.root, "e", INT64_MIN, INT64_MAX, &v) == 0 && v == INT64_MAX);
    CHECK(tp_get_int(m.root, "f", INT64_MIN, INT64_MAX, &v) == 0 && v == 65535);
    CHECK(tp_get_int(m.root, "g", INT64_MIN, INT64_MAX, &v) == 0 && v == INT32_MIN);
    CHECK(tp_get_int(m.root, "h", INT64_MIN, INT64_MAX, &v) == 0 && v == -1);
    tp_msg_free(&m);
}

static void get_int_refuses_a_uint64_above_int64_max(void)
{
    /* {"u": 2^63} and {"u": 2^64 - 1} */
    const unsigned char two63[] = {0x81, 0xa1, 'u', 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    const unsigned char max[] = {0x81, 0xa1, 'u',  0xcf, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const unsigned char *msgs[] = {two63, max};
    for (int i = 0; i < 2; i++) {
        tp_msg m;
        CHECK(parse(&m, msgs[i], sizeof two63) == 0);
        int64_t v = 12345;
        CHECK(tp_get_int(m.root, "u", INT64_MIN, INT64_MAX, &v) == -1);
        CHECK(tp_opt_int(m.root, "u", INT64_MIN, INT64_MAX, 0, &v) == -1);
        CHECK(v == 12345);
        tp_msg_free(&m);
    }
}

static void get_bool_reads_true_and_false_only(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "t", true);
    tp_w_kbool(&w, "f", false);
    tp_w_kint(&w, "one", 1);
    tp_w_kstr(&w, "str", "true");
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    bool b = false;
    CHECK(tp_get_bool(m.root, "t", &b) == 0 && b);
    CHECK(tp_get_bool(m.root, "f", &b) == 0 && !b);
    CHECK(tp_get_bool(m.root, "one", &b) == -1);
    CHECK(tp_get_bool(m.root, "str", &b) == -1);
    tp_msg_free(&m);
}

static void optional_getters_give_the_default_for_a_missing_key_or_nil(void)
{
    tp_w w;
    write_one_of_each(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    const char *absent[] = {"missing", "n"};
    for (int i = 0; i < 2; i++) {
        tp_str s = {"junk", 4};
        int64_t v = 0;
        bool b = false;
        CHECK(tp_opt_str(m.root, absent[i], 10, &s) == 0 && s.p && s.n == 0);
        CHECK(tp_opt_int(m.root, absent[i], 0, 10, 42, &v) == 0 && v == 42);
        CHECK(tp_opt_bool(m.root, absent[i], true, &b) == 0 && b);
        CHECK(tp_opt_bool(m.root, absent[i], false, &b) == 0 && !b);
    }
    /* Present and good: the value, not the default. */
    tp_str s;
    int64_t v;
    bool b = false;
    CHECK(tp_opt_str(m.root, "s", 10, &s) == 0 && str_is(s, "x"));
    CHECK(tp_opt_int(m.root, "i", 0, 10, 42, &v) == 0 && v == 1);
    CHECK(tp_opt_bool(m.root, "b", false, &b) == 0 && b);
    tp_msg_free(&m);
}

static void optional_getters_refuse_a_present_value_of_the_wrong_type_or_range(void)
{
    tp_w w;
    write_one_of_each(&w);
    tp_msg m;
    CHECK(parse_w(&m, &w) == 0);
    tp_str s;
    int64_t v;
    bool b;
    const char *keys[] = {"i", "f", "b", "bin", "a", "m", "s"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *k = keys[i];
        if (strcmp(k, "s") != 0) CHECK(tp_opt_str(m.root, k, 10, &s) == -1);
        if (strcmp(k, "i") != 0) CHECK(tp_opt_int(m.root, k, 0, 10, 42, &v) == -1);
        if (strcmp(k, "b") != 0) CHECK(tp_opt_bool(m.root, k, true, &b) == -1);
    }
    CHECK(tp_opt_int(m.root, "i", 2, 10, 42, &v) == -1);
    CHECK(tp_opt_str(m.root, "s", 0, &s) == -1);
    tp_msg_free(&m);
}

static void map_get_matches_whole_keys_and_returns_the_first_duplicate(void)
{
    /* {"ab":1, "a":2, "a":3, "":4} */
    const unsigned char msg[] = {0x84, 0xa2, 'a', 'b',  0x01, 0xa1, 'a',
                                 0x02, 0xa1, 'a', 0x03, 0xa0, 0x04};
    tp_msg m;
    CHECK(parse(&m, msg, sizeof msg) == 0);
    int64_t v;
    CHECK(tp_get_int(m.root, "a", 0, 9, &v) == 0 && v == 2);
    CHECK(tp_get_int(m.root, "ab", 0, 9, &v) == 0 && v == 1);
    CHECK(tp_get_int(m.root, "", 0, 9, &v) == 0 && v == 4);
    CHECK(tp_map_get(m.root, "A") == NULL);
    CHECK(tp_map_get(m.root, "abc") == NULL);
    CHECK(tp_map_get(m.root, "b") == NULL);
    CHECK(tp_map_get(tp_map_get(m.root, "a"), "a") == NULL);
    CHECK(tp_map_get(NULL, "a") == NULL);
    tp_msg_free(&m);
}

/* tp_key_is compares a key in at most two overlapping loads: a key of every length up to past
 * the loads' reach is equal to itself, and differs from one with any single byte changed, or one
 * byte longer or shorter. The key sits at the very end of its buffer, so a load past it would be
 * a read out of bounds (the sanitizer build sees it). */
static void key_is_sees_a_difference_at_every_byte_of_every_length(void)
{
    char want[40];
    for (size_t n = 0; n <= 33; n++) {
        for (size_t i = 0; i < n; i++) want[i] = (char)('a' + (i * 7) % 26);
        char *at_end = tp_xcalloc(1, n ? n : 1);
        memcpy(at_end, want, n);
        msgpack_object k = {.type = MSGPACK_OBJECT_STR};
        k.via.str.ptr = at_end;
        k.via.str.size = (uint32_t)n;
        CHECK(tp_key_is(&k, want, n));
        for (size_t i = 0; i < n; i++) {
            at_end[i] ^= 0x20;
            CHECK(!tp_key_is(&k, want, n));
            at_end[i] ^= 0x20;
        }
        if (n) CHECK(!tp_key_is(&k, want, n - 1));
        CHECK(!tp_key_is(&k, want, n + 1));
        k.type = MSGPACK_OBJECT_BIN;
        CHECK(!tp_key_is(&k, want, n));
        free(at_end);
    }
}

/* tp_map_get_next starts where the last lookup ended and goes round the map: fields read in
 * their written order are found at once, any other order still finds each. */
static void map_get_next_starts_after_the_last_match_and_goes_round(void)
{
    /* {"ab":1, "a":2, "c":3, "":4} */
    const unsigned char msg[] = {0x84, 0xa2, 'a', 'b',  0x01, 0xa1, 'a',
                                 0x02, 0xa1, 'c', 0x03, 0xa0, 0x04};
    tp_msg m;
    CHECK(parse(&m, msg, sizeof msg) == 0);
    uint32_t next = 0;
    const msgpack_object *o;
    CHECK((o = tp_map_get_next(m.root, "a", 1, &next)) && o->via.u64 == 2 && next == 2);
    CHECK((o = tp_map_get_next(m.root, "c", 1, &next)) && o->via.u64 == 3 && next == 3);
    CHECK((o = tp_map_get_next(m.root, "ab", 2, &next)) && o->via.u64 == 1 && next == 1);
    CHECK((o = tp_map_get_next(m.root, "", 0, &next)) && o->via.u64 == 4 && next == 4);
    CHECK(tp_map_get_next(m.root, "b", 1, &next) == NULL && next == 4);
    next = 99; /* past the end: from the start */
    CHECK((o = tp_map_get_next(m.root, "ab", 2, &next)) && o->via.u64 == 1);
    CHECK(tp_map_get_next(NULL, "a", 1, &next) == NULL);
    tp_msg_free(&m);
}

/* The writer encodes strings, bins and integers itself: byte for byte what msgpack-c's packer
 * writes, at every length and range where the encoding changes. */
static void writer_encodes_as_msgpack_c_does_at_every_boundary(void)
{
    const int64_t ints[] = {
        0,         1,  127, 128, 255,  256,  65535,  65536,  UINT32_MAX, (int64_t)UINT32_MAX + 1,
        INT64_MAX, -1, -32, -33, -128, -129, -32768, -32769, INT32_MIN,  (int64_t)INT32_MIN - 1,
        INT64_MIN};
    const size_t lengths[] = {0, 1, 31, 32, 255, 256, 65535, 65536};
    char *text = malloc(65536);
    memset(text, 'x', 65536);
    tp_w ours;
    tp_buf theirs = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &theirs);
    tp_w_init(&ours);
    tp_w_array_begin(&ours);
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        tp_w_int(&ours, ints[i]);
        msgpack_pack_int64(&pk, ints[i]);
    }
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        tp_w_strn(&ours, text, lengths[i]);
        msgpack_pack_str_with_body(&pk, text, lengths[i]);
        tp_w_bin(&ours, text, lengths[i]);
        msgpack_pack_bin_with_body(&pk, text, lengths[i]);
    }
    tp_w_bool(&ours, true);
    msgpack_pack_true(&pk);
    tp_w_bool(&ours, false);
    msgpack_pack_false(&pk);
    tp_w_nil(&ours);
    msgpack_pack_nil(&pk);
    tp_w_array_end(&ours);
    /* ours begins with its array32 header (5 bytes): the values follow it */
    CHECK(ours.buf.len == 5 + theirs.len &&
          memcmp(ours.buf.data + 5, theirs.data, theirs.len) == 0);
    tp_w_free(&ours);
    tp_buf_free(&theirs);
    free(text);
}

static void str_helpers_compare_and_copy_exact_bytes(void)
{
    tp_str s = {"abc", 2};
    CHECK(tp_str_eq(s, "ab"));
    CHECK(!tp_str_eq(s, "abc"));
    CHECK(!tp_str_eq(s, "a"));
    tp_str e = {"", 0};
    CHECK(tp_str_eq(e, ""));
    char *d = tp_str_dup(s);
    CHECK_STR_EQ(d, "ab");
    free(d);
    d = tp_str_dup(e);
    CHECK_STR_EQ(d, "");
    free(d);
    CHECK(!tp_obj_is_str(NULL, "x"));
}

/* ---- what tp_msg_parse accepts ---- */

static void parse_accepts_every_value_encoding_we_do_not_refuse_by_design(void)
{
    /* One map with a value of each format family. */
    const unsigned char msg[] = {
        0xde, 0x00, 0x10,                                              /* map16, 16 pairs */
        0xa1, 'a',  0x7f,                                              /* positive fixint */
        0xa1, 'b',  0xe0,                                              /* negative fixint */
        0xa1, 'c',  0xc0,                                              /* nil */
        0xa1, 'd',  0xc2,                                              /* false */
        0xa1, 'e',  0xca, 0x3f, 0x80, 0,    0,                         /* float32 1.0 */
        0xa1, 'f',  0xcb, 0x3f, 0xf0, 0,    0,    0,    0,    0,    0, /* float64 1.0 */
        0xa1, 'g',  0xd9, 0x02, 'h',  'i',                             /* str8 */
        0xa1, 'h',  0xda, 0x00, 0x01, 'x',                             /* str16 */
        0xa1, 'i',  0xdb, 0x00, 0x00, 0x00, 0x01, 'y',                 /* str32 */
        0xa1, 'j',  0xc4, 0x01, 0x00,                                  /* bin8 */
        0xa1, 'k',  0xc5, 0x00, 0x00,                                  /* bin16, empty */
        0xa1, 'l',  0xc6, 0x00, 0x00, 0x00, 0x02, 0xff, 0xfe,          /* bin32 */
        0xa1, 'm',  0xdc, 0x00, 0x02, 0x01, 0x02,                      /* array16 */
        0xa1, 'n',  0xdd, 0x00, 0x00, 0x00, 0x01, 0xc3,                /* array32 */
        0xa1, 'o',  0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, 'p',  0x01,    /* map32 */
        0xd9, 0x01, 'q',  0xd1, 0x80, 0x00,                            /* str8 key, int16 */
    };
    tp_msg m;
    CHECK(parse(&m, msg, sizeof msg) == 0);
    CHECK(m.root && m.root->via.map.size == 16);
    tp_str s;
    int64_t v;
    CHECK(tp_get_str(m.root, "i", 1, &s) == 0 && str_is(s, "y"));
    CHECK(tp_get_int(m.root, "q", INT64_MIN, 0, &v) == 0 && v == INT16_MIN);
    tp_msg_free(&m);
}

/* Every integer and float encoding, typed as msgpack-c's unpacker types it (which every reader
 * of the values was written against): a non-negative int8..int64 is a positive integer, a float32
 * a FLOAT32 holding the double; the whole message equals what msgpack-c reads from it. */
static void parse_types_values_as_msgpack_c_does(void)
{
    const unsigned char msg[] = {
        0x8b,                                                            /* fixmap, 11 pairs */
        0xa1, 'a', 0xd0, 0x05,                                           /* int8 5 */
        0xa1, 'b', 0xd0, 0xfb,                                           /* int8 -5 */
        0xa1, 'c', 0xd1, 0x00, 0x07,                                     /* int16 7 */
        0xa1, 'd', 0xd2, 0xff, 0xff, 0xff, 0x38,                         /* int32 -200 */
        0xa1, 'e', 0xd3, 0x80, 0,    0,    0,    0,    0,    0,    0,    /* int64 min */
        0xa1, 'f', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* uint64 max */
        0xa1, 'g', 0xcc, 0xc8,                                           /* uint8 200 */
        0xa1, 'h', 0xca, 0x3f, 0xc0, 0,    0,                            /* float32 1.5 */
        0xa1, 'i', 0xe0,                                                 /* negative fixint -32 */
        0xa1, 'j', 0x90,                                                 /* empty fixarray */
        0xa1, 'k', 0x80,                                                 /* empty fixmap */
    };
    tp_msg m;
    CHECK(parse(&m, msg, sizeof msg) == 0);
    const msgpack_object *o;
    CHECK((o = tp_map_get(m.root, "a")) && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
          o->via.u64 == 5);
    CHECK((o = tp_map_get(m.root, "b")) && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
          o->via.i64 == -5);
    CHECK((o = tp_map_get(m.root, "c")) && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    CHECK((o = tp_map_get(m.root, "d")) && o->via.i64 == -200);
    CHECK((o = tp_map_get(m.root, "e")) && o->via.i64 == INT64_MIN);
    CHECK((o = tp_map_get(m.root, "f")) && o->via.u64 == UINT64_MAX);
    CHECK((o = tp_map_get(m.root, "h")) && o->type == MSGPACK_OBJECT_FLOAT32 && o->via.f64 == 1.5);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    CHECK(msgpack_unpack_next(&up, (const char *)msg, sizeof msg, &off) == MSGPACK_UNPACK_SUCCESS);
    CHECK(msgpack_object_equal(up.data, *m.root));
    msgpack_unpacked_destroy(&up);
    tp_msg_free(&m);
}

static void parse_keeps_its_own_copy_of_the_bytes(void)
{
    tp_w w;
    write_sample(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    memset(w.buf.data, 0xc1, w.buf.len);
    tp_w_free(&w);
    tp_str s;
    CHECK(tp_get_str(m.root, "name", 64, &s) == 0 && str_is(s, "J\xc3\xb6rg"));
    tp_msg_free(&m);
}

/* ---- what tp_msg_parse refuses ---- */

static void parse_refuses_empty_input(void)
{
    CHECK(refused("", 0));
    tp_msg m;
    CHECK(tp_msg_parse(&m, NULL, 0) == -1 && m.root == NULL);
    tp_msg_free(&m);
}

static void parse_refuses_the_sample_truncated_at_every_byte(void)
{
    tp_w w;
    write_sample(&w);
    CHECK(accepted(w.buf.data, w.buf.len));
    for (size_t k = 0; k < w.buf.len; k++) {
        if (!refused(w.buf.data, k)) fprintf(stderr, "  accepted the first %zu bytes\n", k);
        CHECK(refused(w.buf.data, k));
    }
    tp_w_free(&w);
}

static void parse_refuses_trailing_bytes(void)
{
    tp_w w;
    write_sample(&w);
    size_t n = w.buf.len;
    const char *tails[] = {"\xc0", "\x00", "\x80"};
    for (int i = 0; i < 3; i++) {
        char *s = tp_xmalloc(n + 1);
        memcpy(s, w.buf.data, n);
        s[n] = tails[i][0];
        CHECK(refused(s, n + 1));
        free(s);
    }
    char *twice = tp_xmalloc(2 * n);
    memcpy(twice, w.buf.data, n);
    memcpy(twice + n, w.buf.data, n);
    CHECK(refused(twice, 2 * n));
    free(twice);
    tp_w_free(&w);
}

static void parse_refuses_a_root_that_is_not_a_map(void)
{
    CHECK(refused(BYTES(0x90)));                         /* [] */
    CHECK(refused(BYTES(0xdd, 0, 0, 0, 0)));             /* array32 [] */
    CHECK(refused(BYTES(0x91, 0x80)));                   /* [{}] */
    CHECK(refused(BYTES(0x01)));                         /* 1 */
    CHECK(refused(BYTES(0xa1, 'a')));                    /* "a" */
    CHECK(refused(BYTES(0xc0)));                         /* nil */
    CHECK(refused(BYTES(0xc3)));                         /* true */
    CHECK(refused(BYTES(0xc4, 0x01, 0x80)));             /* bin */
    CHECK(refused(BYTES(0xcb, 0, 0, 0, 0, 0, 0, 0, 0))); /* 0.0 */
    CHECK(accepted(BYTES(0x80)));                        /* {} */
}

/* tp_msg_parse_array: the same checks, for a root that is an array. */
static bool array_accepted(const void *data, size_t n)
{
    unsigned char *copy = malloc(n);
    memcpy(copy, data, n);
    tp_msg m;
    int rc = tp_msg_parse_array(&m, copy, n);
    free(copy);
    bool ok = rc == 0 && m.root && m.root->type == MSGPACK_OBJECT_ARRAY;
    tp_msg_free(&m);
    return ok;
}

static void parse_array_accepts_only_an_array_root_with_string_keys(void)
{
    CHECK(array_accepted(BYTES(0x90)));                              /* [] */
    CHECK(array_accepted(BYTES(0x92, 0x80, 0x81, 0xa1, 'a', 0x01))); /* [{}, {"a": 1}] */
    CHECK(!array_accepted(BYTES(0x80)));                             /* {} */
    CHECK(!array_accepted(BYTES(0x91, 0x81, 0x01, 0x01)));           /* [{1: 1}] */
    CHECK(!array_accepted(BYTES(0x92, 0x80)));                       /* truncated */
}

static void parse_refuses_keys_that_are_not_strings_at_any_depth(void)
{
    CHECK(refused(BYTES(0x81, 0x01, 0xa1, 'a')));                         /* {1: "a"} */
    CHECK(refused(BYTES(0x81, 0xc0, 0x01)));                              /* {nil: 1} */
    CHECK(refused(BYTES(0x81, 0xc4, 0x01, 'a', 0x01)));                   /* {bin "a": 1} */
    CHECK(refused(BYTES(0x81, 0x80, 0x01)));                              /* {{}: 1} */
    CHECK(refused(BYTES(0x81, 0x90, 0x01)));                              /* {[]: 1} */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0x81, 0xc3, 0xc3)));             /* {"a": {true: true}} */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0x91, 0x81, 0x02, 0x03)));       /* {"a": [{2: 3}]} */
    CHECK(refused(BYTES(0x82, 0xa1, 'a', 0x01, 0xff, 0x01)));             /* second key -1 */
    CHECK(accepted(BYTES(0x81, 0xa1, 'a', 0x91, 0x81, 0xa1, 'b', 0x03))); /* the same, good */
}

static void parse_refuses_the_never_used_byte_c1(void)
{
    CHECK(refused(BYTES(0xc1)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc1)));
    CHECK(refused(BYTES(0x81, 0xc1, 0x01)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0x92, 0x01, 0xc1)));
}

static void parse_refuses_every_ext_type(void)
{
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd4, 0x01, 0x00)));                   /* fixext1 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd5, 0x01, 0, 0)));                   /* fixext2 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd6, 0xff, 0, 0, 0, 0)));             /* timestamp32 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd7, 0x01, 0, 0, 0, 0, 0, 0, 0, 0))); /* fixext8 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                        0)));                                               /* fixext16 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc7, 0x01, 0x05, 'x')));          /* ext8 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc7, 0x00, 0x05)));               /* ext8, empty */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc8, 0x00, 0x01, 0x05, 'x')));    /* ext16 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc9, 0, 0, 0, 0x01, 0x05, 'x'))); /* ext32 */
    CHECK(refused(BYTES(0x81, 0xd4, 0x01, 0x00, 0x01)));                    /* ext as key */
}

static void parse_refuses_an_array32_header_claiming_16m_elements_without_allocating(void)
{
    /* Passing the declared size to msgpack-c would cost 256 MB: under ASan that aborts (see
     * __asan_default_options above); without it, it would still be slow. */
    CHECK(refused(BYTES(0xdd, 0x01, 0x00, 0x00, 0x00)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdd, 0x01, 0x00, 0x00, 0x00)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdd, 0x01, 0x00, 0x00, 0x00, 0xc0, 0xc0)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdd, 0xff, 0xff, 0xff, 0xff)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdc, 0xff, 0xff, 0x01)));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 10000; i++) refused(BYTES(0x81, 0xa1, 'a', 0xdd, 0x01, 0x00, 0x00, 0x00));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s >= 2.0) fprintf(stderr, "  10000 refusals took %.2f s\n", s);
    CHECK(s < 2.0);
}

/* Containers nested in each other, each claiming as many entries as bytes remain after it: each
 * fits alone, together they claim the message's length times its depth. Refused at the second,
 * having allocated for the first only: about 48 bytes for each byte of the message at most. */
static void parse_refuses_nested_claims_that_add_up_past_the_message(void)
{
    enum { LEN = 64 * 1024, LEVELS = 20 };
    unsigned char *msg = malloc(LEN);
    memset(msg, 0xc0, LEN); /* nils */
    for (size_t level = 0; level < LEVELS; level++) {
        unsigned char *h = msg + 5 * level;
        uint32_t left = (uint32_t)(LEN - 5 * (level + 1));
        h[0] = 0xdd; /* array32 of `left` entries */
        h[1] = (unsigned char)(left >> 24);
        h[2] = (unsigned char)(left >> 16);
        h[3] = (unsigned char)(left >> 8);
        h[4] = (unsigned char)left;
    }
    tp_arena arena;
    tp_arena_init(&arena, 0);
    msgpack_object root;
    CHECK(tp_decode(msg, LEN, TP_MSG_MAX_DEPTH, &arena, &root) == -1);
    CHECK(arena.used <= 48 * (size_t)LEN);
    tp_arena_free(&arena);
    tp_msg m;
    CHECK(tp_msg_parse(&m, msg, LEN) == -1);
    /* The same message with one level: its claim fits, every entry is there. */
    CHECK(tp_decode(msg + 5 * (LEVELS - 1), LEN - 5 * (LEVELS - 1), TP_MSG_MAX_DEPTH, &arena,
                    &root) == 0 &&
          root.via.array.size == LEN - 5 * LEVELS);
    tp_arena_free(&arena);
    free(msg);
}

static void parse_refuses_a_map32_claiming_2_to_the_31_entries(void)
{
    CHECK(refused(BYTES(0xdf, 0x80, 0x00, 0x00, 0x00)));
    CHECK(refused(BYTES(0xdf, 0x80, 0x00, 0x00, 0x00, 0xa1, 'a', 0x01)));
    CHECK(refused(BYTES(0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a', 0x01)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdf, 0x80, 0x00, 0x00, 0x00)));
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xde, 0xff, 0xff, 0xa1, 'b', 0x01)));
    /* A map needs two bytes a pair: one pair in three bytes is too many. */
    CHECK(refused(BYTES(0xdf, 0x00, 0x00, 0x00, 0x02, 0xa0, 0xc0, 0xa0)));
    CHECK(accepted(BYTES(0xdf, 0x00, 0x00, 0x00, 0x02, 0xa0, 0xc0, 0xa0, 0xc0)));
}

/* {"a": [[...[1]...]]} with `containers` levels of nesting counting the root map. */
static unsigned char *nested(size_t containers, size_t *len)
{
    *len = 3 + (containers - 1) + 1;
    unsigned char *p = tp_xmalloc(*len);
    p[0] = 0x81;
    p[1] = 0xa1;
    p[2] = 'a';
    memset(p + 3, 0x91, containers - 1);
    p[*len - 1] = 0x01;
    return p;
}

static void parse_accepts_max_depth_and_refuses_one_level_deeper(void)
{
    size_t n;
    unsigned char *p = nested(TP_MSG_MAX_DEPTH, &n);
    CHECK(accepted(p, n));
    free(p);
    size_t deeper[] = {TP_MSG_MAX_DEPTH + 1, 32, 33, 1000, 200000};
    for (size_t i = 0; i < sizeof deeper / sizeof deeper[0]; i++) {
        p = nested(deeper[i], &n);
        if (!refused(p, n)) fprintf(stderr, "  accepted depth %zu\n", deeper[i]);
        CHECK(refused(p, n));
        free(p);
    }
    /* The same with maps: {"a": {"a": ... 1}}. */
    unsigned char maps[3 * (TP_MSG_MAX_DEPTH + 1) + 1];
    for (int i = 0; i < TP_MSG_MAX_DEPTH + 1; i++)
        memcpy(maps + 3 * i,
               "\x81\xa1"
               "a",
               3);
    maps[sizeof maps - 1] = 0x01;
    CHECK(refused(maps, sizeof maps));
    CHECK(accepted(maps + 3, sizeof maps - 3));
}

static void parse_refuses_a_string_longer_than_the_input(void)
{
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdb, 0xff, 0xff, 0xff, 0xff, 'x')));  /* str32 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xdb, 0x00, 0x00, 0x00, 0x02, 'x')));  /* one short */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xda, 0x01, 0x00, 'x')));              /* str16 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xd9, 0x0a, 'a', 'b', 'c')));          /* str8 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xa5, 'a', 'b')));                     /* fixstr */
    CHECK(refused(BYTES(0x81, 0xa5, 'a', 'b')));                                /* key */
    CHECK(refused(BYTES(0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff, 'a', 0x01)));       /* key str32 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00))); /* bin32 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xc4, 0x02, 0x00)));                   /* bin8 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xcb, 0x00, 0x00)));                   /* float64 */
    CHECK(refused(BYTES(0x81, 0xa1, 'a', 0xcf, 0x00)));                         /* uint64 */
}

/* {"b": bin of n bytes} written by the writer: 12 bytes of overhead. */
static void write_big(tp_w *w, size_t n)
{
    char *payload = tp_xmalloc(n);
    memset(payload, 'z', n);
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_key(w, "b");
    tp_w_bin(w, payload, n);
    tp_w_map_end(w);
    free(payload);
}

static void parse_accepts_tp_msg_max_bytes_and_refuses_one_more(void)
{
    tp_w w;
    write_big(&w, TP_MSG_MAX - 12);
    CHECK(w.buf.len == TP_MSG_MAX);
    CHECK(accepted(w.buf.data, w.buf.len));
    tp_w_free(&w);
    write_big(&w, TP_MSG_MAX - 11);
    CHECK(w.buf.len == TP_MSG_MAX + 1);
    CHECK(refused(w.buf.data, w.buf.len));
    tp_w_free(&w);
}

/* ---- random mutation ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Reads everything a handler could read from an accepted message. */
static void read_everything(const msgpack_object *map)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        char *key = tp_str_dup((tp_str){k->via.str.size ? k->via.str.ptr : "", k->via.str.size});
        tp_str s;
        int64_t v;
        bool b;
        if (tp_get_str(map, key, 1 << 20, &s) == 0) CHECK(s.p != NULL && s.n <= 1 << 20);
        (void)tp_get_int(map, key, INT64_MIN, INT64_MAX, &v);
        (void)tp_get_bool(map, key, &b);
        (void)tp_opt_str(map, key, 8, &s);
        (void)tp_opt_int(map, key, -5, 5, 0, &v);
        (void)tp_opt_bool(map, key, true, &b);
        const msgpack_object *val = &map->via.map.ptr[i].val;
        if (val->type == MSGPACK_OBJECT_MAP) read_everything(val);
        free(key);
    }
}

/* The canonical encoding of a parsed message (caller frees). */
static char *reencode(const tp_msg *m, size_t *len)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_object(&w, m->root);
    return tp_buf_take(&w.buf, len);
}

static void parse_survives_20000_random_mutations_of_a_valid_message(void)
{
    tp_w w;
    write_sample(&w);
    const size_t base = w.buf.len, cap = base + 8;
    static const unsigned char interesting[] = {0x00, 0x7f, 0x80, 0x8f, 0x9f, 0xbf, 0xc0,
                                                0xc1, 0xc7, 0xcf, 0xd4, 0xd9, 0xdb, 0xdc,
                                                0xdd, 0xde, 0xdf, 0xe0, 0xff};
    unsigned char *work = tp_xmalloc(cap);
    int accepted_count = 0, refused_count = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(work, w.buf.data, base);
        size_t n = base;
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits && n > 0; e++) {
            size_t at = (size_t)(rng() % n);
            switch (rng() % 6) {
            case 0:
                work[at] = (unsigned char)rng();
                break;
            case 1:
                work[at] ^= (unsigned char)(1u << (rng() % 8));
                break;
            case 2:
                work[at] = interesting[rng() % sizeof interesting];
                break;
            case 3:
                n = at;
                break;
            case 4:
                if (n < cap) {
                    memmove(work + at + 1, work + at, n - at);
                    work[at] = (unsigned char)rng();
                    n++;
                }
                break;
            default:
                memmove(work + at, work + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        tp_msg m;
        if (parse(&m, work, n) != 0) {
            CHECK(m.root == NULL);
            refused_count++;
            continue;
        }
        accepted_count++;
        CHECK(m.root && m.root->type == MSGPACK_OBJECT_MAP);
        read_everything(m.root);
        /* What was accepted re-encodes to a message that is accepted and encodes the same. */
        size_t n1, n2;
        char *once = reencode(&m, &n1);
        tp_msg_free(&m);
        tp_msg again;
        int rc = parse(&again, once, n1);
        CHECK(rc == 0);
        if (rc == 0) {
            char *twice = reencode(&again, &n2);
            CHECK(n1 == n2 && memcmp(once, twice, n1) == 0);
            free(twice);
        }
        tp_msg_free(&again);
        free(once);
    }
    free(work);
    tp_w_free(&w);
    fprintf(stderr, "  mutations: %d accepted, %d refused\n", accepted_count, refused_count);
    CHECK(accepted_count > 1000 && refused_count > 1000);
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(writer_empty_map_is_a_map32_header_with_count_zero),
    CASE(map_get_next_starts_after_the_last_match_and_goes_round),
    CASE(key_is_sees_a_difference_at_every_byte_of_every_length),
    CASE(writer_encodes_as_msgpack_c_does_at_every_boundary),
    CASE(writer_patches_the_counts_of_nested_maps_and_arrays_when_they_close),
    CASE(writer_counts_a_container_inside_an_array_as_one_element),
    CASE(writer_key_value_helpers_write_the_expected_types),
    CASE(writer_object_copies_a_parsed_value_that_outlives_its_message),
    CASE(get_str_returns_the_bytes_and_enforces_maxlen_in_bytes),
    CASE(get_str_refuses_invalid_utf8_and_embedded_nul),
    CASE(getters_refuse_a_missing_key_and_every_other_type),
    CASE(get_int_checks_an_inclusive_range_for_positive_and_negative_values),
    CASE(get_int_reads_every_integer_encoding),
    CASE(get_int_refuses_a_uint64_above_int64_max),
    CASE(get_bool_reads_true_and_false_only),
    CASE(optional_getters_give_the_default_for_a_missing_key_or_nil),
    CASE(optional_getters_refuse_a_present_value_of_the_wrong_type_or_range),
    CASE(map_get_matches_whole_keys_and_returns_the_first_duplicate),
    CASE(str_helpers_compare_and_copy_exact_bytes),
    CASE(parse_accepts_every_value_encoding_we_do_not_refuse_by_design),
    CASE(parse_types_values_as_msgpack_c_does),
    CASE(parse_keeps_its_own_copy_of_the_bytes),
    CASE(parse_refuses_empty_input),
    CASE(parse_refuses_the_sample_truncated_at_every_byte),
    CASE(parse_refuses_trailing_bytes),
    CASE(parse_refuses_a_root_that_is_not_a_map),
    CASE(parse_array_accepts_only_an_array_root_with_string_keys),
    CASE(parse_refuses_keys_that_are_not_strings_at_any_depth),
    CASE(parse_refuses_the_never_used_byte_c1),
    CASE(parse_refuses_every_ext_type),
    CASE(parse_refuses_an_array32_header_claiming_16m_elements_without_allocating),
    CASE(parse_refuses_a_map32_claiming_2_to_the_31_entries),
    CASE(parse_refuses_nested_claims_that_add_up_past_the_message),
    CASE(parse_accepts_max_depth_and_refuses_one_level_deeper),
    CASE(parse_refuses_a_string_longer_than_the_input),
    CASE(parse_accepts_tp_msg_max_bytes_and_refuses_one_more),
    CASE(parse_survives_20000_random_mutations_of_a_valid_message),
};

CHECK_MAIN("tp_msg", cases)
