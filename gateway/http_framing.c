/* http_framing: the ambiguous-length check (see http_framing.h).
 *
 * Design notes: h2o consumes Content-Length and Transfer-Encoding while it parses the head and
 * keeps neither in req->headers, so the check reads the head again, with h2o's own parser
 * (picohttpparser, exported by libh2o but without a header), from the connection's input
 * buffer: h2o 2.2.5 keeps a request's head at the start of that buffer until the response has
 * been sent. Reaching the socket relies on the layout of h2o 2.2.5's HTTP/1 connection, which
 * starts with its h2o_conn_t and then its socket; Debian 12 pins that version, and
 * tests/integration/test_bad_input.py fails if the layout ever differs. */
#include "http_framing.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* From picohttpparser.h (in libh2o). */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

/* The start of h2o 2.2.5's struct st_h2o_http1_conn_t (lib/http1.c). */
struct http1_conn_start {
    h2o_conn_t super;
    h2o_socket_t *sock;
};

#define MAX_HEADERS 100 /* H2O_MAX_HEADERS */

static bool named(const struct phr_header *h, const char *name)
{
    return h->name && h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

static bool same_value(const struct phr_header *a, const struct phr_header *b)
{
    return a->value_len == b->value_len && memcmp(a->value, b->value, a->value_len) == 0;
}

static bool ambiguous(h2o_req_t *req)
{
    if (req->version >= 0x200) return false; /* HTTP/2 frames bodies itself (and is off) */
    h2o_socket_t *sock = ((struct http1_conn_start *)req->conn)->sock;
    if (!sock || !sock->input || sock->input->size == 0) return false;
    const char *method, *path;
    size_t method_len, path_len, nheaders = MAX_HEADERS;
    int minor;
    struct phr_header headers[MAX_HEADERS];
    size_t len = sock->input->size < H2O_MAX_REQLEN ? sock->input->size : H2O_MAX_REQLEN;
    if (phr_parse_request(sock->input->bytes, len, &method, &method_len, &path, &path_len, &minor,
                          headers, &nheaders, 0) <= 0)
        return false; /* h2o parsed it already; nothing to compare */
    const struct phr_header *length = NULL;
    bool encoding = false;
    for (size_t i = 0; i < nheaders; i++) {
        if (named(&headers[i], "transfer-encoding")) encoding = true;
        if (!named(&headers[i], "content-length")) continue;
        if (length && !same_value(length, &headers[i])) return true;
        length = &headers[i];
    }
    return length && encoding;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (!ambiguous(req)) return -1; /* the next handler's */
    h2o_send_error_400(req, "Bad Request", "The length of the request's body is ambiguous.",
                       H2O_SEND_ERROR_HTTP1_CLOSE_CONNECTION);
    return 0;
}

void http_framing_register(h2o_pathconf_t *pathconf)
{
    h2o_handler_t *h = h2o_create_handler(pathconf, sizeof *h);
    h->on_req = on_req;
}
