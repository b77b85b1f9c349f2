/* Unit tests for gateway/json.c: round trips, every way a body can be malformed, and escaping. */
#include "tp_json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "../check.h"
#include "tp_msg.h"
#include "tp_utf8.h"

/* Parses text[0..n) from an exact-size heap copy, so ASan catches any read past the end. */
static int parse_exact(const char *text, size_t n, tp_buf *out, char *err, size_t errlen)
{
    char *copy = tp_xmalloc(n);
    memcpy(copy, text, n);
    int rc = json_to_msgpack(copy, n, out, err, errlen);
    free(copy);
    return rc;
}

static int parse(const char *text, tp_buf *out, char *err, size_t errlen)
{
    return parse_exact(text, strlen(text), out, err, errlen);
}

/* msgpack bytes → JSON text (malloc'd), or NULL when they are not exactly one object. */
static char *msgpack_to_json(const char *data, size_t len)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    char *json = NULL;
    if (msgpack_unpack_next(&up, data, len, &off) == MSGPACK_UNPACK_SUCCESS && off == len) {
        tp_buf b = TP_BUF_INIT;
        json_from_msgpack(&up.data, &b);
        json = tp_buf_take(&b, NULL);
    }
    msgpack_unpacked_destroy(&up);
    return json;
}

/* JSON → msgpack → JSON; NULL when the first step fails. */
static char *roundtrip(const char *text)
{
    tp_buf b = TP_BUF_INIT;
    char err[128];
    char *json = NULL;
    if (parse(text, &b, err, sizeof err) == 0) json = msgpack_to_json(b.data, b.len);
    tp_buf_free(&b);
    return json;
}

/* The error message for text, or "" when it parsed. Not reentrant; fine for tests. */
static const char *error_of(const char *text, size_t n)
{
    static char err[160];
    tp_buf b = TP_BUF_INIT;
    err[0] = '\0';
    if (parse_exact(text, n, &b, err, sizeof err) == 0) err[0] = '\0';
    tp_buf_free(&b);
    return err;
}

static bool rejected(const char *text)
{
    return strncmp(error_of(text, strlen(text)), "invalid JSON", 12) == 0;
}

static bool rejected_with(const char *text, const char *fragment)
{
    const char *err = error_of(text, strlen(text));
    bool ok = strstr(err, fragment) != NULL;
    if (!ok) fprintf(stderr, "    for %s got \"%s\", want \"...%s...\"\n", text, err, fragment);
    return ok;
}

/* The one msgpack object text parses to, for inspecting types. */
typedef struct parsed {
    tp_buf bytes;
    msgpack_unpacked up;
    const msgpack_object *o;
} parsed;

static bool parse_object(const char *text, parsed *p)
{
    memset(p, 0, sizeof *p);
    msgpack_unpacked_init(&p->up);
    char err[128];
    if (parse(text, &p->bytes, err, sizeof err) != 0) return false;
    size_t off = 0;
    if (msgpack_unpack_next(&p->up, p->bytes.data, p->bytes.len, &off) != MSGPACK_UNPACK_SUCCESS)
        return false;
    p->o = &p->up.data;
    return off == p->bytes.len;
}

static void parsed_free(parsed *p)
{
    msgpack_unpacked_destroy(&p->up);
    tp_buf_free(&p->bytes);
}

/* A document touching every production of the grammar. */
static const char sample[] =
    " {\"name\": \"Ada \\\"the\\\" Countess\", \"id\": 42, \"neg\": -7, \"pi\": 3.14159,\n"
    "  \"exp\": -1.5e-3, \"big\": 18446744073709551615, \"ok\": true, \"no\": false,\n"
    "  \"none\": null, \"tags\": [\"caf\xc3\xa9\", \"\\u20ac\\ud83d\\ude00\", [], {}],\n"
    "  \"nested\": {\"a\": [1, [2, [3]]], \"e\": \"\\b\\f\\n\\r\\t\\/\\\\\"}} \r\n";

/* ---- round trips ---- */

static void test_sample_document_round_trips_to_canonical_json(void)
{
    char *json = roundtrip(sample);
    CHECK_STR_EQ(json, "{\"name\":\"Ada \\\"the\\\" Countess\",\"id\":42,\"neg\":-7,\"pi\":3.14159,"
                       "\"exp\":-0.0015,\"big\":18446744073709551615,\"ok\":true,\"no\":false,"
                       "\"none\":null,\"tags\":[\"caf\xc3\xa9\",\"\xe2\x82\xac\xf0\x9f\x98\x80\","
                       "[],{}],\"nested\":{\"a\":[1,[2,[3]]],"
                       "\"e\":\"\\u0008\\u000c\\u000a\\u000d\\u0009/\\\\\"}}");
    free(json);
}

