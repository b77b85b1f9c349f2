/* Unit tests for proto/tp_utf8.c: the validator against a slow reference, edge cases by name. */
#include "tp_utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#define S(lit) (lit), (sizeof(lit) - 1)

/* The textbook encoder, used as the reference: a byte string is valid UTF-8 exactly when it is
 * a concatenation of these encodings of scalar values (not surrogates, at most U+10FFFF). */
static size_t encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | (cp >> 18));
    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Reference for one n-byte sequence: read the bit pattern, then demand it re-encodes to the
 * same bytes (no overlong) and names a scalar value. */
static bool reference_single(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    static const unsigned char lead_bits[5] = {0, 0x00, 0xc0, 0xe0, 0xf0};
    if ((s[0] & ~lead_mask[n] & 0xff) != lead_bits[n]) return false;
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return false;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    unsigned char again[4];
    return encode(cp, again) == n && memcmp(again, s, n) == 0;
}

static void test_every_scalar_value_is_valid_and_every_surrogate_is_not(void)
{
    int wrong = 0;
    for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
        unsigned char b[4];
        size_t n = encode(cp, b);
        bool want = !(cp >= 0xd800 && cp <= 0xdfff);
        if (tp_utf8_valid((const char *)b, n) != want) wrong++;
        if (want && tp_utf8_len((const char *)b, n) != 1) wrong++;
    }
    CHECK(wrong == 0);
}

static void test_all_two_and_three_byte_sequences_match_the_reference(void)
{
    int wrong = 0;
    unsigned char b[3];
    for (unsigned i = 0; i < 0x10000; i++) {
        b[0] = (unsigned char)(i >> 8);
        b[1] = (unsigned char)i;
        /* Two bytes are valid either as one 2-byte sequence or as two 1-byte ones. */
        bool want =
            reference_single(b, 2) || (reference_single(b, 1) && reference_single(b + 1, 1));
        if (tp_utf8_valid((const char *)b, 2) != want) wrong++;
    }
    for (unsigned i = 0xe0; i < 0x100; i++) {
        for (unsigned j = 0; j < 0x100; j++) {
            for (unsigned k = 0; k < 0x100; k++) {
                b[0] = (unsigned char)i;
                b[1] = (unsigned char)j;
                b[2] = (unsigned char)k;
                /* A lead byte >= E0 can only be valid as the start of one 3-byte sequence. */
                if (tp_utf8_valid((const char *)b, 3) != reference_single(b, 3)) wrong++;
            }
        }
    }
    CHECK(wrong == 0);
}

static void test_four_byte_sequences_match_the_reference(void)
{
    static const unsigned char tails[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff};
    int wrong = 0;
    unsigned char b[4];
    for (unsigned i = 0xf0; i < 0x100; i++) {
        for (unsigned j = 0; j < 0x100; j++) {
            for (size_t k = 0; k < sizeof tails; k++) {
                for (size_t l = 0; l < sizeof tails; l++) {
                    b[0] = (unsigned char)i;
                    b[1] = (unsigned char)j;
                    b[2] = tails[k];
                    b[3] = tails[l];
                    if (tp_utf8_valid((const char *)b, 4) != reference_single(b, 4)) wrong++;
                }
            }
        }
    }
    CHECK(wrong == 0);
}

/* Long ASCII runs are skipped sixteen and eight bytes at a time: a bad byte or a good character
 * at any offset of a long text, and at its very end, is still seen. */
static void test_a_bad_byte_anywhere_in_long_ascii_is_seen(void)
{
    char text[72];
    for (size_t at = 0; at < sizeof text; at++) {
        memset(text, 'a', sizeof text);
        text[at] = (char)0xff;
        CHECK(!tp_utf8_valid(text, sizeof text));
        CHECK(tp_utf8_valid(text, at)); /* the ASCII before it */
        if (at + 2 <= sizeof text) {
            memcpy(text + at, "\xc3\xa9", 2); /* é */
            CHECK(tp_utf8_valid(text, sizeof text));
            CHECK(!tp_utf8_valid(text, at + 1)); /* cut inside it */
        }
    }
}

