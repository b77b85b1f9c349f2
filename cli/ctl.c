/* ctl: talksctl's requests to services (see ctl.h). */
#include "ctl.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_TIMEOUT_MS 10000

/* Sends req (a finished request map) to the service; 0 with the parsed reply (free it), or -1
 * after printing one line saying the service is unreachable. */
static int request(enum tp_setting ctl, const char *svc, const tp_w *req, tp_msg *reply)
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

/* The control address of each service (talksctl's end of TP_FROM_CTL). */
static enum tp_setting control_address(enum tp_role role)
{
    switch (role) {
    case TP_ROLE_AUTH:
        return TALKS_CTL_AUTH;
    case TP_ROLE_TALKS:
        return TALKS_CTL_TALKS;
    case TP_ROLE_COMMENTS:
        return TALKS_CTL_COMMENTS;
    default:
        return TALKS_CTL_MAIL;
    }
}

int ctl_send(enum tp_op_id op, const void *in, const char *rid, tp_msg *reply)
{
    tp_w req;
    tp_w_init(&req);
    tp_w_call(&req, op, rid, in);
    enum tp_role owner = tp_op_owner(op);
    int rc = request(control_address(owner), tp_role_name(owner), &req, reply);
    sodium_memzero(req.buf.data, req.buf.len);
    tp_w_free(&req);
    return rc;
}

int ctl_send_ok(enum tp_op_id op, const void *in, const char *rid)
{
    tp_msg reply;
    if (ctl_send(op, in, rid, &reply)) return 1;
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
