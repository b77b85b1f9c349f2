/* Unit tests for gateway/metrics_text.c: families from several sources become one valid page of
 * the Prometheus text format, each family once; whatever a source sends that is not as
 * tp_metrics.h says is left out (a family whole, a series alone), and the rest is still
 * written. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../check.h"
#include "metrics_text.h"
#include "tp_metrics.h"

/* Each test builds its sources' families in its own writer, one array per source. */
typedef struct page {
    tp_w w;
    tp_msg m;
    tp_buf text;
    int skipped;
} page;

static void begin(page *p)
{
    tp_w_init(&p->w);
    tp_w_map_begin(&p->w);
    tp_w_key(&p->w, "sources");
    tp_w_array_begin(&p->w);
}

static void source_begin(page *p)
{
    tp_w_array_begin(&p->w);
}

static void source_end(page *p)
{
    tp_w_array_end(&p->w);
}

/* Writes the page: source i gets service[i] and replica[i] as its labels (NULL: none). */
static const char *render(page *p, const char *const *service, const char *const *replica)
{
    tp_w_array_end(&p->w);
    tp_w_map_end(&p->w);
    p->text = (tp_buf)TP_BUF_INIT;
    if (tp_msg_parse(&p->m, p->w.buf.data, p->w.buf.len) != 0) return "(unparsable)";
    const msgpack_object *sources = tp_map_get(p->m.root, "sources");
    metrics_source src[8];
    uint32_t n = sources->via.array.size;
    for (uint32_t i = 0; i < n && i < 8; i++)
        src[i] = (metrics_source){&sources->via.array.ptr[i], service ? service[i] : NULL,
                                  replica ? replica[i] : NULL};
    p->skipped = metrics_text_write(src, n, &p->text);
    tp_buf_putc(&p->text, '\0');
    return p->text.data;
}

static void done(page *p)
{
    tp_msg_free(&p->m);
    tp_w_free(&p->w);
    tp_buf_free(&p->text);
}

/* A family with one series {labels: {k: v}, value: v}, written by hand so tests can break it. */
static void family(tp_w *w, const char *name, const char *type, const char *help)
{
    tp_w_map_begin(w);
    tp_w_kstr(w, "name", name);
    tp_w_kstr(w, "type", type);
    tp_w_kstr(w, "help", help);
    tp_w_key(w, "series");
    tp_w_array_begin(w);
}

static void family_end(tp_w *w)
{
    tp_w_array_end(w);
    tp_w_map_end(w);
}

static void one_series(tp_w *w, const char *label, const char *value, double v)
{
    tp_w_map_begin(w);
    tp_w_key(w, "labels");
    tp_w_map_begin(w);
    if (label) tp_w_kstr(w, label, value);
    tp_w_map_end(w);
    tp_w_key(w, "value");
    tp_w_double(w, v);
    tp_w_map_end(w);
}

static void each_family_is_written_once_with_every_sources_series(void)
{
    page p;
    begin(&p);
    source_begin(&p); /* the gateway's own */
    family(&p.w, "talks_service_up", "gauge", "Up.");
    one_series(&p.w, "service", "auth", 1);
    family_end(&p.w);
    source_end(&p);
    for (int i = 0; i < 2; i++) { /* two services */
        source_begin(&p);
        tp_metrics_family(&p.w, "talks_service_requests_total", TP_METRIC_COUNTER, "Requests.");
        tp_metrics_count(&p.w, 3 + (uint64_t)i, "op", "x.get", "result", "ok", NULL);
        tp_metrics_family_end(&p.w);
        source_end(&p);
    }
    const char *const service[] = {NULL, "auth", "talks"}, *const replica[] = {NULL, "h:1", "h:2"};
    CHECK_STR_EQ(render(&p, service, replica),
                 "# HELP talks_service_up Up.\n"
                 "# TYPE talks_service_up gauge\n"
                 "talks_service_up{service=\"auth\"} 1\n"
                 "# HELP talks_service_requests_total Requests.\n"
                 "# TYPE talks_service_requests_total counter\n"
                 "talks_service_requests_total{service=\"auth\",replica=\"h:1\",op=\"x.get\","
                 "result=\"ok\"} 3\n"
                 "talks_service_requests_total{service=\"talks\",replica=\"h:2\",op=\"x.get\","
                 "result=\"ok\"} 4\n");
    CHECK(p.skipped == 0);
    done(&p);
}

