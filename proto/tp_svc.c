/* tp_svc: the service loop (see tp_svc.h). */
#include "tp_svc.h"

#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "tp_bus.h"
#include "tp_db.h"
#include "tp_events.h"
#include "tp_heap.h"
#include "tp_log.h"
#include "tp_metrics.h"
#include "tp_relay.h"
#include "tp_stop_deadline.h"
#include "tp_writer.h"

#define MAX_WORKERS 64
/* The largest reply buffer a pooled request keeps. */
#define REPLY_BUF_KEEP (64 * 1024)
/* How long a reply may wait for its pipe (nng 1.5.2's REP queues it while the pipe is still
 * sending an earlier one) before it is dropped. A peer that stops reading (a talksctl or gateway
 * stuck, a raw client) would otherwise hold every request whose reply waits behind it: the
 * workers, which wait for a pooled request's last reply before reusing it, and the stop, which
 * waits for every reply on its way. The gateway gives up after TALKS_BUS_TIMEOUT_MS (1.5 s unless
 * set higher), and a pipe blocked that long is a peer that no longer reads. */
#define REPLY_SEND_MS 2000

/* Set on SIGTERM. Workers finish the request in hand and leave; only then is the socket closed:
 * nng 1.5.2 can panic when a socket closes under a context that is sending. */
static atomic_bool stopping;
/* The id of the control socket's listener (0: none yet): a request that arrived through it comes
 * from talksctl. Atomic: a replica that takes the address over sets it while workers run. */
static atomic_int ctl_listener_id;

typedef struct worker {
    const tp_svc *svc;
    nng_socket sock;
    tp_db *db;
    tp_writer *writer;
    pthread_t thread;
    /* The request whose receive the worker waits on, if any: stop_workers cancels it. The
     * receive has no timeout: nng 1.5.2's timer thread spins for up to a millisecond on every
     * timeout that fires, and idle workers polling a stop flag cost 5 % of a CPU. */
    pthread_mutex_t mu;
    struct tp_svc_request *receiving;
} worker;

void tp_socket_defaults(nng_socket sock)
{
    nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, TP_MSG_MAX);
    /* A service started before the gateway finds it within 10-20 ms of its start, and one that
     * lost it (the gateway restarting) within 100 ms of its return. */
    nng_socket_set_ms(sock, NNG_OPT_RECONNMINT, 10);
    nng_socket_set_ms(sock, NNG_OPT_RECONNMAXT, 100);
}

tp_err tp_fail(tp_call *c, tp_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof c->message, fmt, ap);
    va_end(ap);
    return e;
}