static void test_overlong_encodings_are_rejected(void)
{
    CHECK(!tp_utf8_valid(S("\xc0\x80")));         /* NUL, the classic "modified UTF-8" */
    CHECK(!tp_utf8_valid(S("\xc1\xbf")));         /* U+007F in two bytes */
    CHECK(!tp_utf8_valid(S("\xe0\x80\xaf")));     /* '/' in three bytes */
    CHECK(!tp_utf8_valid(S("\xe0\x9f\xbf")));     /* U+07FF in three bytes */
    CHECK(!tp_utf8_valid(S("\xf0\x80\x80\xaf"))); /* '/' in four bytes */
    CHECK(!tp_utf8_valid(S("\xf0\x8f\xbf\xbf"))); /* U+FFFF in four bytes */
    CHECK(tp_utf8_valid(S("\xc2\x80")));          /* the smallest of each length is fine */
    CHECK(tp_utf8_valid(S("\xe0\xa0\x80")));
    CHECK(tp_utf8_valid(S("\xf0\x90\x80\x80")));
}

static void test_surrogates_are_rejected(void)
{
    CHECK(!tp_utf8_valid(S("\xed\xa0\x80")));             /* U+D800 */
    CHECK(!tp_utf8_valid(S("\xed\xbf\xbf")));             /* U+DFFF */
    CHECK(!tp_utf8_valid(S("\xed\xa0\xbd\xed\xb8\x80"))); /* a CESU-8 pair */
    CHECK(tp_utf8_valid(S("\xed\x9f\xbf")));              /* U+D7FF */
    CHECK(tp_utf8_valid(S("\xee\x80\x80")));              /* U+E000 */
}

static void test_code_points_above_10ffff_are_rejected(void)
{
    CHECK(tp_utf8_valid(S("\xf4\x8f\xbf\xbf")));  /* U+10FFFF */
    CHECK(!tp_utf8_valid(S("\xf4\x90\x80\x80"))); /* U+110000 */
    CHECK(!tp_utf8_valid(S("\xf5\x80\x80\x80")));
    CHECK(!tp_utf8_valid(S("\xf7\xbf\xbf\xbf")));
    CHECK(!tp_utf8_valid(S("\xf8\x88\x80\x80\x80"))); /* old 5-byte form */
    CHECK(!tp_utf8_valid(S("\xfe")));
    CHECK(!tp_utf8_valid(S("\xff")));
}

static void test_truncated_sequences_are_rejected(void)
{
    const char *euro = "\xe2\x82\xac", *emoji = "\xf0\x9f\x98\x80";
    CHECK(tp_utf8_valid(euro, 3));
    CHECK(!tp_utf8_valid(euro, 2));
    CHECK(!tp_utf8_valid(euro, 1));
    CHECK(tp_utf8_valid(emoji, 4));
    for (size_t n = 1; n < 4; n++) CHECK(!tp_utf8_valid(emoji, n));
    CHECK(!tp_utf8_valid(S("abc\xc3")));
    CHECK(!tp_utf8_valid(S("\xc3"
                           "abc"))); /* continuation replaced by ASCII */
    CHECK(!tp_utf8_valid(S("\xe2\x82"
                           "x")));    /* ...in the last position */
    CHECK(!tp_utf8_valid(S("\x80"))); /* a lone continuation byte */
    CHECK(!tp_utf8_valid(S("a\xbf"
                           "b")));
}

static void test_truncation_is_detected_without_reading_past_n(void)
{
    /* An exact-size heap copy, so ASan reports any look at the byte a truncated sequence
     * promises but does not have. */
    char *buf = malloc(2);
    memcpy(buf, "\xe2\x82", 2);
    CHECK(!tp_utf8_valid(buf, 2));
    CHECK(!tp_utf8_text(buf, 2));
    CHECK(tp_utf8_len(buf, 2) == 1);
    free(buf);
}

static void test_empty_and_nul_bytes(void)
{
    CHECK(tp_utf8_valid("", 0));
    CHECK(tp_utf8_text("", 0));
    CHECK(tp_utf8_len("", 0) == 0);
    CHECK(tp_utf8_valid(S("a\0b"))); /* NUL is valid UTF-8 ... */
    CHECK(!tp_utf8_text(S("a\0b"))); /* ... but not text */
}

