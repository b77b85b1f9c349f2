/* Unit tests for proto/tp_metrics.c: histogram buckets, and the families' wire form. */
#include "tp_metrics.h"

#include <math.h>
#include <string.h>

#include "../check.h"

static void observations_land_in_the_first_bucket_whose_bound_holds_them(void)
{
    tp_histogram h = {0};
    tp_histogram_observe(&h, 0);           /* 0 s: the first bucket */
    tp_histogram_observe(&h, 500000);      /* exactly 0.5 ms: still the first (le) */
    tp_histogram_observe(&h, 500001);      /* just over: the second */
    tp_histogram_observe(&h, 3000000000);  /* 3 s: le 5 */
    tp_histogram_observe(&h, 60000000000); /* a minute: +Inf */
    CHECK(h.bucket[0] == 2 && h.bucket[1] == 1);
    CHECK(tp_metrics_bounds[12] == 5 && h.bucket[12] == 1);
    CHECK(h.bucket[TP_HIST_BOUNDS] == 1);
    CHECK(tp_histogram_count(&h) == 5);
    CHECK(h.sum_ns == 500000u + 500001u + 3000000000u + 60000000000u);
    for (int i = 1; i < TP_HIST_BOUNDS; i++) CHECK(tp_metrics_bounds[i] > tp_metrics_bounds[i - 1]);
}

static const msgpack_object *at(const msgpack_object *array, uint32_t i)
{
    return array && array->type == MSGPACK_OBJECT_ARRAY && i < array->via.array.size
               ? &array->via.array.ptr[i]
               : NULL;
}

static void families_travel_as_tp_metrics_h_says(void)
{
    tp_histogram h = {0};
    tp_histogram_observe(&h, 2000000); /* 2 ms: le 0.0025 */
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "families");
    tp_w_array_begin(&w);
    tp_metrics_family(&w, "talks_x_total", TP_METRIC_COUNTER, "Xs.");
    tp_metrics_count(&w, 7, "op", "auth.login", "result", "ok", NULL);
    tp_metrics_family_end(&w);
    tp_metrics_family(&w, "talks_y_seconds", TP_METRIC_HISTOGRAM, "Ys.");
    tp_metrics_histogram(&w, &h, NULL);
    tp_metrics_family_end(&w);
    tp_metrics_family(&w, "talks_z", TP_METRIC_GAUGE, "Zs.");
    tp_metrics_value(&w, 0.25, "kind", "a", NULL);
    tp_metrics_family_end(&w);
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    const msgpack_object *families = tp_map_get(m.root, "families");
    const msgpack_object *x = at(families, 0), *y = at(families, 1), *z = at(families, 2);
    CHECK(x && y && z && !at(families, 3));
    tp_str s;
    int64_t n;
    CHECK(tp_get_str(x, "name", 64, &s) == 0 && tp_str_eq(s, "talks_x_total"));
    CHECK(tp_get_str(x, "type", 64, &s) == 0 && tp_str_eq(s, "counter"));
    CHECK(!tp_map_get(x, "bounds"));
    const msgpack_object *series = at(tp_map_get(x, "series"), 0);
    CHECK(tp_get_int(series, "value", 0, 100, &n) == 0 && n == 7);
    const msgpack_object *labels = tp_map_get(series, "labels");
    CHECK(tp_get_str(labels, "op", 64, &s) == 0 && tp_str_eq(s, "auth.login"));
    CHECK(tp_get_str(labels, "result", 64, &s) == 0 && tp_str_eq(s, "ok"));

    CHECK(tp_get_str(y, "type", 64, &s) == 0 && tp_str_eq(s, "histogram"));
    CHECK(tp_map_get(y, "bounds")->via.array.size == TP_HIST_BOUNDS);
    series = at(tp_map_get(y, "series"), 0);
    const msgpack_object *buckets = tp_map_get(series, "buckets");
    CHECK(buckets && buckets->via.array.size == TP_HIST_BOUNDS + 1);
    CHECK(at(buckets, 1)->via.u64 == 0 && at(buckets, 2)->via.u64 == 1); /* cumulative */
    CHECK(at(buckets, TP_HIST_BOUNDS)->via.u64 == 1);
    CHECK(fabs(tp_map_get(series, "sum")->via.f64 - 0.002) < 1e-12);
    CHECK(tp_map_get(tp_map_get(series, "labels"), "kind") == NULL);

    CHECK(tp_get_str(z, "type", 64, &s) == 0 && tp_str_eq(s, "gauge"));
    CHECK(tp_map_get(at(tp_map_get(z, "series"), 0), "value")->via.f64 == 0.25);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static void a_service_counts_its_requests_by_op_and_result(void)
{
    tp_metrics_request(TP_OP_AUTH_LOGIN, TP_OK);
    tp_metrics_request(TP_OP_AUTH_LOGIN, TP_OK);
    tp_metrics_request(TP_OP_AUTH_LOGIN, TP_EINTERNAL);
    tp_metrics_request(TP_METRICS_OP_PING, TP_OK);
    tp_metrics_request(-1, TP_EBADMSG); /* an unknown op: "other" */
    tp_metrics_db_write(TP_DB_WRITE_GROUP_COMMIT, 1000);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "families");
    tp_w_array_begin(&w);
    tp_metrics_write_service(&w);
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    tp_msg m;
    CHECK(tp_msg_parse(&m, w.buf.data, w.buf.len) == 0);
    const msgpack_object *requests = at(tp_map_get(m.root, "families"), 0);
    const msgpack_object *series = tp_map_get(requests, "series");
    int found = 0;
    for (uint32_t i = 0; series && i < series->via.array.size; i++) {
        const msgpack_object *labels = tp_map_get(at(series, i), "labels");
        tp_str op, result;
        int64_t n;
        CHECK(tp_get_str(labels, "op", 64, &op) == 0 &&
              tp_get_str(labels, "result", 64, &result) == 0);
        CHECK(tp_get_int(at(series, i), "value", 1, 100, &n) == 0);
        if (tp_str_eq(op, "auth.login") && tp_str_eq(result, "ok")) found += n == 2;
        if (tp_str_eq(op, "auth.login") && tp_str_eq(result, "internal")) found += n == 1;
        if (tp_str_eq(op, "ping") && tp_str_eq(result, "ok")) found += n == 1;
        if (tp_str_eq(op, "other") && tp_str_eq(result, "bad_message")) found += n == 1;
    }
    CHECK(found == 4 && series->via.array.size == 4);
    const msgpack_object *errors = at(tp_map_get(m.root, "families"), 1);
    int64_t n;
    CHECK(tp_get_int(at(tp_map_get(errors, "series"), 0), "value", 0, 100, &n) == 0 && n == 1);
    tp_msg_free(&m);
    tp_w_free(&w);
}

static const check_case cases[] = {
    CASE(observations_land_in_the_first_bucket_whose_bound_holds_them),
    CASE(families_travel_as_tp_metrics_h_says),
    CASE(a_service_counts_its_requests_by_op_and_result),
};

CHECK_MAIN("tp_metrics", cases)
