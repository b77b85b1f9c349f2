/* gw_call: asynchronous bus calls from the h2o event loop.
 *
 * Design notes: the gateway is the hub of the bus. For each service it listens with one REQ
 * socket; services (and every svc-comments replica) dial in with REP sockets, and nng spreads
 * requests over the connected pipes and resends a request whose pipe died. A call takes a job
 * (an nng context on that socket and one aio, kept from call to call) and runs send then
 * receive on nng's threads; the finished job is handed to the loop thread through h2o's
 * multithread queue. Invariants:
 *   - every job is finished exactly once, on the loop thread (finish_job), and only then kept
 *     for another call;
 *   - a job whose request went away (ctx == NULL: the request's dispose ran) is only released;
 *   - the deadline is ours (send + receive together), never nng's 60 s resend timer.
 * Batched calls (gw_call_batched) wait for the end of the loop's turn (a zero timeout, which h2o
 * runs after the turn's I/O): then a service's calls of that turn go as one message if there are
 * several (see TP_BATCH_MAX), sent by a carrier job whose reply is split between its parts. A
 * part is an ordinary job except that it is sent itself only when the service left its reply out
 * of the batch's (the replies together were too large: "alone", proto/tp_svc.c).
 * An auth.users_get whose accounts the gateway remembers and an auth.user_get whose account it
 * does (users_cache.h), and a talks.get or talks.list whose talk or page it remembers
 * (talks_cache.h), are answered from there, at the end of the turn too, and delivered as a bus
 * reply would be. */
#include "gw_call.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "reply.h"
#include "talks_cache.h"
#include "tp_bus.h"
#include "tp_clock.h"
#include "tp_config.h"
#include "tp_log.h"
#include "tp_svc.h"
#include "users_cache.h"

typedef struct gw_job {
    h2o_multithread_message_t super; /* first: the queue hands us this pointer */
    gw_ctx *ctx;                     /* NULL once the request is gone */
    struct gw_job *next;             /* in ctx->jobs */
    enum gw_service svc;
    enum gw_mode mode;
    bool sent;
    int result; /* nng error of the send or receive, 0 on success */
    nng_ctx nctx;
    nng_aio *aio;
    nng_msg *reply;
    gw_reply_fn on_reply;
    struct timespec deadline;
    nng_msg *request;         /* a batched call's request, until its batch leaves */
    struct gw_job *parts;     /* a carrier: the calls of its batch, in order */
    struct gw_job *next_part; /* a batched call: the next of its batch (or pending) */
    int nparts;
    int op;              /* its op, or TP_METRICS_OP_PING (also what the metrics count) */
    uint64_t started_ns; /* when the call was made */
    users_known *known;  /* a users_get: the accounts it did not ask for, answered with it */
} gw_job;

/* A batch's requests take at most this many bytes, well under TP_MSG_MAX (64 comments of 16 kB
 * of Markdown each would not fit). Their replies are small (see gw_call_batched). */
#define BATCH_BYTES_MAX (128 * 1024)

/* Batched calls waiting for the end of the turn, by service. */
static struct {
    gw_job *first, **tail;
    int n;
    size_t bytes;
} pending[GW_NSERVICES];
static h2o_loop_t *bus_loop;
static h2o_timeout_t turn_end;
static h2o_timeout_entry_t flush_entry;

/* Finished jobs kept, with their context and aio, for the next calls to the same service:
 * opening and closing those per call took nng's socket lock on the loop thread, which nng's
 * own threads hold often under load. */
#define IDLE_JOBS_MAX 256
static struct {
    gw_job *jobs[IDLE_JOBS_MAX];
    int n;
} idle[GW_NSERVICES];

static const struct {
    const char *name;
    enum tp_setting addr;
    enum tp_role role; /* the only peers its socket accepts */
} services[GW_NSERVICES] = {
    [GW_AUTH] = {"auth", TALKS_BUS_AUTH, TP_ROLE_AUTH},
    [GW_TALKS] = {"talks", TALKS_BUS_TALKS, TP_ROLE_TALKS},
    [GW_COMMENTS] = {"comments", TALKS_BUS_COMMENTS, TP_ROLE_COMMENTS},
    [GW_MAIL] = {"mail", TALKS_BUS_MAIL, TP_ROLE_MAIL},
};

