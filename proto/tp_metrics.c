/* tp_metrics: counters, histograms and their wire form (see tp_metrics.h). */
#include "tp_metrics.h"

#include <stdarg.h>
#include <time.h>

const double tp_metrics_bounds[TP_HIST_BOUNDS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};

/* The same bounds in nanoseconds, for the hot path's comparisons. */
static const uint64_t bounds_ns[TP_HIST_BOUNDS] = {
    500000,    1000000,   2500000,   5000000,    10000000,   25000000,   50000000,
    100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000};

uint64_t tp_metrics_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tp_histogram_observe(tp_histogram *h, uint64_t ns)
{
    int i = 0;
    while (i < TP_HIST_BOUNDS && ns > bounds_ns[i]) i++;
    atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

uint64_t tp_histogram_count(const tp_histogram *h)
{
    uint64_t n = 0;
    for (int i = 0; i <= TP_HIST_BOUNDS; i++)
        n += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
    return n;
}

/* ---- the wire form ---- */

static const char *const type_names[] = {
    [TP_METRIC_COUNTER] = "counter",
    [TP_METRIC_GAUGE] = "gauge",
    [TP_METRIC_HISTOGRAM] = "histogram",
};

void tp_metrics_family(tp_w *w, const char *name, enum tp_metric_type type, const char *help)
{
    tp_w_map_begin(w);
    tp_w_kstr(w, "name", name);
    tp_w_kstr(w, "type", type_names[type]);
    tp_w_kstr(w, "help", help);
    if (type == TP_METRIC_HISTOGRAM) {
        tp_w_key(w, "bounds");
        tp_w_array_begin(w);
        for (int i = 0; i < TP_HIST_BOUNDS; i++) tp_w_double(w, tp_metrics_bounds[i]);
        tp_w_array_end(w);
    }
    tp_w_key(w, "series");
    tp_w_array_begin(w);
}

void tp_metrics_family_end(tp_w *w)
{
    tp_w_array_end(w);
    tp_w_map_end(w);
}

/* Opens a series and writes its labels: name, value pairs up to a NULL. */
static void series_begin(tp_w *w, va_list ap)
{
    tp_w_map_begin(w);
    tp_w_key(w, "labels");
    tp_w_map_begin(w);
    for (const char *name; (name = va_arg(ap, const char *));)
        tp_w_kstr(w, name, va_arg(ap, const char *));
    tp_w_map_end(w);
}

void tp_metrics_value(tp_w *w, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    series_begin(w, ap);
    va_end(ap);
    tp_w_key(w, "value");
    tp_w_double(w, value);
    tp_w_map_end(w);
}

void tp_metrics_count(tp_w *w, uint64_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    series_begin(w, ap);
    va_end(ap);
    tp_w_kint(w, "value", n > INT64_MAX ? INT64_MAX : (int64_t)n);
    tp_w_map_end(w);
}

void tp_metrics_histogram(tp_w *w, const tp_histogram *h, ...)
{
    va_list ap;
    va_start(ap, h);
    series_begin(w, ap);
    va_end(ap);
    tp_w_key(w, "buckets");
    tp_w_array_begin(w);
    uint64_t cumulative = 0;
    for (int i = 0; i <= TP_HIST_BOUNDS; i++) {
        cumulative += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
        tp_w_int(w, (int64_t)cumulative);
    }
    tp_w_array_end(w);
    tp_w_key(w, "sum");
    tp_w_double(w, (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9);
    tp_w_map_end(w);
}

/* ---- a service process's own ---- */

#define RESULTS (TP_EUNAVAILABLE + 1)

static tp_counter requests[TP_METRICS_OPS][RESULTS];
static tp_counter errors;
static tp_histogram db_writes[TP_DB_WRITE_KINDS];

void tp_metrics_request(int op, tp_err result)
{
    if (op < 0 || op >= TP_METRICS_OPS) op = TP_METRICS_OP_OTHER;
    if ((int)result < 0 || result >= RESULTS) result = TP_EINTERNAL;
    tp_counter_add(&requests[op][result], 1);
    if (result == TP_EINTERNAL || result == TP_EUNAVAILABLE) tp_counter_add(&errors, 1);
}

void tp_metrics_db_write(enum tp_db_write_kind kind, uint64_t ns)
{
    tp_histogram_observe(&db_writes[kind], ns);
}

const char *tp_metrics_op_name(int op)
{
    return op == TP_METRICS_OP_PING ? "ping" : op == TP_METRICS_OP_OTHER ? "other" : tp_op_name(op);
}

void tp_metrics_write_service(tp_w *w)
{
    tp_metrics_family(w, "talks_service_requests_total", TP_METRIC_COUNTER,
                      "Requests the service answered, by operation and result.");
    for (int op = 0; op < TP_METRICS_OPS; op++)
        for (int e = 0; e < RESULTS; e++) {
            uint64_t n = tp_counter_get(&requests[op][e]);
            if (n)
                tp_metrics_count(w, n, "op", tp_metrics_op_name(op), "result", tp_err_name(e),
                                 NULL);
        }
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_service_errors_total", TP_METRIC_COUNTER,
                      "Requests the service failed on its side (result internal or unavailable).");
    tp_metrics_count(w, tp_counter_get(&errors), NULL);
    tp_metrics_family_end(w);
    tp_metrics_family(w, "talks_db_write_duration_seconds", TP_METRIC_HISTOGRAM,
                      "Database write transactions, BEGIN to COMMIT: group_commit is a writer's "
                      "batch, transaction any other write.");
    tp_metrics_histogram(w, &db_writes[TP_DB_WRITE_TRANSACTION], "kind", "transaction", NULL);
    tp_metrics_histogram(w, &db_writes[TP_DB_WRITE_GROUP_COMMIT], "kind", "group_commit", NULL);
    tp_metrics_family_end(w);
}
