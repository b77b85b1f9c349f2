/* tp_svc: the service loop every service process runs. The service names its ops in a table;
 * tp_svc_main reads the configuration, opens one REP socket that dials the gateway's hub (the
 * bus) and listens on the service's control address (talksctl), and runs TALKS_WORKERS worker
 * threads, each with its own state (its SQLite connection); requests (an nng context each, with
 * the request and the reply) come from a pool the workers share.
 *
 * Design notes: handlers block (SQLite, Argon2id), so they run on our worker threads, never on
 * nng's callback threads. A write a handler defers (tp_call_defer) is answered by the writer's
 * thread after its batch commits, while the worker goes on. Replies are sent without waiting;
 * a request is reused once its reply has left. Every message is answered, malformed ones
 * included, with {"ok": false, "err": "bad_message"}; the loop logs each message once (rid, op,
 * result, time). */
#ifndef TP_SVC_H
#define TP_SVC_H

#include <nng/nng.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "tp_config.h"
#include "tp_err.h"
#include "tp_msg.h"
#include "tp_op_inputs.h"
#include "tp_ops.h"

struct tp_db;
struct tp_writer;

typedef struct tp_call {
    const msgpack_object *msg; /* the whole request map */
    tp_str op, rid;
    /* The request's fields, read and checked against the op's list in tp_op_inputs.h before
     * the handler runs: TP_IN(c, TALKS_GET)->id. */
    union tp_in_any in;
    unsigned from; /* where the request came from: TP_FROM_WEB, TP_FROM_CTL or TP_FROM_RELAY(r) */
    tp_w *out;     /* the reply map, open: handlers add fields; "ok"/"err"/"msg" come last */
    struct tp_db *db;         /* this worker's own connection to the service's database */
    struct tp_writer *writer; /* the service's group-committing writer (tp_svc.writer), or NULL */
    char message[256];
    /* The service loop's request, for tp_call_defer; NULL elsewhere (unit tests). */
    struct tp_svc_request *request;
    /* Set by tp_call_defer when the writer's thread replies. It is the worker's own flag: the
     * writer may have replied, and the request serve another worker, before the op returns. */
    bool *deferred;
    /* Set by an op whose call is routine polling that found nothing: its line is logged at
     * debug, not info (SPEC section 10: an idle stack is quiet). */
    bool routine;
} tp_call;

typedef tp_err (*tp_op_fn)(tp_call *c);

#define TP_IN(c, OP) (&(c)->in.TP_OP_##OP)

/* Reads c->msg into c->in for op and runs ops[op] (a request that does not fit the op's fields
 * is answered bad_message, naming the field). What the service loop does once it has checked
 * the origin; unit tests call it too. */
tp_err tp_call_op(const tp_op_fn *ops, enum tp_op_id op, tp_call *c);

/* An op's write, finished by the writer (see tp_call_defer): run in a batch, committed after its
 * COMMIT (or NULL), then reply with run's result (-1 when the batch did not commit) to write the
 * reply into c->out and free what the job holds. All three run on the writer's thread: reply
 * must not use c->db, which is the worker's connection. */
typedef struct tp_deferred {
    int (*run)(struct tp_db *db, void *job);
    void (*committed)(void *job);
    tp_err (*reply)(tp_call *c, void *job, int result);
} tp_deferred;

/* The most a deferred job may take (it is copied into the request). */
#define TP_JOB_MAX 512

/* Ends an op with a write the writer finishes: returns at once, and the worker takes the next
 * request while the batch gathers; d->reply then runs on the writer's thread. job (size bytes,
 * copied; it may point into c->msg, which lives until the reply is sent) now belongs to d. Outside
 * the service loop it runs the write and the reply here. Returns what the op returns. */
tp_err tp_call_defer(tp_call *c, const tp_deferred *d, const void *job, size_t size);

typedef struct tp_svc {
    enum tp_role role;   /* which service: its name is in logs and in ping's answer */
    enum tp_setting bus; /* the bus address setting it dials */
    enum tp_setting ctl; /* its control address setting */
    /* The handlers, indexed by op (TP_OP_COUNT entries): one for each op tp_ops.h gives this
     * service, none for the others (checked at start). A request is run only if the table
     * allows where it came from; anything else is refused with "forbidden" and logged. */
    const tp_op_fn *ops;
    /* The service's own SQLite file under TALKS_DATA_DIR, or NULL: migrated once at start,
     * then each worker gets its own connection (tp_call.db). */
    const char *db_file;
    const char *const *migrations;
    int nmigrations;
    int (*start)(char *err, size_t errlen); /* once, after the migrations, before workers */
    /* Writes go through one tp_writer on a connection of its own (tp_call.writer), which commits
     * the concurrent ones together. Needs db_file. */
    bool writer;
    /* A loop of the service's own (svc-mail's), run on its own thread with its own database
     * connection; it must return soon after *stopping becomes true. */
    void (*background)(struct tp_db *db, const atomic_bool *stopping);
    /* The service's own gauges for the gateway's /metrics (svc-mail's queue and lag), or NULL.
     * The loop answers "<service>.metrics" itself (tp_metrics.h: requests, errors, database
     * writes); this then adds families to the array w has open, on the worker's connection. */
    void (*metrics)(struct tp_db *db, tp_w *w);
} tp_svc;

/* For a background loop: sleeps ms, or less once *stopping is set (seen within 100 ms). */
void tp_svc_sleep(const atomic_bool *stopping, long ms);

/* A batch: several requests in one bus message, {"op": "batch", "rid": …, "calls": [bin, …]},
 * each bin one request map as it would be sent alone. The service runs them in order on one
 * worker (a deferred write still goes to the writer) and answers once, when the last has
 * answered: {"ok": true, "replies": [bin, …]}, each bin the reply that call would have had
 * alone, in the same order; when they would not fit in one message together, the largest are
 * empty bins and "alone": [i, …] lists them, for the gateway to ask again one by one. A batch that
 * is not that shape is refused whole (bad_message); a call inside it that is malformed gets its own
 * bad_message reply. Batches do not nest. The gateway sends one for calls made in the same turn of
 * its loop (gw_call_batched), which spends the bus's fixed cost per message (nng's hand-offs, a
 * worker's wake-up) once for all of them. */
#define TP_BATCH_MAX 64

/* A relayed request: {"op": "relay", "rid": …, "from": "<role>", "call": bin}. Only the
 * gateway's relay sends these, over the gateway's own bus socket, after it has checked that the
 * table allows the calling service (whose relay socket it arrived on) the op. The service runs
 * the call as coming from TP_FROM_RELAY(role) and answers with the call's own reply. */

/* Runs the service until SIGTERM or SIGINT; returns the process exit status. */
int tp_svc_main(const tp_svc *svc);

/* Sets the reply message and returns e, so a handler can `return tp_fail(c, TP_ENOTFOUND, …)`. */
tp_err tp_fail(tp_call *c, tp_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Starts a request map with op and rid; the caller adds arguments and closes the map. */
void tp_w_request(tp_w *w, const char *op, const char *rid);

/* One request, one reply, waiting at most timeout_ms, to the service of role at the address in
 * setting addr (talksctl on a control address). A slow reply is waited for, never asked for again.
 * 0 with the parsed reply in *reply (free it), or -1 with a message in err. */
int tp_request(enum tp_setting addr, enum tp_role role, const tp_buf *req, int timeout_ms,
               tp_msg *reply, char *err, size_t errlen);

/* Socket options every socket gets: message size cap, quick reconnects. */
void tp_socket_defaults(nng_socket sock);

#endif