/* Calls answered by the users or talks cache, delivered at the end of the turn, in order. */
typedef struct local_answer {
    gw_ctx *ctx; /* NULL once the request is gone */
    enum gw_service svc;
    int op;
    enum gw_mode mode;
    gw_reply_fn on_reply;
    tp_buf reply;
    struct local_answer *next;
} local_answer;
static local_answer *local_first, **local_tail = &local_first;

static nng_socket sockets[GW_NSERVICES];
static void (*answer_unavailable)(gw_ctx *ctx, const char *service);
static h2o_multithread_queue_t *queue;
static h2o_multithread_receiver_t receiver;
static int call_timeout_ms;

const char *gw_service_name(enum gw_service s)
{
    return services[s].name;
}

int gw_service_of_role(enum tp_role role)
{
    for (int i = 0; i < GW_NSERVICES; i++)
        if (services[i].role == role) return i;
    return -1;
}

nng_socket gw_bus_socket(enum gw_service s)
{
    return sockets[s];
}

static nng_duration remaining_ms(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? (nng_duration)ms : 1;
}

/* Runs on an nng thread: after the send, start the receive; after that, hand over. */
static void on_aio(void *arg)
{
    gw_job *job = arg;
    int rv = nng_aio_result(job->aio);
    if (!job->sent && rv == 0) {
        job->sent = true;
        nng_aio_set_timeout(job->aio, remaining_ms(&job->deadline));
        nng_ctx_recv(job->nctx, job->aio);
        return;
    }
    if (!job->sent) nng_msg_free(nng_aio_get_msg(job->aio)); /* a failed send leaves it ours */
    job->result = rv;
    job->reply = rv == 0 ? nng_aio_get_msg(job->aio) : NULL;
    h2o_multithread_send_message(&receiver, &job->super);
}

static void unlink_job(gw_ctx *ctx, gw_job *job)
{
    for (gw_job **p = &ctx->jobs; *p; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            return;
        }
    }
}

static void destroy_job(gw_job *job)
{
    users_known_free(job->known);
    if (job->aio) nng_aio_free(job->aio); /* waits for on_aio to have returned */
    nng_ctx_close(job->nctx);
    free(job);
}

/* A job whose reply has been read: kept for the next call to its service, or destroyed. */
static void release_job(gw_job *job)
{
    users_known_free(job->known);
    job->known = NULL;
    if (job->reply) nng_msg_free(job->reply);
    if (job->request) nng_msg_free(job->request);
    job->reply = job->request = NULL;
    job->parts = job->next_part = NULL;
    job->nparts = 0;
    if (job->aio && idle[job->svc].n < IDLE_JOBS_MAX)
        idle[job->svc].jobs[idle[job->svc].n++] = job;
    else
        destroy_job(job);
}

/* An idle job of svc's, or a new one (*rv is nng's error if it has no context or aio). */
static gw_job *take_job(enum gw_service svc, int *rv)
{
    if (idle[svc].n) return idle[svc].jobs[--idle[svc].n];
    gw_job *job = tp_xcalloc(1, sizeof *job);
    job->svc = svc;
    *rv = nng_ctx_open(&job->nctx, sockets[svc]);
    if (*rv == 0) *rv = nng_aio_alloc(&job->aio, on_aio, job);
    return job;
}

/* A reply's answer for the page: its error code, with the map when it fits the op's shapes;
 * TP_EUNAVAILABLE (logged) when it does not. */
static gw_reply read_reply(const gw_ctx *ctx, enum gw_service svc, int op,
                           const msgpack_object *reply)
{
    char why[200];
    tp_err err = reply_answer(op, reply, why, sizeof why);
    if (err == TP_EUNAVAILABLE)
        tp_warn(ctx->rid, "malformed reply from svc-%s: %s", services[svc].name, why);
    return (gw_reply){err, err == TP_EUNAVAILABLE ? NULL : reply};
}

/* What the metrics count a finished call as: ok, the error its reply names, or its failure. */
static int call_result(int result, const msgpack_object *reply)
{
    if (result == NNG_ETIMEDOUT) return METRICS_BUS_TIMEOUT;
    if (result != 0) return METRICS_BUS_NO_ANSWER;
    if (!reply) return METRICS_BUS_BAD_REPLY;
    return reply_err(reply);
}

