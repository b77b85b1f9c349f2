/* tp_log: one line per event on stderr, key=value, so a request id can be followed across
 * processes with grep: ts=… svc=auth level=info rid=… msg="…". */
#ifndef TP_LOG_H
#define TP_LOG_H

#include <stddef.h>

enum tp_log_level { TP_DEBUG, TP_INFO, TP_WARN, TP_ERROR };

void tp_log_init(const char *service);
/* rid may be NULL. The message is quoted and escaped, so outside text cannot forge a line. */
void tp_log(enum tp_log_level level, const char *rid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Called with each error line as written (no newline), at most once at a time; the hook must
 * not log. Used to mail errors to MAIL_ADMIN in production (tp_alerts). */
void tp_log_set_error_hook(void (*hook)(const char *line, size_t n));

#define tp_info(rid, ...)  tp_log(TP_INFO, rid, __VA_ARGS__)
#define tp_warn(rid, ...)  tp_log(TP_WARN, rid, __VA_ARGS__)
#define tp_error(rid, ...) tp_log(TP_ERROR, rid, __VA_ARGS__)

#endif
