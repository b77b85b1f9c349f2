/* tp_svc: the service loop every service process runs. The service names its ops in a table;
 * tp_svc_main reads the configuration, opens one REP socket that dials the gateway's hub (the
 * bus) and listens on the service's control address (talksctl), and runs TALKS_WORKERS worker
 * threads, each with its own nng context and its own state (its SQLite connection).
 *
 * Design notes: handlers block (SQLite, Argon2id), so they run on our worker threads, never on
 * nng's callback threads. Every message is answered, malformed ones included, with
 * {"ok": false, "err": "bad_message"}; the loop logs each message once (rid, op, result, time). */
#ifndef TP_SVC_H
#define TP_SVC_H

#include <nng/nng.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "tp_config.h"
#include "tp_err.h"
#include "tp_msg.h"

struct tp_db;
struct tp_writer;

typedef struct tp_call {
    const msgpack_object *msg; /* the whole request map */
    tp_str op, rid;
    tp_w *out;        /* the reply map, open: handlers add fields; "ok"/"err"/"msg" come last */
    struct tp_db *db; /* this worker's own connection to the service's database */
    struct tp_writer *writer; /* the service's group-committing writer (tp_svc.writer), or NULL */
    char message[256];
} tp_call;

typedef tp_err (*tp_op_fn)(tp_call *c);

typedef struct tp_op {
    const char *name;
    tp_op_fn fn;
} tp_op;

typedef struct tp_svc {
    const char *name;    /* "auth": used in logs, the control address and ping */
    enum tp_setting bus; /* the bus address setting it dials */
    enum tp_setting ctl; /* its control address setting */
    const tp_op *ops;
    size_t nops;
    /* The service's own SQLite file under TALKS_DATA_DIR, or NULL: migrated once at start,
     * then each worker gets its own connection as its state (tp_call.worker is a tp_db *). */
    const char *db_file;
    const char *const *migrations;
    int nmigrations;
    int (*start)(char *err, size_t errlen); /* once, after the migrations, before workers */
    /* Writes go through one tp_writer on a connection of its own (tp_call.writer), which commits
     * the concurrent ones together. Needs db_file. */
    bool writer;
    /* Runs this many workers for each of TALKS_WORKERS (0 means 1), at most 64 in all. */
    int workers_per_setting;
    /* A loop of the service's own (svc-mail's), run on its own thread with its own database
     * connection; it must return soon after *stopping becomes true. */
    void (*background)(struct tp_db *db, const atomic_bool *stopping);
} tp_svc;

/* Runs the service until SIGTERM or SIGINT; returns the process exit status. */
int tp_svc_main(const tp_svc *svc);

/* Sets the reply message and returns e, so a handler can `return tp_fail(c, TP_ENOTFOUND, …)`. */
tp_err tp_fail(tp_call *c, tp_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Starts a request map with op and rid; the caller adds arguments and closes the map. */
void tp_w_request(tp_w *w, const char *op, const char *rid);

/* One request, one reply, waiting at most timeout_ms (talksctl, service-to-service).
 * 0 with the parsed reply in *reply (free it), or -1 with a message in err. */
int tp_request(const char *url, const tp_buf *req, int timeout_ms, tp_msg *reply, char *err,
               size_t errlen);

/* Socket options every socket gets: message size cap, quick reconnects. */
void tp_socket_defaults(nng_socket sock);

#endif
