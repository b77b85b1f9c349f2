/* access_log: one line per HTTP request (see access_log.h).
 *
 * Design notes: this runs on the event loop for every request, so it does what it must and no
 * more: a level check first (nothing is formatted for a level not written), one header lookup
 * for the id, h2o's own timestamps for the duration (the loop's clock, read once per turn: a
 * page served from the cache within one turn shows 0.0), and one write(2) per line (tp_log). */
#include "access_log.h"

#include <string.h>

#include "request_id.h"
#include "tp_log.h"

#define PATH_LOGGED_MAX 512 /* a longer path is cut: the line stays a line */

/* The id the answer carries (render.c and error_pages.c set it), or, for what answers without
 * one (static files), the one request_id.c gives the request. */
static void id_of(h2o_req_t *req, char *out)
{
    ssize_t at = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);
    h2o_iovec_t v = at >= 0 ? req->res.headers.entries[at].value : h2o_iovec_init(NULL, 0);
    if (v.len && v.len <= REQUEST_ID_MAX) {
        memcpy(out, v.base, v.len);
        out[v.len] = '\0';
    } else {
        request_id_of(req, out);
    }
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    h2o_iovec_t path = req->input.path;
    if (req->input.query_at != SIZE_MAX && req->input.query_at < path.len)
        path.len = req->input.query_at;
    if (path.len > PATH_LOGGED_MAX) path.len = PATH_LOGGED_MAX;
    int status = req->res.status;
    enum tp_log_level level = status >= 500 ? TP_WARN : TP_INFO;
    if (status == 200 && h2o_memis(path.base, path.len, H2O_STRLIT("/healthz"))) level = TP_DEBUG;
    if (!tp_log_enabled(level)) return;

    char rid[REQUEST_ID_MAX + 1];
    id_of(req, rid);
    int64_t usec = 0;
    if (!h2o_time_compute_duration(req, &usec)) usec = 0;
    tp_log_line l;
    if (!tp_log_begin(&l, level, rid)) return;
    h2o_iovec_t method = req->input.method;
    tp_log_str(&l, "method", method.base ? method.base : "-", method.base ? method.len : 1);
    tp_log_str(&l, "path", path.base ? path.base : "-", path.base ? path.len : 1);
    tp_log_printf(&l, "status", "%d", status);
    tp_log_printf(&l, "bytes", "%zu", req->bytes_sent);
    tp_log_printf(&l, "ms", "%.1f", (double)usec / 1000.0);
    tp_log_end(&l);
}

void access_log_register(h2o_pathconf_t *pathconf)
{
    h2o_logger_t *logger = h2o_create_logger(pathconf, sizeof *logger);
    logger->log_access = log_access;
}