static void test_canonical_output_parses_back_to_identical_msgpack(void)
{
    tp_buf first = TP_BUF_INIT, second = TP_BUF_INIT;
    char err[128];
    CHECK(parse(sample, &first, err, sizeof err) == 0);
    char *json = msgpack_to_json(first.data, first.len);
    CHECK(json != NULL);
    CHECK(json && parse(json, &second, err, sizeof err) == 0);
    CHECK(first.len == second.len && memcmp(first.data, second.data, first.len) == 0);
    free(json);
    tp_buf_free(&first);
    tp_buf_free(&second);
}

static void test_output_matches_msgpack_c_packing_byte_for_byte(void)
{
    tp_buf want = TP_BUF_INIT, got = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &want);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "a", 1);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_int64(&pk, -1);
    msgpack_pack_uint64(&pk, 300);
    msgpack_pack_str_with_body(&pk, "b", 1);
    msgpack_pack_double(&pk, 0.5);
    msgpack_pack_str_with_body(&pk, "c", 1);
    msgpack_pack_map(&pk, 0);
    char err[128];
    CHECK(parse("{\"a\":[-1,300],\"b\":0.5,\"c\":{}}", &got, err, sizeof err) == 0);
    CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
    tp_buf_free(&want);
    tp_buf_free(&got);
}

/* Array of n zeros: checks the header chosen for each size class and that the body survived. */
static void check_array_of(size_t n, unsigned char want_first)
{
    tp_buf text = TP_BUF_INIT, out = TP_BUF_INIT;
    tp_buf_putc(&text, '[');
    for (size_t i = 0; i < n; i++) tp_buf_puts(&text, i ? ",7" : "7");
    tp_buf_putc(&text, ']');
    char err[128];
    CHECK(json_to_msgpack(text.data, text.len, &out, err, sizeof err) == 0);
    CHECK(out.len > 0 && (unsigned char)out.data[0] == want_first);
    size_t header = want_first == 0xdc ? 3 : want_first == 0xdd ? 5 : 1;
    CHECK(out.len == header + n);
    bool all_seven = true;
    for (size_t i = header; i < out.len; i++) all_seven &= out.data[i] == 7;
    CHECK(all_seven);
    tp_buf_free(&text);
    tp_buf_free(&out);
}

static void test_container_headers_are_the_shortest_msgpack_form(void)
{
    check_array_of(0, 0x90);
    check_array_of(15, 0x9f);
    check_array_of(16, 0xdc);
    check_array_of(65535, 0xdc);
    check_array_of(65536, 0xdd);
    parsed p;
    CHECK(parse_object("{\"0\":0,\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,"
                       "\"9\":9,\"a\":10,\"b\":11,\"c\":12,\"d\":13,\"e\":14,\"f\":15}",
                       &p));
    CHECK((unsigned char)p.bytes.data[0] == 0xde && p.o->via.map.size == 16);
    parsed_free(&p);
}

