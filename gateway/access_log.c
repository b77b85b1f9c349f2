/* access_log: one line per HTTP request (see access_log.h).
 *
 * Design notes: this runs on the event loop for every request, so it does what it must and no
 * more: a level check first (nothing is formatted for a level not written), one header lookup
 * for the id, h2o's own timestamps for the duration (the loop's clock, read once per turn: a
 * page served from the cache within one turn shows 0.0). The lines of one turn of the loop are
 * gathered and written together when it ends (a zero timeout, as gw_call_batched waits for):
 * under load the loop finishes several requests a turn, and a write(2) per line was most of
 * what the line cost a cached page. A batch stays under PIPE_BUF, so that on a pipe (Docker's
 * log driver) it is written whole, never cut by another thread's line. So an access line may
 * follow a line the gateway wrote later in the same turn (its ts says when it was made), and a
 * crash loses the current turn's lines; a normal exit writes them (atexit). */
#include "access_log.h"

#include <stdlib.h>
#include <string.h>

#include "request_id.h"
#include "tp_log.h"

#define PATH_LOGGED_MAX 512 /* a longer path is cut: the line stays a line */

/* The loop's lines not written yet; only the loop's thread touches them. */
static tp_buf pending;
static h2o_loop_t *loop;
static h2o_timeout_t turn_end;
static h2o_timeout_entry_t flush_entry;

void access_log_flush(void)
{
    if (pending.len) tp_log_write(pending.data, pending.len);
    tp_buf_reset(&pending);
}

static void on_turn_end(h2o_timeout_entry_t *entry)
{
    (void)entry;
    access_log_flush();
}

static void flush_at_exit(void)
{
    access_log_flush();
    tp_buf_free(&pending);
}

/* Adds the line to this turn's batch. */
static void gather(h2o_req_t *req, tp_log_line *l)
{
    if (!loop) {
        loop = req->conn->ctx->loop;
        h2o_timeout_init(loop, &turn_end, 0);
        flush_entry = (h2o_timeout_entry_t){.cb = on_turn_end};
        atexit(flush_at_exit);
    }
    tp_log_end_gathered(l, &pending);
    if (!h2o_timeout_is_linked(&flush_entry)) h2o_timeout_link(loop, &turn_end, &flush_entry);
}

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
    if (status == 200 && (h2o_memis(path.base, path.len, H2O_STRLIT("/healthz")) ||
                          h2o_memis(path.base, path.len, H2O_STRLIT("/livez"))))
        level = TP_DEBUG;
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
    tp_log_int(&l, "status", status);
    tp_log_int(&l, "bytes", (int64_t)req->bytes_sent);
    tp_log_printf(&l, "ms", "%.1f", (double)usec / 1000.0);
    gather(req, &l);
}

void access_log_register(h2o_pathconf_t *pathconf)
{
    h2o_logger_t *logger = h2o_create_logger(pathconf, sizeof *logger);
    logger->log_access = log_access;
}
