/* tp_utf8: strict UTF-8 checks (RFC 3629 / Unicode table 3-7) shared by every input boundary. */
#include "tp_utf8.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Decodes one code point at s[0..n), n >= 1. Returns its length in bytes (1..4) and stores the
 * code point, or returns 0 for any ill-formed sequence. The second-byte ranges below are what
 * rule out overlongs (E0 A0.., F0 90..), surrogates (ED ..9F) and code points past U+10FFFF
 * (F4 ..8F, and F5..FF never lead), so no range check on the result is needed afterwards. */
static size_t decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xc2) return 0; /* stray continuation byte, or C0/C1: always overlong */
    if (c < 0xe0) {
        len = 2;
        *cp = c & 0x1f;
    } else if (c < 0xf0) {
        len = 3;
        *cp = c & 0x0f;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c < 0xf5) {
        len = 4;
        *cp = c & 0x07;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else {
        return 0;
    }
    if (n < len) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        *cp = (*cp << 6) | (s[i] & 0x3f);
    }
    return len;
}

/* The end of the run of ASCII bytes at s[i..n): sixteen bytes at a time where SSE2 is (every
 * x86-64), eight elsewhere. ASCII dominates real input, and every reply's text passes here: eight
 * at a time was still a twentieth of a timeline page's work in the gateway. */
static size_t ascii_run(const unsigned char *s, size_t i, size_t n)
{
#ifdef __SSE2__
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        if (_mm_movemask_epi8(v)) break; /* a byte with its high bit */
    }
#endif
    for (uint64_t eight; n - i >= sizeof eight; i += sizeof eight) {
        memcpy(&eight, s + i, sizeof eight);
        if (eight & 0x8080808080808080u) break;
    }
    while (i < n && s[i] < 0x80) i++;
    return i;
}

bool tp_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = ascii_run(p, 0, n); i < n; i = ascii_run(p, i, n)) {
        uint32_t cp;
        size_t k = decode(p + i, n - i, &cp);
        if (!k) return false;
        i += k;
    }
    return true;
}

bool tp_utf8_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = decode(p + i, n - i, &cp);
        if (!k) return false;
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') return false;
        if (cp >= 0x7f && cp <= 0x9f) return false; /* DEL and the C1 controls */
        i += k;
    }
    return true;
}

/* Counts every byte that is not a continuation byte: exact for valid UTF-8, and for anything
 * else still a defined answer that never exceeds n. */
size_t tp_utf8_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += (p[i] & 0xc0) != 0x80;
    return count;
}

void tp_utf8_xml_safe(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            s[i] = ' ';
        } else if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
                   ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
            s[i + 2] = (char)0xBD; /* EF BF BE / EF BF BF → EF BF BD */
            i += 2;
        }
    }
}

size_t tp_utf8_prefix(const char *s, size_t n, size_t max)
{
    if (n <= max) return n;
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80) max--;
    return max;
}
