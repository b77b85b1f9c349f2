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