void tp_w_request(tp_w *w, const char *op, const char *rid)
{
    tp_w_map_begin(w);
    tp_w_kstr(w, "op", op);
    tp_w_kstr(w, "rid", rid ? rid : "");
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This service's "<service>.metrics" (set at start): the loop answers it, not a handler. */
static int metrics_op = -1;

/* "replica": "<host>:<pid>", which tells several svc-comments apart. */
static void write_replica(tp_w *out)
{
    char host[64] = "", replica[96];
    gethostname(host, sizeof host - 1);
    snprintf(replica, sizeof replica, "%s:%ld", host, (long)getpid());
    tp_w_kstr(out, "replica", replica);
}

/* {"replica": "<host>:<pid>", "families": [...]}: the loop's counters, then the service's own
 * (tp_svc.metrics). The replica tells the gateway's scrapes of several svc-comments apart. */
static tp_err op_metrics(tp_call *c, const tp_svc *svc)
{
    c->routine = true; /* every scrape, every 15 s or so */
    write_replica(c->out);
    tp_w_key(c->out, "families");
    tp_w_array_begin(c->out);
    tp_metrics_write_service(c->out);
    if (svc->metrics) svc->metrics(c->db, c->out);
    tp_w_array_end(c->out);
    return TP_OK;
}

/* The replica tells talksctl ping which svc-comments replica holds the control address. */
static tp_err op_ping(tp_call *c, const tp_svc *svc)
{
    tp_w_kstr(c->out, "service", tp_role_name(svc->role));
    write_replica(c->out);
    return TP_OK;
}

static const char *origin_name(unsigned from, char *buf, size_t len)
{
    if (from == TP_FROM_WEB) return "web";
    if (from == TP_FROM_CTL) return "ctl";
    for (int r = 0; r < TP_ROLE_COUNT; r++)
        if (from == TP_FROM_RELAY(r)) snprintf(buf, len, "relay:%s", tp_role_name(r));
    return buf;
}

/* Where a message came from: the control socket's listener says talksctl, anything else is the
 * gateway's (its relayed requests say so inside, see handle_relayed). */
static unsigned origin_of(nng_msg *msg)
{
    int ctl = atomic_load(&ctl_listener_id);
    return ctl > 0 && nng_listener_id(nng_pipe_listener(nng_msg_get_pipe(msg))) == ctl
               ? TP_FROM_CTL
               : TP_FROM_WEB;
}

/* Runs the op the table names, if the table allows where it came from; *id is the op's. */
static tp_err dispatch(const tp_svc *svc, tp_call *c, int *id)
{
    int op = tp_op_by_name(c->op.p, c->op.n);
    if (op < 0 || (!svc->ops[op] && op != metrics_op)) return tp_fail(c, TP_EBADMSG, "unknown op");
    *id = op;
    if (!(tp_op_from(op) & c->from)) {
        char buf[32] = "?";
        const char *origin = origin_name(c->from, buf, sizeof buf);
        tp_warn(NULL, "op=%s from=%s refused: not allowed from there", tp_op_name(op), origin);
        return tp_fail(c, TP_EFORBIDDEN, "%s is not allowed from %s", tp_op_name(op), origin);
    }
    return op == metrics_op ? op_metrics(c, svc) : tp_call_op(svc->ops, op, c);
}

tp_err tp_call_op(const tp_op_fn *ops, enum tp_op_id op, tp_call *c)
{
    char why[160];
    if (tp_in_read(op, c->msg, &c->in, why, sizeof why) != 0)
        return tp_fail(c, TP_EBADMSG, "%s", why); /* the reply's log line says it */
    return ops[op](c);
}

/* A request in hand: its context, the request message (kept until the reply is sent, since an
 * op's job may point into it) and the reply being built. Requests are pooled and reused; a
 * reply is sent without waiting, and the next use of the request waits for that send. A call of
 * a batch (see TP_BATCH_MAX) is a request of the pool too, whose reply goes into its carrier's
 * (the request that holds the batch's message) instead of onto the bus. */
typedef struct tp_svc_request svc_request;
struct tp_svc_request {
    nng_ctx ctx;
    nng_aio *aio; /* no callback: nng completes it inline, without waking a thread */
    bool sending;
    nng_msg *msg;
    tp_msg parsed;
    tp_w out;
    tp_call call;
    double started;
    int op; /* for tp_metrics_request: the op's id, TP_METRICS_OP_PING or TP_METRICS_OP_OTHER */
    const tp_deferred *deferred;
    _Alignas(max_align_t) unsigned char job[TP_JOB_MAX];
    svc_request *next_idle, *next_all;
    /* A call of a batch: its carrier, and the next call of the batch. */
    svc_request *carrier, *next_part;
    /* A carrier: its calls in order, and how many have not answered yet (plus one while the
     * worker is still starting them, so that the last to answer is the one that sends). */
    svc_request *parts;
    atomic_int unanswered;
};

/* The idle requests are taken in the order they were given back: the oldest reply is the one
 * most likely to have left already. */
static struct {
    pthread_mutex_t mu;
    svc_request *idle, *idle_tail, *all;
} requests = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Waits for the request's last reply to be on its way (at most REPLY_SEND_MS); a reply that could
 * not be sent in time is freed. */
static void finish_send(svc_request *r)
{
    if (!r->sending) return;
    nng_aio_wait(r->aio);
    if (nng_aio_result(r->aio) != 0) nng_msg_free(nng_aio_get_msg(r->aio));
    r->sending = false;
}

/* An idle request of the pool, or a new one; NULL if nng cannot give a context. */
static svc_request *request_take(nng_socket sock)
{
    pthread_mutex_lock(&requests.mu);
    svc_request *r = requests.idle;
    if (r && !(requests.idle = r->next_idle)) requests.idle_tail = NULL;
    pthread_mutex_unlock(&requests.mu);
    if (r) {
        finish_send(r);
        return r;
    }
    r = tp_xcalloc(1, sizeof *r);
    if (nng_ctx_open(&r->ctx, sock) != 0 || nng_aio_alloc(&r->aio, NULL, NULL) != 0) {
        if (r->aio) nng_aio_free(r->aio);
        free(r);
        return NULL;
    }
    tp_w_init(&r->out);
    pthread_mutex_lock(&requests.mu);
    r->next_all = requests.all;
    requests.all = r;
    pthread_mutex_unlock(&requests.mu);
    return r;
}

static void request_give(svc_request *r)
{
    r->next_idle = NULL;
    pthread_mutex_lock(&requests.mu);
    if (requests.idle_tail)
        requests.idle_tail->next_idle = r;
    else
        requests.idle = r;
    requests.idle_tail = r;
    pthread_mutex_unlock(&requests.mu);
}

/* After the last worker and the writer: waits for the replies on their way (each at most
 * REPLY_SEND_MS, all at once) and frees the pool (before the socket closes: nng 1.5.2 can panic
 * when it closes under a sending context). */
static void requests_free(void)
{
    for (svc_request *r = requests.all, *next; r; r = next) {
        next = r->next_all;
        finish_send(r);
        nng_aio_free(r->aio);
        nng_ctx_close(r->ctx);
        tp_w_free(&r->out);
        free(r);
    }
    requests.all = requests.idle = requests.idle_tail = NULL;
}

/* A pooled request keeps its reply buffer, but not one grown by a rare large reply. */
static void shrink_reply_buffer(svc_request *r)
{
    if (r->out.buf.cap > REPLY_BUF_KEEP) {
        tp_w_free(&r->out);
        tp_w_init(&r->out);
    }
}

/* Sends r->out, a whole reply, on r's context without waiting, and gives the request back. */
static void send_reply(svc_request *r)
{
    nng_msg *msg = r->msg;
    r->msg = NULL;
    nng_msg_clear(msg);
    bool appended = nng_msg_append(msg, r->out.buf.data, r->out.buf.len) == 0;
    shrink_reply_buffer(r);
    if (!appended) {
        nng_msg_free(msg);
    } else {
        nng_aio_set_timeout(r->aio, REPLY_SEND_MS);
        nng_aio_set_msg(r->aio, msg);
        nng_ctx_send(r->ctx, r->aio);
        r->sending = true;
    }
    request_give(r);
}

/* Every call of the carrier's batch has answered: one reply holds theirs, in order. When they
 * would pass TP_MSG_MAX together (the gateway would drop the message unread), the largest are
 * left out, each as an empty bin, and "alone" lists their places: the gateway asks each of those
 * again on its own. Only reads have large replies (a page of comments); a write's is a few ids,
 * so it is never the one left out, and never runs twice. */
static void send_batch_reply(svc_request *carrier)
{
    svc_request *part, *next, *parts[TP_BATCH_MAX];
    int n = 0;
    size_t total = 64; /* the map, its keys and "ok" */
    for (part = carrier->parts; part && n < TP_BATCH_MAX; part = part->next_part) {
        parts[n++] = part;
        total += part->out.buf.len + 5;
    }
    uint64_t alone = 0; /* bit i: parts[i] left out */
    while (total > TP_MSG_MAX) {
        int largest = -1;
        for (int i = 0; i < n; i++)
            if (!(alone >> i & 1) &&
                (largest < 0 || parts[i]->out.buf.len > parts[largest]->out.buf.len))
                largest = i;
        alone |= (uint64_t)1 << largest; /* its empty bin and its place fit the 5 bytes counted */
        total -= parts[largest]->out.buf.len;
    }
    if (alone) tp_warn(NULL, "a batch's replies are over TP_MSG_MAX together: some are sent alone");
    tp_w *out = &carrier->out;
    tp_buf_reset(&out->buf);
    out->depth = 0;
    tp_w_map_begin(out);
    tp_w_key(out, "replies");
    tp_w_array_begin(out);
    for (int i = 0; i < n; i++) {
        part = parts[i];
        tp_w_bin(out, part->out.buf.data, alone >> i & 1 ? 0 : part->out.buf.len);
    }
    tp_w_array_end(out);
    if (alone) {
        tp_w_key(out, "alone");
        tp_w_array_begin(out);
        for (int i = 0; i < n; i++)
            if (alone >> i & 1) tp_w_int(out, i);
        tp_w_array_end(out);
    }
    tp_w_kbool(out, "ok", true);
    tp_w_map_end(out);
    for (part = carrier->parts; part; part = next) {
        next = part->next_part;
        part->carrier = part->next_part = NULL;
        shrink_reply_buffer(part);
        request_give(part);
    }
    carrier->parts = NULL;
    send_reply(carrier);
}

/* One answer fewer to wait for; the last one sends the batch's reply. */
static void batch_answered(svc_request *carrier)
{
    if (atomic_fetch_sub(&carrier->unanswered, 1) == 1) send_batch_reply(carrier);
}

/* The call's one line: rid, op, origin, result, time, and the failure's message. Routine calls
 * (pings, a poll that found nothing: tp_call.routine) only at debug. */
static void log_call(const tp_call *c, tp_err e, double ms)
{
    char rid[65] = "", origin[32] = "?";
    tp_log_line l;
    if (c->rid.p) snprintf(rid, sizeof rid, "%.*s", (int)c->rid.n, c->rid.p);
    if (!tp_log_begin(&l, e == TP_EINTERNAL ? TP_ERROR : c->routine ? TP_DEBUG : TP_INFO, rid))
        return;
    tp_log_str(&l, "op", c->op.p ? c->op.p : "?", c->op.p ? c->op.n : 1);
    const char *from = origin_name(c->from, origin, sizeof origin);
    tp_log_str(&l, "from", from, strlen(from));
    tp_log_str(&l, "result", tp_err_name(e), strlen(tp_err_name(e)));
    tp_log_printf(&l, "ms", "%.2f", ms);
    if (c->message[0]) tp_log_str(&l, "detail", c->message, strlen(c->message));
    tp_log_end(&l);
}

/* Closes the reply map, logs the call, and sends the reply (or hands it to the batch's carrier)
 * and gives the request back. */
static void reply(svc_request *r, tp_err e)
{
    tp_call *c = &r->call;
    tp_w_kbool(&r->out, "ok", e == TP_OK);
    if (e != TP_OK) {
        tp_w_kstr(&r->out, "err", tp_err_name(e));
        tp_w_kstr(&r->out, "msg", c->message);
    }
    tp_w_map_end(&r->out);
    log_call(c, e, now_ms() - r->started);
    tp_metrics_request(r->op, e);
    tp_msg_free(&r->parsed);
    if (r->carrier)
        batch_answered(r->carrier);
    else
        send_reply(r);
}

static void handle_batch(worker *wk, svc_request *carrier);
static void handle_relayed(worker *wk, svc_request *r);

/* Reads the request in data, which came from `from`, and runs its op; the reply is sent now, or
 * by the writer's thread if the op deferred it. r is a request of its own (data is its message,
 * or the call inside a relayed one) or a call of a batch. */
static void handle(worker *wk, svc_request *r, const void *data, size_t len, unsigned from)
{
    const tp_svc *svc = wk->svc;
    bool deferred = false;
    r->started = now_ms();
    r->op = TP_METRICS_OP_OTHER;
    r->call = (tp_call){.from = from,
                        .out = &r->out,
                        .db = wk->db,
                        .writer = wk->writer,
                        .request = r,
                        .deferred = &deferred};
    tp_call *c = &r->call;
    tp_buf_reset(&r->out.buf);
    r->out.depth = 0;
    tp_w_map_begin(&r->out);
    tp_err e;
    if (tp_msg_parse(&r->parsed, data, len) != 0) {
        tp_warn(NULL, "malformed message (%zu bytes) refused", len);
        snprintf(c->message, sizeof c->message, "malformed message");
        reply(r, TP_EBADMSG);
        return;
    }
    c->msg = r->parsed.root;
    tp_opt_str(c->msg, "rid", 64, &c->rid);
    if (tp_get_str(c->msg, "op", 64, &c->op) != 0) {
        e = tp_fail(c, TP_EBADMSG, "missing op");
    } else if (tp_str_eq(c->op, "ping")) {
        c->routine = true; /* health checks: every 10 s from compose, on every /healthz */
        r->op = TP_METRICS_OP_PING;
        e = op_ping(c, svc);
    } else if (tp_str_eq(c->op, "batch") && from == TP_FROM_WEB && !r->carrier) {
        handle_batch(wk, r);
        return;
    } else if (tp_str_eq(c->op, "relay") && from == TP_FROM_WEB && !r->carrier) {
        handle_relayed(wk, r);
        return;
    } else {
        e = dispatch(svc, c, &r->op);
    }
    if (!deferred) reply(r, e); /* else r may be another worker's already */
}

/* The calls of a batch, checked whole before any runs: 0 and their count in *n, or -1. */
static int batch_calls(const tp_call *c, const msgpack_object **calls, uint32_t *n)
{
    *calls = tp_map_get(c->msg, "calls");
    if (!*calls || (*calls)->type != MSGPACK_OBJECT_ARRAY) return -1;
    *n = (*calls)->via.array.size;
    if (*n == 0 || *n > TP_BATCH_MAX) return -1;
    for (uint32_t i = 0; i < *n; i++)
        if ((*calls)->via.array.ptr[i].type != MSGPACK_OBJECT_BIN) return -1;
    return 0;
}

/* Runs each call of the batch in carrier as a request of its own, in order; the last to answer
 * sends the batch's reply (see TP_BATCH_MAX). */
static void handle_batch(worker *wk, svc_request *carrier)
{
    tp_call *c = &carrier->call;
    const msgpack_object *calls;
    uint32_t n;
    if (batch_calls(c, &calls, &n) != 0) {
        reply(carrier,
              tp_fail(c, TP_EBADMSG, "calls must be 1 to %d requests, each a bin", TP_BATCH_MAX));
        return;
    }
    /* Every call's request first: once one runs, the batch must be able to finish. */
    svc_request **tail = &carrier->parts;
    for (uint32_t i = 0; i < n; i++) {
        svc_request *part = request_take(wk->sock);
        if (!part) {
            for (svc_request *p = carrier->parts, *next; p; p = next) {
                next = p->next_part;
                p->carrier = p->next_part = NULL;
                request_give(p);
            }
            carrier->parts = NULL;
            reply(carrier, tp_fail(c, TP_EINTERNAL, "no request left for a batch's call"));
            return;
        }
        part->carrier = carrier;
        *tail = part;
        tail = &part->next_part;
    }
    atomic_store(&carrier->unanswered, (int)n + 1);
    svc_request *part = carrier->parts;
    for (uint32_t i = 0; i < n; i++, part = part->next_part)
        handle(wk, part, calls->via.array.ptr[i].via.bin.ptr, calls->via.array.ptr[i].via.bin.size,
               TP_FROM_WEB);
    tp_msg_free(&carrier->parsed); /* each call parsed its own copy */
    batch_answered(carrier);
}

/* A relayed request (see tp_svc.h): the call inside runs on r as coming from the named service,
 * and its reply is r's. */
static void handle_relayed(worker *wk, svc_request *r)
{
    tp_call *c = &r->call;
    tp_str from;
    const msgpack_object *call = tp_map_get(c->msg, "call");
    int role = tp_get_str(c->msg, "from", 32, &from) == 0 ? tp_role_by_name(from.p, from.n) : -1;
    if (role < 0 || !call || call->type != MSGPACK_OBJECT_BIN) {
        reply(r, tp_fail(c, TP_EBADMSG, "a relayed request needs from (a role) and call (a bin)"));
        return;
    }
    tp_msg envelope = r->parsed; /* the call's bytes live in it until handle has copied them */
    r->parsed = (tp_msg){0};
    handle(wk, r, call->via.bin.ptr, call->via.bin.size, TP_FROM_RELAY(role));
    tp_msg_free(&envelope);
}

static void deferred_done(void *job, int result)
{
    svc_request *r = (svc_request *)((unsigned char *)job - offsetof(svc_request, job));
    reply(r, r->deferred->reply(&r->call, job, result));
}

tp_err tp_call_defer(tp_call *c, const tp_deferred *d, const void *job, size_t size)
{
    if (size > TP_JOB_MAX) {
        tp_error(NULL, "a deferred job of %zu bytes is over TP_JOB_MAX", size);
        abort(); /* a programming error, found by the first test that runs the op */
    }
    svc_request *r = c->request;
    if (!r) {
        _Alignas(max_align_t) unsigned char copy[TP_JOB_MAX];
        memcpy(copy, job, size);
        return d->reply(c, copy, tp_writer_run(c->writer, d->run, d->committed, copy));
    }
    memcpy(r->job, job, size);
    r->deferred = d;
    *c->deferred = true; /* first: once submitted, the request is the writer's */
    if (tp_writer_submit(c->writer, d->run, d->committed, deferred_done, r->job) == 0) return TP_OK;
    *c->deferred = false;
    return d->reply(c, r->job, -1); /* the writer is stopping */
}

/* Starts receiving into r, unless the service is stopping (checked under the worker's lock, so
 * that stop_workers either sees the receive and cancels it, or the worker sees the flag). */
static bool start_receive(worker *wk, svc_request *r)
{
    pthread_mutex_lock(&wk->mu);
    bool go = !atomic_load(&stopping);
    if (go) {
        wk->receiving = r;
        nng_aio_set_timeout(r->aio, NNG_DURATION_INFINITE);
        nng_ctx_recv(r->ctx, r->aio);
    }
    pthread_mutex_unlock(&wk->mu);
    return go;
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    for (;;) {
        svc_request *r = request_take(wk->sock);
        if (!r) {
            tp_error(NULL, "cannot open a bus context");
            break;
        }
        if (!start_receive(wk, r)) {
            request_give(r);
            break;
        }
        nng_aio_wait(r->aio);
        pthread_mutex_lock(&wk->mu);
        wk->receiving = NULL;
        pthread_mutex_unlock(&wk->mu);
        int rv = nng_aio_result(r->aio);
        if (rv != 0) {
            request_give(r);
            if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) break;
            continue;
        }
        r->msg = nng_aio_get_msg(r->aio);
        handle(wk, r, nng_msg_body(r->msg), nng_msg_len(r->msg), origin_of(r->msg));
    }
    return NULL;
}

