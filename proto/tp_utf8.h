/* tp_utf8: the one UTF-8 validator every boundary uses. */
#ifndef TP_UTF8_H
#define TP_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool tp_utf8_valid(const char *s, size_t n);
/* True when s[0..n) is valid UTF-8 and holds no control characters other than \t \n \r. */
bool tp_utf8_text(const char *s, size_t n);
/* Makes valid UTF-8 s[0..n) valid XML 1.0 character data in place, keeping its length: a
 * control character other than \t \n \r becomes a space, U+FFFE and U+FFFF become U+FFFD
 * (both three bytes). Feeds and mail pass through it, so whatever a user typed, they parse. */
void tp_utf8_xml_safe(char *s, size_t n);
/* Number of code points in valid UTF-8 (what "at most 64 characters" counts). */
size_t tp_utf8_len(const char *s, size_t n);
/* The length of the start of valid UTF-8 s[0..n) that is at most max bytes and ends on a
 * character boundary. */
size_t tp_utf8_prefix(const char *s, size_t n, size_t max);

#endif
