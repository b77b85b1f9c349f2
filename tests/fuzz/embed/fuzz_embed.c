/* fuzz_embed: libFuzzer target for the slides/video recogniser (proto/tp_embed.c): whatever a
 * speaker pastes, the result is an error, nothing, or a safe link and an iframe address on one
 * of the CSP's frame hosts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_embed.h"
#include "tp_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool on_frame_host(const char *url)
{
    const char *hosts = tp_embed_frame_src();
    for (const char *h = hosts; *h;) {
        const char *end = strchr(h, ' ');
        size_t n = end ? (size_t)(end - h) : strlen(h);
        if (strncmp(url, h, n) == 0 && url[n] == '/') return true;
        h += n + (end ? 1 : 0);
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_embed e;
    char err[200];
    if (tp_embed_parse((const char *)data, size, &e, err, sizeof err) != 0) return 0;
    if (!tp_url_is_http(e.url, strlen(e.url))) abort();
    if (e.embed_url[0] &&
        (!tp_url_is_http(e.embed_url, strlen(e.embed_url)) || !on_frame_host(e.embed_url)))
        abort();
    return 0;
}
