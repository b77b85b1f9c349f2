/* ctl: talksctl's requests to services (see ctl.h). */
#include "ctl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_TIMEOUT_MS 10000

int ctl_call(enum tp_setting ctl, const char *svc, const tp_w *req, tp_msg *reply)
{
    char err[768];
    int role = tp_role_by_name(svc, strlen(svc));
    if (tp_request(ctl, (enum tp_role)role, &req->buf, REQUEST_TIMEOUT_MS, reply, err,
                   sizeof err) != 0) {
        fprintf(stderr, "talksctl: the %s service is unreachable (%s). Is it running?\n", svc, err);
        return -1;
    }
    return 0;
}

int ctl_call_ok(enum tp_setting ctl, const char *svc, tp_w *req)
{
    tp_msg reply;
    int rc = ctl_call(ctl, svc, req, &reply);
    sodium_memzero(req->buf.data, req->buf.len);
    tp_w_free(req);
    if (rc) return 1;
    char msg[512];
    bool ok = ctl_reply_ok(&reply, msg, sizeof msg);
    if (!ok) fprintf(stderr, "talksctl: %s\n", msg);
    tp_msg_free(&reply);
    return ok ? 0 : 1;
}

bool ctl_reply_ok(const tp_msg *reply, char *msg, size_t msglen)
{
    bool ok = false;
    tp_str m = {"", 0};
    tp_get_bool(reply->root, "ok", &ok);
    tp_opt_str(reply->root, "msg", 1024, &m);
    snprintf(msg, msglen, "%.*s", (int)m.n, m.p);
    return ok;
}
