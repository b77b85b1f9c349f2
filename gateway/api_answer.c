#include "api_answer.h"

#include <stdio.h>

#include "render.h"
#include "tp_err.h"

void api_answer_change(gw_ctx *ctx, const gw_reply *r, const char *failure)
{
    if (r->err == TP_OK) {
        tp_w out;
        tp_w_init(&out);
        tp_w_map_begin(&out);
        tp_w_kstr(&out, "status", "ok");
        tp_w_map_end(&out);
        render_json_bytes(ctx, 200, &out);
        return;
    }
    tp_str msg = gw_reply_msg(r);
    char message[300];
    snprintf(message, sizeof message, "%.*s", (int)msg.n, msg.p);
    int status = tp_err_http_status(r->err);
    render_json_error(ctx, status, status >= 500 ? failure : message);
}
