/* tp_err: the small closed set of error codes that travel in replies ("err") and map to HTTP
 * statuses in one place (the third column, used by the gateway). */
#ifndef TP_ERR_H
#define TP_ERR_H

#include <stddef.h>

#define TP_ERRORS(X)                                                                               \
    X(TP_OK, "ok", 200)                                                                            \
    X(TP_EINVAL, "invalid", 400)      /* cannot be done as asked; field errors in "fields" */      \
    X(TP_EBADMSG, "bad_message", 400) /* the message itself is malformed */                        \
    X(TP_EUNAUTH, "unauthorized", 401)                                                             \
    X(TP_EFORBIDDEN, "forbidden", 403)                                                             \
    X(TP_ENOTFOUND, "not_found", 404)                                                              \
    X(TP_ECONFLICT, "conflict", 409)                                                               \
    X(TP_ETHROTTLED, "throttled", 429)                                                             \
    X(TP_EINTERNAL, "internal", 500)                                                               \
    X(TP_EUNAVAILABLE, "unavailable", 503)

typedef enum tp_err {
#define TP_ERR_ENUM(name, wire, http) name,
    TP_ERRORS(TP_ERR_ENUM)
#undef TP_ERR_ENUM
} tp_err;

const char *tp_err_name(tp_err e);
int tp_err_http_status(tp_err e);
/* The code named by a reply's "err" string; unknown names are TP_EINTERNAL. */
tp_err tp_err_from_name(const char *p, size_t n);

#endif
