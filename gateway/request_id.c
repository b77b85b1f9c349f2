/* request_id: which id a request is logged with (see request_id.h). */
#include "request_id.h"

#include <sodium.h>
#include <string.h>

#include "random_pool.h"

bool request_id_is_plain(const char *s, size_t n)
{
    if (n == 0 || n > REQUEST_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

void request_id_of(h2o_req_t *req, char *out)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (at >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        if (request_id_is_plain(v.base, v.len)) {
            memcpy(out, v.base, v.len);
            out[v.len] = '\0';
            return;
        }
    }
    request_id_new(out);
}

void request_id_new(char *out)
{
    unsigned char raw[REQUEST_ID_NEW_LEN / 2];
    random_pool_bytes(raw, sizeof raw);
    sodium_bin2hex(out, REQUEST_ID_NEW_LEN + 1, raw, sizeof raw);
}
