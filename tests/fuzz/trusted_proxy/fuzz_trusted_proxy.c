/* fuzz_trusted_proxy: libFuzzer target for what a client behind a trusted proxy may send in
 * X-Forwarded-For (gateway/trusted_proxy.c). The input's first line is a TALKS_TRUSTED_PROXY
 * setting, the rest the header's lines. Whatever they hold, the client found is a numeric
 * address in canonical form, never the text of a hop as it came. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trusted_proxy.h"

#define LINES_MAX 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when text is an address inet_ntop would write the same way. */
static bool canonical(const char *text)
{
    unsigned char addr[16];
    char again[INET6_ADDRSTRLEN];
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    return inet_pton(family, text, addr) == 1 &&
           inet_ntop(family, addr, again, sizeof again) != NULL && strcmp(text, again) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    const char *nl = memchr(s, '\n', size);
    char setting[256];
    size_t setting_len = nl ? (size_t)(nl - s) : size;
    if (setting_len >= sizeof setting || memchr(s, '\0', setting_len)) return 0;
    memcpy(setting, s, setting_len);
    setting[setting_len] = '\0';
    char err[128];
    /* A refused setting must leave a usable (empty) list; an accepted one is used below. */
    if (trusted_proxy_init(setting, err, sizeof err) != 0 &&
        trusted_proxy_init("127.0.0.1, 10.0.0.0/8, fd00::/8", err, sizeof err) != 0)
        abort();

    tp_str lines[LINES_MAX];
    size_t nlines = 0;
    for (const char *p = nl ? nl + 1 : end; p < end && nlines < LINES_MAX;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        lines[nlines++] = (tp_str){p, (size_t)(e - p)};
        p = e + 1;
    }
    static const char *const peers[] = {"127.0.0.1", "10.9.8.7", "fd00::1", "192.0.2.1"};
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
        char out[INET6_ADDRSTRLEN + 1];
        if (!trusted_proxy_client(peers[i], lines, nlines, out, sizeof out)) continue;
        if (!trusted_proxy_is(peers[i]) || memchr(out, '\0', sizeof out) == NULL || !canonical(out))
            abort();
    }
    return 0;
}
