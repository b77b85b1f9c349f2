/* Unit tests for proto/tp_url.c: what an href may hold, byte by byte. Every URL is checked from
 * an exact-size heap copy, so ASan catches a read past its end. */
#include "tp_url.h"

#include <stdbool.h>
#include <stdlib.h>

#include "../check.h"

static bool ok_n(const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, s, n);
    bool r = tp_url_is_http(copy, n);
    free(copy);
    return r;
}

static bool ok(const char *s)
{
    return ok_n(s, strlen(s));
}

static void accepts_http_and_https_in_any_case(void)
{
    CHECK(ok("http://example.com"));
    CHECK(ok("https://example.com"));
    CHECK(ok("HTTPS://EXAMPLE.COM/"));
    CHECK(ok("HtTp://example.com/a"));
    CHECK(ok("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=30s#top"));
    CHECK(ok("https://example.com?q=1"));
    CHECK(ok("https://example.com#frag"));
    CHECK(ok("https://example.com/a/b;c=d/%20e~f!$&()*+,=:@"));
}

static void accepts_names_ipv4_and_bracketed_ipv6_hosts(void)
{
    CHECK(ok("http://localhost/"));
    CHECK(ok("http://127.0.0.1:8080/x"));
    CHECK(ok("https://a-b.c-d.example/"));
    CHECK(ok("https://x"));
    CHECK(ok("http://[::1]/"));
    CHECK(ok("http://[2001:db8::1]:8443/path"));
    CHECK(ok("http://[::ffff:192.0.2.1]"));
}

static void refuses_bad_host_names(void)
{
    CHECK(!ok("https://"));
    CHECK(!ok("https:///path"));
    CHECK(!ok("https://.example.com/"));
    CHECK(!ok("https://example.com./"));
    CHECK(!ok("https://example..com/"));
    CHECK(!ok("https://."));
    CHECK(!ok("https://exa_mple.com/"));
    CHECK(!ok("https://exa%6dple.com/"));
    CHECK(!ok("https://b\xc3\xbc"
              "cher.example/"));
    CHECK(!ok("https://example.com\\@evil.test/"));
    CHECK(!ok("https://example.com evil.test/"));
    CHECK(!ok("https://example.com\tx/"));
}

static void refuses_malformed_ipv6_literals_and_zone_ids(void)
{
    CHECK(!ok("http://[]/"));
    CHECK(!ok("http://[:]/"));
    CHECK(!ok("http://[::1"));
    CHECK(!ok("http://[abcd]/"));
    CHECK(!ok("http://[::1%25eth0]/"));
    CHECK(!ok("http://[::1]x/"));
    CHECK(!ok("http://[::g]/"));
}

static void accepts_ports_from_1_to_65535_only(void)
{
    CHECK(ok("http://example.com:1/"));
    CHECK(ok("http://example.com:65535"));
    CHECK(ok("http://example.com:00080/"));
    CHECK(!ok("http://example.com:0/"));
    CHECK(!ok("http://example.com:65536/"));
    CHECK(!ok("http://example.com:123456/"));
    CHECK(!ok("http://example.com:/"));
    CHECK(!ok("http://example.com:80a/"));
    CHECK(!ok("http://example.com:-1/"));
    CHECK(!ok("http://example.com:80:81/"));
}

static void refuses_userinfo_before_the_host(void)
{
    CHECK(!ok("https://user@example.com/"));
    CHECK(!ok("https://user:pass@example.com/"));
    CHECK(!ok("https://youtube.com@evil.test/"));
    CHECK(!ok("https://www.youtube.com:443@evil.test/"));
    CHECK(!ok("https://@evil.test/"));
    /* After the host an '@' is path data, and the host stays the first one. */
    CHECK(ok("https://example.com/@user"));
}

static void refuses_other_schemes_and_relative_urls(void)
{
    CHECK(!ok("javascript:alert(1)"));
    CHECK(!ok("JaVaScRiPt:alert(1)"));
    CHECK(!ok("data:text/html,<script>alert(1)</script>"));
    CHECK(!ok("vbscript:msgbox(1)"));
    CHECK(!ok("ftp://example.com/"));
    CHECK(!ok("mailto:a@example.com"));
    CHECK(!ok("//example.com/"));
    CHECK(!ok("/relative/path"));
    CHECK(!ok("example.com"));
    CHECK(!ok("http:/example.com"));
    CHECK(!ok("http:example.com"));
    CHECK(!ok("https//example.com"));
    CHECK(!ok(" https://example.com"));
    CHECK(!ok("https://example.com "));
    CHECK(!ok("httpx://example.com"));
    CHECK(!ok("http"));
    CHECK(!ok(""));
    CHECK(!tp_url_is_http(NULL, 0));
}

/* Every byte value, placed in the path, the query and the fragment. */
static void path_query_and_fragment_take_printable_ascii_minus_unsafe_characters(void)
{
    int wrong = 0;
    for (int c = 0; c < 256; c++) {
        bool want = c > 0x20 && c < 0x7f && !strchr("\"'<>\\`{}|^", c);
        const char *forms[] = {"https://e.x/a%cb", "https://e.x/?a=%cb", "https://e.x/#a%cb"};
        for (size_t f = 0; f < 3; f++) {
            char buf[32];
            int n = snprintf(buf, sizeof buf, forms[f], 'Z');
            char *z = strchr(buf, 'Z');
            *z = (char)c;
            if (ok_n(buf, (size_t)n) != want) {
                fprintf(stderr, "  byte 0x%02x in form %zu: want %d\n", c, f, want);
                wrong++;
            }
        }
    }
    CHECK(wrong == 0);
}

static void accepts_exactly_tp_url_max_bytes_and_refuses_one_more(void)
{
    char buf[TP_URL_MAX + 2];
    memcpy(buf, "https://e.x/", 12);
    memset(buf + 12, 'a', sizeof buf - 12);
    CHECK(ok_n(buf, TP_URL_MAX));
    CHECK(!ok_n(buf, TP_URL_MAX + 1));
}

/* Only s[0..n) counts: a cut URL is judged as what is left, never by the bytes after it. */
static void judges_only_the_first_n_bytes(void)
{
    const char *u = "https://example.com:8080/p?q#f";
    size_t n = strlen(u);
    for (size_t k = 0; k <= n; k++) {
        /* From "https://e" on, except a trailing dot ("https://example.") or a bare ':' */
        bool want = k >= 9 && k != 16 && k != 20;
        if (ok_n(u, k) != want) fprintf(stderr, "  prefix %zu: want %d\n", k, want);
        CHECK(ok_n(u, k) == want);
    }
    CHECK(!ok_n("https://example.com/\0x", 22));
    CHECK(ok_n("https://example.com/\0x", 20));
}

#define CASE(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
static const check_case cases[] = {
    CASE(accepts_http_and_https_in_any_case),
    CASE(accepts_names_ipv4_and_bracketed_ipv6_hosts),
    CASE(refuses_bad_host_names),
    CASE(refuses_malformed_ipv6_literals_and_zone_ids),
    CASE(accepts_ports_from_1_to_65535_only),
    CASE(refuses_userinfo_before_the_host),
    CASE(refuses_other_schemes_and_relative_urls),
    CASE(path_query_and_fragment_take_printable_ascii_minus_unsafe_characters),
    CASE(accepts_exactly_tp_url_max_bytes_and_refuses_one_more),
    CASE(judges_only_the_first_n_bytes),
};

CHECK_MAIN("tp_url", cases)