static void a_histogram_has_cumulative_buckets_a_sum_and_a_count(void)
{
    tp_histogram h = {0};
    tp_histogram_observe(&h, 700000);     /* 0.7 ms: le 0.001 */
    tp_histogram_observe(&h, 2000000000); /* 2 s: le 2.5 */
    page p;
    begin(&p);
    source_begin(&p);
    tp_metrics_family(&p.w, "talks_t_seconds", TP_METRIC_HISTOGRAM, "T.");
    tp_metrics_histogram(&p.w, &h, "op", "a", NULL);
    tp_metrics_family_end(&p.w);
    source_end(&p);
    const char *text = render(&p, NULL, NULL);
    CHECK(strstr(text, "# TYPE talks_t_seconds histogram\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"0.0005\"} 0\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"0.001\"} 1\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"1\"} 1\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"2.5\"} 2\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"10\"} 2\n"));
    CHECK(strstr(text, "talks_t_seconds_bucket{op=\"a\",le=\"+Inf\"} 2\n"));
    CHECK(strstr(text, "talks_t_seconds_sum{op=\"a\"} 2.0007\n"));
    CHECK(strstr(text, "talks_t_seconds_count{op=\"a\"} 2\n"));
    CHECK(p.skipped == 0);
    done(&p);
}

static void help_and_label_values_are_escaped(void)
{
    page p;
    begin(&p);
    source_begin(&p);
    family(&p.w, "talks_e", "gauge", "back\\slash\nnew \"line\"");
    one_series(&p.w, "v", "a\"b\\c\nd", 1.5);
    family_end(&p.w);
    source_end(&p);
    CHECK_STR_EQ(render(&p, NULL, NULL), "# HELP talks_e back\\\\slash\\nnew \"line\"\n"
                                         "# TYPE talks_e gauge\n"
                                         "talks_e{v=\"a\\\"b\\\\c\\nd\"} 1.5\n");
    done(&p);
}

static void numbers_are_written_as_the_format_spells_them(void)
{
    page p;
    begin(&p);
    source_begin(&p);
    family(&p.w, "talks_n", "gauge", "N.");
    one_series(&p.w, "k", "nan", NAN);
    one_series(&p.w, "k", "inf", INFINITY);
    one_series(&p.w, "k", "-inf", -INFINITY);
    tp_w_map_begin(&p.w);
    tp_w_key(&p.w, "labels");
    tp_w_map_begin(&p.w);
    tp_w_map_end(&p.w);
    tp_w_kint(&p.w, "value", -42);
    tp_w_map_end(&p.w);
    family_end(&p.w);
    source_end(&p);
    CHECK_STR_EQ(render(&p, NULL, NULL), "# HELP talks_n N.\n# TYPE talks_n gauge\n"
                                         "talks_n{k=\"nan\"} NaN\n"
                                         "talks_n{k=\"inf\"} +Inf\n"
                                         "talks_n{k=\"-inf\"} -Inf\n"
                                         "talks_n -42\n");
    done(&p);
}

static void families_that_break_the_rules_are_left_out_whole(void)
{
    static const char *const bad[][2] = {
        {"process_cpu_seconds_total", "counter"}, /* not ours: no talks_ prefix */
        {"talks_bad-name", "gauge"},
        {"talks_9", "gauge"}, /* fine: a digit after the first character */
        {"talks_s", "summary"},
        {"talks_count", "counter"},       /* a counter ends in _total */
        {"talks_g_total", "gauge"},       /* and nothing else does */
        {"talks_h_seconds", "histogram"}, /* without bounds */
    };
    page p;
    begin(&p);
    source_begin(&p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        family(&p.w, bad[i][0], bad[i][1], "Bad.");
        one_series(&p.w, NULL, NULL, 1);
        family_end(&p.w);
    }
    tp_w_int(&p.w, 3); /* not a map */
    /* Bounds that do not increase. */
    tp_w_map_begin(&p.w);
    tp_w_kstr(&p.w, "name", "talks_b_seconds");
    tp_w_kstr(&p.w, "type", "histogram");
    tp_w_kstr(&p.w, "help", "B.");
    tp_w_key(&p.w, "bounds");
    tp_w_array_begin(&p.w);
    tp_w_double(&p.w, 1);
    tp_w_double(&p.w, 1);
    tp_w_array_end(&p.w);
    tp_w_key(&p.w, "series");
    tp_w_array_begin(&p.w);
    tp_w_array_end(&p.w);
    tp_w_map_end(&p.w);
    /* A family whose series is not an array. */
    tp_w_map_begin(&p.w);
    tp_w_kstr(&p.w, "name", "talks_c");
    tp_w_kstr(&p.w, "type", "gauge");
    tp_w_kstr(&p.w, "help", "C.");
    tp_w_key(&p.w, "series");
    tp_w_int(&p.w, 1);
    tp_w_map_end(&p.w);
    source_end(&p);
    CHECK_STR_EQ(render(&p, NULL, NULL), "# HELP talks_9 Bad.\n# TYPE talks_9 gauge\ntalks_9 1\n");
    CHECK(p.skipped == 9);
    done(&p);
}

