/* trusted_proxy: the proxies whose X-Forwarded-For is believed (see trusted_proxy.h). */
#include "trusted_proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    int family;
    unsigned char addr[16];
    int bits;
} block;

static block blocks[TRUSTED_PROXY_MAX];
static int nblocks;

/* The address in text as bytes: its family (AF_INET, AF_INET6), or 0 when it is neither. */
static int parse_address(const char *text, unsigned char out[16])
{
    if (inet_pton(AF_INET, text, out) == 1) return AF_INET;
    if (inet_pton(AF_INET6, text, out) == 1) return AF_INET6;
    return 0;
}

/* "address" or "address/bits" (n bytes of s, trimmed); 0, or -1. */
static int parse_block(const char *s, size_t n, block *b)
{
    char text[64];
    if (n == 0 || n >= sizeof text) return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    char *slash = strchr(text, '/');
    long bits = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        bits = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || bits < 0) return -1;
    }
    b->family = parse_address(text, b->addr);
    int max = b->family == AF_INET ? 32 : 128;
    if (!b->family || bits > max) return -1;
    b->bits = bits < 0 ? max : (int)bits;
    return 0;
}

int trusted_proxy_init(const char *setting, char *err, size_t errlen)
{
    nblocks = 0;
    for (const char *p = setting; *p;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        const char *end = p;
        while (*end && *end != ',') end++;
        size_t n = (size_t)(end - p);
        while (n && p[n - 1] == ' ') n--;
        if (nblocks == TRUSTED_PROXY_MAX || parse_block(p, n, &blocks[nblocks])) {
            snprintf(err, errlen,
                     "TALKS_TRUSTED_PROXY: \"%.*s\" is not an address or a block such as "
                     "172.16.0.0/12 (at most %d entries)",
                     (int)(n > 64 ? 64 : n), p, TRUSTED_PROXY_MAX);
            return -1;
        }
        nblocks++;
        p = end;
    }
    return 0;
}

static bool in_block(const block *b, const unsigned char *addr)
{
    int whole = b->bits / 8, rest = b->bits % 8;
    if (memcmp(b->addr, addr, (size_t)whole) != 0) return false;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return rest == 0 || (b->addr[whole] & mask) == (addr[whole] & mask);
}

bool trusted_proxy_is(const char *peer)
{
    unsigned char addr[16];
    int family = parse_address(peer, addr);
    for (int i = 0; family && i < nblocks; i++)
        if (blocks[i].family == family && in_block(&blocks[i], addr)) return true;
    return false;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The canonical text of the address in hop (so one address is always one throttle key), when
 * hop is a numeric address. */
static bool address_text(const char *hop, size_t n, char text[INET6_ADDRSTRLEN])
{
    char raw[64];
    unsigned char addr[16];
    while (n && is_blank(hop[0])) hop++, n--;
    while (n && is_blank(hop[n - 1])) n--;
    if (n == 0 || n >= sizeof raw) return false;
    memcpy(raw, hop, n);
    raw[n] = '\0';
    int family = parse_address(raw, addr);
    return family && inet_ntop(family, addr, text, INET6_ADDRSTRLEN) != NULL;
}

/* Walks one line's hops from the right (see trusted_proxy_client); client keeps the last
 * address read. True when the walk ends in this line: at an untrusted hop, or at one that is
 * not an address. Empty hops (an empty line, ", ,") are passed over. */
static bool walk_line(tp_str line, char client[INET6_ADDRSTRLEN])
{
    char text[INET6_ADDRSTRLEN];
    size_t end = line.n;
    for (;;) {
        size_t start = end;
        while (start > 0 && line.p[start - 1] != ',') start--;
        size_t n = end - start;
        while (n && is_blank(line.p[start + n - 1])) n--;
        bool empty = true;
        for (size_t i = 0; i < n && empty; i++) empty = is_blank(line.p[start + i]);
        if (!empty) {
            if (!address_text(line.p + start, n, text)) return true;
            memcpy(client, text, sizeof text);
            if (!trusted_proxy_is(text)) return true;
        }
        if (start == 0) return false;
        end = start - 1;
    }
}

bool trusted_proxy_client(const char *peer, const tp_str *lines, size_t nlines, char *out,
                          size_t outlen)
{
    char client[INET6_ADDRSTRLEN] = "";
    if (!trusted_proxy_is(peer)) return false;
    for (size_t i = nlines; i-- > 0;)
        if (walk_line(lines[i], client)) break;
    if (!client[0]) return false;
    snprintf(out, outlen, "%s", client);
    return true;
}