static void count_call(const gw_job *job, int result, const msgpack_object *reply)
{
    metrics_bus_call(job->svc, job->op, call_result(result, reply),
                     tp_metrics_now_ns() - job->started_ns);
}

/* The reply in data (result 0), parsed into the request's replies: its map, or NULL. */
static const msgpack_object *keep_reply(gw_ctx *ctx, int result, const void *data, size_t len)
{
    if (result != 0 || ctx->nreplies >= GW_MAX_REPLIES) return NULL;
    tp_msg *m = &ctx->replies[ctx->nreplies];
    if (tp_msg_parse(m, data, len) != 0) return NULL;
    ctx->nreplies++;
    return m->root;
}

/* What the caches learn from a service's reply to a call made at asked_ns that fits its shape. */
static void learn(int op, const msgpack_object *reply, uint64_t asked_ns)
{
    if (op == TP_OP_AUTH_USERS_GET) users_cache_put(reply);
    if (op == TP_OP_AUTH_USER_GET) users_cache_put_named(reply);
    if (op == TP_OP_TALKS_GET) talks_cache_put(reply, asked_ns);
    if (op == TP_OP_TALKS_LIST) talks_cache_list_put(reply, asked_ns);
}

/* Hands the page its reply (NULL: none usable) as mode says; asked_ns: when the call was made,
 * for a reply a service sent, which the caches learn from (0: one they gave). */
static void answer(gw_ctx *ctx, enum gw_service svc, int op, enum gw_mode mode,
                   gw_reply_fn on_reply, const msgpack_object *reply, int result, uint64_t asked_ns)
{
    gw_reply r = {TP_EUNAVAILABLE, NULL};
    if (reply)
        r = read_reply(ctx, svc, op, reply);
    else
        tp_warn(ctx->rid, "no usable answer from svc-%s: %s", services[svc].name,
                result ? nng_strerror(result) : "malformed reply");
    if (asked_ns && r.err == TP_OK) learn(op, reply, asked_ns);
    bool try_only = mode == GW_TRY || mode == GW_TRY_BATCHED;
    if (try_only && r.err != TP_OK) ctx->partial = true;
    if (r.err != TP_EUNAVAILABLE || try_only)
        on_reply(ctx, &r);
    else
        answer_unavailable(ctx, services[svc].name);
}

/* A users_get that asked svc-auth only for the accounts the users cache did not hold: a good
 * reply is learnt from, and the page gets its users and the known ones together, checked again
 * as one reply; anything else reaches the page as it came. Frees known. */
static void answer_with_known(gw_ctx *ctx, enum gw_mode mode, gw_reply_fn on_reply,
                              const msgpack_object *reply, int result, users_known *known,
                              uint64_t asked_ns)
{
    const int op = TP_OP_AUTH_USERS_GET;
    char why[200];
    if (!reply || reply_answer(op, reply, why, sizeof why) != TP_OK) {
        users_known_free(known);
        answer(ctx, GW_AUTH, op, mode, on_reply, reply, result, asked_ns);
        return;
    }
    users_cache_put(reply);
    tp_w merged;
    tp_w_init(&merged);
    users_cache_reply(&merged, tp_map_get(reply, "users"), known);
    users_known_free(known);
    /* The merged reply (a copy) takes svc-auth's place among the request's GW_MAX_REPLIES. */
    if (ctx->nreplies > 0 && ctx->replies[ctx->nreplies - 1].root == reply)
        tp_msg_free(&ctx->replies[--ctx->nreplies]);
    answer(ctx, GW_AUTH, op, mode, on_reply, keep_reply(ctx, 0, merged.buf.data, merged.buf.len), 0,
           0);
    tp_w_free(&merged);
}

