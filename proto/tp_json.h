/* tp_json: the JSON boundary of the HTTP API — strict JSON text in as msgpack, msgpack out as JSON.
 */
#ifndef TP_JSON_H
#define TP_JSON_H

#include <msgpack.h>
#include <stddef.h>

#include "tp_buf.h"

/* Deepest nesting of arrays and objects json_to_msgpack accepts ("[[1]]" is depth 2). */
#define JSON_MAX_DEPTH 24

/* Parses exactly one JSON value (RFC 8259, nothing more lenient) from text[0..len) — which need
 * not be NUL-terminated and is never read past len — and appends it to out as msgpack.
 * Surrounding whitespace is allowed; anything else after the value is an error. Input must be
 * valid UTF-8. Integers that fit int64 or uint64 become msgpack ints, other numbers doubles (a
 * number too large for a double is an error). Duplicate object keys are kept in order; which one
 * wins is the consumer's choice.
 * Returns 0, or -1 with out unchanged and a one-line message in err (truncated to errlen, may be
 * NULL) such as "invalid JSON at byte 17: expected ':'"; byte offsets count from 0. */
int json_to_msgpack(const char *text, size_t len, tp_buf *out, char *err, size_t errlen);

/* Appends o as JSON text to out. Never fails: strings that are not valid UTF-8 get U+FFFD for
 * each bad byte; NaN, infinities, bin and ext become null; a non-string map key is written as
 * its own JSON text inside a string. The output is also safe inside an HTML <script> element:
 * < > & and U+2028/U+2029 are written as \u escapes. */
void json_from_msgpack(const msgpack_object *o, tp_buf *out);

#endif
