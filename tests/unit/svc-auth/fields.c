/* Unit tests for svc-auth/fields.c: each value is checked from an exact-size heap copy (freed
 * before the message is looked at), so ASan catches a read past the value or a message that
 * points into it. */
#include "fields.h"

#include <stdlib.h>
#include <string.h>

#include "../check.h"
#include "password.h"
#include "tp_text.h"

#define LIT(s) s, sizeof(s) - 1

static const char *const INVALID_EMAIL = "Enter a valid email address.";
static const char *const BAD_USERNAME =
    "Usernames use letters, digits, '_', '-' and '.', and start with a letter or digit.";
static const char *const USERNAME_LENGTH = "Usernames have 1 to 32 characters.";
static const char *const SHORT_PASSWORD = "Password must be at least 8 characters.";
static const char *const LONG_PASSWORD = "Passwords are at most 1024 bytes of text.";

typedef const char *(*field_check)(tp_str);

static const char *check(field_check fn, const char *s, size_t n)
{
    char *copy = tp_xmalloc(n);
    memcpy(copy, s, n);
    const char *why = fn((tp_str){copy, n});
    free(copy);
    return why;
}

static const char *check_line(const char *s, size_t n, size_t max, const char *label, bool multi)
{
    char *copy = tp_xmalloc(n);
    memcpy(copy, s, n);
    tp_str v = {copy, n};
    /* A few buffers in turn, so a test can hold several messages at once, as a form does. */
    static char messages[4][TP_TEXT_MESSAGE_MAX];
    static unsigned next;
    char *message = messages[next++ % 4];
    const char *why = tp_text_check(v, max, label, multi ? TP_TEXT_MULTILINE : 0, message);
    free(copy);
    return why;
}

/* n copies of unit, then tail (heap, NUL-terminated; *len excludes the NUL). */
static char *repeat(const char *unit, size_t n, const char *tail, size_t *len)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    *len = ul * n + tl;
    char *s = tp_xmalloc(*len + 1);
    for (size_t i = 0; i < n; i++) memcpy(s + i * ul, unit, ul);
    memcpy(s + ul * n, tail, tl + 1);
    return s;
}

static bool says(const char *got, const char *want, const char *input)
{
    bool ok = want ? got && strcmp(got, want) == 0 : got == NULL;
    if (!ok)
        fprintf(stderr, "  \"%s\": got \"%s\", want \"%s\"\n", input, got ? got : "(ok)",
                want ? want : "(ok)");
    return ok;
}

/* ---- email ---- */

