/* tp_fmt: integers and times as text, without stdio.
 *
 * Design notes: a page of talks writes hundreds of ids into keys and links ("/talk/12"), and
 * snprintf's format parsing and FILE machinery made up 4 % of the gateway's work on such a page;
 * a comment's time was gmtime_r and strftime, 1 300 instructions of the 8 000 that writing a
 * comment for its template took. Each function writes the text and a NUL into out and returns
 * its length. */
#ifndef TP_FMT_H
#define TP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any of them: "-9223372036854775808" or "18446744073709551615", and the NUL. */
#define TP_FMT_INT_SIZE 21

/* out holds TP_FMT_INT_SIZE bytes (both). */
size_t tp_fmt_u64(char *out, uint64_t v);
size_t tp_fmt_i64(char *out, int64_t v);
/* prefix, then v: ("/talk/", 12) is "/talk/12". out holds strlen(prefix) + TP_FMT_INT_SIZE. */
size_t tp_fmt_after(char *out, const char *prefix, int64_t v);

/* The times a page shows: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (four-digit years). */
#define TP_FMT_TIME_MAX INT64_C(253402300799)
#define TP_FMT_UTC_SIZE sizeof "1970-01-01T00:00:00Z"
/* Unix time t as RFC 3339 UTC, "2026-12-07T01:02:03Z", into out of TP_FMT_UTC_SIZE bytes; "" (and
 * 0) when t is outside [0, TP_FMT_TIME_MAX]. */
size_t tp_fmt_utc(char *out, int64_t t);

#endif