static void test_integers_that_fit_64_bits_stay_integers(void)
{
    parsed p;
    CHECK(parse_object("[0, -0, 1, -1, 9223372036854775807, -9223372036854775808, "
                       "18446744073709551615, 9223372036854775808]",
                       &p));
    const msgpack_object *a = p.o->via.array.ptr;
    CHECK(a[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[0].via.u64 == 0);
    CHECK(a[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[1].via.u64 == 0);
    CHECK(a[2].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[2].via.u64 == 1);
    CHECK(a[3].type == MSGPACK_OBJECT_NEGATIVE_INTEGER && a[3].via.i64 == -1);
    CHECK(a[4].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[4].via.u64 == INT64_MAX);
    CHECK(a[5].type == MSGPACK_OBJECT_NEGATIVE_INTEGER && a[5].via.i64 == INT64_MIN);
    CHECK(a[6].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[6].via.u64 == UINT64_MAX);
    CHECK(a[7].type == MSGPACK_OBJECT_POSITIVE_INTEGER && a[7].via.u64 == 9223372036854775808u);
    parsed_free(&p);
}

static void test_numbers_beyond_64_bits_or_with_fraction_become_doubles(void)
{
    parsed p;
    CHECK(parse_object("[18446744073709551616, -9223372036854775809, 1.0, 1e2, 1E+2, 2.5e-1, "
                       "-0.0, 1e-400, 123456789012345678901234567890]",
                       &p));
    const msgpack_object *a = p.o->via.array.ptr;
    bool all_doubles = true;
    for (uint32_t i = 0; i < p.o->via.array.size; i++)
        all_doubles &= a[i].type == MSGPACK_OBJECT_FLOAT64;
    CHECK(all_doubles);
    CHECK(a[0].via.f64 == 18446744073709551616.0);
    CHECK(a[1].via.f64 == -9223372036854775809.0);
    CHECK(a[2].via.f64 == 1.0 && a[3].via.f64 == 100.0 && a[4].via.f64 == 100.0);
    CHECK(a[5].via.f64 == 0.25);
    CHECK(a[6].via.f64 == 0.0 && signbit(a[6].via.f64));
    CHECK(a[7].via.f64 == 0.0); /* underflow rounds to zero rather than failing */
    CHECK(a[8].via.f64 == 123456789012345678901234567890.0);
    parsed_free(&p);
}

static void test_escapes_decode_to_the_right_bytes(void)
{
    parsed p;
    CHECK(parse_object("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"",
                       &p));
    const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
    CHECK(p.o && p.o->type == MSGPACK_OBJECT_STR);
    CHECK(p.o && p.o->via.str.size == sizeof want - 1 &&
          memcmp(p.o->via.str.ptr, want, sizeof want - 1) == 0);
    parsed_free(&p);
}

static void test_raw_utf8_and_del_pass_through_strings(void)
{
    char *json = roundtrip("[\"\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89 \x7f\"]");
    CHECK_STR_EQ(json, "[\"\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89 \x7f\"]");
    free(json);
}

static void test_duplicate_keys_are_kept_in_order(void)
{
    char *json = roundtrip("{\"a\":1,\"a\":2}");
    CHECK_STR_EQ(json, "{\"a\":1,\"a\":2}");
    free(json);
}

static void test_scalars_are_accepted_at_top_level(void)
{
    char *a = roundtrip(" 7 "), *b = roundtrip("\"x\""), *c = roundtrip("null"),
         *d = roundtrip("\t\n\rfalse");
    CHECK_STR_EQ(a, "7");
    CHECK_STR_EQ(b, "\"x\"");
    CHECK_STR_EQ(c, "null");
    CHECK_STR_EQ(d, "false");
    free(a);
    free(b);
    free(c);
    free(d);
}

static void test_nesting_up_to_the_limit_is_accepted(void)
{
    tp_buf text = TP_BUF_INIT, out = TP_BUF_INIT;
    for (int i = 0; i < JSON_MAX_DEPTH; i++) tp_buf_puts(&text, i % 2 ? "{\"k\":" : "[");
    tp_buf_puts(&text, "1");
    for (int i = JSON_MAX_DEPTH - 1; i >= 0; i--) tp_buf_puts(&text, i % 2 ? "}" : "]");
    char err[128];
    CHECK(json_to_msgpack(text.data, text.len, &out, err, sizeof err) == 0);
    char *json = msgpack_to_json(out.data, out.len);
    CHECK_STR_EQ(json, text.data);
    free(json);
    tp_buf_free(&text);
    tp_buf_free(&out);
}

static void test_parsing_appends_to_what_out_already_holds(void)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "keep");
    char err[128];
    CHECK(parse("[1]", &out, err, sizeof err) == 0);
    CHECK(out.len == 6 && memcmp(out.data, "keep\x91\x01", 6) == 0);
    tp_buf_free(&out);
}

/* ---- malformed input ---- */

static void test_every_truncation_of_the_sample_is_rejected(void)
{
    size_t n = sizeof sample - 1;
    /* Trailing whitespace may go; the last byte of the value may not. */
    size_t value_end = n;
    while (strchr(" \t\r\n", sample[value_end - 1])) value_end--;
    int wrong = 0;
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "prefix");
    for (size_t i = 0; i < n; i++) {
        char err[128] = "";
        int rc = parse_exact(sample, i, &out, err, sizeof err);
        bool want_ok = i >= value_end;
        if ((rc == 0) != want_ok) {
            fprintf(stderr, "    truncated at %zu: rc %d (%s)\n", i, rc, err);
            wrong++;
        }
        if (rc != 0 && strncmp(err, "invalid JSON", 12) != 0) wrong++;
        if (rc != 0 && (out.len != 6 || strcmp(out.data, "prefix") != 0)) wrong++;
        out.len = 6;
        out.data[6] = '\0';
    }
    CHECK(wrong == 0);
    tp_buf_free(&out);
}

