/* tp_relay: a call goes out on the service's own relay address and its answer comes back; a call
 * nobody answers fails with a reason; after tp_relay_close (a service's stop) a call opens the
 * socket afresh. */
#include "tp_relay.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

static nng_socket gateway;

/* Listens where svc-mail's relay requests arrive, as the gateway does. */
static void gateway_listen(void)
{
    nng_listener listener;
    nng_sockaddr addr;
    CHECK(nng_rep0_open(&gateway) == 0);
    nng_socket_set_ms(gateway, NNG_OPT_RECVTIMEO, 10000);
    CHECK(nng_listen(gateway, "tcp://127.0.0.1:0", &listener, 0) == 0);
    CHECK(nng_listener_get_addr(listener, NNG_OPT_LOCADDR, &addr) == 0);
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", (unsigned)ntohs(addr.s_in.sa_port));
    setenv("TALKS_BUS_RELAY_MAIL", url, 1);
    tp_relay_init(TP_ROLE_MAIL);
}

/* Receives one request; answers {ok: true} if answer is set, and says what op it asked. */
static void *gateway_receive(void *answer)
{
    nng_msg *msg;
    if (nng_recvmsg(gateway, &msg, 0) != 0) return NULL;
    tp_msg req;
    char *op = NULL;
    if (tp_msg_parse(&req, nng_msg_body(msg), nng_msg_len(msg)) == 0) {
        const msgpack_object *o = tp_map_get(req.root, "op");
        if (o && o->type == MSGPACK_OBJECT_STR) op = strndup(o->via.str.ptr, o->via.str.size);
        tp_msg_free(&req);
    }
    if (!answer) {
        nng_msg_free(msg);
        return op;
    }
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "ok");
    tp_w_bool(&w, true);
    tp_w_map_end(&w);
    nng_msg_clear(msg);
    nng_msg_append(msg, w.buf.data, w.buf.len);
    tp_w_free(&w);
    if (nng_sendmsg(gateway, msg, 0) != 0) nng_msg_free(msg);
    return op;
}

/* Waits for gateway_receive's thread, which should have received op. */
static void gateway_received(pthread_t t, const char *op)
{
    char *got;
    pthread_join(t, (void **)&got);
    CHECK_STR_EQ(got, op);
    free(got);
}

/* A call the gateway answers: 0 and its reply, the gateway having received the op. */
static void call_answered(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, gateway_receive, "answer") == 0);
    tp_msg reply;
    char err[256] = "";
    CHECK(tp_relay_call(COMMENTS_EVENTS_AFTER, "rid", 10000, &reply, err, sizeof err, .seq = 0,
                        .limit = 10) == 0);
    CHECK(reply.root && tp_map_get(reply.root, "ok") != NULL);
    tp_msg_free(&reply);
    gateway_received(t, "comments.events_after");
}

static void gateway_close(void)
{
    tp_relay_close();
    nng_close(gateway);
}

static void a_call_is_answered(void)
{
    gateway_listen();
    call_answered();
    gateway_close();
}

static void a_call_nobody_answers_fails(void)
{
    gateway_listen();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, gateway_receive, NULL) == 0);
    tp_msg reply;
    char err[256] = "";
    CHECK(tp_relay_call(COMMENTS_EVENTS_AFTER, "rid", 200, &reply, err, sizeof err, .seq = 0,
                        .limit = 10) == -1);
    CHECK_STR_EQ(err, "relay: Timed out");
    gateway_received(t, "comments.events_after");
    gateway_close();
}

/* Each case's gateway listens on a new port: a socket kept open would still dial the old one. */
static void a_call_after_the_close_opens_the_socket_again(void)
{
    gateway_listen();
    tp_relay_close();
    call_answered();
    gateway_close();
}

static const check_case cases[] = {
    CASE(a_call_is_answered),
    CASE(a_call_nobody_answers_fails),
    CASE(a_call_after_the_close_opens_the_socket_again),
};
CHECK_MAIN("tp_relay", cases)