/* Runs on the loop thread, once per call: its reply is the map in data (result 0), if it parses. */
static void deliver(gw_job *job, int result, const void *data, size_t len)
{
    gw_ctx *ctx = job->ctx;
    /* Whatever its answer (one that timed out may still have been made): its talk may have
     * changed, and with it what talks.get and talks.list replies on their way say. */
    if (job->op == TP_OP_TALKS_CREATE || job->op == TP_OP_TALKS_UPDATE ||
        job->op == TP_OP_TALKS_DELETE)
        talks_cache_forget();
    if (!ctx) {
        tp_msg m; /* read only to be counted: its request has gone */
        bool parsed = result == 0 && tp_msg_parse(&m, data, len) == 0;
        count_call(job, result, parsed ? m.root : NULL);
        if (parsed) tp_msg_free(&m);
        release_job(job);
        return;
    }
    unlink_job(ctx, job);
    const msgpack_object *reply = keep_reply(ctx, result, data, len);
    count_call(job, result, reply);
    enum gw_service svc = job->svc;
    int op = job->op;
    enum gw_mode mode = job->mode;
    gw_reply_fn on_reply = job->on_reply;
    users_known *known = job->known;
    uint64_t asked_ns = job->started_ns;
    job->known = NULL;
    release_job(job);
    if (known)
        answer_with_known(ctx, mode, on_reply, reply, result, known, asked_ns);
    else
        answer(ctx, svc, op, mode, on_reply, reply, result, asked_ns);
}

/* The turn's answers from the caches (and those their pages asked for meanwhile). */
static void deliver_local_answers(void)
{
    while (local_first) {
        local_answer *a = local_first;
        local_first = a->next;
        if (!local_first) local_tail = &local_first;
        if (a->ctx)
            answer(a->ctx, a->svc, a->op, a->mode, a->on_reply,
                   keep_reply(a->ctx, 0, a->reply.data, a->reply.len), 0, 0);
        tp_buf_free(&a->reply);
        free(a);
    }
}

/* The replies of a batch, or nothing usable: {"ok": true, "replies": [bin × nparts]}. */
static const msgpack_object *batch_replies(const tp_msg *m, int nparts)
{
    const msgpack_object *replies = tp_map_get(m->root, "replies");
    if (reply_err(m->root) != TP_OK || !replies || replies->type != MSGPACK_OBJECT_ARRAY ||
        replies->via.array.size != (uint32_t)nparts)
        return NULL;
    for (int i = 0; i < nparts; i++)
        if (replies->via.array.ptr[i].type != MSGPACK_OBJECT_BIN) return NULL;
    return replies;
}

static void send_job(gw_job *job, nng_msg *msg);

/* A call whose reply the service left out of its batch's, sent again on its own (its reply comes
 * back like any call's); a call whose request has gone is only counted and released. */
static void resend_alone(gw_job *part)
{
    if (!part->ctx) {
        deliver(part, NNG_ECANCELED, NULL, 0);
        return;
    }
    nng_msg *msg = part->request;
    part->request = NULL;
    part->sent = false;
    part->result = 0;
    send_job(part, msg);
}

/* The places of the calls whose replies the service left out ("alone": the batch's replies were
 * over the message cap together: a page of long comments for each of many talk pages). */
static uint64_t left_out(const msgpack_object *root, int nparts)
{
    const msgpack_object *alone = tp_map_get(root, "alone");
    uint64_t bits = 0;
    for (uint32_t i = 0; alone && alone->type == MSGPACK_OBJECT_ARRAY && i < alone->via.array.size;
         i++) {
        const msgpack_object *at = &alone->via.array.ptr[i];
        if (at->type == MSGPACK_OBJECT_POSITIVE_INTEGER && at->via.u64 < (uint64_t)nparts)
            bits |= (uint64_t)1 << at->via.u64;
    }
    return bits;
}

/* A carrier's reply, split between its calls in order (each gets the error if there is none); a
 * call the service left out is sent again alone, with what remains of its deadline. */
static void finish_batch(gw_job *carrier)
{
    tp_msg m = {0};
    const msgpack_object *replies = NULL;
    uint64_t alone = 0;
    if (carrier->result == 0 &&
        tp_msg_parse(&m, nng_msg_body(carrier->reply), nng_msg_len(carrier->reply)) == 0 &&
        (replies = batch_replies(&m, carrier->nparts)))
        alone = left_out(m.root, carrier->nparts);
    gw_job *part = carrier->parts;
    carrier->parts = NULL;
    for (int i = 0; part; i++) {
        gw_job *next = part->next_part;
        part->next_part = NULL;
        if (alone >> i & 1)
            resend_alone(part);
        else if (replies)
            deliver(part, 0, replies->via.array.ptr[i].via.bin.ptr,
                    replies->via.array.ptr[i].via.bin.size);
        else
            deliver(part, carrier->result, NULL, 0);
        part = next;
    }
    if (m.root) tp_msg_free(&m);
    release_job(carrier);
}