/* Sets the stop flag and cancels the receives under way; a worker handling a request finishes
 * it and then sees the flag. */
static void stop_workers(worker *workers, int n)
{
    atomic_store(&stopping, true);
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&workers[i].mu);
        if (workers[i].receiving) nng_aio_cancel(workers[i].receiving->aio);
        pthread_mutex_unlock(&workers[i].mu);
    }
}

static void close_workers(worker *workers, int n)
{
    for (int i = 0; i < n; i++) {
        tp_db_close(workers[i].db);
        pthread_mutex_destroy(&workers[i].mu);
    }
}

static tp_db *open_db(const tp_svc *svc, char *err, size_t errlen)
{
    char path[PATH_MAX];
    tp_db_path(svc->db_file, path, sizeof path);
    return tp_db_open(path, svc->migrations, svc->nmigrations, err, errlen);
}

/* Opening once before the workers do applies the migrations in one place. */
static int migrate(const tp_svc *svc, char *err, size_t errlen)
{
    tp_db *db = open_db(svc, err, errlen);
    tp_db_close(db);
    return db ? 0 : -1;
}

#define STOP_SEEN_MS 100 /* how soon a sleeping background loop sees stopping */

void tp_svc_sleep(const atomic_bool *stopping, long ms)
{
    while (ms > 0 && !atomic_load(stopping)) {
        long nap = ms < STOP_SEEN_MS ? ms : STOP_SEEN_MS;
        const struct timespec ts = {nap / 1000, (nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= nap;
    }
}

typedef struct background_job {
    const tp_svc *svc;
    tp_db *db;
} background_job;

static void *background_main(void *arg)
{
    background_job *job = arg;
    job->svc->background(job->db, &stopping);
    return NULL;
}

/* Every address this service uses is one it may use (SPEC section 9: a plain tcp:// bus address
 * stops a production process at start), even those it dials only later. */
static int check_addresses(const tp_svc *svc, char *err, size_t errlen)
{
    int relay = tp_relay_address(svc->role);
    return tp_bus_check(svc->bus, err, errlen) || tp_bus_check(svc->ctl, err, errlen) ||
                   tp_bus_check(TALKS_BUS_EVENTS_IN, err, errlen) ||
                   (relay >= 0 && tp_bus_check((enum tp_setting)relay, err, errlen))
               ? -1
               : 0;
}

/* The table and the service's handlers agree: a handler for each op it owns, none for others. */
static int check_ops(const tp_svc *svc, char *err, size_t errlen)
{
    char metrics[32];
    snprintf(metrics, sizeof metrics, "%s.metrics", tp_role_name(svc->role));
    if ((metrics_op = tp_op_by_name(metrics, strlen(metrics))) < 0) {
        snprintf(err, errlen, "op %s: not in tp_ops.h", metrics);
        return -1;
    }
    for (int op = 0; op < TP_OP_COUNT; op++) {
        if (op == metrics_op) {
            if (!svc->ops[op]) continue;
            snprintf(err, errlen, "op %s: answered by the service loop, not a handler", metrics);
            return -1;
        }
        if ((tp_op_owner(op) == svc->role) != (svc->ops[op] != NULL)) {
            snprintf(err, errlen, "op %s: %s", tp_op_name(op),
                     svc->ops[op] ? "handled here but owned by another service" : "no handler");
            return -1;
        }
    }
    return 0;
}

/* The control address, which replicas share (svc-comments). On ipc:// only the process holding
 * <socket>.lock (flock: it goes with its process, and works across containers that share the
 * volume) listens. The others must not even try while it lives: nng 1.5.2, finding the path
 * bound, probes it by connecting and hanging up at once, and the live listener, whose SP header
 * then fails with EPIPE (NNG_ECLOSED), stops accepting for good. So they wait for the lock on a
 * thread of their own and take the address over when its holder dies (a replica killed, or
 * scaled down), and talksctl always finds one of them. The lock's descriptor stays open until
 * exit. */
static struct {
    pthread_mutex_t mu; /* the socket is listened on only while the service is not stopping */
    bool closed;
    nng_socket sock;
    const tp_svc *svc;
    int lock_fd;
} control = {.mu = PTHREAD_MUTEX_INITIALIZER, .lock_fd = -1};

static int listen_control(char *err, size_t errlen)
{
    nng_listener l;
    int rv =
        tp_bus_listen(control.sock, control.svc->ctl, TP_ROLE_BIT(TP_ROLE_CTL), &l, err, errlen);
    if (rv == 0) atomic_store(&ctl_listener_id, nng_listener_id(l));
    return rv;
}

static void *take_control_over(void *arg)
{
    (void)arg;
    if (flock(control.lock_fd, LOCK_EX) != 0) return NULL; /* the holder is gone */
    char err[512] = "";
    pthread_mutex_lock(&control.mu);
    if (!control.closed) {
        if (listen_control(err, sizeof err) == 0)
            tp_info(NULL, "control address %s taken over from a replica that stopped",
                    tp_config_get(control.svc->ctl));
        else
            tp_warn(NULL, "cannot take the control address over: %s", err);
    }
    pthread_mutex_unlock(&control.mu);
    return NULL;
}

/* 1 when this process holds the control address's lock (or needs none), 0 when another replica
 * does (a thread then waits for it). */
static int hold_control_lock(const tp_svc *svc)
{
    char url[PATH_MAX + 16], lock[PATH_MAX + 32];
    if (tp_config_addr(svc->ctl, url, sizeof url) != 0 || strncmp(url, "ipc://", 6) != 0)
        return 1; /* tcp:// and tls+tcp:// refuse a bound port without probing it */
    snprintf(lock, sizeof lock, "%s.lock", url + 6);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return 1; /* listen says what is wrong with the folder */
    control.lock_fd = fd;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 1;
    pthread_t waiter;
    if (pthread_create(&waiter, NULL, take_control_over, NULL) == 0) {
        pthread_setname_np(waiter, "tp:control");
        pthread_detach(waiter); /* blocked in flock until the holder goes, or until exit */
    }
    return 0;
}

/* One REP socket: it dials the gateway (web requests and relayed ones, from the gateway only)
 * and listens on the control address (talksctl only). */
static int open_socket(const tp_svc *svc, nng_socket *sock, char *err, size_t errlen)
{
    int rv = nng_rep0_open(sock);
    if (rv != 0) {
        snprintf(err, errlen, "cannot open a REP socket: %s", nng_strerror(rv));
        return -1;
    }
    tp_socket_defaults(*sock);
    if (tp_bus_dial(*sock, svc->bus, TP_ROLE_BIT(TP_ROLE_GATEWAY), err, errlen) != 0) return -1;
    control.sock = *sock;
    control.svc = svc;
    pthread_mutex_lock(&control.mu);
    rv = hold_control_lock(svc) ? listen_control(err, errlen) : NNG_EADDRINUSE;
    pthread_mutex_unlock(&control.mu);
    if (rv == NNG_EADDRINUSE) {
        /* Another replica of this service answers talksctl there; any one of them will do. */
        tp_info(NULL, "control address %s is held by another replica; taking it over if it stops",
                tp_config_get(svc->ctl));
        return 0;
    }
    return rv ? -1 : 0;
}

/* No control listener starts after this (the socket is about to close). */
static void close_control(void)
{
    pthread_mutex_lock(&control.mu);
    control.closed = true;
    pthread_mutex_unlock(&control.mu);
}

int tp_svc_main(const tp_svc *svc)
{
    char err[512] = "";
    long nworkers;
    tp_heap_keep_freed();
    tp_log_init(tp_role_name(svc->role));
    tp_relay_init(svc->role);
    /* Signals are taken by sigwait below, so block them before anything (nng, a start hook)
     * starts a thread: a thread that left them unblocked would die of them instead. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0 || tp_config_load(err, sizeof err) != 0 ||
        tp_config_int(TALKS_WORKERS, 1, MAX_WORKERS, &nworkers, err, sizeof err) != 0 ||
        tp_config_data_dir(err, sizeof err) != 0 || check_ops(svc, err, sizeof err) != 0 ||
        check_addresses(svc, err, sizeof err) != 0 ||
        tp_events_forward_errors(tp_role_name(svc->role), err, sizeof err) != 0 ||
        (svc->db_file && migrate(svc, err, sizeof err)) ||
        (svc->start && svc->start(err, sizeof err))) {
        fprintf(stderr, "talks-%s: %s\n", tp_role_name(svc->role), err[0] ? err : "cannot start");
        return 1;
    }

    worker workers[MAX_WORKERS];
    nng_socket sock;
    int started = 0, status = 0;
    tp_writer *writer = NULL;
    if (svc->writer) {
        assert(svc->db_file);
        tp_db *db = open_db(svc, err, sizeof err);
        if (!db) {
            fprintf(stderr, "talks-%s: %s\n", tp_role_name(svc->role), err);
            return 1;
        }
        /* A batch's events go out in one message, after its COMMIT. */
        writer = tp_writer_start(db, tp_events_flush);
    }
    for (int i = 0; i < nworkers; i++) {
        workers[i].svc = svc;
        workers[i].writer = writer;
        workers[i].db = svc->db_file ? open_db(svc, err, sizeof err) : NULL;
        if (svc->db_file && !workers[i].db) {
            fprintf(stderr, "talks-%s: %s\n", tp_role_name(svc->role), err);
            status = 1;
            goto out;
        }
        workers[i].receiving = NULL;
        pthread_mutex_init(&workers[i].mu, NULL);
        started++;
    }
    if (open_socket(svc, &sock, err, sizeof err) != 0) {
        fprintf(stderr, "talks-%s: %s\n", tp_role_name(svc->role), err);
        status = 1;
        goto out;
    }
    for (int i = 0; i < nworkers; i++) {
        workers[i].sock = sock;
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) == 0)
            pthread_setname_np(workers[i].thread, "tp:worker"); /* named for top and perf */
    }
    background_job bg = {svc, NULL};
    pthread_t bg_thread;
    if (svc->background) {
        if (!(bg.db = open_db(svc, err, sizeof err))) {
            fprintf(stderr, "talks-%s: %s\n", tp_role_name(svc->role), err);
            status = 1;
            stop_workers(workers, (int)nworkers);
        } else {
            if (pthread_create(&bg_thread, NULL, background_main, &bg) == 0)
                pthread_setname_np(bg_thread, "tp:background");
        }
    }
    char bus[512];
    tp_config_addr(svc->bus, bus, sizeof bus);
    tp_info(NULL, "started: %ld workers, bus %s", nworkers, bus);

    int sig = 0;
    if (!atomic_load(&stopping)) sigwait(&stop, &sig);
    tp_info(NULL, "stopping on signal %d", sig);
    tp_bus_unwatch(); /* before any socket closes: the background thread's and the rest */
    stop_workers(workers, (int)nworkers);
    if (bg.db) {
        pthread_join(bg_thread, NULL);
        tp_db_close(bg.db);
    }
    for (int i = 0; i < nworkers; i++) pthread_join(workers[i].thread, NULL);
    /* After the workers: none is left to submit, and the jobs already queued still commit and
     * send their replies. */
    if (writer) tp_writer_stop(writer);
    close_workers(workers, started);
    /* The data is safe: what is left, the exit would give back too. */
    tp_stop_deadline_start(TP_STOP_DEADLINE_MS, status);
    tp_stop_deadline_step("sending the replies on their way");
    requests_free();
    close_control();
    /* nng finishes a request it still holds (kept to send again, or on its way out on a pipe
     * going away) only when its socket closes: left open, LeakSanitizer saw it at the exit. */
    tp_stop_deadline_step("closing the relay socket");
    tp_relay_close();
    tp_stop_deadline_step("closing the bus socket");
    nng_close(sock);
    tp_stop_deadline_met();
    return status;