static void email_accepts_ordinary_addresses(void)
{
    const char *good[] = {"a@b.co", "alice.smith+talks@example.com", "j\xc3\xb6rg@example.de",
                          "x_y-z@mail.example.org", "1@2.io"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(says(check(tp_text_email, good[i], strlen(good[i])), NULL, good[i]));
}

static void email_refuses_malformed_addresses(void)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {LIT("alice.example.com")}, /* no @ */
        {LIT("a@b@example.com")},   /* two @ */
        {LIT("@example.com")},
        {LIT("alice@")},
        {LIT("alice@examplecom")}, /* no dot in the domain */
        {LIT("alice@.com")},
        {LIT("alice@example.")},
        {LIT("a@.")},
        {LIT("al ice@example.com")},
        {LIT(" alice@example.com")},
        {LIT("alice@example.com ")},
        {LIT("alice\t@example.com")},
        {LIT("alice@example.com\n")},
        {LIT("ali\x01"
             "ce@example.com")},
        {LIT("alice\x7f@example.com")},
        {LIT("ali\0ce@example.com")},
        {LIT("alice\xff@example.com")},
        {LIT("\xc0\xaf@example.com")},
        {LIT("alice@ex\xed\xa0\x80.com")},
        {LIT("<alice>@example.com")},
        {LIT("\"alice\"@example.com")},
        {LIT("alice,bob@example.com")},
        {LIT("alice@[127.0.0.1]")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(says(check(tp_text_email, bad[i].s, bad[i].n), INVALID_EMAIL, bad[i].s));
    CHECK(says(check(tp_text_email, "", 0), "Email is required.", ""));
}

static void email_allows_64_characters_and_refuses_65(void)
{
    size_t n;
    char *s = repeat("a", 64 - 12, "@example.com", &n);
    CHECK(n == 64 && says(check(tp_text_email, s, n), NULL, s));
    free(s);
    s = repeat("a", 65 - 12, "@example.com", &n);
    CHECK(n == 65 && says(check(tp_text_email, s, n), "Email must be at most 64 characters.", s));
    free(s);
    s = repeat("a", 1000, "@example.com", &n);
    CHECK(says(check(tp_text_email, s, n), "Email must be at most 64 characters.", "1012 chars"));
    free(s);
}

static void email_limit_counts_characters_not_bytes(void)
{
    size_t n;
    char *s = repeat("\xc3\xa9", 64 - 12, "@example.com", &n); /* 64 characters, 116 bytes */
    CHECK(says(check(tp_text_email, s, n), NULL, s));
    free(s);
    s = repeat("\xc3\xa9", 65 - 12, "@example.com", &n);
    CHECK(says(check(tp_text_email, s, n), "Email must be at most 64 characters.", s));
    free(s);
}

/* ---- username ---- */

static void username_accepts_letters_digits_and_inner_punctuation(void)
{
    const char *good[] = {"a", "alice", "Alice_99", "a.b-c_d", "9lives", "x-", "x."};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(says(check(fields_username, good[i], strlen(good[i])), NULL, good[i]));
    size_t n;
    char *s = repeat("u", 32, "", &n);
    CHECK(says(check(fields_username, s, n), NULL, s));
    free(s);
}

static void username_refuses_other_characters_and_a_punctuation_start(void)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {LIT("_alice")}, {LIT("-alice")},      {LIT(".alice")}, {LIT("al ice")},
        {LIT("alice!")}, {LIT("j\xc3\xb6rg")}, {LIT("a/b")},    {LIT("a@b")},
        {LIT("a\0b")},   {LIT("alice\n")},     {LIT("a\xff")},  {LIT("<b>")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(says(check(fields_username, bad[i].s, bad[i].n), BAD_USERNAME, bad[i].s));
}

static void username_has_1_to_32_characters(void)
{
    CHECK(says(check(fields_username, "", 0), USERNAME_LENGTH, ""));
    size_t n;
    char *s = repeat("u", 33, "", &n);
    CHECK(says(check(fields_username, s, n), USERNAME_LENGTH, s));
    free(s);
}

/* ---- password ---- */

static void password_needs_8_characters_counted_in_code_points(void)
{
    CHECK(says(check(fields_password, LIT("1234567")), SHORT_PASSWORD, "1234567"));
    CHECK(says(check(fields_password, LIT("12345678")), NULL, "12345678"));
    CHECK(says(check(fields_password, "", 0), SHORT_PASSWORD, ""));
    /* 7 characters in 14 bytes is too short; 8 in 16 is enough. */
    size_t n;
    char *s = repeat("\xc3\xa9", 7, "", &n);
    CHECK(n == 14 && says(check(fields_password, s, n), SHORT_PASSWORD, s));
    free(s);
    s = repeat("\xc3\xa9", 8, "", &n);
    CHECK(says(check(fields_password, s, n), NULL, s));
    free(s);
    s = repeat("\xf0\x9f\x98\x80", 7, "", &n); /* 28 bytes, 7 emoji */
    CHECK(says(check(fields_password, s, n), SHORT_PASSWORD, s));
    free(s);
    CHECK(says(check(fields_password, LIT("correct horse")), NULL, "correct horse"));
}

static void password_allows_1024_bytes_and_refuses_1025(void)
{
    size_t n;
    char *s = repeat("p", PASSWORD_MAX_BYTES, "", &n);
    CHECK(says(check(fields_password, s, n), NULL, "1024 bytes"));
    free(s);
    s = repeat("p", PASSWORD_MAX_BYTES + 1, "", &n);
    CHECK(says(check(fields_password, s, n), LONG_PASSWORD, "1025 bytes"));
    free(s);
    s = repeat("\xc3\xa9", 513, "", &n); /* 513 characters but 1026 bytes */
    CHECK(says(check(fields_password, s, n), LONG_PASSWORD, "513 x e-acute"));
    free(s);
}

static void password_refuses_invalid_utf8(void)
{
    CHECK(says(check(fields_password, LIT("abcdefgh\xff")), LONG_PASSWORD, "\\xff"));
    CHECK(says(check(fields_password, LIT("\xc0\xaf"
                                          "abcdefgh")),
               LONG_PASSWORD, "overlong"));
    CHECK(says(check(fields_password, LIT("abcdefgh\xed\xa0\x80")), LONG_PASSWORD, "surrogate"));
}

/* ---- single-line and multi-line text ---- */

static void line_limit_counts_characters_not_bytes(void)
{
    size_t n;
    char *s = repeat("\xc3\xa9", 64, "", &n);
    CHECK(says(check_line(s, n, 64, "Name", false), NULL, "64 x e-acute"));
    free(s);
    s = repeat("\xc3\xa9", 65, "", &n);
    CHECK(says(check_line(s, n, 64, "Name", false), "Name must be at most 64 characters.",
               "65 x e-acute"));
    free(s);
    CHECK(says(check_line("", 0, 64, "Name", false), NULL, ""));
    CHECK(says(check_line(LIT("Ada Lovelace"), 64, "Name", false), NULL, "Ada Lovelace"));
}

static void text_limit_counts_characters_not_bytes(void)
{
    size_t n;
    char *s = repeat("\xc3\xa9\n", 1000, "", &n); /* 2000 characters, 3000 bytes */
    CHECK(says(check_line(s, n, BIO_MAX_CHARS, "Bio", true), NULL, "2000 chars"));
    free(s);
    s = repeat("\xc3\xa9\n", 1000, "x", &n);
    CHECK(says(check_line(s, n, BIO_MAX_CHARS, "Bio", true), "Bio must be at most 2000 characters.",
               "2001 chars"));
    free(s);
}

static void line_refuses_line_breaks_that_text_allows(void)
{
    const char *why = "Location contains characters that are not allowed.";
    CHECK(says(check_line(LIT("Paris\nFrance"), 64, "Location", false), why, "\\n"));
    CHECK(says(check_line(LIT("Paris\rFrance"), 64, "Location", false), why, "\\r"));
    CHECK(says(check_line(LIT("Paris\r\n"), 64, "Location", false), why, "\\r\\n"));
    CHECK(says(check_line(LIT("line one\nline two\r\n"), 64, "Bio", true), NULL, "bio"));
}

static void line_and_text_refuse_control_characters_and_invalid_utf8(void)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {LIT("a\0b")},         {LIT("a\x01")},       {LIT("\x1b[31mred")}, {LIT("a\x7f")},
        {LIT("a\xc2\x80")},    {LIT("a\xc2\x9f")},   {LIT("\xff")},        {LIT("\xc0\xaf")},
        {LIT("\xed\xa0\x80")}, {LIT("abc\xe2\x82")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(says(check_line(bad[i].s, bad[i].n, 64, "Name", false),
                   "Name contains characters that are not allowed.", bad[i].s));
        CHECK(says(check_line(bad[i].s, bad[i].n, 2000, "Bio", true),
                   "Bio contains characters that are not allowed.", bad[i].s));
    }
}

