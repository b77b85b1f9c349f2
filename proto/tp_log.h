/* tp_log: one line per event on stderr, key=value, so a request id can be followed across
 * processes with grep: ts=… svc=auth level=info rid="…" msg="…", or, for lines with keys of
 * their own (tp_log_begin), ts=… svc=auth level=info rid="…" op=auth.login from=web result=ok
 * ms=0.82. Lines below TALKS_LOG_LEVEL (tp_log_set_level) are not written, nor formatted. */
#ifndef TP_LOG_H
#define TP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_buf.h"

enum tp_log_level { TP_DEBUG, TP_INFO, TP_WARN, TP_ERROR };

void tp_log_init(const char *service);
/* TALKS_LOG_LEVEL's words, error, warn, info and debug: 0 and the level, or -1. */
int tp_log_level_parse(const char *s, enum tp_log_level *out);
/* The least level written (TP_INFO until set). Set at start, before other threads log. */
void tp_log_set_level(enum tp_log_level level);
bool tp_log_enabled(enum tp_log_level level);

/* rid may be NULL. The message is quoted and escaped, so outside text cannot forge a line. */
void tp_log(enum tp_log_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line with keys of its own: tp_log_begin (false, and nothing else to do, when the level is
 * not written), then tp_log_str / tp_log_printf for each key, then tp_log_end, which writes it.
 * A value is written bare when it is a plain token (letters, digits and - _ . : / @ +) and
 * quoted and escaped like msg otherwise; rid is always quoted. Keys are the caller's constants. */
typedef struct tp_log_line {
    tp_buf buf;
    enum tp_log_level level;
} tp_log_line;
bool tp_log_begin(tp_log_line *l, enum tp_log_level level, const char *rid);
void tp_log_str(tp_log_line *l, const char *key, const char *value, size_t n);
void tp_log_printf(tp_log_line *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tp_log_int(tp_log_line *l, const char *key, int64_t value); /* no printf: a hot path's */
void tp_log_end(tp_log_line *l);
/* As tp_log_end, but appends the line (with its newline) to pending instead of writing it, for a
 * caller that gathers lines and writes them together with tp_log_write: what pending held is
 * written first if the line would take it past PIPE_BUF, so that each write is whole on a pipe
 * (Docker's log driver), never cut by another thread's line. Not for error lines, which the
 * error hook must see. */
void tp_log_end_gathered(tp_log_line *l, tp_buf *pending);
/* Writes n bytes (whole lines) to stderr in one write(2) when it can. */
void tp_log_write(const char *lines, size_t n);

/* From tp_log_hold to tp_log_release, this thread's lines are gathered and written together at
 * the release (an error line at once, after those before it): for a thread that answers many
 * requests in a row, as the writer does after each batch, one write(2) instead of one a line. */
void tp_log_hold(void);
void tp_log_release(void);

/* Called with each error line as written (no newline), at most once at a time; the hook must
 * not log. Used to mail errors to MAIL_ADMIN in production (tp_alerts). */
void tp_log_set_error_hook(void (*hook)(const char *line, size_t n));

#define tp_debug(rid, ...) tp_log(TP_DEBUG, rid, __VA_ARGS__)
#define tp_info(rid, ...)  tp_log(TP_INFO, rid, __VA_ARGS__)
#define tp_warn(rid, ...)  tp_log(TP_WARN, rid, __VA_ARGS__)
#define tp_error(rid, ...) tp_log(TP_ERROR, rid, __VA_ARGS__)

#endif
