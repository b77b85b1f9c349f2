/* tp_fmt: integers as decimal text, without stdio.
 *
 * Design notes: a page of talks writes hundreds of ids into keys and links ("/talk/12"), and
 * snprintf's format parsing and FILE machinery made up 4 % of the gateway's work on such a page.
 * Each function writes the digits and a NUL into out and returns their length. */
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

#endif
