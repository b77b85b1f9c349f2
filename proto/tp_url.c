/* tp_url: a strict, allocation-free check of absolute http(s) URLs. It accepts a subset of RFC
 * 3986 on purpose: whatever passes can be written into an href or src attribute (after the
 * template's HTML escaping) without changing what the browser parses as scheme or host. */
#include "tp_url.h"

#include <string.h>

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_host_char(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
}

static bool is_ipv6_char(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* Printable ASCII minus the characters that are unsafe or invalid in a URL (RFC 3986 never
 * allows them unencoded; browsers treat some of them, like '\', as '/'). */
static bool is_rest_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f) return false;
    return strchr("\"'<>\\`{}|^", c) == NULL;
}

static bool prefix_nocase(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n < k) return false;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lit[i]) return false;
    }
    return true;
}

/* Host name at s[0..n): labels of [A-Za-z0-9-] separated by single dots. */
static bool host_name_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_host_char((unsigned char)s[i])) return false;
        if (s[i] == '.' && s[i + 1] == '.') return false; /* i + 1 < n: s[n - 1] is no dot */
    }
    return true;
}

bool tp_url_is_http(const char *s, size_t n)
{
    if (!s || n == 0 || n > TP_URL_MAX) return false;
    size_t i;
    if (prefix_nocase(s, n, "https://"))
        i = 8;
    else if (prefix_nocase(s, n, "http://"))
        i = 7;
    else
        return false;

    /* The host: a bracketed IPv6 literal or a name. Anything else, '@' included, ends the check
     * below because it is neither ':' nor the start of path, query or fragment. */
    if (i < n && s[i] == '[') {
        size_t start = ++i;
        bool colon = false;
        while (i < n && s[i] != ']') {
            if (!is_ipv6_char((unsigned char)s[i])) return false;
            colon |= s[i] == ':';
            i++;
        }
        if (i == n || !colon || i - start < 2) return false;
        i++; /* the ']' */
    } else {
        size_t start = i;
        while (i < n && is_host_char((unsigned char)s[i])) i++;
        if (!host_name_ok(s + start, i - start)) return false;
    }

    if (i < n && s[i] == ':') {
        size_t start = ++i;
        unsigned long port = 0;
        while (i < n && is_digit((unsigned char)s[i]) && i - start < 5) {
            port = port * 10 + (unsigned long)(s[i] - '0');
            i++;
        }
        if (i == start || port < 1 || port > 65535) return false;
    }

    if (i == n) return true;
    if (s[i] != '/' && s[i] != '?' && s[i] != '#') return false;
    for (; i < n; i++)
        if (!is_rest_char((unsigned char)s[i])) return false;
    return true;
}
