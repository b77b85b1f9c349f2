/* tp_log: structured one-line logs (see tp_log.h). */
#include "tp_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tp_buf.h"

static const char *service_name = "talks";
static void (*error_hook)(const char *line, size_t n);
static __thread bool in_hook; /* a hook that logged would recurse */
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void tp_log_init(const char *service)
{
    service_name = service;
    setvbuf(stderr, NULL, _IOLBF, 0);
}

static void append_quoted(tp_buf *b, const char *s, size_t n)
{
    tp_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            tp_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            tp_buf_puts(b, "\\n");
        else if (c < 0x20 || c == 0x7f)
            tp_buf_printf(b, "\\x%02x", c);
        else
            tp_buf_putc(b, (char)c);
    }
    tp_buf_putc(b, '"');
}

/* One write(2) per line, not stdio: stderr's lock serialised the workers of a busy service, and
 * a line written whole is not interleaved with another thread's. */
static void write_line(const char *p, size_t n)
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

void tp_log(enum tp_log_level level, const char *rid, const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

    tp_buf msg = TP_BUF_INIT, line = TP_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    tp_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    tp_buf_printf(&line, "ts=%s.%03ldZ svc=%s level=%s", when, ts.tv_nsec / 1000000, service_name,
                  level_names[level]);
    if (rid && *rid) {
        tp_buf_puts(&line, " rid=");
        append_quoted(&line, rid, strnlen(rid, 64));
    }
    tp_buf_puts(&line, " msg=");
    append_quoted(&line, msg.data ? msg.data : "", msg.len);
    tp_buf_putc(&line, '\n');
    write_line(line.data, line.len);
    if (level == TP_ERROR && error_hook && !in_hook) {
        in_hook = true;
        error_hook(line.data, line.len - 1);
        in_hook = false;
    }
    tp_buf_free(&msg);
    tp_buf_free(&line);
}
