/* Unit tests for proto/tp_fmt.c: integers as decimal text, at the ends of their ranges, with the
 * length returned and the NUL written, checked against snprintf. */
#include "tp_fmt.h"

#include <inttypes.h>
#include <stdio.h>

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

static const check_case cases[] = {
    CASE(signed_integers_read_as_snprintf_writes_them),
    CASE(unsigned_integers_reach_twenty_digits),
    CASE(a_prefix_goes_before_the_number),
};

CHECK_MAIN("tp_fmt", cases)
