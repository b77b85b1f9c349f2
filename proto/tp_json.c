/* tp_json: strict JSON request bodies to msgpack, and msgpack replies back to HTML-safe JSON.
 *
 * Design notes: the parser is recursive descent over text[0..len) with every read behind a
 * bounds check, recursion capped at JSON_MAX_DEPTH, and the whole input checked as UTF-8 once up
 * front so strings can copy multi-byte characters through unchecked. msgpack wants a
 * container's count before its elements, so each array or object gets a 5-byte placeholder that
 * is rewritten as the shortest header when the container closes, moving its body down by up to
 * 4 bytes. That move costs O(bytes × depth) in the worst case; the gateway caps bodies, so it is
 * cheaper than a counting pass and keeps the output byte-identical to msgpack_pack_*'s.
 *
 * The results of msgpack_pack_* are not checked: tp_packer_init's writer and the header writer
 * below cannot fail (allocation failure aborts, and a header never exceeds 5 bytes).
 * Numbers go through strtod and snprintf, which assume the C locale; no process calls
 * setlocale, and a non-C locale shows up as a parse error rather than a wrong value. */
#include "tp_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_msg.h"
#include "tp_utf8.h"

/* ---- JSON → msgpack ---- */

typedef struct parser {
    const char *text;
    size_t len, pos;
    tp_buf *out;
    msgpack_packer pk;
    tp_buf scratch; /* the current string, decoded, or the current number's text */
    char *err;
    size_t errlen;
} parser;

static int fail(parser *ps, size_t at, const char *what)
{
    /* Every way of running out of input reads the same, whichever token it happened in. */
    if (at >= ps->len) what = "unexpected end of input";
    if (ps->err && ps->errlen)
        snprintf(ps->err, ps->errlen, "invalid JSON at byte %zu: %s", at, what);
    return -1;
}

/* The byte at pos, or -1 at the end of the input. */
static int peek(const parser *ps)
{
    return ps->pos < ps->len ? (unsigned char)ps->text[ps->pos] : -1;
}

static void skip_whitespace(parser *ps)
{
    for (int c = peek(ps); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = peek(ps)) ps->pos++;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Collects the bytes msgpack_pack_array/map write for one header. */
typedef struct header {
    char bytes[5];
    size_t n;
} header;

static int header_write(void *data, const char *buf, size_t len)
{
    header *h = data;
    if (len > sizeof h->bytes - h->n) return -1;
    memcpy(h->bytes + h->n, buf, len);
    h->n += len;
    return 0;
}

#define PLACEHOLDER 5 /* an array32/map32 header: the longest there is */

static size_t container_open(parser *ps)
{
    size_t at = ps->out->len;
    static const char zeros[PLACEHOLDER];
    tp_buf_append(ps->out, zeros, PLACEHOLDER);
    return at;
}

static int container_close(parser *ps, size_t at, bool is_map, size_t count)
{
    if (count > UINT32_MAX) return fail(ps, ps->pos, "too many elements");
    header h = {.n = 0};
    msgpack_packer hp;
    msgpack_packer_init(&hp, &h, header_write);
    if (is_map)
        msgpack_pack_map(&hp, count);
    else
        msgpack_pack_array(&hp, count);
    tp_buf *out = ps->out;
    size_t body = at + PLACEHOLDER;
    memmove(out->data + at + h.n, out->data + body, out->len - body);
    memcpy(out->data + at, h.bytes, h.n);
    out->len -= PLACEHOLDER - h.n;
    out->data[out->len] = '\0';
    return 0;
}

static int parse_value(parser *ps, int depth);

static int parse_array(parser *ps, int depth)
{
    if (depth >= JSON_MAX_DEPTH) return fail(ps, ps->pos, "nested too deeply");
    ps->pos++; /* '[' */
    size_t at = container_open(ps), count = 0;
    skip_whitespace(ps);
    if (peek(ps) == ']') {
        ps->pos++;
        return container_close(ps, at, false, 0);
    }
    for (;;) {
        skip_whitespace(ps);
        if (parse_value(ps, depth + 1)) return -1;
        count++;
        skip_whitespace(ps);
        int c = peek(ps);
        ps->pos++;
        if (c == ']') return container_close(ps, at, false, count);
        if (c != ',') return fail(ps, ps->pos - 1, "expected ',' or ']'");
    }
}

static int parse_string(parser *ps);

static int parse_object(parser *ps, int depth)
{
    if (depth >= JSON_MAX_DEPTH) return fail(ps, ps->pos, "nested too deeply");
    ps->pos++; /* '{' */
    size_t at = container_open(ps), count = 0;
    skip_whitespace(ps);
    if (peek(ps) == '}') {
        ps->pos++;
        return container_close(ps, at, true, 0);
    }
    for (;;) {
        skip_whitespace(ps);
        if (peek(ps) != '"') return fail(ps, ps->pos, "expected a string key");
        if (parse_string(ps)) return -1;
        skip_whitespace(ps);
        if (peek(ps) != ':') return fail(ps, ps->pos, "expected ':'");
        ps->pos++;
        skip_whitespace(ps);
        if (parse_value(ps, depth + 1)) return -1;
        count++;
        skip_whitespace(ps);
        int c = peek(ps);
        ps->pos++;
        if (c == '}') return container_close(ps, at, true, count);
        if (c != ',') return fail(ps, ps->pos - 1, "expected ',' or '}'");
    }
}

/* Reads the 4 hex digits of a \u escape at pos: -1 when one of them is not a hex digit, -2
 * when the input ends first. */
static long read_hex4(parser *ps)
{
    long v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (ps->pos + i >= ps->len) return -2;
        int c = (unsigned char)ps->text[ps->pos + i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    ps->pos += 4;
    return v;
}

static void put_utf8(tp_buf *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | cp >> 12);
        s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | cp >> 18);
        s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    tp_buf_append(b, s, n);
}

