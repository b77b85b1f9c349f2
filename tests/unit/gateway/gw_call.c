/* Unit tests for gateway/gw_call.c's batching: the gateway's bus on an h2o loop of the test's
 * own, and a service of the test's (a REP socket on a thread, dialling the gateway as services
 * do) that records each message it gets and answers it: {"ok": true, "n": id} to a request (a
 * comments.approve, whose reply the gateway reads nothing of but its error), and to a batch the
 * same for each call, in a batch reply — or, as batch_mode says, with one left out, or the error a
 * service answers a batch whose replies would not fit in one message. */
#include "gw_call.h"

#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "tp_config.h"
#include "tp_svc.h"

static h2o_loop_t *loop;

/* What the service was sent, in order: the number of calls of each message (0: not a batch). */
static struct {
    pthread_mutex_t mu;
    int calls[16];
    int n;
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* How the fake service answers a batch: each call's reply (BATCH_ANSWER), the second left out
 * as a service leaves out what would not fit ("alone": [1]), or an error for the whole batch. */
enum { BATCH_ANSWER, BATCH_SECOND_ALONE, BATCH_ERROR };
static atomic_int batch_mode;

static void answer(tp_w *w, const msgpack_object *request)
{
    int64_t n = -1;
    tp_get_int(request, "id", 0, 1000, &n);
    tp_w_map_begin(w);
    tp_w_kint(w, "n", n);
    tp_w_kbool(w, "ok", true);
    tp_w_map_end(w);
}

/* Answers one message on sock as the service loop would; false once the socket is closed. */
static bool serve_one(nng_socket sock)
{
    void *buf = NULL;
    size_t len = 0;
    if (nng_recv(sock, &buf, &len, NNG_FLAG_ALLOC) != 0) return false;
    tp_msg m;
    tp_w out;
    tp_w_init(&out);
    int calls = 0;
    if (tp_msg_parse(&m, buf, len) == 0) {
        const msgpack_object *batch = tp_map_get(m.root, "calls");
        if (!batch) {
            answer(&out, m.root);
        } else if (atomic_load(&batch_mode) == BATCH_ERROR) {
            calls = (int)batch->via.array.size;
            tp_w_map_begin(&out);
            tp_w_kbool(&out, "ok", false);
            tp_w_kstr(&out, "err", "internal");
            tp_w_map_end(&out);
        } else {
            calls = (int)batch->via.array.size;
            tp_w_map_begin(&out);
            tp_w_key(&out, "replies");
            tp_w_array_begin(&out);
            for (int i = 0; i < calls; i++) {
                tp_msg call;
                tp_w part;
                tp_w_init(&part);
                const msgpack_object *bin = &batch->via.array.ptr[i];
                if (tp_msg_parse(&call, bin->via.bin.ptr, bin->via.bin.size) == 0) {
                    answer(&part, call.root);
                    tp_msg_free(&call);
                }
                bool left_out = i == 1 && atomic_load(&batch_mode) == BATCH_SECOND_ALONE;
                tp_w_bin(&out, part.buf.data, left_out ? 0 : part.buf.len);
                tp_w_free(&part);
            }
            tp_w_array_end(&out);
            if (atomic_load(&batch_mode) == BATCH_SECOND_ALONE) {
                tp_w_key(&out, "alone");
                tp_w_array_begin(&out);
                tp_w_int(&out, 1);
                tp_w_array_end(&out);
            }
            tp_w_kbool(&out, "ok", true);
            tp_w_map_end(&out);
        }
        tp_msg_free(&m);
    }
    nng_free(buf, len);
    pthread_mutex_lock(&seen.mu);
    if (seen.n < 16) seen.calls[seen.n++] = calls;
    pthread_mutex_unlock(&seen.mu);
    nng_send(sock, out.buf.data, out.buf.len, 0);
    tp_w_free(&out);
    return true;
}

static nng_socket service;
static pthread_t service_thread;

static void *service_main(void *arg)
{
    (void)arg;
    while (serve_one(service)) continue;
    return NULL;
}

/* A loopback port nobody listens on (the gateway's bus listens on given addresses). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &n);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct call_state {
    gw_ctx ctx;
    int64_t n; /* what the reply said, -1 until it came */
    bool answered;
} call_state;

static void on_reply(gw_ctx *ctx, const gw_reply *r)
{
    call_state *s = (call_state *)ctx; /* ctx is the first member */
    s->answered = true;
    s->n = -1;
    if (r->err == TP_OK) tp_get_int(r->map, "n", 0, 1000, &s->n);
}

static void call(call_state *s, int64_t n)
{
    memset(s, 0, sizeof *s);
    s->n = -1;
    gw_call_batched(&s->ctx, COMMENTS_APPROVE, on_reply, .id = n, .user_id = 1);
}

/* A call without an answer (n -2): only when the service answers batches with an error. */
static void unavailable(gw_ctx *ctx, const char *service)
{
    (void)service;
    CHECK(atomic_load(&batch_mode) == BATCH_ERROR);
    call_state *s = (call_state *)ctx; /* ctx is the first member */
    s->answered = true;
    s->n = -2;
}

