/* Unit tests for gateway/form.c: every input is copied into an exact-size heap buffer with no
 * trailing NUL, so ASan catches any read past the given length. */
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../check.h"
#include "../../../gateway/form.h"

#define LIT(s) s, sizeof(s) - 1

/* A heap copy of s[0..n) with nothing after it. */
static char *exact(const char *s, size_t n)
{
    char *p = tp_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static enum form_err parse(const char *s, size_t n, form *f)
{
    char *p = exact(s, n);
    enum form_err e = form_parse(p, n, f);
    free(p);
    return e;
}

/* Parses, expects err, and checks that a failed parse leaves the form empty. */
static bool parse_fails_with(const char *s, size_t n, enum form_err want)
{
    form f = {(form_field *)1, 99};
    enum form_err got = parse(s, n, &f);
    bool ok = got == want && f.fields == NULL && f.count == 0;
    if (!ok) fprintf(stderr, "  input \"%.*s\": got error %d, want %d\n", (int)n, s, got, want);
    form_free(&f);
    return ok;
}

/* "<prefix>" followed by n copies of `unit`. */
static char *repeat(const char *prefix, const char *unit, size_t n, size_t *len)
{
    size_t pl = strlen(prefix), ul = strlen(unit);
    *len = pl + ul * n;
    char *s = tp_xmalloc(*len);
    memcpy(s, prefix, pl);
    for (size_t i = 0; i < n; i++) memcpy(s + pl + i * ul, unit, ul);
    return s;
}

/* ---- form_parse ---- */

static void form_decodes_plus_as_space_and_percent_escapes_as_bytes(void)
{
    form f;
    CHECK(parse(LIT("name=J%C3%A9r%C3%B4me+Dupont&sym=%2B%26%3d%25"), &f) == FORM_OK);
    CHECK(f.count == 2);
    CHECK_STR_EQ(form_get(&f, "name"), "J\xc3\xa9r\xc3\xb4me Dupont");
    CHECK(f.fields[0].value_len == strlen("J\xc3\xa9r\xc3\xb4me Dupont"));
    CHECK_STR_EQ(form_get(&f, "sym"), "+&=%");
    form_free(&f);
}

static void form_decodes_names_as_well_as_values(void)
{
    form f;
    CHECK(parse(LIT("tag%5B%5D=a&first+name=Ada"), &f) == FORM_OK);
    CHECK_STR_EQ(form_get(&f, "tag[]"), "a");
    CHECK_STR_EQ(form_get(&f, "first name"), "Ada");
    CHECK(f.fields[0].name_len == 5);
    form_free(&f);
}

static void form_keeps_fields_in_order_and_get_returns_the_first(void)
{
    form f;
    CHECK(parse(LIT("a=1&b=2&a=3"), &f) == FORM_OK);
    CHECK(f.count == 3);
    CHECK_STR_EQ(f.fields[2].name, "a");
    CHECK_STR_EQ(f.fields[2].value, "3");
    CHECK_STR_EQ(form_get(&f, "a"), "1");
    CHECK_STR_EQ(form_get(&f, "b"), "2");
    form_free(&f);
}

static void form_skips_empty_pieces(void)
{
    form f;
    CHECK(parse(LIT("&a=1&&b=2&"), &f) == FORM_OK);
    CHECK(f.count == 2);
    CHECK_STR_EQ(form_get(&f, "b"), "2");
    form_free(&f);
    CHECK(parse(LIT("&&&"), &f) == FORM_OK);
    CHECK(f.count == 0 && f.fields == NULL);
    form_free(&f);
    CHECK(form_parse(NULL, 0, &f) == FORM_OK);
    CHECK(f.count == 0);
    form_free(&f);
}

static void form_piece_without_equals_is_a_name_with_an_empty_value(void)
{
    form f;
    CHECK(parse(LIT("remember&x=1&empty="), &f) == FORM_OK);
    CHECK(f.count == 3);
    CHECK(form_has(&f, "remember"));
    CHECK_STR_EQ(form_get(&f, "remember"), "");
    CHECK(f.fields[0].value_len == 0);
    CHECK_STR_EQ(form_get(&f, "empty"), "");
    form_free(&f);
}

static void form_splits_each_piece_on_its_first_equals_only(void)
{
    form f;
    CHECK(parse(LIT("a=b=c&=v"), &f) == FORM_OK);
    CHECK_STR_EQ(form_get(&f, "a"), "b=c");
    CHECK_STR_EQ(form_get(&f, ""), "v");
    form_free(&f);
}

static void form_get_and_has_answer_no_for_missing_names(void)
{
    form f;
    CHECK(parse(LIT("a=1"), &f) == FORM_OK);
    CHECK(form_get(&f, "b") == NULL);
    CHECK(!form_has(&f, "b"));
    CHECK(!form_has(&f, "A"));
    CHECK(form_get(&f, NULL) == NULL);
    form_free(&f);
    form empty = {NULL, 0};
    CHECK(!form_has(&empty, "a"));
    CHECK(form_get(NULL, "a") == NULL);
    form_free(&empty);
    form_free(NULL);
}

static void form_accepts_raw_utf8_and_escaped_four_byte_characters(void)
{
    form f;
    CHECK(parse(LIT("city=Z\xc3\xbcrich&emoji=%F0%9F%98%80"), &f) == FORM_OK);
    CHECK_STR_EQ(form_get(&f, "city"), "Z\xc3\xbcrich");
    CHECK_STR_EQ(form_get(&f, "emoji"), "\xf0\x9f\x98\x80");
    form_free(&f);
}

static void form_rejects_truncated_and_non_hex_escapes(void)
{
    CHECK(parse_fails_with(LIT("%"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%4"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%4&b=1"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%zz"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%4g"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=%%41"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("%4=1"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=1&b=2%"), FORM_BAD_ENCODING));
}

static void form_rejects_nul_escaped_or_raw(void)
{
    CHECK(parse_fails_with(LIT("a=%00"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=x%00y"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("%00=1"), FORM_BAD_ENCODING));
    CHECK(parse_fails_with(LIT("a=x\0y"), FORM_BAD_ENCODING));
}

static void form_rejects_overlong_surrogate_and_broken_utf8(void)
{
    CHECK(parse_fails_with(LIT("a=%C0%AF"), FORM_BAD_UTF8));       /* overlong '/' */
    CHECK(parse_fails_with(LIT("%C0%AF=1"), FORM_BAD_UTF8));       /* in a name */
    CHECK(parse_fails_with(LIT("a=%E0%80%AF"), FORM_BAD_UTF8));    /* three-byte overlong */
    CHECK(parse_fails_with(LIT("a=%ED%A0%80"), FORM_BAD_UTF8));    /* surrogate U+D800 */
    CHECK(parse_fails_with(LIT("a=%F4%90%80%80"), FORM_BAD_UTF8)); /* above U+10FFFF */
    CHECK(parse_fails_with(LIT("a=%E2%82"), FORM_BAD_UTF8));       /* cut short */
    CHECK(parse_fails_with(LIT("a=\xff"), FORM_BAD_UTF8));         /* raw */
    CHECK(parse_fails_with(LIT("a=%C3%A9%C3"), FORM_BAD_UTF8));    /* cut at the end */
}

static void form_allows_64_fields_and_rejects_65(void)
{
    size_t n;
    char *s = repeat("", "f=1&", FORM_MAX_FIELDS, &n);
    form f;
    CHECK(parse(s, n, &f) == FORM_OK);
    CHECK(f.count == FORM_MAX_FIELDS);
    form_free(&f);
    free(s);

    s = repeat("", "f=1&", FORM_MAX_FIELDS + 1, &n);
    CHECK(parse_fails_with(s, n - 1, FORM_TOO_MANY_FIELDS)); /* without the last '&' */
    free(s);
    s = repeat("", "&&f", FORM_MAX_FIELDS + 1, &n); /* empty pieces do not count */
    CHECK(parse_fails_with(s, n, FORM_TOO_MANY_FIELDS));
    free(s);
}

static void form_allows_a_65536_byte_value_and_rejects_one_byte_more(void)
{
    size_t n;
    char *s = repeat("v=", "x", FORM_MAX_VALUE, &n);
    form f;
    CHECK(parse(s, n, &f) == FORM_OK);
    CHECK(f.count == 1 && f.fields[0].value_len == FORM_MAX_VALUE);
    CHECK(strlen(form_get(&f, "v")) == FORM_MAX_VALUE);
    form_free(&f);
    free(s);

    s = repeat("v=", "x", FORM_MAX_VALUE + 1, &n);
    CHECK(parse_fails_with(s, n, FORM_FIELD_TOO_LONG));
    free(s);
}

static void form_counts_the_decoded_length_of_a_value(void)
{
    size_t n;
    char *s = repeat("v=", "%41", FORM_MAX_VALUE, &n); /* 196,610 bytes in, 65,536 out */
    form f;
    CHECK(parse(s, n, &f) == FORM_OK);
    CHECK(f.count == 1 && f.fields[0].value_len == FORM_MAX_VALUE);
    form_free(&f);
    free(s);

    s = repeat("v=", "%41", FORM_MAX_VALUE + 1, &n);
    CHECK(parse_fails_with(s, n, FORM_FIELD_TOO_LONG));
    free(s);
}

static void form_rejects_a_name_over_the_name_limit(void)
{
    size_t n;
    char *s = repeat("", "n", FORM_MAX_NAME, &n);
    form f;
    CHECK(parse(s, n, &f) == FORM_OK);
    CHECK(f.count == 1 && f.fields[0].name_len == FORM_MAX_NAME);
    form_free(&f);
    free(s);

    s = repeat("", "n", FORM_MAX_NAME + 1, &n);
    CHECK(parse_fails_with(s, n, FORM_FIELD_TOO_LONG));
    free(s);
}

static void form_reads_a_megabyte_of_separators_without_storing_anything(void)
{
    size_t n;
    char *s = repeat("", "&", 1 << 20, &n);
    form f;
    CHECK(parse(s, n, &f) == FORM_OK);
    CHECK(f.count == 0);
    form_free(&f);
    free(s);
}

static void form_reports_the_first_error_and_frees_what_it_had_parsed(void)
{
    CHECK(parse_fails_with(LIT("a=1&b=2&c=%C0%AF&d=%"), FORM_BAD_UTF8));
    CHECK(parse_fails_with(LIT("a=1&b=%zz&c=%C0%AF"), FORM_BAD_ENCODING));
}

static void form_err_message_has_text_for_every_code(void)
{
    enum form_err all[] = {FORM_OK, FORM_BAD_ENCODING, FORM_BAD_UTF8, FORM_TOO_MANY_FIELDS,
                           FORM_FIELD_TOO_LONG};
    CHECK(FORM_OK == 0);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *m = form_err_message(all[i]);
        CHECK(m && *m);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(m, form_err_message(all[j])) != 0);
    }
    CHECK(form_err_message((enum form_err)99) != NULL);
    CHECK(form_err_message((enum form_err) - 1) != NULL);
}

/* ---- form_parse_query ---- */

static enum form_err parse_query(const char *s, size_t n, form *f)
{
    char *p = exact(s, n);
    enum form_err e = form_parse_query(p, n, (const char *const[]){"page", NULL}, f);
    free(p);
    return e;
}

static void query_keeps_a_page_that_cannot_be_decoded_as_empty(void)
{
    const char *bad[] = {"page=%00", "page=%zz", "page=%", "page=%ff", "page=%C0%AF", "page=1%002"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        form f;
        CHECK(parse_query(bad[i], strlen(bad[i]), &f) == FORM_OK);
        CHECK_STR_EQ(form_get(&f, "page"), "");
        CHECK(form_page_number(form_get(&f, "page"), 100) == 1);
        form_free(&f);
    }
    form f;
    CHECK(parse_query(LIT("q=x&page=%00&page=3"), &f) == FORM_OK);
    CHECK(f.count == 3);
    CHECK_STR_EQ(form_get(&f, "q"), "x");
    form_free(&f);
    size_t n;
    char *huge = repeat("page=", "9", FORM_MAX_VALUE + 1, &n);
    CHECK(parse_query(huge, n, &f) == FORM_OK);
    CHECK_STR_EQ(form_get(&f, "page"), "");
    form_free(&f);
    free(huge);
}

static void query_still_refuses_bad_bytes_anywhere_else(void)
{
    form f = {NULL, 0};
    CHECK(parse_query(LIT("page=2&next=%00"), &f) == FORM_BAD_ENCODING);
    CHECK(parse_query(LIT("pa%00ge=2"), &f) == FORM_BAD_ENCODING);
    CHECK(parse_query(LIT("x=%ff&page=2"), &f) == FORM_BAD_UTF8);
    CHECK(f.fields == NULL && f.count == 0);
    /* A form body is not a query: there a bad page is a bad form. */
    CHECK(parse_fails_with(LIT("page=%00"), FORM_BAD_ENCODING));
    CHECK(parse_query(LIT("page=2"), &f) == FORM_OK);
    CHECK_STR_EQ(form_get(&f, "page"), "2");
    form_free(&f);
}

/* ---- cookie_find ---- */

/* Looks name up in an exact-size copy of hdr; returns the value as a string or NULL. */
static char *cookie(const char *hdr, size_t n, const char *name)
{
    char *p = exact(hdr, n);
    const char *v = NULL;
    size_t vn = 0;
    char *out = NULL;
    if (cookie_find(p, n, name, &v, &vn)) {
        if (v >= p && v + vn <= p + n)
            out = tp_xstrndup(v, vn);
        else
            out = tp_xstrdup("(pointer outside the header)");
    }
    free(p);
    return out;
}

static bool cookie_is(const char *hdr, size_t n, const char *name, const char *want)
{
    char *got = cookie(hdr, n, name);
    bool ok = want ? got && strcmp(got, want) == 0 : got == NULL;
    if (!ok)
        fprintf(stderr, "  cookie %s in \"%.*s\": got %s, want %s\n", name, (int)n, hdr,
                got ? got : "(absent)", want ? want : "(absent)");
    free(got);
    return ok;
}

static void cookie_finds_a_value_among_several(void)
{
    CHECK(cookie_is(LIT("a=1; sid=abc123; b=2"), "sid", "abc123"));
    CHECK(cookie_is(LIT("sid=abc123"), "sid", "abc123"));
    CHECK(cookie_is(LIT("a=1; b=2; sid=last"), "sid", "last"));
    CHECK(cookie_is(LIT("a=1; sid=x"), "a", "1"));
}

static void cookie_tolerates_missing_and_extra_whitespace(void)
{
    CHECK(cookie_is(LIT("a=1;sid=abc"), "sid", "abc"));
    CHECK(cookie_is(LIT("  a=1 ;\tsid = abc  ; b=2"), "sid", "abc"));
    CHECK(cookie_is(LIT("sid=abc;"), "sid", "abc"));
}

static void cookie_strips_surrounding_double_quotes(void)
{
    CHECK(cookie_is(LIT("sid=\"abc\"; b=2"), "sid", "abc"));
    CHECK(cookie_is(LIT("sid=\"\""), "sid", ""));
}

static void cookie_returns_the_first_of_duplicates(void)
{
    CHECK(cookie_is(LIT("sid=one; sid=two"), "sid", "one"));
}

static void cookie_matches_the_whole_name_case_sensitively(void)
{
    CHECK(cookie_is(LIT("xsid=1; sid_x=2; SID=3; si=4"), "sid", NULL));
    CHECK(cookie_is(LIT("sidx=1; sid=2"), "sid", "2"));
    CHECK(cookie_is(LIT("a=sid=1"), "sid", NULL));
}

static void cookie_with_an_empty_value_is_present_and_empty(void)
{
    CHECK(cookie_is(LIT("sid="), "sid", ""));
    CHECK(cookie_is(LIT("sid=; a=1"), "sid", ""));
}

static void cookie_absent_from_the_header_is_not_found(void)
{
    CHECK(cookie_is(LIT("a=1; b=2"), "sid", NULL));
    CHECK(cookie_is(LIT(""), "sid", NULL));
    CHECK(cookie_is(LIT(";;; ; "), "sid", NULL));
    CHECK(cookie_is(LIT("a=1"), "", NULL));
}

static void cookie_skips_pieces_without_an_equals_sign(void)
{
    CHECK(cookie_is(LIT("junk; sid=1"), "sid", "1"));
    CHECK(cookie_is(LIT("sid; a=1"), "sid", NULL));
}

static void cookie_rejects_a_malformed_value(void)
{
    CHECK(cookie_is(LIT("sid=\"abc"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=\""), "sid", NULL));
    CHECK(cookie_is(LIT("sid=abc\""), "sid", NULL));
    CHECK(cookie_is(LIT("sid=a\"b\"c"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=a b"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=a,b"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=a\\b"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=caf\xc3\xa9"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=\"a b\""), "sid", NULL));
}

static void cookie_rejects_a_header_with_control_characters(void)
{
    CHECK(cookie_is(LIT("a=1\r\nSet-Cookie: x=y; sid=abc"), "sid", NULL));
    CHECK(cookie_is(LIT("a=1\0; sid=abc"), "sid", NULL));
    CHECK(cookie_is(LIT("sid=abc; a=\x7f"), "sid", NULL));
}

static void cookie_rejects_a_header_over_4096_bytes(void)
{
    size_t n;
    char *s = repeat("sid=abc; pad=", "x", COOKIE_MAX_HDR - 13, &n);
    CHECK(n == COOKIE_MAX_HDR);
    CHECK(cookie_is(s, n, "sid", "abc"));
    free(s);
    s = repeat("sid=abc; pad=", "x", COOKIE_MAX_HDR - 12, &n);
    CHECK(cookie_is(s, n, "sid", NULL));
    free(s);
}

/* ---- form_page_number ---- */

static void page_number_reads_plain_positive_decimals(void)
{
    CHECK(form_page_number("1", 100) == 1);
    CHECK(form_page_number("7", 100) == 7);
    CHECK(form_page_number("007", 100) == 7);
    CHECK(form_page_number("100", 100) == 100);
    CHECK(form_page_number("2147483647", INT_MAX) == INT_MAX);
}

static void page_number_is_1_for_anything_else(void)
{
    const char *bad[] = {"abc",     "-1", "0", "000",  "1e3", "+5",
                         " 5",      "5 ", "",  "0x10", "1.5", "-99999999999999999999",
                         "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (form_page_number(bad[i], 1000) != 1) fprintf(stderr, "  page \"%s\"\n", bad[i]);
        CHECK(form_page_number(bad[i], 1000) == 1);
    }
    CHECK(form_page_number(NULL, 1000) == 1);
}

static void page_number_clamps_to_the_last_page(void)
{
    CHECK(form_page_number("50", 10) == 10);
    CHECK(form_page_number("2147483647", 3) == 3);
    CHECK(form_page_number("2", 1) == 1);
    /* Beyond int: still a number past the last page. */
    CHECK(form_page_number("2147483648", 3) == 3);
    CHECK(form_page_number("99999999999999999999999999", INT_MAX) == INT_MAX);
}

/* ---- form_is_local_path ---- */

static bool local(const char *s, size_t n)
{
    char *p = exact(s, n);
    bool ok = form_is_local_path(p, n);
    free(p);
    return ok;
}

static void local_path_accepts_paths_on_this_site(void)
{
    struct {
        const char *s;
        size_t n;
    } good[] = {
        {LIT("/")},
        {LIT("/profile?x=1")},
        {LIT("/talks/42#comments")},
        {LIT("/search?q=caf%C3%A9&page=2")},
        {LIT("/caf\xc3\xa9")},
        {LIT("/redirect?to=https://example.com")},
        {LIT("/a/b//c")},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!local(good[i].s, good[i].n)) fprintf(stderr, "  rejected \"%s\"\n", good[i].s);
        CHECK(local(good[i].s, good[i].n));
    }
}