/* The profile form reports every bad field at once, so each message must survive the next
 * check (svc-auth/ops.c keeps three of them side by side). */
static void messages_of_several_fields_stay_distinct(void)
{
    size_t n;
    char *long_name = repeat("n", 65, "", &n);
    const char *errors[3] = {
        check_line(long_name, n, NAME_MAX_CHARS, "Name", false),
        check_line(LIT("Paris\nFrance"), LOCATION_MAX_CHARS, "Location", false),
        check_line(LIT("\x01"), BIO_MAX_CHARS, "Bio", true),
    };
    free(long_name);
    CHECK_STR_EQ(errors[0], "Name must be at most 64 characters.");
    CHECK_STR_EQ(errors[1], "Location contains characters that are not allowed.");
    CHECK_STR_EQ(errors[2], "Bio contains characters that are not allowed.");
    CHECK(says(check_line(LIT("ok"), 64, "Name", false), NULL, "ok"));
    CHECK_STR_EQ(errors[0], "Name must be at most 64 characters.");
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(email_accepts_ordinary_addresses),
    CASE(email_refuses_malformed_addresses),
    CASE(email_allows_64_characters_and_refuses_65),
    CASE(email_limit_counts_characters_not_bytes),
    CASE(username_accepts_letters_digits_and_inner_punctuation),
    CASE(username_refuses_other_characters_and_a_punctuation_start),
    CASE(username_has_1_to_32_characters),
    CASE(password_needs_8_characters_counted_in_code_points),
    CASE(password_allows_1024_bytes_and_refuses_1025),
    CASE(password_refuses_invalid_utf8),
    CASE(line_limit_counts_characters_not_bytes),
    CASE(text_limit_counts_characters_not_bytes),
    CASE(line_refuses_line_breaks_that_text_allows),
    CASE(line_and_text_refuse_control_characters_and_invalid_utf8),
    CASE(messages_of_several_fields_stay_distinct),
};

CHECK_MAIN("fields", cases)