/* Runs the loop until every call has its answer (or 10 s have passed). */
static void run_until_answered(call_state *s, int n)
{
    time_t give_up = time(NULL) + 10;
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++) left += !s[i].answered;
        if (!left || time(NULL) > give_up) return;
        h2o_evloop_run(loop, 100);
    }
}

static void forget_replies(call_state *s, int n)
{
    for (int i = 0; i < n; i++)
        for (int r = 0; r < s[i].ctx.nreplies; r++) tp_msg_free(&s[i].ctx.replies[r]);
}

static int messages_seen(int *calls, int max)
{
    pthread_mutex_lock(&seen.mu);
    int n = seen.n;
    for (int i = 0; i < n && i < max; i++) calls[i] = seen.calls[i];
    seen.n = 0;
    pthread_mutex_unlock(&seen.mu);
    return n;
}

static void a_lone_call_goes_as_a_plain_request(void)
{
    char url[64], err[256];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%d", free_port());
    setenv("TALKS_BUS_COMMENTS", url, 1);
    for (int i = 0; i < 3; i++) {
        const char *names[] = {"TALKS_BUS_AUTH", "TALKS_BUS_TALKS", "TALKS_BUS_MAIL"};
        char other[64];
        snprintf(other, sizeof other, "tcp://127.0.0.1:%d", free_port());
        setenv(names[i], other, 1);
    }
    CHECK(tp_config_load(err, sizeof err) == 0);
    loop = h2o_evloop_create();
    CHECK(gw_bus_init(loop, 5000, unavailable, err, sizeof err) == 0);
    CHECK(nng_rep0_open(&service) == 0);
    CHECK(nng_dial(service, url, NULL, NNG_FLAG_NONBLOCK) == 0);
    CHECK(pthread_create(&service_thread, NULL, service_main, NULL) == 0);

    call_state s[1];
    call(&s[0], 7);
    run_until_answered(s, 1);
    CHECK(s[0].answered && s[0].n == 7);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 1 && calls[0] == 0);
    forget_replies(s, 1);
}

static void calls_of_one_turn_go_as_one_batch_and_get_their_own_replies(void)
{
    call_state s[5];
    for (int i = 0; i < 5; i++) call(&s[i], 10 + i);
    run_until_answered(s, 5);
    for (int i = 0; i < 5; i++) CHECK(s[i].answered && s[i].n == 10 + i);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 1 && calls[0] == 5);
    forget_replies(s, 5);
}

static void a_turn_with_more_than_a_batch_sends_several(void)
{
    enum { N = TP_BATCH_MAX + 3 };
    static call_state s[N];
    for (int i = 0; i < N; i++) call(&s[i], i);
    run_until_answered(s, N);
    int ok = 0;
    for (int i = 0; i < N; i++) ok += s[i].answered && s[i].n == i;
    CHECK(ok == N);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 2 && calls[0] == TP_BATCH_MAX && calls[1] == 3);
    forget_replies(s, N);
}

/* Only the call whose reply the service left out is asked again, alone: the others (a write
 * among them, as approvals are) are answered from the batch and never run twice. */
static void a_reply_left_out_of_a_batch_is_asked_again_alone(void)
{
    atomic_store(&batch_mode, BATCH_SECOND_ALONE);
    call_state s[3];
    for (int i = 0; i < 3; i++) call(&s[i], 20 + i);
    run_until_answered(s, 3);
    atomic_store(&batch_mode, BATCH_ANSWER);
    for (int i = 0; i < 3; i++) CHECK(s[i].answered && s[i].n == 20 + i);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 2 && calls[0] == 3 && calls[1] == 0);
    forget_replies(s, 3);
}

/* A batch answered with an error is no answer for each call (the page's 503), none sent again. */
static void a_batch_answered_with_an_error_is_each_calls_error(void)
{
    atomic_store(&batch_mode, BATCH_ERROR);
    call_state s[3];
    for (int i = 0; i < 3; i++) call(&s[i], 30 + i);
    run_until_answered(s, 3);
    atomic_store(&batch_mode, BATCH_ANSWER);
    for (int i = 0; i < 3; i++) CHECK(s[i].answered && s[i].n == -2);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 1 && calls[0] == 3);
    forget_replies(s, 3);
}

static void a_call_whose_request_went_away_is_dropped(void)
{
    call_state s[2];
    call(&s[0], 1);
    call(&s[1], 2);
    gw_call_orphan_all(&s[0].ctx); /* as the request's dispose does */
    run_until_answered(&s[1], 1);
    CHECK(s[1].answered && s[1].n == 2);
    CHECK(!s[0].answered);
    int calls[16];
    CHECK(messages_seen(calls, 16) == 1 && calls[0] == 2);
    forget_replies(s, 2);

    gw_bus_close();
    nng_close(service); /* ends the service's receive */
    pthread_join(service_thread, NULL);
}

static const check_case cases[] = {
    CASE(a_lone_call_goes_as_a_plain_request),
    CASE(calls_of_one_turn_go_as_one_batch_and_get_their_own_replies),
    CASE(a_turn_with_more_than_a_batch_sends_several),
    CASE(a_reply_left_out_of_a_batch_is_asked_again_alone),
    CASE(a_batch_answered_with_an_error_is_each_calls_error),
    CASE(a_call_whose_request_went_away_is_dropped),
};

CHECK_MAIN("gw_call", cases)