/* The \u escape whose backslash is at pos - 1; surrogates must come as a high-low pair. */
static int parse_unicode_escape(parser *ps)
{
    size_t start = ps->pos - 1;
    ps->pos++; /* 'u' */
    long hi = read_hex4(ps);
    if (hi < 0) return fail(ps, hi == -2 ? ps->len : start, "invalid \\u escape");
    uint32_t cp = (uint32_t)hi;
    if (hi >= 0xdc00 && hi <= 0xdfff) return fail(ps, start, "unpaired surrogate in \\u escape");
    if (hi >= 0xd800 && hi <= 0xdbff) {
        size_t left = ps->len - ps->pos;
        if (left == 0 || (left == 1 && ps->text[ps->pos] == '\\'))
            return fail(ps, ps->len, "unexpected end of input");
        if (left < 2 || ps->text[ps->pos] != '\\' || ps->text[ps->pos + 1] != 'u')
            return fail(ps, start, "unpaired surrogate in \\u escape");
        ps->pos += 2;
        long lo = read_hex4(ps);
        if (lo < 0) return fail(ps, lo == -2 ? ps->len : start, "invalid \\u escape");
        if (lo < 0xdc00 || lo > 0xdfff) return fail(ps, start, "unpaired surrogate in \\u escape");
        cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
    }
    put_utf8(&ps->scratch, cp);
    return 0;
}

/* Decodes the string at pos into scratch and packs it. */
static int parse_string(parser *ps)
{
    tp_buf *s = &ps->scratch;
    tp_buf_reset(s);
    ps->pos++; /* '"' */
    for (;;) {
        /* Copy the run of bytes that need no decoding in one go. */
        size_t run = ps->pos;
        while (run < ps->len) {
            unsigned char c = (unsigned char)ps->text[run];
            if (c == '"' || c == '\\' || c < 0x20) break;
            run++;
        }
        tp_buf_append(s, ps->text + ps->pos, run - ps->pos);
        ps->pos = run;
        int c = peek(ps);
        if (c == '"') break;
        if (c < 0) return fail(ps, ps->pos, "unexpected end of input");
        if (c < 0x20) return fail(ps, ps->pos, "control character in string");
        /* c is a backslash */
        ps->pos++;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        int e = peek(ps);
        const char *hit = e > 0 ? strchr(from, e) : NULL;
        if (hit) {
            tp_buf_putc(s, to[hit - from]);
            ps->pos++;
        } else if (e == 'u') {
            if (parse_unicode_escape(ps)) return -1;
        } else {
            return fail(ps, ps->pos, "invalid escape");
        }
    }
    ps->pos++; /* closing '"' */
    msgpack_pack_str_with_body(&ps->pk, s->data ? s->data : "", s->len);
    return 0;
}

