/* relay: service-to-service requests through the hub (see relay.h).
 *
 * Design notes: each of RELAY_SLOTS slots is a small state machine driven by nng's callbacks
 * only (the h2o loop is not involved): receive on the relay's REP context → send on a new
 * context of the target's REQ socket → receive its answer → send that back on the REP context →
 * receive again. A slot handles one request at a time; every failure is answered with
 * {"ok": false, "err": "unavailable"} so the caller never waits for nothing. */
#include "relay.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <stdio.h>
#include <string.h>

#include "gw_call.h"
#include "tp_bus.h"
#include "tp_config.h"
#include "tp_err.h"
#include "tp_log.h"
#include "tp_relay.h"
#include "tp_svc.h"

#define RELAY_SLOTS 8

enum relay_state { RECEIVING, FORWARDING, AWAITING, REPLYING };

typedef struct relay_slot {
    enum relay_state state;
    nng_ctx rep;
    nng_aio *rep_aio;
    nng_ctx req;
    bool req_open;
    nng_aio *req_aio;
} relay_slot;

static nng_socket relay_socket = NNG_SOCKET_INITIALIZER;
static relay_slot slots[RELAY_SLOTS];
static int forward_timeout_ms;
/* Each calling service's listener: the one a request arrived through names its caller. */
static nng_listener listeners[TP_ROLE_COUNT];

static void receive_next(relay_slot *s)
{
    s->state = RECEIVING;
    nng_ctx_recv(s->rep, s->rep_aio);
}

static void reply(relay_slot *s, nng_msg *msg)
{
    if (s->req_open) {
        nng_ctx_close(s->req);
        s->req_open = false;
    }
    s->state = REPLYING;
    nng_aio_set_msg(s->rep_aio, msg);
    nng_ctx_send(s->rep, s->rep_aio);
}

/* Turns msg into {"ok": false, "err": code, "msg": why} and sends it back. */
static void reply_failure(relay_slot *s, nng_msg *msg, tp_err code, const char *why)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kbool(&w, "ok", false);
    tp_w_kstr(&w, "err", tp_err_name(code));
    tp_w_kstr(&w, "msg", why);
    tp_w_map_end(&w);
    nng_msg_clear(msg);
    nng_msg_append(msg, w.buf.data, w.buf.len);
    tp_w_free(&w);
    reply(s, msg);
}

/* The service whose relay listener msg arrived through, or -1. */
static int caller_of(nng_msg *msg)
{
    int id = nng_listener_id(nng_pipe_listener(nng_msg_get_pipe(msg)));
    for (int r = 0; r < TP_ROLE_COUNT; r++)
        if (id > 0 && nng_listener_id(listeners[r]) == id) return r;
    return -1;
}

/* Rewrites msg, a request the table allows caller, as the relayed request its owner reads:
 * {"op": "relay", "rid": …, "from": caller, "call": bin}. 0, or -1. */
static int wrap(nng_msg *msg, const tp_msg *request, enum tp_role caller)
{
    tp_str rid = {"", 0};
    tp_opt_str(request->root, "rid", 64, &rid);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "op", "relay");
    tp_w_kstrn(&w, "rid", rid.p, rid.n);
    tp_w_kstr(&w, "from", tp_role_name(caller));
    tp_w_key(&w, "call");
    tp_w_bin(&w, nng_msg_body(msg), nng_msg_len(msg));
    tp_w_map_end(&w);
    nng_msg_clear(msg);
    int rv = nng_msg_append(msg, w.buf.data, w.buf.len);
    tp_w_free(&w);
    return rv ? -1 : 0;
}