static void test_truncation_inside_a_token_says_end_of_input(void)
{
    static const char *const cuts[] = {
        "",         "  ",   "[",       "[1,",       "{",           "{\"a\"",       "{\"a\":",
        "\"abc",    "\"\\", "\"\\u12", "\"\\ud83d", "\"\\ud83d\\", "\"\\ud83d\\u", "tr",
        "nul",      "fals", "-",       "1.",        "1e",          "1e+",          "[true",
        "{\"a\":1",
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        CHECK(rejected_with(cuts[i], "unexpected end of input"));
}

static void test_error_message_names_the_byte_and_the_problem(void)
{
    CHECK_STR_EQ(error_of("{\"a\" 1}", 7), "invalid JSON at byte 5: expected ':'");
    CHECK_STR_EQ(error_of("[1 2]", 5), "invalid JSON at byte 3: expected ',' or ']'");
    CHECK_STR_EQ(error_of("{\"a\":1 \"b\"}", 11), "invalid JSON at byte 7: expected ',' or '}'");
    CHECK_STR_EQ(error_of("{a:1}", 5), "invalid JSON at byte 1: expected a string key");
    CHECK_STR_EQ(error_of("[1,]", 4), "invalid JSON at byte 3: expected a value");
    CHECK_STR_EQ(error_of("1 2", 3), "invalid JSON at byte 2: unexpected data after the value");
    CHECK_STR_EQ(error_of("[1", 2), "invalid JSON at byte 2: unexpected end of input");
    CHECK_STR_EQ(error_of("\"\xff\"", 3), "invalid JSON: not valid UTF-8");
}

static void test_error_buffer_may_be_null_or_tiny(void)
{
    tp_buf out = TP_BUF_INIT;
    CHECK(json_to_msgpack("[", 1, &out, NULL, 0) == -1);
    char tiny[8];
    CHECK(json_to_msgpack("[", 1, &out, tiny, sizeof tiny) == -1);
    CHECK(strcmp(tiny, "invalid") == 0);
    CHECK(json_to_msgpack("\xff", 1, &out, NULL, 0) == -1);
    CHECK(json_to_msgpack(NULL, 0, &out, NULL, 0) == -1);
    tp_buf_free(&out);
}

static void test_structural_errors_are_rejected(void)
{
    static const char *const bad[] = {
        "[1,]",
        "{\"a\":1,}",
        "[1 2]",
        "{\"a\" 1}",
        "{a:1}",
        "{1:2}",
        "{\"a\":}",
        "]",
        "}",
        "[}",
        "{]",
        "1 2",
        "{} {}",
        "\"a\" x",
        "'a'",
        "[,1]",
        "{,}",
        "[1,,2]",
        "{\"a\"::1}",
        ",",
        ":",
        "[1]]",
        "{\"a\":1}}",
        "\v1",
        "\f1",
        "1\v",
        "\xc2\xa0"
        "1",
        "\xef\xbb\xbf"
        "1", /* byte-order mark */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool ok = rejected(bad[i]);
        if (!ok) fprintf(stderr, "    accepted: %s\n", bad[i]);
        CHECK(ok);
    }
}

static void test_nul_byte_after_the_value_is_trailing_garbage(void)
{
    CHECK(strstr(error_of("1\0", 2), "byte 1: unexpected data after the value") != NULL);
    CHECK(strstr(error_of("\0", 1), "byte 0: expected a value") != NULL);
}

static void test_bad_literals_are_rejected(void)
{
    static const char *const bad[] = {"tru", "True", "TRUE", "nul",       "nulll", "falsey",
                                      "f",   "nil",  "None", "undefined", "t rue"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(rejected(bad[i]));
}

static void test_bad_numbers_are_rejected(void)
{
    CHECK(rejected_with("01", "leading zero"));
    CHECK(rejected_with("-01", "leading zero"));
    CHECK(rejected_with("[00]", "leading zero"));
    CHECK(rejected_with("1.", "unexpected end of input"));
    CHECK(rejected_with("[1.]", "expected a digit after '.'"));
    CHECK(rejected_with("[1.e5]", "expected a digit after '.'"));
    CHECK(rejected_with(".5", "expected a value"));
    CHECK(rejected_with("+1", "expected a value"));
    CHECK(rejected_with("[-]", "expected a digit"));
    CHECK(rejected_with("--1", "expected a digit"));
    CHECK(rejected_with("-a", "expected a digit"));
    CHECK(rejected_with("[1e]", "expected a digit in exponent"));
    CHECK(rejected_with("[1e+]", "expected a digit in exponent"));
    CHECK(rejected_with("NaN", "expected a value"));
    CHECK(rejected_with("Infinity", "expected a value"));
    CHECK(rejected_with("-Infinity", "expected a digit"));
    CHECK(rejected_with("[-NaN]", "expected a digit"));
    CHECK(rejected_with("0x10", "unexpected data after the value"));
    CHECK(rejected_with("1.5.2", "unexpected data after the value"));
    CHECK(rejected_with("1_000", "unexpected data after the value"));
    CHECK(rejected_with("1e400", "number too large"));
    CHECK(rejected_with("-1e400", "number too large"));
}

static void test_huge_numbers_are_doubles_until_they_overflow(void)
{
    tp_buf text = TP_BUF_INIT;
    tp_buf_putc(&text, '1');
    for (int i = 0; i < 300; i++) tp_buf_putc(&text, '0');
    parsed p;
    CHECK(parse_object(text.data, &p));
    CHECK(p.o && p.o->type == MSGPACK_OBJECT_FLOAT64 && p.o->via.f64 == 1e300);
    parsed_free(&p);
    for (int i = 0; i < 100; i++) tp_buf_putc(&text, '0');
    CHECK(rejected_with(text.data, "number too large"));
    /* A very long fraction or exponent still reads as one finite number. */
    tp_buf_reset(&text);
    tp_buf_puts(&text, "0.");
    for (int i = 0; i < 5000; i++) tp_buf_putc(&text, '3');
    tp_buf_puts(&text, "e-00000000000000000000000001");
    CHECK(parse_object(text.data, &p));
    CHECK(p.o && p.o->type == MSGPACK_OBJECT_FLOAT64 && fabs(p.o->via.f64 - 1.0 / 30) < 1e-15);
    parsed_free(&p);
    tp_buf_free(&text);
}

static void test_bad_escapes_are_rejected(void)
{
    CHECK(rejected_with("\"\\x\"", "invalid escape"));
    CHECK(rejected_with("\"\\'\"", "invalid escape"));
    CHECK(rejected_with("\"\\a\"", "invalid escape"));
    CHECK(rejected_with("\"\\0\"", "invalid escape"));
    CHECK(rejected_with("\"\\U0041\"", "invalid escape"));
    CHECK(rejected_with("\"\\\xc3\xa9\"", "invalid escape"));
    CHECK(rejected_with("\"\\u12G4\"", "invalid \\u escape"));
    CHECK(rejected_with("\"\\u\"", "invalid \\u escape"));
    CHECK(rejected_with("\"\\u-123\"", "invalid \\u escape"));
    CHECK(rejected_with("\"\\u 123\"", "invalid \\u escape"));
    CHECK(rejected_with("\"\\ud800\\uZZZZ\"", "invalid \\u escape"));
}

static void test_lone_surrogates_are_rejected(void)
{
    CHECK(rejected_with("\"\\ud800\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\udbff\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\udc00\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\udfff\\ud800\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\ud800x\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\ud800\\n\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\ud800\\u0041\"", "unpaired surrogate"));
    CHECK(rejected_with("\"\\ud800\\ud800\"", "unpaired surrogate"));
    char *json = roundtrip("\"\\udbff\\udfff\""); /* U+10FFFF, the highest pair */
    CHECK_STR_EQ(json, "\"\xf4\x8f\xbf\xbf\"");
    free(json);
}

static void test_raw_control_characters_in_strings_are_rejected(void)
{
    int wrong = 0;
    for (int c = 0; c < 0x20; c++) {
        char text[4] = {'"', (char)c, '"', '\0'};
        if (!strstr(error_of(text, 3), "byte 1: control character in string")) wrong++;
    }
    CHECK(wrong == 0);
}

static void test_invalid_utf8_is_rejected_anywhere(void)
{
    CHECK(rejected_with("\"\xc0\xaf\"", "not valid UTF-8"));         /* overlong */
    CHECK(rejected_with("\"\xed\xa0\x80\"", "not valid UTF-8"));     /* encoded surrogate */
    CHECK(rejected_with("\"\xf4\x90\x80\x80\"", "not valid UTF-8")); /* above U+10FFFF */
    CHECK(rejected_with("\"caf\xc3\"", "not valid UTF-8"));          /* truncated */
    CHECK(rejected_with("\"\x80\"", "not valid UTF-8"));             /* stray continuation */
    CHECK(rejected_with("[1]\xff", "not valid UTF-8"));              /* outside a string */
    CHECK(rejected_with("{\"k\xfe\":1}", "not valid UTF-8"));        /* in a key */
}

static void test_deep_nesting_is_rejected_without_recursing_deeply(void)
{
    tp_buf text = TP_BUF_INIT;
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) tp_buf_putc(&text, '[');
    for (int i = 0; i <= JSON_MAX_DEPTH; i++) tp_buf_putc(&text, ']');
    CHECK(rejected_with(text.data, "byte 24: nested too deeply"));
    tp_buf_reset(&text);
    for (int i = 0; i < 1000; i++) tp_buf_putc(&text, '[');
    CHECK(rejected_with(text.data, "nested too deeply"));
    for (int i = 0; i < 1000; i++) tp_buf_putc(&text, ']');
    CHECK(rejected_with(text.data, "nested too deeply"));
    tp_buf_reset(&text);
    for (int i = 0; i < 1000; i++) tp_buf_puts(&text, "{\"a\":");
    tp_buf_puts(&text, "1");
    for (int i = 0; i < 1000; i++) tp_buf_putc(&text, '}');
    CHECK(rejected_with(text.data, "nested too deeply"));
    tp_buf_free(&text);
}

/* A small deterministic generator so a failure reproduces. */
static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static void test_mutated_documents_never_crash_and_accepted_ones_are_stable(void)
{
    static const char alphabet[] = "{}[]\":,.-+eE0123456789\\ubfnrt \x7f\x00\x1f\xc3\xa9\xed\xff";
    uint32_t state = 12345;
    size_t n = sizeof sample - 1;
    int unstable = 0, accepted = 0;
    char *doc = tp_xmalloc(n + 8);
    for (int round = 0; round < 20000; round++) {
        memcpy(doc, sample, n);
        size_t len = n;
        int edits = 1 + (int)(next_random(&state) % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = next_random(&state) % len;
            char byte = alphabet[next_random(&state) % (sizeof alphabet - 1)];
            switch (next_random(&state) % 3) {
            case 0: /* replace */
                doc[at] = byte;
                break;
            case 1: /* delete */
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
                break;
            default: /* insert */
                memmove(doc + at + 1, doc + at, len - at);
                doc[at] = byte;
                len++;
                break;
            }
            if (len < 2 || len > n + 4) break;
        }
        tp_buf first = TP_BUF_INIT, second = TP_BUF_INIT;
        char err[128];
        if (parse_exact(doc, len, &first, err, sizeof err) == 0) {
            accepted++;
            char *json = msgpack_to_json(first.data, first.len);
            if (!json || parse(json, &second, err, sizeof err) != 0 || first.len != second.len ||
                memcmp(first.data, second.data, first.len) != 0)
                unstable++;
            free(json);
        } else if (strncmp(err, "invalid JSON", 12) != 0) {
            unstable++;
        }
        tp_buf_free(&first);
        tp_buf_free(&second);
    }
    free(doc);
    CHECK(unstable == 0);
    CHECK(accepted > 100); /* the mutations do leave some documents valid */
}

/* ---- msgpack → JSON ---- */

/* Packs what build() writes, renders it, and returns the JSON (malloc'd). */
static char *render(void (*build)(msgpack_packer *pk))
{
    tp_buf b = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &b);
    build(&pk);
    char *json = msgpack_to_json(b.data, b.len);
    tp_buf_free(&b);
    return json;
}

