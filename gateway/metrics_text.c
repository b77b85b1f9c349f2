/* metrics_text: families as one page of the Prometheus text format (see metrics_text.h).
 *
 * Design notes: a family is checked whole (name, type, help, bounds) before anything of it is
 * written, and each series before its lines are; so whatever a source sends, the page holds only
 * lines the format allows, each family's lines together under one HELP and one TYPE. The limits
 * below are far above what our services send and keep a hostile reply from making a huge page. */
#include "metrics_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_utf8.h"

#define FAMILIES_MAX 256
#define SERIES_MAX   20000 /* per family and source */
#define LABELS_MAX   16
#define NAME_MAX_LEN 128
#define HELP_MAX     1024
#define VALUE_MAX    256 /* a label's value */
#define BOUNDS_MAX   32

enum type { COUNTER, GAUGE, HISTOGRAM };

typedef struct family {
    tp_str name;
    enum type type;
    tp_str help;
    const msgpack_object *bounds, *series;
    const metrics_source *source;
    bool written;
} family;

static bool name_char(char c, bool first, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, without colon, a label name. */
static bool valid_name(tp_str s, bool colon)
{
    if (s.n == 0 || s.n > NAME_MAX_LEN) return false;
    for (size_t i = 0; i < s.n; i++)
        if (!name_char(s.p[i], i == 0, colon)) return false;
    return true;
}

static bool is_number(const msgpack_object *o)
{
    return o && (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                 o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER || o->type == MSGPACK_OBJECT_FLOAT32 ||
                 o->type == MSGPACK_OBJECT_FLOAT64);
}

static double number(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return (double)o->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return (double)o->via.i64;
    default:
        return o->via.f64;
    }
}

static void format_double(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "NaN");
    else if (isinf(v))
        snprintf(buf, n, "%s", v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(buf, n, "%.15g", v);
}

static void put_double(tp_buf *out, double v)
{
    char buf[32];
    format_double(buf, sizeof buf, v);
    tp_buf_puts(out, buf);
}

static void put_number(tp_buf *out, const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        tp_buf_printf(out, "%" PRIu64, o->via.u64);
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        tp_buf_printf(out, "%" PRId64, o->via.i64);
    else
        put_double(out, o->via.f64);
}

/* s with \ and newline escaped, and " too in a label's value. */
static void put_escaped(tp_buf *out, const char *s, size_t n, bool quote)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\')
            tp_buf_puts(out, "\\\\");
        else if (s[i] == '\n')
            tp_buf_puts(out, "\\n");
        else if (s[i] == '"' && quote)
            tp_buf_puts(out, "\\\"");
        else
            tp_buf_putc(out, s[i]);
    }
}

static bool str_of(const msgpack_object *o, size_t max, tp_str *out)
{
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size > max ||
        !tp_utf8_valid(o->via.str.ptr, o->via.str.size) ||
        memchr(o->via.str.ptr, '\0', o->via.str.size))
        return false;
    *out = (tp_str){o->via.str.ptr, o->via.str.size};
    return true;
}

/* Reads a family's header into f; false when it is not one. */
static bool read_family(const msgpack_object *o, const metrics_source *source, family *f)
{
    tp_str type;
    f->source = source;
    f->written = false;
    if (o->type != MSGPACK_OBJECT_MAP || !str_of(tp_map_get(o, "name"), NAME_MAX_LEN, &f->name) ||
        !str_of(tp_map_get(o, "type"), 16, &type) ||
        !str_of(tp_map_get(o, "help"), HELP_MAX, &f->help))
        return false;
    if (!valid_name(f->name, true) || f->name.n < 6 || memcmp(f->name.p, "talks_", 6) != 0)
        return false;
    if (tp_str_eq(type, "counter"))
        f->type = COUNTER;
    else if (tp_str_eq(type, "gauge"))
        f->type = GAUGE;
    else if (tp_str_eq(type, "histogram"))
        f->type = HISTOGRAM;
    else
        return false;
    /* A counter's name ends in _total; no other does (the format's own rules, and promtool's). */
    bool total = f->name.n > 6 && memcmp(f->name.p + f->name.n - 6, "_total", 6) == 0;
    if (total != (f->type == COUNTER)) return false;
    f->series = tp_map_get(o, "series");
    if (!f->series || f->series->type != MSGPACK_OBJECT_ARRAY) return false;
    f->bounds = tp_map_get(o, "bounds");
    if (f->type != HISTOGRAM) return !f->bounds;
    if (!f->bounds || f->bounds->type != MSGPACK_OBJECT_ARRAY || f->bounds->via.array.size == 0 ||
        f->bounds->via.array.size > BOUNDS_MAX)
        return false;
    for (uint32_t i = 0; i < f->bounds->via.array.size; i++) {
        const msgpack_object *b = &f->bounds->via.array.ptr[i];
        if (!is_number(b) || !isfinite(number(b)) ||
            (i > 0 && number(b) <= number(&f->bounds->via.array.ptr[i - 1])))
            return false;
    }
    return true;
}

