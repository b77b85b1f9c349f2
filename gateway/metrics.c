/* metrics: the gateway's counters and its /metrics page (see metrics.h).
 *
 * Design notes: every counter here is bumped on the event loop's thread (h2o's loggers run
 * there, and so does gw_call's delivery), the scrape reads them there too; they are tp_metrics'
 * relaxed atomics all the same, so no rule but that one is needed. A request's route reaches
 * the logger through the request's env (h2o's per-request list of name/value pairs, which
 * nothing else here uses): routes.c puts "talks.route" there, its value's length being the
 * route's number; every other request is counted under its path configuration's default. The
 * cost per request is a pool allocation, a clock read and three atomic adds. */
#include "metrics.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "metrics_text.h"
#include "random_pool.h"
#include "routes.h"
#include "tp_log.h"
#include "tp_svc.h"

#define STATUS_MIN 100
#define STATUS_MAX 599
#define NSTATUS    (STATUS_MAX - STATUS_MIN + 1)
#define ROUTE_ENV  "talks.route"

/* Counted requests by slot: routes.c's table, then METRICS_STATIC and METRICS_UNROUTED. */
static size_t nroutes, nslots;
static tp_counter *http_requests;  /* [slot][status - STATUS_MIN] */
static tp_histogram *http_latency; /* [slot] */

static tp_counter bus_calls[GW_NSERVICES][TP_METRICS_OPS][METRICS_BUS_RESULTS];
static tp_histogram bus_latency[GW_NSERVICES][TP_METRICS_OPS];

typedef struct http_logger {
    h2o_logger_t super;
    enum metrics_unrouted unrouted;
} http_logger;

static void slots_init(void)
{
    if (http_requests) return;
    nroutes = routes_count();
    nslots = nroutes + 2;
    http_requests = tp_xcalloc(nslots * NSTATUS, sizeof *http_requests);
    http_latency = tp_xcalloc(nslots, sizeof *http_latency);
}

void metrics_http_route(h2o_req_t *req, size_t index)
{
    *h2o_req_getenv(req, H2O_STRLIT(ROUTE_ENV), 1) = h2o_iovec_init(ROUTE_ENV, index);
}

static void log_request(h2o_logger_t *self, h2o_req_t *req)
{
    size_t slot = nroutes + ((http_logger *)self)->unrouted;
    h2o_iovec_t *route = h2o_req_getenv(req, H2O_STRLIT(ROUTE_ENV), 0);
    if (route && route->len < nroutes) slot = route->len;
    int status = req->res.status; /* 0: the client left before an answer began */
    if (status < STATUS_MIN || status > STATUS_MAX) return;
    tp_counter_add(&http_requests[slot * NSTATUS + (size_t)(status - STATUS_MIN)], 1);
    /* From when h2o began reading the request (its loop's clock, read once per turn) to now. */
    struct timeval now, began = req->timestamps.request_begin_at;
    gettimeofday(&now, NULL);
    int64_t us = (int64_t)(now.tv_sec - began.tv_sec) * 1000000 + (now.tv_usec - began.tv_usec);
    tp_histogram_observe(&http_latency[slot], us > 0 && began.tv_sec ? (uint64_t)us * 1000 : 0);
}

void metrics_http_register(h2o_pathconf_t *pathconf, enum metrics_unrouted unrouted)
{
    slots_init();
    http_logger *logger = (http_logger *)h2o_create_logger(pathconf, sizeof *logger);
    logger->super.log_access = log_request;
    logger->unrouted = unrouted;
}

void metrics_bus_call(enum gw_service svc, int op, int result, uint64_t ns)
{
    if (op < 0 || op >= TP_METRICS_OPS) op = TP_METRICS_OP_OTHER;
    if (result < 0 || result >= METRICS_BUS_RESULTS) result = TP_EINTERNAL;
    tp_counter_add(&bus_calls[svc][op][result], 1);
    tp_histogram_observe(&bus_latency[svc][op], ns);
}

/* ---- the page ---- */