static char *render_str(const char *s, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &b);
    msgpack_pack_str_with_body(&pk, s, n);
    char *json = msgpack_to_json(b.data, b.len);
    tp_buf_free(&b);
    return json;
}

static char *render_double(double d)
{
    tp_buf b = TP_BUF_INIT;
    msgpack_packer pk;
    tp_packer_init(&pk, &b);
    msgpack_pack_double(&pk, d);
    char *json = msgpack_to_json(b.data, b.len);
    tp_buf_free(&b);
    return json;
}

#define CHECK_RENDERS_STR(lit, want)                                                               \
    do {                                                                                           \
        char *json_ = render_str(lit, sizeof(lit) - 1);                                            \
        CHECK_STR_EQ(json_, want);                                                                 \
        free(json_);                                                                               \
    } while (0)

#define CHECK_RENDERS_DOUBLE(d, want)                                                              \
    do {                                                                                           \
        char *json_ = render_double(d);                                                            \
        CHECK_STR_EQ(json_, want);                                                                 \
        free(json_);                                                                               \
    } while (0)

static void test_html_significant_characters_are_escaped(void)
{
    CHECK_RENDERS_STR("</script><b a=\"x\">&amp;", "\"\\u003c/script\\u003e\\u003cb a=\\\"x\\\""
                                                   "\\u003e\\u0026amp;\"");
    CHECK_RENDERS_STR("back\\slash", "\"back\\\\slash\"");
    CHECK_RENDERS_STR("'single' /slash/", "\"'single' /slash/\"");
}