static void local_path_rejects_other_sites_schemes_and_control_characters(void)
{
    struct {
        const char *s;
        size_t n;
    } bad[] = {
        {LIT("//evil.com")},
        {LIT("/\\evil.com")},
        {LIT("https://x")},
        {LIT("javascript:alert(1)")},
        {LIT("/%0d%0a")},
        {LIT("/%0D%0ASet-Cookie:x")},
        {LIT("")},
        {LIT("profile")},
        {LIT(" /profile")},
        {LIT("/a\r\nLocation: //evil.com")},
        {LIT("/\t/evil.com")},
        {LIT("/a b")},
        {LIT("/a\\b")},
        {LIT("/a%5Cb")},
        {LIT("/%2F/evil.com")},
        {LIT("/%2f/evil.com")},
        {LIT("/%00")},
        {LIT("/a\0b")},
        {LIT("/%7F")},
        {LIT("/%")},
        {LIT("/%4")},
        {LIT("/%zz")},
        {LIT("/\xc0\xaf")},
        {LIT("/\xff")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (local(bad[i].s, bad[i].n)) fprintf(stderr, "  accepted \"%s\"\n", bad[i].s);
        CHECK(!local(bad[i].s, bad[i].n));
    }
    CHECK(!form_is_local_path(NULL, 0));
}

static void local_path_allows_512_bytes_and_rejects_513(void)
{
    size_t n;
    char *s = repeat("/", "a", LOCAL_PATH_MAX - 1, &n);
    CHECK(local(s, n));
    free(s);
    s = repeat("/", "a", LOCAL_PATH_MAX, &n);
    CHECK(!local(s, n));
    free(s);
}

/* ---- form_url_encode ---- */

static void url_encode_keeps_unreserved_characters_and_escapes_the_rest(void)
{
    tp_buf b = TP_BUF_INIT;
    tp_buf_puts(&b, "/search?q=");
    char *s = exact(LIT("a b&c=d/\xc3\xa9~-._Z9+%"));
    form_url_encode(&b, s, sizeof("a b&c=d/\xc3\xa9~-._Z9+%") - 1);
    free(s);
    CHECK_STR_EQ(b.data, "/search?q=a%20b%26c%3Dd%2F%C3%A9~-._Z9%2B%25");
    tp_buf_reset(&b);
    form_url_encode(&b, "x", 0);
    CHECK(b.len == 0);
    form_url_encode(&b, LIT("\0\n"));
    CHECK_STR_EQ(b.data, "%00%0A");
    tp_buf_free(&b);
}

static void url_encode_round_trips_through_form_parse(void)
{
    char all[127];
    for (int i = 0; i < 127; i++) all[i] = (char)(i + 1); /* every ASCII byte but NUL */
    tp_buf b = TP_BUF_INIT;
    tp_buf_puts(&b, "v=");
    form_url_encode(&b, all, sizeof all);
    form_url_encode(&b, LIT("\xc3\xa9\xf0\x9f\x98\x80"));
    form f;
    CHECK(parse(b.data, b.len, &f) == FORM_OK);
    CHECK(f.count == 1 && f.fields[0].value_len == sizeof all + 6);
    CHECK(f.count == 1 && memcmp(f.fields[0].value, all, sizeof all) == 0);
    form_free(&f);
    tp_buf_free(&b);
}

/* ---- http_basic_parse / http_bearer_parse ---- */

/* "Basic " + base64(cred[0..n)), as a heap string. */
static char *basic_header(const char *scheme, const char *cred, size_t n)
{
    size_t cap = strlen(scheme) + sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *h = tp_xmalloc(cap);
    strcpy(h, scheme);
    sodium_bin2base64(h + strlen(scheme), cap - strlen(scheme), (const unsigned char *)cred, n,
                      sodium_base64_VARIANT_ORIGINAL);
    return h;
}

/* Parses an exact-size copy of hdr; on success checks the parts against want_user/want_pw. */
static bool basic_is(const char *hdr, size_t n, const char *want_user, const char *want_pw)
{
    char *p = exact(hdr, n);
    char *user = (char *)1, *pw = (char *)1;
    bool got = http_basic_parse(p, n, &user, &pw);
    free(p);
    bool ok;
    if (want_user)
        ok = got && user && pw && strcmp(user, want_user) == 0 && strcmp(pw, want_pw) == 0;
    else
        ok = !got && user == NULL && pw == NULL;
    if (!ok) fprintf(stderr, "  basic \"%.*s\": got %d\n", (int)n, hdr, got);
    if (got) {
        free(user);
        free(pw);
    }
    return ok;
}

static bool basic_cred_is(const char *cred, size_t n, const char *want_user, const char *want_pw)
{
    char *h = basic_header("Basic ", cred, n);
    bool ok = basic_is(h, strlen(h), want_user, want_pw);
    free(h);
    return ok;
}

static void basic_auth_splits_email_and_password(void)
{
    CHECK(basic_cred_is(LIT("alice@example.com:s3cret"), "alice@example.com", "s3cret"));
    CHECK(basic_is(LIT("Basic YWxpY2VAZXhhbXBsZS5jb206czNjcmV0"), "alice@example.com", "s3cret"));
}

static void basic_auth_password_may_hold_colons_or_be_empty(void)
{
    CHECK(basic_cred_is(LIT("a@b:pa:ss:"), "a@b", "pa:ss:"));
    CHECK(basic_cred_is(LIT("a@b:"), "a@b", ""));
    CHECK(basic_cred_is(LIT("j\xc3\xb6rg@b:p\xc3\xa4ss"), "j\xc3\xb6rg@b", "p\xc3\xa4ss"));
}

static void basic_auth_scheme_is_case_insensitive_and_spacing_tolerated(void)
{
    CHECK(basic_is(LIT("basic YTpi"), "a", "b"));
    CHECK(basic_is(LIT("BASIC   YTpi  "), "a", "b"));
    CHECK(basic_is(LIT("\tBasic\tYTpi"), "a", "b"));
}

static void basic_auth_rejects_malformed_headers(void)
{
    CHECK(basic_is(LIT(""), NULL, NULL));
    CHECK(basic_is(LIT("Basic"), NULL, NULL));
    CHECK(basic_is(LIT("Basic "), NULL, NULL));
    CHECK(basic_is(LIT("BasicYTpi"), NULL, NULL));
    CHECK(basic_is(LIT("Bearer YTpi"), NULL, NULL));
    CHECK(basic_is(LIT("Basic !!!!"), NULL, NULL));
    CHECK(basic_is(LIT("Basic YTpi!"), NULL, NULL));     /* trailing junk */
    CHECK(basic_is(LIT("Basic YTpiYw"), NULL, NULL));    /* padding missing */
    CHECK(basic_is(LIT("Basic YTpiYw="), NULL, NULL));   /* padding short */
    CHECK(basic_is(LIT("Basic YTpiYw==x"), NULL, NULL)); /* junk after padding */
    CHECK(basic_is(LIT("Basic YTpiYx=="), NULL, NULL));  /* non-zero trailing bits */
    CHECK(basic_is(LIT("Basic YTpi YTpi"), NULL, NULL)); /* two tokens */
    CHECK(basic_is(LIT("Basic YT\npi"), NULL, NULL));    /* line break */
    CHECK(basic_is(LIT("Basic YS1i"), NULL, NULL));      /* "a-b": no colon */
    CHECK(basic_is(LIT("Basic YTpi\0"), NULL, NULL));    /* NUL after the token */
}

static void basic_auth_rejects_empty_user_nul_and_invalid_utf8(void)
{
    CHECK(basic_cred_is(LIT(":pw"), NULL, NULL));
    CHECK(basic_cred_is(LIT("a\0b:pw"), NULL, NULL));
    CHECK(basic_cred_is(LIT("a:p\0w"), NULL, NULL));
    CHECK(basic_cred_is(LIT("a:\xff"), NULL, NULL));
    CHECK(basic_cred_is(LIT("\xc0\xaf:pw"), NULL, NULL));
}

static void basic_auth_allows_1024_decoded_bytes_and_rejects_1025(void)
{
    char cred[BASIC_MAX_CRED + 1];
    memset(cred, 'p', sizeof cred);
    cred[0] = 'u';
    cred[1] = ':';
    char *want_pw = tp_xstrndup(cred + 2, BASIC_MAX_CRED - 2);
    CHECK(basic_cred_is(cred, BASIC_MAX_CRED, "u", want_pw));
    CHECK(basic_cred_is(cred, BASIC_MAX_CRED + 1, NULL, NULL));
    free(want_pw);
    size_t n;
    char *s = repeat("Basic ", "A", 1 << 16, &n);
    CHECK(basic_is(s, n, NULL, NULL));
    free(s);
}

static bool bearer_is(const char *hdr, size_t n, const char *want)
{
    char *p = exact(hdr, n);
    const char *tok = NULL;
    size_t tn = 0;
    bool got = http_bearer_parse(p, n, &tok, &tn);
    bool ok = want ? got && tok >= p && tok + tn <= p + n && tn == strlen(want) &&
                         memcmp(tok, want, tn) == 0
                   : !got;
    if (!ok) fprintf(stderr, "  bearer \"%.*s\": got %d\n", (int)n, hdr, got);
    free(p);
    return ok;
}

static void bearer_returns_the_token_inside_the_header(void)
{
    CHECK(bearer_is(LIT("Bearer abc.DEF-123_~+/=="), "abc.DEF-123_~+/=="));
    CHECK(bearer_is(LIT("bearer   0123abcdef "), "0123abcdef"));
    CHECK(bearer_is(LIT("BEARER x"), "x"));
}

static void bearer_rejects_malformed_tokens(void)
{
    CHECK(bearer_is(LIT("Bearer"), NULL));
    CHECK(bearer_is(LIT("Bearer "), NULL));
    CHECK(bearer_is(LIT("Bearerabc"), NULL));
    CHECK(bearer_is(LIT("Basic abc"), NULL));
    CHECK(bearer_is(LIT("Bearer a b"), NULL));
    CHECK(bearer_is(LIT("Bearer a=b"), NULL));
    CHECK(bearer_is(LIT("Bearer ="), NULL));
    CHECK(bearer_is(LIT("Bearer a,b"), NULL));
    CHECK(bearer_is(LIT("Bearer a\"b"), NULL));
    CHECK(bearer_is(LIT("Bearer a\r\nX: y"), NULL));
    CHECK(bearer_is(LIT("Bearer a\0b"), NULL));
    CHECK(bearer_is(LIT("Bearer \xc3\xa9"), NULL));
}

static void bearer_allows_256_characters_and_rejects_257(void)
{
    size_t n;
    char *s = repeat("Bearer ", "t", BEARER_MAX_TOK, &n);
    char *want = tp_xstrndup(s + 7, BEARER_MAX_TOK);
    CHECK(bearer_is(s, n, want));
    free(want);
    free(s);
    s = repeat("Bearer ", "t", BEARER_MAX_TOK + 1, &n);
    CHECK(bearer_is(s, n, NULL));
    free(s);
}

static const check_case cases[] = {
    CASE(form_decodes_plus_as_space_and_percent_escapes_as_bytes),
    CASE(form_decodes_names_as_well_as_values),
    CASE(form_keeps_fields_in_order_and_get_returns_the_first),
    CASE(form_skips_empty_pieces),
    CASE(form_piece_without_equals_is_a_name_with_an_empty_value),
    CASE(form_splits_each_piece_on_its_first_equals_only),
    CASE(form_get_and_has_answer_no_for_missing_names),
    CASE(form_accepts_raw_utf8_and_escaped_four_byte_characters),
    CASE(form_rejects_truncated_and_non_hex_escapes),
    CASE(form_rejects_nul_escaped_or_raw),
    CASE(form_rejects_overlong_surrogate_and_broken_utf8),
    CASE(form_allows_64_fields_and_rejects_65),
    CASE(form_allows_a_65536_byte_value_and_rejects_one_byte_more),
    CASE(form_counts_the_decoded_length_of_a_value),
    CASE(form_rejects_a_name_over_the_name_limit),
    CASE(form_reads_a_megabyte_of_separators_without_storing_anything),
    CASE(form_reports_the_first_error_and_frees_what_it_had_parsed),
    CASE(form_err_message_has_text_for_every_code),
    CASE(query_keeps_a_page_that_cannot_be_decoded_as_empty),
    CASE(query_still_refuses_bad_bytes_anywhere_else),
    CASE(cookie_finds_a_value_among_several),
    CASE(cookie_tolerates_missing_and_extra_whitespace),
    CASE(cookie_strips_surrounding_double_quotes),
    CASE(cookie_returns_the_first_of_duplicates),
    CASE(cookie_matches_the_whole_name_case_sensitively),
    CASE(cookie_with_an_empty_value_is_present_and_empty),
    CASE(cookie_absent_from_the_header_is_not_found),
    CASE(cookie_skips_pieces_without_an_equals_sign),
    CASE(cookie_rejects_a_malformed_value),
    CASE(cookie_rejects_a_header_with_control_characters),
    CASE(cookie_rejects_a_header_over_4096_bytes),
    CASE(page_number_reads_plain_positive_decimals),
    CASE(page_number_is_1_for_anything_else),
    CASE(page_number_clamps_to_the_last_page),
    CASE(local_path_accepts_paths_on_this_site),
    CASE(local_path_rejects_other_sites_schemes_and_control_characters),
    CASE(local_path_allows_512_bytes_and_rejects_513),
    CASE(url_encode_keeps_unreserved_characters_and_escapes_the_rest),
    CASE(url_encode_round_trips_through_form_parse),
    CASE(basic_auth_splits_email_and_password),
    CASE(basic_auth_password_may_hold_colons_or_be_empty),
    CASE(basic_auth_scheme_is_case_insensitive_and_spacing_tolerated),
    CASE(basic_auth_rejects_malformed_headers),
    CASE(basic_auth_rejects_empty_user_nul_and_invalid_utf8),
    CASE(basic_auth_allows_1024_decoded_bytes_and_rejects_1025),
    CASE(bearer_returns_the_token_inside_the_header),
    CASE(bearer_rejects_malformed_tokens),
    CASE(bearer_allows_256_characters_and_rejects_257),
};

CHECK_MAIN("form", cases)