/* A request arrived: check that its caller may make it, and pass it on to the op's service. */
static void forward(relay_slot *s, nng_msg *msg)
{
    tp_msg m;
    tp_str op_name = {"?", 1};
    int caller = caller_of(msg), op = -1, target = -1;
    if (tp_msg_parse(&m, nng_msg_body(msg), nng_msg_len(msg)) != 0) {
        reply_failure(s, msg, TP_EBADMSG, "malformed message");
        return;
    }
    if (tp_get_str(m.root, "op", 64, &op_name) == 0) op = tp_op_by_name(op_name.p, op_name.n);
    if (caller < 0 || op < 0 || !(tp_op_from(op) & TP_FROM_RELAY(caller))) {
        tp_warn(NULL, "relay: op=%.*s from=%s refused: not allowed to that caller", (int)op_name.n,
                op_name.p, caller < 0 ? "?" : tp_role_name(caller));
        tp_msg_free(&m);
        reply_failure(s, msg, TP_EFORBIDDEN, "this service may not make that request");
        return;
    }
    target = gw_service_of_role(tp_op_owner(op));
    int wrapped = wrap(msg, &m, caller);
    tp_msg_free(&m);
    if (target < 0 || wrapped != 0) {
        reply_failure(s, msg, TP_EINTERNAL, "cannot forward the request");
        return;
    }
    if (nng_ctx_open(&s->req, gw_bus_socket(target)) != 0) {
        reply_failure(s, msg, TP_EUNAVAILABLE, "cannot open a context");
        return;
    }
    s->req_open = true;
    s->state = FORWARDING;
    nng_aio_set_timeout(s->req_aio, forward_timeout_ms);
    nng_aio_set_msg(s->req_aio, msg);
    nng_ctx_send(s->req, s->req_aio);
}

static void on_rep(void *arg)
{
    relay_slot *s = arg;
    int rv = nng_aio_result(s->rep_aio);
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) return;
    if (s->state == RECEIVING) {
        if (rv != 0) {
            receive_next(s);
            return;
        }
        forward(s, nng_aio_get_msg(s->rep_aio));
    } else { /* REPLYING */
        if (rv != 0) nng_msg_free(nng_aio_get_msg(s->rep_aio));
        receive_next(s);
    }
}

static void on_req(void *arg)
{
    relay_slot *s = arg;
    int rv = nng_aio_result(s->req_aio);
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) return;
    if (s->state == FORWARDING) {
        if (rv != 0) {
            reply_failure(s, nng_aio_get_msg(s->req_aio), TP_EUNAVAILABLE,
                          "the service did not answer");
            return;
        }
        s->state = AWAITING;
        nng_ctx_recv(s->req, s->req_aio);
        return;
    }
    /* AWAITING: the answer, or a timeout (then a fresh message carries the failure). */
    nng_msg *answer = rv == 0 ? nng_aio_get_msg(s->req_aio) : NULL;
    if (!answer && nng_msg_alloc(&answer, 0) != 0) {
        receive_next(s);
        return;
    }
    if (rv != 0)
        reply_failure(s, answer, TP_EUNAVAILABLE, "the service did not answer in time");
    else
        reply(s, answer);
}

int relay_start(int timeout_ms, char *err, size_t errlen)
{
    forward_timeout_ms = timeout_ms;
    int rv = nng_rep0_open(&relay_socket);
    if (rv != 0) {
        snprintf(err, errlen, "cannot open the relay's socket: %s", nng_strerror(rv));
        return -1;
    }
    tp_socket_defaults(relay_socket);
    unsigned callers = tp_ops_relay_callers();
    for (int r = 0; r < TP_ROLE_COUNT; r++) {
        int addr = tp_relay_address(r);
        if (!(callers & TP_ROLE_BIT(r))) continue;
        if (addr < 0) {
            snprintf(err, errlen,
                     "tp_ops.h lets %s call through the relay, but it has no relay "
                     "address",
                     tp_role_name(r));
            return -1;
        }
        if (tp_bus_listen(relay_socket, addr, TP_ROLE_BIT(r), &listeners[r], err, errlen) != 0)
            return -1;
    }
    for (int i = 0; rv == 0 && i < RELAY_SLOTS; i++) {
        relay_slot *s = &slots[i];
        if ((rv = nng_ctx_open(&s->rep, relay_socket)) == 0 &&
            (rv = nng_aio_alloc(&s->rep_aio, on_rep, s)) == 0 &&
            (rv = nng_aio_alloc(&s->req_aio, on_req, s)) == 0)
            receive_next(s);
    }
    if (rv != 0) {
        snprintf(err, errlen, "cannot start the relay: %s", nng_strerror(rv));
        return -1;
    }
    return 0;
}

void relay_stop(void)
{
    for (int i = 0; i < RELAY_SLOTS; i++) {
        if (slots[i].rep_aio) nng_aio_stop(slots[i].rep_aio);
        if (slots[i].req_aio) nng_aio_stop(slots[i].req_aio);
    }
    nng_close(relay_socket);
}