static void test_control_characters_are_escaped_as_u00xx(void)
{
    CHECK_RENDERS_STR("\x00\x01\b\t\n\x0b\f\r\x1b\x1f\x7f",
                      "\"\\u0000\\u0001\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u001b\\u001f"
                      "\x7f\"");
}

static void test_line_and_paragraph_separators_are_escaped(void)
{
    CHECK_RENDERS_STR("a\xe2\x80\xa8"
                      "b\xe2\x80\xa9"
                      "c\xe2\x80\xaa",
                      "\"a\\u2028b\\u2029c\xe2\x80\xaa\"");
}

static void test_invalid_utf8_becomes_replacement_characters(void)
{
    CHECK_RENDERS_STR("a\xff"
                      "b",
                      "\"a\xef\xbf\xbd"
                      "b\"");
    CHECK_RENDERS_STR("\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\"");                 /* truncated */
    CHECK_RENDERS_STR("\xc0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\"");                 /* overlong */
    CHECK_RENDERS_STR("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    CHECK_RENDERS_STR("\xe2\x82<", "\"\xef\xbf\xbd\xef\xbf\xbd\\u003c\"");         /* resyncs */
    CHECK_RENDERS_STR("\xc3\xa9\x80\xc3\xa9", "\"\xc3\xa9\xef\xbf\xbd\xc3\xa9\"");
    /* Whatever the bytes, the output is valid UTF-8 that parses back. */
    int wrong = 0;
    for (unsigned i = 0; i < 0x10000; i++) {
        char s[3] = {(char)(i >> 8), (char)i, '"'};
        char *json = render_str(s, sizeof s);
        tp_buf b = TP_BUF_INIT;
        if (!json || !tp_utf8_valid(json, strlen(json)) || parse(json, &b, NULL, 0) != 0) wrong++;
        tp_buf_free(&b);
        free(json);
    }
    CHECK(wrong == 0);
}

