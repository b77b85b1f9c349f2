/* metrics: the gateway's `GET /metrics` (SPEC section 10), served on TALKS_METRICS_ADDR, a
 * listener of its own (never the public port), in the Prometheus text format.
 *
 * The gateway counts what it sees: every HTTP request by route and status, with its latency
 * (an h2o logger on each public path), and every bus call by operation and result, with its
 * latency (gw_call.c). A scrape asks each service for its own counters ("<service>.metrics",
 * tp_metrics.h) with gw_call_try, all four at once and each within the bus deadline, and writes
 * one page (metrics_text.c). A service that does not answer is talks_service_up 0, and the
 * page is still served.
 *
 * Series: talks_http_requests_total{method,route,status},
 * talks_http_request_duration_seconds{method,route}, talks_bus_calls_total{service,op,result},
 * talks_bus_call_duration_seconds{service,op}, talks_service_up{service}; then each service's,
 * labelled service and replica (tp_metrics.h, svc-mail/metrics.h). */
#ifndef METRICS_H
#define METRICS_H

#include <h2o.h>
#include <stdint.h>

#include "gw_call.h"
#include "tp_metrics.h"

/* Where a request that no route took is counted: a static file, or nothing at all (a 404 or 405
 * of the router, a request h2o refused before any handler). */
enum metrics_unrouted { METRICS_STATIC, METRICS_UNROUTED };

/* Counts every request pathconf answers, under the route routes.c named for it
 * (metrics_http_route), or else under unrouted. */
void metrics_http_register(h2o_pathconf_t *pathconf, enum metrics_unrouted unrouted);
/* The request is answered by route number index of routes.c's table. */
void metrics_http_route(h2o_req_t *req, size_t index);

/* A bus call's result, beyond the tp_err a reply names. */
enum {
    METRICS_BUS_TIMEOUT = TP_EUNAVAILABLE + 1, /* no reply within the deadline */
    METRICS_BUS_NO_ANSWER,                     /* nng could not send it or get a reply */
    METRICS_BUS_BAD_REPLY,                     /* a reply that is not a message */
    METRICS_BUS_RESULTS
};
/* One bus call finished: op is a tp_op_id, TP_METRICS_OP_PING or TP_METRICS_OP_OTHER. */
void metrics_bus_call(enum gw_service svc, int op, int result, uint64_t ns);

/* Serves GET /metrics on host (the metrics listener's own host). */
void metrics_register(h2o_hostconf_t *host);

#endif