out:
    if (writer) tp_writer_stop(writer);
    close_workers(workers, started);
    return status;
}

int tp_request(enum tp_setting addr, enum tp_role role, const tp_buf *req, int timeout_ms,
               tp_msg *reply, char *err, size_t errlen)
{
    nng_socket s;
    int rv;
    void *buf = NULL;
    size_t len = 0;
    char why[512] = "";
    if ((rv = nng_req0_open(&s)) != 0) goto fail;
    tp_socket_defaults(s);
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, timeout_ms);
    /* No resend timer: nng would send the request again after a minute without a reply, and a
     * backup of a large database takes longer (a second copy would start beside the first). */
    nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    if ((rv = tp_bus_dial_now(s, addr, TP_ROLE_BIT(role), why, sizeof why)) != 0 ||
        (rv = nng_send(s, req->data, req->len, 0)) != 0 ||
        (rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
        nng_close(s);
        goto fail;
    }
    nng_close(s);
    rv = tp_msg_parse(reply, buf, len);
    nng_free(buf, len);
    if (rv != 0) {
        snprintf(err, errlen, "%s answered with a malformed message", tp_config_get(addr));
        return -1;
    }
    return 0;
fail:
    if (why[0])
        snprintf(err, errlen, "%s", why);
    else
        snprintf(err, errlen, "%s: %s", tp_config_name(addr), nng_strerror(rv));
    return -1;
}
