/* tp_url: the one check that a URL from outside may go into an href or an iframe src. */
#ifndef TP_URL_H
#define TP_URL_H

#include <stdbool.h>
#include <stddef.h>

#define TP_URL_MAX 512

/* True when s[0..n) is an absolute http or https URL safe to put in an href: scheme http/https
 * (any case), "//", a host of [A-Za-z0-9.-] (no leading/trailing dot, no empty label, at least
 * one char) or a bracketed IPv6 literal, optional :port (1-65535), then optional
 * path/query/fragment made only of printable ASCII excluding space " ' < > \ ` { } | ^ and no
 * control bytes; no userinfo ('@' before the host is refused); total <= TP_URL_MAX.
 * s need not be NUL-terminated; a NUL byte anywhere refuses the URL.
 * Limits: an IPv6 literal is checked for its characters ([0-9A-Fa-f:.], at least one ':'), not
 * for the full address grammar; zone ids are refused. Non-ASCII (IDN hosts, raw UTF-8 paths) is
 * refused: such URLs must arrive percent- or punycode-encoded. */
bool tp_url_is_http(const char *s, size_t n);

#endif
