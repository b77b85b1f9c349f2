/* api_answer: the API's answer to a change a service was asked to make (approve, delete…):
 * 200 {"status": "ok"}, or the service's refusal as the API's JSON error with the status
 * tp_err_http_status gives it. */
#ifndef API_ANSWER_H
#define API_ANSWER_H

#include "gw_call.h"

/* failure is what a 5xx says instead of the service's own message, which names internals. */
void api_answer_change(gw_ctx *ctx, const gw_reply *r, const char *failure);

#endif