static void finish_job(gw_job *job)
{
    if (job->parts)
        finish_batch(job);
    else
        deliver(job, job->result, job->reply ? nng_msg_body(job->reply) : NULL,
                job->reply ? nng_msg_len(job->reply) : 0);
}

static void on_messages(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    while (!h2o_linklist_is_empty(messages)) {
        gw_job *job = H2O_STRUCT_FROM_MEMBER(gw_job, super.link, messages->next);
        h2o_linklist_unlink(&job->super.link);
        finish_job(job);
    }
}

/* Hands a job that cannot be sent to the loop like any other, so the caller's flow is the same. */
static void fail_job(gw_job *job, int rv)
{
    job->sent = true;
    job->result = rv;
    h2o_multithread_send_message(&receiver, &job->super);
}

/* Sends msg on the job's context; the reply comes back through on_aio. */
static void send_job(gw_job *job, nng_msg *msg)
{
    nng_aio_set_timeout(job->aio, remaining_ms(&job->deadline));
    nng_aio_set_msg(job->aio, msg);
    nng_ctx_send(job->nctx, job->aio);
}

/* msgpack-c's writer, appending to an nng message: a batch is written straight into the
 * message that goes on the bus. */
static int append_to_msg(void *msg, const char *p, size_t n)
{
    return nng_msg_append(msg, p, n);
}

/* Sends the service's pending calls: alone if there is one, else as a batch. */
static void flush_pending(enum gw_service svc)
{
    gw_job *first = pending[svc].first;
    int n = pending[svc].n;
    pending[svc].first = NULL;
    pending[svc].tail = &pending[svc].first;
    pending[svc].n = 0;
    pending[svc].bytes = 0;
    if (n == 0) return;
    if (n == 1) {
        nng_msg *msg = first->request;
        first->request = NULL;
        send_job(first, msg);
        return;
    }
    int rv = 0;
    gw_job *carrier = take_job(svc, &rv);
    nng_msg *msg = NULL;
    if (rv == 0) rv = nng_msg_alloc(&msg, 0);
    msgpack_packer pk;
    msgpack_packer_init(&pk, msg, append_to_msg);
    /* {"op": "batch", "rid": "", "calls": [bin, …]}; each part logs its own request id. */
    if (rv == 0 &&
        (msgpack_pack_map(&pk, 3) || msgpack_pack_str_with_body(&pk, "op", 2) ||
         msgpack_pack_str_with_body(&pk, "batch", 5) || msgpack_pack_str_with_body(&pk, "rid", 3) ||
         msgpack_pack_str_with_body(&pk, "", 0) || msgpack_pack_str_with_body(&pk, "calls", 5) ||
         msgpack_pack_array(&pk, (size_t)n)))
        rv = NNG_ENOMEM;
    /* Each part keeps its request until its reply is in, to be sent alone if the batch is
     * refused (finish_batch). */
    for (gw_job *part = first; part; part = part->next_part)
        if (rv == 0 && msgpack_pack_bin_with_body(&pk, nng_msg_body(part->request),
                                                  nng_msg_len(part->request)) != 0)
            rv = NNG_ENOMEM;
    carrier->ctx = NULL; /* it belongs to no request: its parts do */
    carrier->parts = first;
    carrier->nparts = n;
    carrier->sent = false;
    carrier->result = 0;
    carrier->deadline = first->deadline;
    if (rv != 0) {
        if (msg) nng_msg_free(msg);
        fail_job(carrier, rv);
        return;
    }
    send_job(carrier, msg);
}

static void on_turn_end(h2o_timeout_entry_t *entry)
{
    (void)entry;
    deliver_local_answers(); /* first: their pages may make calls that go out below */
    for (int i = 0; i < GW_NSERVICES; i++) flush_pending(i);
}