static void test_doubles_use_the_shortest_text_that_reads_back(void)
{
    CHECK_RENDERS_DOUBLE(0.1, "0.1");
    CHECK_RENDERS_DOUBLE(1.0, "1.0");
    CHECK_RENDERS_DOUBLE(-0.0, "-0.0");
    CHECK_RENDERS_DOUBLE(100.0, "100.0");
    CHECK_RENDERS_DOUBLE(1e300, "1e+300");
    CHECK_RENDERS_DOUBLE(1.0 / 3, "0.3333333333333333");
    CHECK_RENDERS_DOUBLE(0.1 + 0.2, "0.30000000000000004");
    CHECK_RENDERS_DOUBLE(5e-324, "4.94065645841247e-324"); /* 15 digits already read back */
    CHECK_RENDERS_DOUBLE(1.7976931348623157e308, "1.7976931348623157e+308");
    CHECK_RENDERS_DOUBLE(NAN, "null");
    CHECK_RENDERS_DOUBLE(INFINITY, "null");
    CHECK_RENDERS_DOUBLE(-INFINITY, "null");
}

static void test_doubles_read_back_bit_for_bit(void)
{
    uint32_t state = 99;
    int wrong = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = (uint64_t)next_random(&state) << 40 ^ (uint64_t)next_random(&state) << 16 ^
                        next_random(&state);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d)) continue;
        char *json = render_double(d);
        parsed p;
        bool ok = json && parse_object(json, &p) && p.o->type == MSGPACK_OBJECT_FLOAT64 &&
                  memcmp(&p.o->via.f64, &d, sizeof d) == 0;
        if (json) parsed_free(&p);
        if (!ok) wrong++;
        free(json);
    }
    CHECK(wrong == 0);
}

static void pack_float32(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_float(pk, 0.1f);
    msgpack_pack_float(pk, 3.0f);
    msgpack_pack_float(pk, 16777217.0f);
}

static void test_float32_is_written_at_float_precision(void)
{
    char *json = render(pack_float32);
    CHECK_STR_EQ(json, "[0.1,3.0,16777216.0]");
    free(json);
}

static void pack_scalars(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 9);
    msgpack_pack_nil(pk);
    msgpack_pack_true(pk);
    msgpack_pack_false(pk);
    msgpack_pack_int64(pk, INT64_MIN);
    msgpack_pack_uint64(pk, UINT64_MAX);
    msgpack_pack_int64(pk, 0);
    msgpack_pack_bin_with_body(pk, "\x01\x02", 2);
    msgpack_pack_ext_with_body(pk, "\x01", 1, 5);
    msgpack_pack_array(pk, 0);
}

static void test_scalars_bin_and_ext_are_written(void)
{
    char *json = render(pack_scalars);
    CHECK_STR_EQ(json,
                 "[null,true,false,-9223372036854775808,18446744073709551615,0,null,null,[]]");
    free(json);
}

static void pack_odd_keys(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 7);
    msgpack_pack_int64(pk, 1);
    msgpack_pack_str_with_body(pk, "one", 3);
    msgpack_pack_int64(pk, -2);
    msgpack_pack_nil(pk);
    msgpack_pack_nil(pk);
    msgpack_pack_int64(pk, 3);
    msgpack_pack_true(pk);
    msgpack_pack_int64(pk, 4);
    msgpack_pack_double(pk, 0.5);
    msgpack_pack_int64(pk, 5);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int64(pk, 1);
    msgpack_pack_str_with_body(pk, "<x>", 3);
    msgpack_pack_map(pk, 0);
    msgpack_pack_map(pk, 1);
    msgpack_pack_int64(pk, 9);
    msgpack_pack_bin_with_body(pk, "z", 1);
    msgpack_pack_map(pk, 0);
}

