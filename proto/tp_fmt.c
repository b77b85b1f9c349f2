/* tp_fmt: integers and times as text (see tp_fmt.h). */
#include "tp_fmt.h"

#include <string.h>

size_t tp_fmt_u64(char *out, uint64_t v)
{
    char digits[TP_FMT_INT_SIZE];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = sizeof digits - i;
    memcpy(out, digits + i, n);
    out[n] = '\0';
    return n;
}

size_t tp_fmt_i64(char *out, int64_t v)
{
    if (v >= 0) return tp_fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    /* -(v + 1) + 1 stays in range for INT64_MIN */
    return 1 + tp_fmt_u64(out + 1, (uint64_t)(-(v + 1)) + 1);
}

size_t tp_fmt_after(char *out, const char *prefix, int64_t v)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    return n + tp_fmt_i64(out + n, v);
}

static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) p[i] = (char)('0' + v % 10);
    return p + width;
}

size_t tp_fmt_utc(char *out, int64_t t)
{
    if (t < 0 || t > TP_FMT_TIME_MAX) {
        out[0] = '\0';
        return 0;
    }
    int64_t days = t / 86400, secs = t % 86400;
    /* The date from the day count (the method of Howard Hinnant's "chrono-Compatible Low-Level
     * Date Algorithms"), in years that begin on March 1 so that a leap day ends its year: 400
     * Gregorian years are 146 097 days, and in them every fourth year has 366 but every
     * hundredth, other than the four-hundredth, does not. */
    int64_t z = days + 719468; /* days since 0000-03-01 */
    int64_t era = z / 146097, day_of_era = z - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;
    unsigned day = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    unsigned month =
        (unsigned)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    unsigned year = (unsigned)(era * 400 + year_of_era + (month <= 2));
    char *p = put_digits(out, year, 4);
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, (unsigned)(secs / 3600), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(secs / 60 % 60), 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)(secs % 60), 2);
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}
