/* tp_log: structured one-line logs (see tp_log.h). */
#include "tp_log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *service_name = "talks";
static enum tp_log_level min_level = TP_INFO;
static void (*error_hook)(const char *line, size_t n);
static __thread bool in_hook; /* a hook that logged would recurse */
static __thread bool holding; /* tp_log_hold: lines go to held */
static __thread tp_buf held;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void tp_log_init(const char *service)
{
    service_name = service;
    setvbuf(stderr, NULL, _IOLBF, 0);
}

int tp_log_level_parse(const char *s, enum tp_log_level *out)
{
    for (int i = TP_DEBUG; i <= TP_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum tp_log_level)i;
            return 0;
        }
    }
    return -1;
}

void tp_log_set_level(enum tp_log_level level)
{
    min_level = level;
}

bool tp_log_enabled(enum tp_log_level level)
{
    return level >= min_level;
}

/* The bytes a value may hold and still be written bare. */
static bool is_plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '/' || c == '@' || c == '+';
}

static bool needs_escape(unsigned char c)
{
    return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
}

/* Quoted, with runs that need no escape appended whole (the gateway logs a line per request). */
static void append_quoted(tp_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    tp_buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && !needs_escape((unsigned char)s[run])) run++;
        tp_buf_append(b, s + i, run - i);
        if (run == n) break;
        unsigned char c = (unsigned char)s[run];
        char esc[4] = {'\\', (char)c, 0, 0};
        size_t len = 2;
        if (c == '\n') {
            esc[1] = 'n';
        } else if (c != '"' && c != '\\') {
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            len = 4;
        }
        tp_buf_append(b, esc, len);
        i = run + 1;
    }
    tp_buf_putc(b, '"');
}

static bool plain(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_plain((unsigned char)s[i])) return false;
    return true;
}

/* One write(2) per line, not stdio: stderr's lock serialised the workers of a busy service, and
 * a line written whole is not interleaved with another thread's. */
void tp_log_write(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* nowhere to log to: the line is dropped, the service goes on */
        p += w;
        n -= (size_t)w;
    }
}

void tp_log_set_error_hook(void (*hook)(const char *line, size_t n))
{
    error_hook = hook;
}

/* The time to the second, formatted once a second per thread: the gateway writes a line per
 * HTTP request. */
static void timestamp(tp_buf *b)
{
    static __thread time_t cached_sec = -1;
    static __thread char cached[24];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
        cached_sec = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    char frac[6] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10),
                    'Z'};
    tp_buf_append(b, "ts=", 3);
    tp_buf_puts(b, cached);
    tp_buf_append(b, frac, 5);
}

/* " key=": keys are the caller's constants. */
static void append_key(tp_buf *b, const char *key)
{
    tp_buf_putc(b, ' ');
    tp_buf_puts(b, key);
    tp_buf_putc(b, '=');
}

bool tp_log_begin(tp_log_line *l, enum tp_log_level level, const char *rid)
{
    if (level < min_level) return false;
    l->buf = (tp_buf)TP_BUF_INIT;
    l->level = level;
    tp_buf_reserve(&l->buf, 200);
    timestamp(&l->buf);
    append_key(&l->buf, "svc");
    tp_buf_puts(&l->buf, service_name);
    append_key(&l->buf, "level");
    tp_buf_puts(&l->buf, level_names[level]);
    if (rid && *rid) {
        tp_buf_puts(&l->buf, " rid=");
        append_quoted(&l->buf, rid, strnlen(rid, 64));
    }
    return true;
}

void tp_log_str(tp_log_line *l, const char *key, const char *value, size_t n)
{
    append_key(&l->buf, key);
    if (plain(value, n))
        tp_buf_append(&l->buf, value, n);
    else
        append_quoted(&l->buf, value, n);
}

void tp_log_printf(tp_log_line *l, const char *key, const char *fmt, ...)
{
    append_key(&l->buf, key);
    size_t start = l->buf.len;
    va_list ap;
    va_start(ap, fmt);
    tp_buf_vprintf(&l->buf, fmt, ap);
    va_end(ap);
    size_t n = l->buf.len - start;
    if (plain(l->buf.data + start, n)) return; /* numbers, mostly: no copy */
    char *value = tp_xstrndup(l->buf.data + start, n);
    l->buf.len = start;
    append_quoted(&l->buf, value, n);
    free(value);
}

void tp_log_int(tp_log_line *l, const char *key, int64_t value)
{
    char digits[24], *p = digits + sizeof digits;
    uint64_t v = value < 0 ? -(uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0) *--p = '-';
    append_key(&l->buf, key);
    tp_buf_append(&l->buf, p, (size_t)(digits + sizeof digits - p));
}

static void write_held(void)
{
    if (held.len) tp_log_write(held.data, held.len);
    tp_buf_free(&held);
}

void tp_log_hold(void)
{
    holding = true;
}

void tp_log_release(void)
{
    holding = false;
    write_held();
}

void tp_log_end(tp_log_line *l)
{
    if (holding && l->level != TP_ERROR) {
        tp_log_end_gathered(l, &held);
        return;
    }
    if (holding) write_held(); /* the lines before this one first */
    tp_buf_putc(&l->buf, '\n');
    tp_log_write(l->buf.data, l->buf.len);
    if (l->level == TP_ERROR && error_hook && !in_hook) {
        in_hook = true;
        error_hook(l->buf.data, l->buf.len - 1);
        in_hook = false;
    }
    tp_buf_free(&l->buf);
}

void tp_log_end_gathered(tp_log_line *l, tp_buf *pending)
{
    tp_buf_putc(&l->buf, '\n');
    if (pending->len && pending->len + l->buf.len > PIPE_BUF) {
        tp_log_write(pending->data, pending->len);
        tp_buf_reset(pending);
    }
    tp_buf_append(pending, l->buf.data, l->buf.len);
    tp_buf_free(&l->buf);
}

void tp_log(enum tp_log_level level, const char *rid, const char *fmt, ...)
{
    tp_log_line l;
    if (!tp_log_begin(&l, level, rid)) return;
    tp_buf msg = TP_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    tp_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    tp_buf_puts(&l.buf, " msg=");
    append_quoted(&l.buf, msg.data ? msg.data : "", msg.len);
    tp_buf_free(&msg);
    tp_log_end(&l);
}