static void at_turn_end(void)
{
    if (!h2o_timeout_is_linked(&flush_entry)) h2o_timeout_link(bus_loop, &turn_end, &flush_entry);
}

/* A call a cache answers whole, with reply (its bytes are the answer's now): answered at the end
 * of the turn. */
static void answer_from_cache(gw_ctx *ctx, enum gw_service svc, int op, enum gw_mode mode,
                              tp_buf reply, gw_reply_fn on_reply)
{
    local_answer *a = tp_xcalloc(1, sizeof *a);
    *a = (local_answer){
        .ctx = ctx, .svc = svc, .op = op, .mode = mode, .on_reply = on_reply, .reply = reply};
    *local_tail = a;
    local_tail = &a->next;
    at_turn_end();
}

/* Sends request (the writer is freed) for op to svc, as mode says; known (a users_get's
 * accounts it did not ask for, or NULL) is the job's now. */
static void start_call(gw_ctx *ctx, enum gw_service svc, int op, tp_w *request, enum gw_mode mode,
                       gw_reply_fn on_reply, users_known *known)
{
    int rv = 0;
    gw_job *job = take_job(svc, &rv);
    job->known = known;
    job->op = op;
    job->started_ns = tp_metrics_now_ns();
    job->ctx = ctx;
    job->on_reply = on_reply;
    job->mode = mode;
    job->sent = false;
    job->result = 0;
    job->deadline = tp_clock_after_ms(call_timeout_ms);
    nng_msg *msg = NULL;
    if (rv == 0) rv = nng_msg_alloc(&msg, 0);
    if (rv == 0) rv = nng_msg_append(msg, request->buf.data, request->buf.len);
    tp_w_free(request);
    job->next = ctx->jobs;
    ctx->jobs = job;
    if (rv != 0) {
        if (msg) nng_msg_free(msg);
        fail_job(job, rv);
        return;
    }
    if (mode != GW_BATCHED && mode != GW_TRY_BATCHED) {
        send_job(job, msg);
        return;
    }
    size_t len = nng_msg_len(msg);
    if (pending[svc].n == TP_BATCH_MAX || pending[svc].bytes + len > BATCH_BYTES_MAX)
        flush_pending(svc);
    job->request = msg;
    job->next_part = NULL;
    *pending[svc].tail = job;
    pending[svc].tail = &job->next_part;
    pending[svc].n++;
    pending[svc].bytes += len;
    at_turn_end();
}

/* A users_get: answered by the users cache, whole or in part (svc-auth is asked for the rest). */
static void send_users_get(gw_ctx *ctx, enum gw_mode mode,
                           const struct tp_in_TP_OP_AUTH_USERS_GET *q, gw_reply_fn on_reply)
{
    int64_t missing[TP_USERS_GET_MAX];
    users_known *known = NULL;
    struct tp_in_TP_OP_AUTH_USERS_GET rest = *q;
    /* More ids than the op takes: svc-auth says so. */
    bool cacheable = q->ids.n <= TP_USERS_GET_MAX && (q->ids.v || q->ids.n == 0);
    size_t nmissing = cacheable ? users_cache_split(q->ids.v, q->ids.n, missing, &known) : q->ids.n;
    if (cacheable && nmissing == 0) {
        tp_w reply;
        tp_w_init(&reply);
        users_cache_reply(&reply, NULL, known);
        users_known_free(known);
        answer_from_cache(ctx, GW_AUTH, TP_OP_AUTH_USERS_GET, mode, reply.buf, on_reply);
        return;
    }
    if (known) rest.ids = (tp_ids){.v = missing, .n = nmissing};
    tp_w request;
    tp_w_init(&request);
    tp_w_call(&request, TP_OP_AUTH_USERS_GET, ctx->rid, &rest);
    start_call(ctx, GW_AUTH, TP_OP_AUTH_USERS_GET, &request, mode, on_reply, known);
}