static void series_that_break_the_rules_are_left_out_alone(void)
{
    page p;
    begin(&p);
    source_begin(&p);
    family(&p.w, "talks_r_total", "counter", "R.");
    one_series(&p.w, "ok", "yes", 1);
    one_series(&p.w, "a-b", "x", 2);      /* not a label name */
    one_series(&p.w, "__name__", "x", 3); /* reserved */
    one_series(&p.w, "service", "x", 4);  /* the gateway puts it */
    one_series(&p.w, "replica", "x", 5);  /* ditto */
    tp_w_map_begin(&p.w);                 /* a label whose value is a number */
    tp_w_key(&p.w, "labels");
    tp_w_map_begin(&p.w);
    tp_w_kint(&p.w, "n", 1);
    tp_w_map_end(&p.w);
    tp_w_kint(&p.w, "value", 6);
    tp_w_map_end(&p.w);
    tp_w_map_begin(&p.w); /* a value that is not a number */
    tp_w_key(&p.w, "labels");
    tp_w_map_begin(&p.w);
    tp_w_map_end(&p.w);
    tp_w_kstr(&p.w, "value", "7");
    tp_w_map_end(&p.w);
    tp_w_map_begin(&p.w); /* no labels at all */
    tp_w_kint(&p.w, "value", 8);
    tp_w_map_end(&p.w);
    family_end(&p.w);
    /* A histogram: buckets that go down, too few, or negative. */
    tp_w_map_begin(&p.w);
    tp_w_kstr(&p.w, "name", "talks_q_seconds");
    tp_w_kstr(&p.w, "type", "histogram");
    tp_w_kstr(&p.w, "help", "Q.");
    tp_w_key(&p.w, "bounds");
    tp_w_array_begin(&p.w);
    tp_w_double(&p.w, 0.5);
    tp_w_array_end(&p.w);
    tp_w_key(&p.w, "series");
    tp_w_array_begin(&p.w);
    static const int64_t buckets[][3] = {{1, 2, 2}, {2, 1, -1}, {1, -1, 0}, {-1, 0, 0}};
    static const int nbuckets[] = {2, 2, 1, 2};
    for (int i = 0; i < 4; i++) {
        tp_w_map_begin(&p.w);
        tp_w_key(&p.w, "labels");
        tp_w_map_begin(&p.w);
        tp_w_kstr(&p.w, i == 3 ? "le" : "i", "x"); /* le is the format's own */
        tp_w_map_end(&p.w);
        tp_w_key(&p.w, "buckets");
        tp_w_array_begin(&p.w);
        for (int b = 0; b < nbuckets[i]; b++) tp_w_int(&p.w, buckets[i][b]);
        tp_w_array_end(&p.w);
        tp_w_key(&p.w, "sum");
        tp_w_double(&p.w, 0.25);
        tp_w_map_end(&p.w);
    }
    tp_w_array_end(&p.w);
    tp_w_map_end(&p.w);
    source_end(&p);
    const char *const service[] = {"auth"}, *const replica[] = {"h:1"};
    CHECK_STR_EQ(render(&p, service, replica),
                 "# HELP talks_r_total R.\n# TYPE talks_r_total counter\n"
                 "talks_r_total{service=\"auth\",replica=\"h:1\",ok=\"yes\"} 1\n"
                 "# HELP talks_q_seconds Q.\n# TYPE talks_q_seconds histogram\n"
                 "talks_q_seconds_bucket{service=\"auth\",replica=\"h:1\",i=\"x\",le=\"0.5\"} 1\n"
                 "talks_q_seconds_bucket{service=\"auth\",replica=\"h:1\",i=\"x\",le=\"+Inf\"} 2\n"
                 "talks_q_seconds_sum{service=\"auth\",replica=\"h:1\",i=\"x\"} 0.25\n"
                 "talks_q_seconds_count{service=\"auth\",replica=\"h:1\",i=\"x\"} 2\n");
    CHECK(p.skipped == 7 + 3);
    done(&p);
}

/* Two sources naming one family differently: the first's type stands, the other is left out. */
static void a_family_of_another_type_elsewhere_is_left_out(void)
{
    page p;
    begin(&p);
    source_begin(&p);
    family(&p.w, "talks_lag", "gauge", "Lag.");
    one_series(&p.w, NULL, NULL, 1);
    family_end(&p.w);
    source_end(&p);
    source_begin(&p);
    tp_metrics_family(&p.w, "talks_lag", TP_METRIC_HISTOGRAM, "Other.");
    tp_histogram h = {0};
    tp_metrics_histogram(&p.w, &h, NULL);
    tp_metrics_family_end(&p.w);
    source_end(&p);
    const char *const service[] = {"auth", "mail"};
    CHECK_STR_EQ(render(&p, service, NULL),
                 "# HELP talks_lag Lag.\n# TYPE talks_lag gauge\ntalks_lag{service=\"auth\"} 1\n");
    CHECK(p.skipped == 1);
    done(&p);
}

static const check_case cases[] = {
    CASE(each_family_is_written_once_with_every_sources_series),
    CASE(a_histogram_has_cumulative_buckets_a_sum_and_a_count),
    CASE(help_and_label_values_are_escaped),
    CASE(numbers_are_written_as_the_format_spells_them),
    CASE(families_that_break_the_rules_are_left_out_whole),
    CASE(series_that_break_the_rules_are_left_out_alone),
    CASE(a_family_of_another_type_elsewhere_is_left_out),
};

CHECK_MAIN("metrics_text", cases)