static void test_text_allows_tab_newline_and_carriage_return_only(void)
{
    CHECK(tp_utf8_text(S("line one\r\n\tline two\n")));
    int wrong = 0;
    for (unsigned c = 0; c < 0x20; c++) {
        char b = (char)c;
        bool want = c == '\t' || c == '\n' || c == '\r';
        if (tp_utf8_text(&b, 1) != want) wrong++;
        if (!tp_utf8_valid(&b, 1)) wrong++;
    }
    CHECK(wrong == 0);
}

static void test_text_rejects_del_and_c1_controls(void)
{
    CHECK(!tp_utf8_text(S("\x7f")));
    CHECK(!tp_utf8_text(S("\xc2\x80"))); /* U+0080 */
    CHECK(!tp_utf8_text(S("\xc2\x85"))); /* NEL */
    CHECK(!tp_utf8_text(S("\xc2\x9f"))); /* U+009F */
    CHECK(tp_utf8_text(S("\xc2\xa0")));  /* NBSP is text */
    CHECK(tp_utf8_text(S("~")));         /* U+007E */
    CHECK(tp_utf8_valid(S("\x7f\xc2\x85")));
}

static void test_text_rejects_what_valid_rejects(void)
{
    CHECK(!tp_utf8_text(S("\xc0\x80")));
    CHECK(!tp_utf8_text(S("\xed\xa0\x80")));
    CHECK(!tp_utf8_text(S("\xf4\x90\x80\x80")));
    CHECK(!tp_utf8_text(S("ok\xe2\x82")));
    CHECK(tp_utf8_text(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
}

static void test_xml_safe_replaces_what_xml_forbids_in_place(void)
{
    char s[] = "a\x01"
               "b\tc\nd\re\x1f\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd\xe2\x82\xac\x7f";
    size_t n = sizeof s - 1;
    tp_utf8_xml_safe(s, n);
    CHECK(memcmp(s, "a b\tc\nd\re \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xe2\x82\xac\x7f", n) == 0);
    CHECK(tp_utf8_valid(s, n));
    char cut[] = "x\xef\xbf"; /* a truncated tail is left alone, never read past n */
    tp_utf8_xml_safe(cut, 2);
    CHECK(memcmp(cut, "x\xef\xbf", 3) == 0);
}

static void test_len_counts_code_points_not_bytes(void)
{
    CHECK(tp_utf8_len(S("hello")) == 5);
    CHECK(tp_utf8_len(S("caf\xc3\xa9")) == 4);
    CHECK(tp_utf8_len(S("\xe2\x82\xac\xe2\x82\xac")) == 2);
    CHECK(tp_utf8_len(S("\xf0\x9f\x98\x80!")) == 2);
    CHECK(tp_utf8_len(S("\xe4\xb8\xad\xe6\x96\x87")) == 2); /* two CJK characters */
}

static const check_case cases[] = {
    CASE(test_a_bad_byte_anywhere_in_long_ascii_is_seen),
    {"every_scalar_value_is_valid_and_every_surrogate_is_not",
     test_every_scalar_value_is_valid_and_every_surrogate_is_not},
    {"all_two_and_three_byte_sequences_match_the_reference",
     test_all_two_and_three_byte_sequences_match_the_reference},
    {"four_byte_sequences_match_the_reference", test_four_byte_sequences_match_the_reference},
    {"overlong_encodings_are_rejected", test_overlong_encodings_are_rejected},
    {"surrogates_are_rejected", test_surrogates_are_rejected},
    {"code_points_above_10ffff_are_rejected", test_code_points_above_10ffff_are_rejected},
    {"truncated_sequences_are_rejected", test_truncated_sequences_are_rejected},
    {"truncation_is_detected_without_reading_past_n",
     test_truncation_is_detected_without_reading_past_n},
    {"empty_and_nul_bytes", test_empty_and_nul_bytes},
    {"text_allows_tab_newline_and_carriage_return_only",
     test_text_allows_tab_newline_and_carriage_return_only},
    {"text_rejects_del_and_c1_controls", test_text_rejects_del_and_c1_controls},
    {"text_rejects_what_valid_rejects", test_text_rejects_what_valid_rejects},
    {"len_counts_code_points_not_bytes", test_len_counts_code_points_not_bytes},
    {"xml_safe_replaces_what_xml_forbids_in_place",
     test_xml_safe_replaces_what_xml_forbids_in_place},
};

CHECK_MAIN("tp_utf8", cases)