static void test_non_string_keys_are_written_as_their_json_in_quotes(void)
{
    char *json = render(pack_odd_keys);
    CHECK_STR_EQ(json, "{\"1\":\"one\",\"-2\":null,\"null\":3,\"true\":4,\"0.5\":5,"
                       "\"[1,\\\"\\\\u003cx\\\\u003e\\\"]\":{},\"{\\\"9\\\":null}\":{}}");
    free(json);
}

static void test_writing_appends_to_what_out_already_holds(void)
{
    msgpack_object nil = {.type = MSGPACK_OBJECT_NIL};
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "x=");
    json_from_msgpack(&nil, &out);
    CHECK_STR_EQ(out.data, "x=null");
    tp_buf_free(&out);
}

static const check_case cases[] = {
    {"sample_document_round_trips_to_canonical_json",
     test_sample_document_round_trips_to_canonical_json},
    {"canonical_output_parses_back_to_identical_msgpack",
     test_canonical_output_parses_back_to_identical_msgpack},
    {"output_matches_msgpack_c_packing_byte_for_byte",
     test_output_matches_msgpack_c_packing_byte_for_byte},
    {"container_headers_are_the_shortest_msgpack_form",
     test_container_headers_are_the_shortest_msgpack_form},
    {"integers_that_fit_64_bits_stay_integers", test_integers_that_fit_64_bits_stay_integers},
    {"numbers_beyond_64_bits_or_with_fraction_become_doubles",
     test_numbers_beyond_64_bits_or_with_fraction_become_doubles},
    {"escapes_decode_to_the_right_bytes", test_escapes_decode_to_the_right_bytes},
    {"raw_utf8_and_del_pass_through_strings", test_raw_utf8_and_del_pass_through_strings},
    {"duplicate_keys_are_kept_in_order", test_duplicate_keys_are_kept_in_order},
    {"scalars_are_accepted_at_top_level", test_scalars_are_accepted_at_top_level},
    {"nesting_up_to_the_limit_is_accepted", test_nesting_up_to_the_limit_is_accepted},
    {"parsing_appends_to_what_out_already_holds", test_parsing_appends_to_what_out_already_holds},
    {"every_truncation_of_the_sample_is_rejected", test_every_truncation_of_the_sample_is_rejected},
    {"truncation_inside_a_token_says_end_of_input",
     test_truncation_inside_a_token_says_end_of_input},
    {"error_message_names_the_byte_and_the_problem",
     test_error_message_names_the_byte_and_the_problem},
    {"error_buffer_may_be_null_or_tiny", test_error_buffer_may_be_null_or_tiny},
    {"structural_errors_are_rejected", test_structural_errors_are_rejected},
    {"nul_byte_after_the_value_is_trailing_garbage",
     test_nul_byte_after_the_value_is_trailing_garbage},
    {"bad_literals_are_rejected", test_bad_literals_are_rejected},
    {"bad_numbers_are_rejected", test_bad_numbers_are_rejected},
    {"huge_numbers_are_doubles_until_they_overflow",
     test_huge_numbers_are_doubles_until_they_overflow},
    {"bad_escapes_are_rejected", test_bad_escapes_are_rejected},
    {"lone_surrogates_are_rejected", test_lone_surrogates_are_rejected},
    {"raw_control_characters_in_strings_are_rejected",
     test_raw_control_characters_in_strings_are_rejected},
    {"invalid_utf8_is_rejected_anywhere", test_invalid_utf8_is_rejected_anywhere},
    {"deep_nesting_is_rejected_without_recursing_deeply",
     test_deep_nesting_is_rejected_without_recursing_deeply},
    {"mutated_documents_never_crash_and_accepted_ones_are_stable",
     test_mutated_documents_never_crash_and_accepted_ones_are_stable},
    {"html_significant_characters_are_escaped", test_html_significant_characters_are_escaped},
    {"control_characters_are_escaped_as_u00xx", test_control_characters_are_escaped_as_u00xx},
    {"line_and_paragraph_separators_are_escaped", test_line_and_paragraph_separators_are_escaped},
    {"invalid_utf8_becomes_replacement_characters",
     test_invalid_utf8_becomes_replacement_characters},
    {"doubles_use_the_shortest_text_that_reads_back",
     test_doubles_use_the_shortest_text_that_reads_back},
    {"doubles_read_back_bit_for_bit", test_doubles_read_back_bit_for_bit},
    {"float32_is_written_at_float_precision", test_float32_is_written_at_float_precision},
    {"scalars_bin_and_ext_are_written", test_scalars_bin_and_ext_are_written},
    {"non_string_keys_are_written_as_their_json_in_quotes",
     test_non_string_keys_are_written_as_their_json_in_quotes},
    {"writing_appends_to_what_out_already_holds", test_writing_appends_to_what_out_already_holds},
};

CHECK_MAIN("json", cases)
