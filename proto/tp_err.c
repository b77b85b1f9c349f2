/* tp_err: names and HTTP statuses of the reply error codes, from the one list in tp_err.h. */
#include "tp_err.h"

#include <string.h>

static const struct {
    const char *wire;
    int http;
} table[] = {
#define TP_ERR_ROW(name, wire, http) {wire, http},
    TP_ERRORS(TP_ERR_ROW)
#undef TP_ERR_ROW
};

const char *tp_err_name(tp_err e)
{
    return (unsigned)e < sizeof table / sizeof table[0] ? table[e].wire : "internal";
}

int tp_err_http_status(tp_err e)
{
    return (unsigned)e < sizeof table / sizeof table[0] ? table[e].http : 500;
}

tp_err tp_err_from_name(const char *p, size_t n)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].wire) == n && memcmp(table[i].wire, p, n) == 0) return (tp_err)i;
    return TP_EINTERNAL;
}