void gw_send(gw_ctx *ctx, enum gw_mode mode, enum tp_op_id op, const void *in, gw_reply_fn on_reply)
{
    if (op == TP_OP_AUTH_USERS_GET) {
        send_users_get(ctx, mode, in, on_reply);
        return;
    }
    if (op == TP_OP_AUTH_USER_GET) {
        tp_w user;
        tp_w_init(&user);
        if (users_cache_user_named(((const struct tp_in_TP_OP_AUTH_USER_GET *)in)->username,
                                   &user)) {
            answer_from_cache(ctx, GW_AUTH, op, mode, user.buf, on_reply);
            return;
        }
        tp_w_free(&user);
    }
    tp_buf talks = TP_BUF_INIT;
    const struct tp_in_TP_OP_TALKS_LIST *list = in;
    if ((op == TP_OP_TALKS_GET &&
         talks_cache_get(((const struct tp_in_TP_OP_TALKS_GET *)in)->id, &talks)) ||
        (op == TP_OP_TALKS_LIST &&
         talks_cache_list_get(list->author_id, list->page, list->per_page, &talks))) {
        answer_from_cache(ctx, GW_TALKS, op, mode, talks, on_reply);
        return;
    }
    tp_w request;
    tp_w_init(&request);
    tp_w_call(&request, op, ctx->rid, in);
    start_call(ctx, gw_service_of_role(tp_op_owner(op)), op, &request, mode, on_reply, NULL);
}

void gw_ping(gw_ctx *ctx, enum gw_mode mode, enum gw_service svc, gw_reply_fn on_reply)
{
    tp_w request;
    tp_w_init(&request);
    tp_w_request(&request, "ping", ctx->rid);
    tp_w_map_end(&request);
    start_call(ctx, svc, TP_METRICS_OP_PING, &request, mode, on_reply, NULL);
}

void gw_call_orphan_all(gw_ctx *ctx)
{
    for (gw_job *job = ctx->jobs; job; job = job->next) job->ctx = NULL;
    ctx->jobs = NULL;
    for (local_answer *a = local_first; a; a = a->next)
        if (a->ctx == ctx) a->ctx = NULL;
}

int gw_bus_init(h2o_loop_t *loop, int timeout_ms, void (*unavailable)(gw_ctx *, const char *svc),
                char *err, size_t errlen)
{
    call_timeout_ms = timeout_ms;
    answer_unavailable = unavailable;
    for (int i = 0; i < GW_NSERVICES; i++) {
        int rv = nng_req0_open(&sockets[i]);
        if (rv != 0) {
            snprintf(err, errlen, "cannot open a REQ socket: %s", nng_strerror(rv));
            return -1;
        }
        tp_socket_defaults(sockets[i]);
        /* Longer than any deadline of ours: a slow service is not sent the same request
         * twice; a dead pipe still makes nng resend at once to another replica. */
        nng_socket_set_ms(sockets[i], NNG_OPT_REQ_RESENDTIME, 60000);
        if (tp_bus_listen(sockets[i], services[i].addr, TP_ROLE_BIT(services[i].role), NULL, err,
                          errlen) != 0)
            return -1;
    }
    queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(queue, &receiver, on_messages);
    bus_loop = loop;
    h2o_timeout_init(loop, &turn_end, 0);
    flush_entry = (h2o_timeout_entry_t){.cb = on_turn_end};
    for (int i = 0; i < GW_NSERVICES; i++) pending[i].tail = &pending[i].first;
    return 0;
}

void gw_bus_close(void)
{
    if (h2o_timeout_is_linked(&flush_entry)) h2o_timeout_unlink(&flush_entry);
    for (local_answer *a = local_first, *next; a; a = next) {
        next = a->next;
        tp_buf_free(&a->reply);
        free(a);
    }
    local_first = NULL;
    local_tail = &local_first;
    if (bus_loop) h2o_timeout_dispose(bus_loop, &turn_end);
    for (int i = 0; i < GW_NSERVICES; i++) {
        /* Calls that never left: the loop has stopped, so their requests are gone too. */
        for (gw_job *job = pending[i].first, *next; job; job = next) {
            next = job->next_part;
            if (job->request) nng_msg_free(job->request);
            destroy_job(job);
        }
        pending[i].first = NULL;
        while (idle[i].n) destroy_job(idle[i].jobs[--idle[i].n]);
        nng_close(sockets[i]);
    }
}

tp_str gw_reply_msg(const gw_reply *r)
{
    tp_str s = {"", 0};
    if (!r->map || tp_get_str(r->map, "msg", 1024, &s) != 0) s = (tp_str){"", 0};
    return s;
}