/* Digits of a number without sign, fraction or exponent, if they fit 64 bits. */
static bool digits_to_u64(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static int parse_number(parser *ps)
{
    size_t start = ps->pos;
    bool negative = false, integral = true;
    if (peek(ps) == '-') {
        negative = true;
        ps->pos++;
    }
    size_t digits = ps->pos;
    if (peek(ps) == '0') {
        ps->pos++;
        if (is_digit(peek(ps))) return fail(ps, ps->pos - 1, "leading zero in number");
    } else if (is_digit(peek(ps))) {
        while (is_digit(peek(ps))) ps->pos++;
    } else {
        return fail(ps, ps->pos, "expected a digit");
    }
    size_t digits_end = ps->pos;
    if (peek(ps) == '.') {
        integral = false;
        ps->pos++;
        if (!is_digit(peek(ps))) return fail(ps, ps->pos, "expected a digit after '.'");
        while (is_digit(peek(ps))) ps->pos++;
    }
    if (peek(ps) == 'e' || peek(ps) == 'E') {
        integral = false;
        ps->pos++;
        if (peek(ps) == '+' || peek(ps) == '-') ps->pos++;
        if (!is_digit(peek(ps))) return fail(ps, ps->pos, "expected a digit in exponent");
        while (is_digit(peek(ps))) ps->pos++;
    }

    uint64_t mag;
    if (integral && digits_to_u64(ps->text + digits, digits_end - digits, &mag)) {
        if (!negative) {
            msgpack_pack_uint64(&ps->pk, mag);
            return 0;
        }
        if (mag <= (uint64_t)INT64_MAX + 1) {
            /* -(INT64_MAX + 1) is INT64_MIN, which has no positive int64 to negate. */
            int64_t v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
            msgpack_pack_int64(&ps->pk, v);
            return 0;
        }
    }

    /* strtod wants a NUL-terminated copy; the grammar above is a subset of what it accepts. */
    tp_buf_reset(&ps->scratch);
    tp_buf_append(&ps->scratch, ps->text + start, ps->pos - start);
    char *end;
    double d = strtod(ps->scratch.data, &end);
    if (end != ps->scratch.data + ps->scratch.len) return fail(ps, start, "unreadable number");
    if (!isfinite(d)) return fail(ps, start, "number too large");
    msgpack_pack_double(&ps->pk, d);
    return 0;
}

static int parse_literal(parser *ps, const char *word)
{
    size_t n = strlen(word), left = ps->len - ps->pos;
    if (left < n && memcmp(ps->text + ps->pos, word, left) == 0)
        return fail(ps, ps->len, "unexpected end of input");
    if (left < n || memcmp(ps->text + ps->pos, word, n) != 0)
        return fail(ps, ps->pos, "expected a value");
    ps->pos += n;
    return 0;
}

static int parse_value(parser *ps, int depth)
{
    int c = peek(ps);
    switch (c) {
    case '{':
        return parse_object(ps, depth);
    case '[':
        return parse_array(ps, depth);
    case '"':
        return parse_string(ps);
    case 't':
        if (parse_literal(ps, "true")) return -1;
        msgpack_pack_true(&ps->pk);
        return 0;
    case 'f':
        if (parse_literal(ps, "false")) return -1;
        msgpack_pack_false(&ps->pk);
        return 0;
    case 'n':
        if (parse_literal(ps, "null")) return -1;
        msgpack_pack_nil(&ps->pk);
        return 0;
    default:
        if (c == '-' || is_digit(c)) return parse_number(ps);
        return fail(ps, ps->pos, "expected a value");
    }
}

int json_to_msgpack(const char *text, size_t len, tp_buf *out, char *err, size_t errlen)
{
    if (!tp_utf8_valid(text, len)) {
        if (err && errlen) snprintf(err, errlen, "invalid JSON: not valid UTF-8");
        return -1;
    }
    parser ps = {.text = text, .len = len, .out = out, .err = err, .errlen = errlen};
    tp_packer_init(&ps.pk, out);
    size_t mark = out->len;
    skip_whitespace(&ps);
    int rc = parse_value(&ps, 0);
    if (rc == 0) {
        skip_whitespace(&ps);
        if (ps.pos < len) rc = fail(&ps, ps.pos, "unexpected data after the value");
    }
    tp_buf_free(&ps.scratch);
    if (rc != 0 && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}

/* ---- msgpack → JSON ---- */

/* The length a UTF-8 sequence with this lead byte claims, or 0 for a byte no sequence starts
 * with; tp_utf8_valid then judges the claimed bytes. */
static size_t sequence_length(unsigned char lead)
{
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) return 2;
    if (lead >= 0xe0 && lead <= 0xef) return 3;
    if (lead >= 0xf0 && lead <= 0xf4) return 4;
    return 0;
}

static void put_string(tp_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (n == 0) s = ""; /* msgpack's empty strings may have no pointer at all */
    tp_buf_reserve(out, n + 2);
    tp_buf_putc(out, '"');
    size_t i = 0, plain = 0; /* s[plain..i) is waiting to be copied as it is */
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        const char *rep;
        size_t skip = 1;
        if (c >= 0x80) {
            size_t k = sequence_length(c);
            if (k && k <= n - i && tp_utf8_valid(s + i, k)) {
                /* U+2028 and U+2029 end a line in pre-2019 JavaScript, breaking a <script>. */
                bool separator = k == 3 && c == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
                                 ((unsigned char)s[i + 2] & 0xfe) == 0xa8;
                if (!separator) {
                    i += k;
                    continue;
                }
                rep = (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
                skip = 3;
            } else {
                rep = "\xef\xbf\xbd"; /* U+FFFD for this one byte; resync on the next */
            }
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            esc[6] = '\0';
            rep = esc;
        } else {
            i++;
            continue;
        }
        tp_buf_append(out, s + plain, i - plain);
        tp_buf_puts(out, rep);
        i += skip;
        plain = i;
    }
    tp_buf_append(out, s + plain, n - plain);
    tp_buf_putc(out, '"');
}

/* The shortest %g text that reads back as the same value (at float precision for float32),
 * with ".0" added when it would otherwise read back as an integer. */
static void put_double(tp_buf *out, double d, bool single)
{
    if (!isfinite(d)) {
        tp_buf_puts(out, "null");
        return;
    }
    char text[40];
    int max = single ? 9 : 17; /* enough digits to round-trip any float / double */
    for (int prec = single ? 6 : 15; prec <= max; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        double back = strtod(text, NULL);
        if (single ? (float)back == (float)d : back == d) break;
    }
    tp_buf_puts(out, text);
    if (!strpbrk(text, ".e")) tp_buf_puts(out, ".0");
}

static void put_value(tp_buf *out, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        tp_buf_puts(out, "null");
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        tp_buf_puts(out, o->via.boolean ? "true" : "false");
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        tp_buf_printf(out, "%" PRIu64, o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        tp_buf_printf(out, "%" PRId64, o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
        put_double(out, o->via.f64, true);
        break;
    case MSGPACK_OBJECT_FLOAT64:
        put_double(out, o->via.f64, false);
        break;
    case MSGPACK_OBJECT_STR:
        put_string(out, o->via.str.ptr, o->via.str.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        tp_buf_putc(out, '[');
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i) tp_buf_putc(out, ',');
            put_value(out, &o->via.array.ptr[i]);
        }
        tp_buf_putc(out, ']');
        break;
    case MSGPACK_OBJECT_MAP:
        tp_buf_putc(out, '{');
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object_kv *kv = &o->via.map.ptr[i];
            if (i) tp_buf_putc(out, ',');
            if (kv->key.type == MSGPACK_OBJECT_STR) {
                put_string(out, kv->key.via.str.ptr, kv->key.via.str.size);
            } else {
                tp_buf key = TP_BUF_INIT;
                put_value(&key, &kv->key);
                put_string(out, key.data, key.len);
                tp_buf_free(&key);
            }
            tp_buf_putc(out, ':');
            put_value(out, &kv->val);
        }
        tp_buf_putc(out, '}');
        break;
    case MSGPACK_OBJECT_BIN:
    case MSGPACK_OBJECT_EXT:
    default:
        tp_buf_puts(out, "null");
        break;
    }
}

/* Recursion follows the object's depth, which msgpack-c's unpacker caps at 32. */
void json_from_msgpack(const msgpack_object *o, tp_buf *out)
{
    put_value(out, o);
}