static bool same_bounds(const family *a, const family *b)
{
    if (a->type != HISTOGRAM) return true;
    if (a->bounds->via.array.size != b->bounds->via.array.size) return false;
    for (uint32_t i = 0; i < a->bounds->via.array.size; i++)
        if (number(&a->bounds->via.array.ptr[i]) != number(&b->bounds->via.array.ptr[i]))
            return false;
    return true;
}

static bool reserved_label(tp_str name, const metrics_source *source, enum type type)
{
    return (name.n >= 2 && name.p[0] == '_' && name.p[1] == '_') ||
           (type == HISTOGRAM && tp_str_eq(name, "le")) ||
           (source->service && tp_str_eq(name, "service")) ||
           (source->replica && tp_str_eq(name, "replica"));
}

/* The series' labels, checked: its map, or NULL when it cannot be written. */
static const msgpack_object *series_labels(const msgpack_object *s, const family *f)
{
    const msgpack_object *labels = tp_map_get(s, "labels");
    if (!labels) return NULL;
    if (labels->type != MSGPACK_OBJECT_MAP || labels->via.map.size > LABELS_MAX) return NULL;
    for (uint32_t i = 0; i < labels->via.map.size; i++) {
        const msgpack_object_kv *kv = &labels->via.map.ptr[i];
        tp_str name, value;
        if (!str_of(&kv->key, NAME_MAX_LEN, &name) || !valid_name(name, false) ||
            reserved_label(name, f->source, f->type) || !str_of(&kv->val, VALUE_MAX, &value))
            return NULL;
        for (uint32_t j = 0; j < i; j++) /* a label named twice */
            if (labels->via.map.ptr[j].key.via.str.size == name.n &&
                memcmp(labels->via.map.ptr[j].key.via.str.ptr, name.p, name.n) == 0)
                return NULL;
    }
    return labels;
}

