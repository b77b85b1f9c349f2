/* Unit tests for proto/tp_fmt.c: integers as decimal text, at the ends of their ranges, with the
 * length returned and the NUL written, checked against snprintf; times checked against gmtime_r
 * and strftime. */
#include "tp_fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../check.h"

static void signed_integers_read_as_snprintf_writes_them(void)
{
    const int64_t values[] = {0, 7, -1, 10, -10, 1234567890, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char got[TP_FMT_INT_SIZE], want[32];
        snprintf(want, sizeof want, "%" PRId64, values[i]);
        CHECK(tp_fmt_i64(got, values[i]) == strlen(want));
        CHECK_STR_EQ(got, want);
    }
}

static void unsigned_integers_reach_twenty_digits(void)
{
    char got[TP_FMT_INT_SIZE];
    CHECK(tp_fmt_u64(got, UINT64_MAX) == 20);
    CHECK_STR_EQ(got, "18446744073709551615");
    CHECK(tp_fmt_u64(got, 0) == 1);
    CHECK_STR_EQ(got, "0");
}

static void a_prefix_goes_before_the_number(void)
{
    char got[sizeof "comment-" + TP_FMT_INT_SIZE];
    CHECK(tp_fmt_after(got, "/talk/", 12) == 8);
    CHECK_STR_EQ(got, "/talk/12");
    CHECK(tp_fmt_after(got, "comment-", INT64_MIN) == 28);
    CHECK_STR_EQ(got, "comment--9223372036854775808");
    CHECK(tp_fmt_after(got, "", 5) == 1);
    CHECK_STR_EQ(got, "5");
}

/* What the gateway wrote before tp_fmt_utc. */
static void strftime_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    CHECK(gmtime_r(&tt, &tm) != NULL);
    CHECK(strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20);
}

static void times_read_as_strftime_writes_them(void)
{
    /* Around the leap days of 2000 (a 400th year), 2100 (a 100th, not leap) and 2024, year and
     * month ends, both ends of the range, and a spread over all of it. */
    const int64_t edges[] = {0,          59,         86399,      86400,          951782399,
                             951782400,  951868799,  951868800,  1709164800,     1709251199,
                             1735689599, 1735689600, 4107542399, 4107542400,     4107628800,
                             1780000000, 2000000000, 4102444800, TP_FMT_TIME_MAX};
    char got[TP_FMT_UTC_SIZE], want[32];
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        strftime_utc(edges[i], want);
        CHECK(tp_fmt_utc(got, edges[i]) == 20);
        CHECK_STR_EQ(got, want);
    }
    uint64_t x = 88172645463325252u; /* xorshift64: the same spread every run */
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t t = (int64_t)(x % (uint64_t)(TP_FMT_TIME_MAX + 1));
        strftime_utc(t, want);
        tp_fmt_utc(got, t);
        if (strcmp(got, want) != 0) {
            CHECK_STR_EQ(got, want);
            return;
        }
    }
}

static void a_time_outside_four_digit_years_is_empty(void)
{
    char got[TP_FMT_UTC_SIZE] = "x";
    CHECK(tp_fmt_utc(got, -1) == 0);
    CHECK_STR_EQ(got, "");
    CHECK(tp_fmt_utc(got, TP_FMT_TIME_MAX + 1) == 0);
    CHECK_STR_EQ(got, "");
    CHECK(tp_fmt_utc(got, INT64_MIN) == 0);
    CHECK(tp_fmt_utc(got, INT64_MAX) == 0);
}

static const check_case cases[] = {
    CASE(signed_integers_read_as_snprintf_writes_them),
    CASE(unsigned_integers_reach_twenty_digits),
    CASE(a_prefix_goes_before_the_number),
    CASE(times_read_as_strftime_writes_them),
    CASE(a_time_outside_four_digit_years_is_empty),
};

CHECK_MAIN("tp_fmt", cases)
