/* tp_metrics: the counters every process keeps for `/metrics` (SPEC section 10), cheap enough for
 * the hot path, and the form they travel in from a service to the gateway.
 *
 * Design notes: a counter is one relaxed atomic add; a histogram observation is two (its bucket
 * and its sum), after a search of 14 fixed bounds. No lock, no allocation, nothing that another
 * thread waits for: a reader (a scrape) may see a histogram whose sum is one observation ahead
 * of its buckets, which the text format tolerates. The bounds are the same for every latency we
 * keep (0.5 ms to 10 s), and travel with each histogram so the gateway never has to assume them.
 *
 * A service answers "<service>.metrics" (the service loop does, tp_svc.c) with
 *   {"replica": "<host>:<pid>", "families": [family, …]}
 * where a family is
 *   {"name", "type": "counter" | "gauge" | "histogram", "help", ["bounds": [le, …]],
 *    "series": [{"labels": {name: value, …}, "value": n}, …]}
 * and a histogram's series carry "buckets" (cumulative counts, one per bound and one for +Inf)
 * and "sum" instead of "value". The gateway checks every name and number, adds the labels
 * service and replica, and writes the Prometheus text format (gateway/metrics_text.c). */
#ifndef TP_METRICS_H
#define TP_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "tp_err.h"
#include "tp_msg.h"
#include "tp_ops.h"

typedef struct tp_counter {
    _Atomic uint64_t n;
} tp_counter;

static inline void tp_counter_add(tp_counter *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->n, n, memory_order_relaxed);
}

static inline uint64_t tp_counter_get(const tp_counter *c)
{
    return atomic_load_explicit(&c->n, memory_order_relaxed);
}

/* Upper bounds in seconds: 0.5 ms … 10 s (tp_metrics_bounds). */
#define TP_HIST_BOUNDS 14

typedef struct tp_histogram {
    _Atomic uint64_t bucket[TP_HIST_BOUNDS + 1]; /* by bound, not cumulative; the last is +Inf */
    _Atomic uint64_t sum_ns;
} tp_histogram;

extern const double tp_metrics_bounds[TP_HIST_BOUNDS];

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tp_metrics_now_ns(void);
void tp_histogram_observe(tp_histogram *h, uint64_t ns);
/* How many observations h holds (the sum of its buckets). */
uint64_t tp_histogram_count(const tp_histogram *h);

/* ---- the families' wire form (above) ---- */

enum tp_metric_type { TP_METRIC_COUNTER, TP_METRIC_GAUGE, TP_METRIC_HISTOGRAM };

/* Opens a family in the array being written: its series follow, then tp_metrics_family_end. */
void tp_metrics_family(tp_w *w, const char *name, enum tp_metric_type type, const char *help);
void tp_metrics_family_end(tp_w *w);
/* One series of a counter or a gauge, its labels as name, value pairs ended by NULL:
 * tp_metrics_value(w, 3, "op", "auth.login", "result", "ok", NULL). */
void tp_metrics_value(tp_w *w, double value, ...) __attribute__((sentinel));
/* The same with an exact integer (counters). */
void tp_metrics_count(tp_w *w, uint64_t n, ...) __attribute__((sentinel));
/* One series of a histogram family. */
void tp_metrics_histogram(tp_w *w, const tp_histogram *h, ...) __attribute__((sentinel));

/* ---- what every service process keeps (written by tp_metrics_write_service) ---- */

/* The requests a service answered, by op: an op of the table, or one of these. */
enum { TP_METRICS_OP_PING = TP_OP_COUNT, TP_METRICS_OP_OTHER, TP_METRICS_OPS };
/* An op's label: its wire name, "ping" or "other". */
const char *tp_metrics_op_name(int op);
/* Counts one answered request (the service loop, as it logs it). */
void tp_metrics_request(int op, tp_err result);

/* Database writes: a group-committing writer's batches (tp_writer.c, BEGIN to COMMIT) and every
 * other write transaction, explicit or a single statement's own (tp_db.c). */
enum tp_db_write_kind { TP_DB_WRITE_TRANSACTION, TP_DB_WRITE_GROUP_COMMIT, TP_DB_WRITE_KINDS };
void tp_metrics_db_write(enum tp_db_write_kind kind, uint64_t ns);

/* Writes the process's own families (requests by op and result, errors, database writes) into
 * the families array w has open. */
void tp_metrics_write_service(tp_w *w);

#endif
