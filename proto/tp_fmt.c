/* tp_fmt: integers as decimal text (see tp_fmt.h). */
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
