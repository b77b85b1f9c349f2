/* tp_svc: the service loop (see tp_svc.h). */
#include "tp_svc.h"

#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tp_db.h"
#include "tp_events.h"
#include "tp_log.h"
#include "tp_writer.h"

#define MAX_WORKERS 64
/* How often an idle worker looks at the stop flag. */
#define POLL_MS 200

/* Set on SIGTERM. Workers finish the request in hand and leave; only then is the socket closed:
 * nng 1.5.2 can panic when a socket closes under a context that is sending. */
static atomic_bool stopping;

typedef struct worker {
    const tp_svc *svc;
    nng_socket sock;
    tp_db *db;
    tp_writer *writer;
    pthread_t thread;
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

static tp_err op_ping(tp_call *c, const tp_svc *svc)
{
    tp_w_kstr(c->out, "service", svc->name);
    return TP_OK;
}

/* Reads the request, runs its op, and writes the whole reply into out. */
static void handle(worker *wk, const void *data, size_t len, tp_w *out)
{
    const tp_svc *svc = wk->svc;
    double started = now_ms();
    tp_msg m;
    tp_call c = {.out = out, .db = wk->db, .writer = wk->writer};
    tp_err e;
    char rid[65] = "";

    tp_w_map_begin(out);
    if (tp_msg_parse(&m, data, len) != 0) {
        tp_warn(NULL, "malformed message (%zu bytes) refused", len);
        tp_w_kbool(out, "ok", false);
        tp_w_kstr(out, "err", tp_err_name(TP_EBADMSG));
        tp_w_kstr(out, "msg", "malformed message");
        tp_w_map_end(out);
        return;
    }
    c.msg = m.root;
    if (tp_opt_str(m.root, "rid", 64, &c.rid) == 0)
        snprintf(rid, sizeof rid, "%.*s", (int)c.rid.n, c.rid.p);
    if (tp_get_str(m.root, "op", 64, &c.op) != 0) {
        e = tp_fail(&c, TP_EBADMSG, "missing op");
    } else if (tp_str_eq(c.op, "ping")) {
        e = op_ping(&c, svc);
    } else {
        e = tp_fail(&c, TP_EBADMSG, "unknown op");
        for (size_t i = 0; i < svc->nops; i++) {
            if (tp_str_eq(c.op, svc->ops[i].name)) {
                c.message[0] = '\0';
                e = svc->ops[i].fn(&c);
                break;
            }
        }
    }
    tp_w_kbool(out, "ok", e == TP_OK);
    if (e != TP_OK) {
        tp_w_kstr(out, "err", tp_err_name(e));
        tp_w_kstr(out, "msg", c.message);
    }
    tp_w_map_end(out);
    tp_log(e == TP_EINTERNAL ? TP_ERROR : TP_INFO, rid, "op=%.*s result=%s ms=%.2f%s%s",
           c.op.p ? (int)c.op.n : 1, c.op.p ? c.op.p : "?", tp_err_name(e), now_ms() - started,
           c.message[0] ? " detail=" : "", c.message);
    tp_msg_free(&m);
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    nng_ctx ctx;
    nng_aio *aio;
    if (nng_ctx_open(&ctx, wk->sock) != 0 || nng_aio_alloc(&aio, NULL, NULL) != 0) {
        tp_error(NULL, "cannot open a bus context");
        return NULL;
    }
    tp_w out;
    tp_w_init(&out);
    while (!atomic_load(&stopping)) {
        nng_aio_set_timeout(aio, POLL_MS);
        nng_ctx_recv(ctx, aio);
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) break;
        if (rv != 0) continue; /* NNG_ETIMEDOUT: look at the stop flag again */
        nng_msg *msg = nng_aio_get_msg(aio);
        tp_buf_reset(&out.buf);
        out.depth = 0;
        handle(wk, nng_msg_body(msg), nng_msg_len(msg), &out);
        nng_msg_clear(msg);
        if (nng_msg_append(msg, out.buf.data, out.buf.len) != 0) {
            nng_msg_free(msg);
            continue;
        }
        nng_aio_set_timeout(aio, NNG_DURATION_DEFAULT);
        nng_aio_set_msg(aio, msg);
        nng_ctx_send(ctx, aio);
        nng_aio_wait(aio);
        if (nng_aio_result(aio) != 0) nng_msg_free(msg); /* on failure the message is still ours */
    }
    tp_w_free(&out);
    nng_aio_free(aio);
    nng_ctx_close(ctx);
    return NULL;
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

static int open_socket(const tp_svc *svc, nng_socket *sock, char *err, size_t errlen)
{
    char ctl[512];
    const char *bus = tp_config_get(svc->bus);
    tp_config_ctl_addr(svc->ctl, svc->name, ctl, sizeof ctl);
    int rv = nng_rep0_open(sock);
    if (rv != 0) {
        snprintf(err, errlen, "cannot open a REP socket: %s", nng_strerror(rv));
        return -1;
    }
    tp_socket_defaults(*sock);
    /* Non-blocking dial: the gateway may start after us; nng keeps redialling. */
    if ((rv = nng_dial(*sock, bus, NULL, NNG_FLAG_NONBLOCK)) != 0) {
        snprintf(err, errlen, "%s: cannot dial %.300s: %s", tp_config_name(svc->bus), bus,
                 nng_strerror(rv));
        return -1;
    }
    rv = nng_listen(*sock, ctl, NULL, 0);
    if (rv == NNG_EADDRINUSE) {
        /* Another replica of this service answers talksctl there; any one of them will do. */
        tp_warn(NULL, "control address %s is taken by another replica; not listening", ctl);
        return 0;
    }
    if (rv != 0) {
        snprintf(err, errlen, "%s: cannot listen on %.300s: %s", tp_config_name(svc->ctl), ctl,
                 nng_strerror(rv));
        return -1;
    }
    return 0;
}

int tp_svc_main(const tp_svc *svc)
{
    char err[512] = "";
    long nworkers;
    tp_log_init(svc->name);
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
        tp_config_data_dir(err, sizeof err) != 0 ||
        tp_events_forward_errors(svc->name, err, sizeof err) != 0 ||
        (svc->db_file && migrate(svc, err, sizeof err)) ||
        (svc->start && svc->start(err, sizeof err))) {
        fprintf(stderr, "talks-%s: %s\n", svc->name, err[0] ? err : "cannot start");
        return 1;
    }
    if (svc->workers_per_setting > 1) {
        nworkers *= svc->workers_per_setting;
        if (nworkers > MAX_WORKERS) nworkers = MAX_WORKERS;
    }

    worker workers[MAX_WORKERS];
    nng_socket sock;
    int started = 0, status = 0;
    tp_writer *writer = NULL;
    if (svc->writer) {
        assert(svc->db_file);
        tp_db *db = open_db(svc, err, sizeof err);
        if (!db) {
            fprintf(stderr, "talks-%s: %s\n", svc->name, err);
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
            fprintf(stderr, "talks-%s: %s\n", svc->name, err);
            status = 1;
            goto out;
        }
        started++;
    }
    if (open_socket(svc, &sock, err, sizeof err) != 0) {
        fprintf(stderr, "talks-%s: %s\n", svc->name, err);
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
            fprintf(stderr, "talks-%s: %s\n", svc->name, err);
            status = 1;
            atomic_store(&stopping, true);
        } else {
            if (pthread_create(&bg_thread, NULL, background_main, &bg) == 0)
                pthread_setname_np(bg_thread, "tp:background");
        }
    }
    tp_info(NULL, "started: %ld workers, bus %s", nworkers, tp_config_get(svc->bus));

    int sig = 0;
    if (!atomic_load(&stopping)) sigwait(&stop, &sig);
    tp_info(NULL, "stopping on signal %d", sig);
    atomic_store(&stopping, true);
    if (bg.db) {
        pthread_join(bg_thread, NULL);
        tp_db_close(bg.db);
    }
    for (int i = 0; i < nworkers; i++) pthread_join(workers[i].thread, NULL);
    nng_close(sock);
out:
    /* After the workers: none is left to submit, and the jobs already queued still commit. */
    if (writer) tp_writer_stop(writer);
    for (int i = 0; i < started; i++) tp_db_close(workers[i].db);
    return status;
}

int tp_request(const char *url, const tp_buf *req, int timeout_ms, tp_msg *reply, char *err,
               size_t errlen)
{
    nng_socket s;
    int rv;
    void *buf = NULL;
    size_t len = 0;
    if ((rv = nng_req0_open(&s)) != 0) goto fail;
    tp_socket_defaults(s);
    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, timeout_ms);
    if ((rv = nng_dial(s, url, NULL, 0)) != 0 || (rv = nng_send(s, req->data, req->len, 0)) != 0 ||
        (rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
        nng_close(s);
        goto fail;
    }
    nng_close(s);
    rv = tp_msg_parse(reply, buf, len);
    nng_free(buf, len);
    if (rv != 0) {
        snprintf(err, errlen, "%s answered with a malformed message", url);
        return -1;
    }
    return 0;
fail:
    snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
    return -1;
}