static const char *bus_result_name(int result)
{
    switch (result) {
    case METRICS_BUS_TIMEOUT:
        return "timeout";
    case METRICS_BUS_NO_ANSWER:
        return "no_answer";
    case METRICS_BUS_BAD_REPLY:
        return "bad_reply";
    default:
        return tp_err_name((tp_err)result);
    }
}

static void slot_labels(size_t slot, const char **method, const char **route)
{
    if (slot < nroutes) {
        *method = routes_get(slot)->method;
        *route = routes_get(slot)->pattern;
    } else {
        *method = slot == nroutes + METRICS_STATIC ? "GET" : "any";
        *route = slot == nroutes + METRICS_STATIC ? "/static/*" : "none";
    }
}

static void write_http(tp_w *w)
{
    const char *method, *route;
    tp_metrics_family(w, "talks_http_requests_total", TP_METRIC_COUNTER,
                      "HTTP requests answered, by route (method and path pattern; HEAD counts as "
                      "GET) and status; route none: no route took it.");
    for (size_t slot = 0; slot < nslots; slot++) {
        slot_labels(slot, &method, &route);
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t n = tp_counter_get(&http_requests[slot * NSTATUS + (size_t)s]);
            char status[12];
            snprintf(status, sizeof status, "%d", s + STATUS_MIN);
            if (n) tp_metrics_count(w, n, "method", method, "route", route, "status", status, NULL);
        }
    }
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_http_request_duration_seconds", TP_METRIC_HISTOGRAM,
                      "HTTP requests from their first byte read to their answer's last byte "
                      "written, by route.");
    for (size_t slot = 0; slot < nslots; slot++) {
        slot_labels(slot, &method, &route);
        if (tp_histogram_count(&http_latency[slot]))
            tp_metrics_histogram(w, &http_latency[slot], "method", method, "route", route, NULL);
    }
    tp_metrics_family_end(w);
}

static void write_bus(tp_w *w)
{
    tp_metrics_family(w, "talks_bus_calls_total", TP_METRIC_COUNTER,
                      "Bus calls the gateway made, by service, operation and result (ok, the "
                      "error the service answered, timeout, no_answer or bad_reply).");
    for (int s = 0; s < GW_NSERVICES; s++)
        for (int op = 0; op < TP_METRICS_OPS; op++)
            for (int r = 0; r < METRICS_BUS_RESULTS; r++) {
                uint64_t n = tp_counter_get(&bus_calls[s][op][r]);
                if (n)
                    tp_metrics_count(w, n, "service", gw_service_name(s), "op",
                                     tp_metrics_op_name(op), "result", bus_result_name(r), NULL);
            }
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_bus_call_duration_seconds", TP_METRIC_HISTOGRAM,
                      "Bus calls from the request's send to its reply (or its failure), by "
                      "service and operation.");
    for (int s = 0; s < GW_NSERVICES; s++)
        for (int op = 0; op < TP_METRICS_OPS; op++)
            if (tp_histogram_count(&bus_latency[s][op]))
                tp_metrics_histogram(w, &bus_latency[s][op], "service", gw_service_name(s), "op",
                                     tp_metrics_op_name(op), NULL);
    tp_metrics_family_end(w);
}

/* A scrape in progress: its context (first: gw_call hands us that), and each service's answer. */
typedef struct scrape {
    gw_ctx ctx;
    const msgpack_object *reply[GW_NSERVICES];
    int waiting;
} scrape;

static void scrape_dispose(void *p)
{
    scrape *s = p;
    gw_call_orphan_all(&s->ctx);
    for (int i = 0; i < s->ctx.nreplies; i++) tp_msg_free(&s->ctx.replies[i]);
}

/* The service's families, if it answered as tp_metrics.h says. */
static const msgpack_object *families_of(const msgpack_object *reply, tp_str *replica)
{
    const msgpack_object *families = tp_map_get(reply, "families");
    if (tp_get_str(reply, "replica", 96, replica) != 0 || !families ||
        families->type != MSGPACK_OBJECT_ARRAY)
        return NULL;
    return families;
}