/* The histogram's cumulative buckets, checked against its bounds, or NULL. */
static const msgpack_object *series_buckets(const msgpack_object *s, const family *f)
{
    const msgpack_object *b = tp_map_get(s, "buckets"), *sum = tp_map_get(s, "sum");
    if (!b || b->type != MSGPACK_OBJECT_ARRAY ||
        b->via.array.size != f->bounds->via.array.size + 1 || !is_number(sum))
        return NULL;
    for (uint32_t i = 0; i < b->via.array.size; i++)
        if (b->via.array.ptr[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            (i > 0 && b->via.array.ptr[i].via.u64 < b->via.array.ptr[i - 1].via.u64))
            return NULL;
    return b;
}

static void put_label(tp_buf *out, bool *first, const char *name, size_t n, const char *value,
                      size_t vn)
{
    tp_buf_putc(out, *first ? '{' : ',');
    *first = false;
    tp_buf_append(out, name, n);
    tp_buf_puts(out, "=\"");
    put_escaped(out, value, vn, true);
    tp_buf_putc(out, '"');
}

/* name+suffix{source labels, series labels[, le]} */
static void put_series_name(tp_buf *out, const family *f, const char *suffix,
                            const msgpack_object *labels, const char *le)
{
    bool first = true;
    tp_buf_append(out, f->name.p, f->name.n);
    tp_buf_puts(out, suffix);
    const metrics_source *src = f->source;
    if (src->service) put_label(out, &first, "service", 7, src->service, strlen(src->service));
    if (src->replica) put_label(out, &first, "replica", 7, src->replica, strlen(src->replica));
    for (uint32_t i = 0; i < labels->via.map.size; i++) {
        const msgpack_object_kv *kv = &labels->via.map.ptr[i];
        put_label(out, &first, kv->key.via.str.ptr, kv->key.via.str.size, kv->val.via.str.ptr,
                  kv->val.via.str.size);
    }
    if (le) put_label(out, &first, "le", 2, le, strlen(le));
    if (!first) tp_buf_putc(out, '}');
    tp_buf_putc(out, ' ');
}

/* The family's series from its source; how many were left out. */
static int put_series(tp_buf *out, const family *f)
{
    int skipped = 0;
    uint32_t n = f->series->via.array.size;
    if (n > SERIES_MAX) {
        skipped += (int)(n - SERIES_MAX);
        n = SERIES_MAX;
    }
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *s = &f->series->via.array.ptr[i], *labels, *buckets = NULL;
        const msgpack_object *value = tp_map_get(s, "value");
        if (s->type != MSGPACK_OBJECT_MAP || !(labels = series_labels(s, f)) ||
            (f->type == HISTOGRAM ? !(buckets = series_buckets(s, f)) : !is_number(value))) {
            skipped++;
            continue;
        }
        if (f->type != HISTOGRAM) {
            put_series_name(out, f, "", labels, NULL);
            put_number(out, value);
            tp_buf_putc(out, '\n');
            continue;
        }
        for (uint32_t b = 0; b < buckets->via.array.size; b++) {
            char le[32] = "+Inf";
            if (b < f->bounds->via.array.size)
                format_double(le, sizeof le, number(&f->bounds->via.array.ptr[b]));
            put_series_name(out, f, "_bucket", labels, le);
            tp_buf_printf(out, "%" PRIu64 "\n", buckets->via.array.ptr[b].via.u64);
        }
        put_series_name(out, f, "_sum", labels, NULL);
        put_number(out, tp_map_get(s, "sum"));
        tp_buf_putc(out, '\n');
        put_series_name(out, f, "_count", labels, NULL);
        tp_buf_printf(out, "%" PRIu64 "\n",
                      buckets->via.array.ptr[buckets->via.array.size - 1].via.u64);
    }
    return skipped;
}

static const char *const type_names[] = {
    [COUNTER] = "counter", [GAUGE] = "gauge", [HISTOGRAM] = "histogram"};

int metrics_text_write(const metrics_source *sources, size_t n, tp_buf *out)
{
    family *families = tp_xcalloc(FAMILIES_MAX, sizeof *families);
    size_t nf = 0;
    int skipped = 0;
    for (size_t s = 0; s < n; s++) {
        const msgpack_object *list = sources[s].families;
        if (!list || list->type != MSGPACK_OBJECT_ARRAY) continue;
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            if (nf == FAMILIES_MAX ||
                !read_family(&list->via.array.ptr[i], &sources[s], &families[nf]))
                skipped++;
            else
                nf++;
        }
    }
    for (size_t i = 0; i < nf; i++) {
        family *f = &families[i];
        if (f->written) continue;
        tp_buf_puts(out, "# HELP ");
        tp_buf_append(out, f->name.p, f->name.n);
        tp_buf_putc(out, ' ');
        put_escaped(out, f->help.p, f->help.n, false);
        tp_buf_printf(out, "\n# TYPE %.*s %s\n", (int)f->name.n, f->name.p, type_names[f->type]);
        for (size_t j = i; j < nf; j++) {
            family *g = &families[j];
            if (g->written || g->name.n != f->name.n || memcmp(g->name.p, f->name.p, f->name.n))
                continue;
            g->written = true;
            if (g->type != f->type || !same_bounds(f, g))
                skipped++;
            else
                skipped += put_series(out, g);
        }
    }
    free(families);
    return skipped;
}