static void send_page(scrape *s)
{
    h2o_req_t *req = s->ctx.req;
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "families");
    tp_w_array_begin(&w);
    write_http(&w);
    write_bus(&w);
    metrics_source sources[1 + GW_NSERVICES];
    char replicas[GW_NSERVICES][97];
    size_t n = 1;
    tp_metrics_family(&w, "talks_service_up", TP_METRIC_GAUGE,
                      "1 when the service answered this scrape's request for its metrics within "
                      "the bus deadline, else 0.");
    for (int i = 0; i < GW_NSERVICES; i++) {
        tp_str replica;
        const msgpack_object *families = s->reply[i] ? families_of(s->reply[i], &replica) : NULL;
        tp_metrics_value(&w, families ? 1 : 0, "service", gw_service_name(i), NULL);
        if (!families) continue;
        snprintf(replicas[i], sizeof replicas[i], "%.*s", (int)replica.n, replica.p);
        sources[n++] = (metrics_source){families, gw_service_name(i), replicas[i]};
    }
    tp_metrics_family_end(&w);
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    tp_msg own;
    tp_buf page = TP_BUF_INIT;
    if (tp_msg_parse(&own, w.buf.data, w.buf.len) == 0) {
        sources[0] = (metrics_source){tp_map_get(own.root, "families"), NULL, NULL};
        int skipped = metrics_text_write(sources, n, &page);
        if (skipped)
            tp_warn(s->ctx.rid, "metrics: %d families or series left out (malformed)", skipped);
        tp_msg_free(&own);
    }
    tp_w_free(&w);
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = page.len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_send_inline(req, page.data ? page.data : "", page.len);
    tp_buf_free(&page);
}

static void on_service(gw_ctx *ctx, enum gw_service svc, const gw_reply *r)
{
    scrape *s = (scrape *)ctx;
    s->reply[svc] = r->err == TP_OK ? r->map : NULL;
    if (--s->waiting == 0) send_page(s);
}

#define ON_SERVICE(svc)                                                                            \
    static void on_##svc(gw_ctx *ctx, const gw_reply *r)                                           \
    {                                                                                              \
        on_service(ctx, svc, r);                                                                   \
    }
ON_SERVICE(GW_AUTH)
ON_SERVICE(GW_TALKS)
ON_SERVICE(GW_COMMENTS)
ON_SERVICE(GW_MAIL)
static const gw_reply_fn on_reply[GW_NSERVICES] = {
    [GW_AUTH] = on_GW_AUTH,
    [GW_TALKS] = on_GW_TALKS,
    [GW_COMMENTS] = on_GW_COMMENTS,
    [GW_MAIL] = on_GW_MAIL,
};

static int on_metrics(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (!h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics"))) {
        h2o_send_error_404(req, "Not Found", "not found: /metrics is all there is here\n", 0);
        return 0;
    }
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET"));
        h2o_send_error_405(req, "Method Not Allowed", "method not allowed\n", 0);
        return 0;
    }
    scrape *s = h2o_mem_alloc_shared(&req->pool, sizeof *s, scrape_dispose);
    memset(s, 0, sizeof *s);
    s->ctx.req = req;
    unsigned char raw[8];
    random_pool_bytes(raw, sizeof raw);
    sodium_bin2hex(s->ctx.rid, sizeof s->ctx.rid, raw, sizeof raw);
    s->waiting = GW_NSERVICES;
    static const enum tp_op_id ops[GW_NSERVICES] = {
        [GW_AUTH] = TP_OP_AUTH_METRICS,
        [GW_TALKS] = TP_OP_TALKS_METRICS,
        [GW_COMMENTS] = TP_OP_COMMENTS_METRICS,
        [GW_MAIL] = TP_OP_MAIL_METRICS,
    };
    for (int i = 0; i < GW_NSERVICES; i++) gw_send(&s->ctx, GW_TRY, ops[i], NULL, on_reply[i]);
    return 0;
}

void metrics_register(h2o_hostconf_t *host)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *h = h2o_create_handler(pc, sizeof *h);
    h->on_req = on_metrics;
}
