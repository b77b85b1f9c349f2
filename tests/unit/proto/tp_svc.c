/* Unit tests for proto/tp_svc.c: a service of the test's own runs in a thread (tp_svc_main, with
 * its workers, writer and bus socket), and the test plays the gateway: it listens with a REQ
 * socket on a loopback port, which the service dials, and sends it requests and batches. The
 * last case stops the service with SIGTERM. */
#include "tp_svc.h"

#include <arpa/inet.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "tp_backup.h"
#include "tp_db.h"

static const char *const migrations[] = {"CREATE TABLE rows(n INTEGER NOT NULL);"};

/* ECHO: answers with the request's n. */
static tp_err op_echo(tp_call *c)
{
    int64_t n;
    if (tp_get_int(c->msg, "n", 0, 1000, &n) != 0) return tp_fail(c, TP_EINVAL, "n");
    tp_w_kint(c->out, "n", n);
    return TP_OK;
}

/* INSERT: a deferred write of n, answered by the writer's thread after its COMMIT. */
typedef struct insert_job {
    int64_t n;
} insert_job;

static int insert_run(tp_db *db, void *arg)
{
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO rows(n) VALUES (?)");
    sqlite3_bind_int64(st, 1, ((insert_job *)arg)->n);
    return tp_db_step_done(db, st);
}

static tp_err insert_reply(tp_call *c, void *arg, int result)
{
    if (result != 0) return tp_fail(c, TP_EINTERNAL, "not written");
    tp_w_kint(c->out, "n", ((insert_job *)arg)->n);
    return TP_OK;
}

static const tp_deferred insert_deferred = {insert_run, NULL, insert_reply};

static tp_err op_insert(tp_call *c)
{
    insert_job job;
    if (tp_get_int(c->msg, "n", 0, 1000, &job.n) != 0) return tp_fail(c, TP_EINVAL, "n");
    return tp_call_defer(c, &insert_deferred, &job, sizeof job);
}

/* BIG: a reply of 900 kB, so that three of them make a batch reply over TP_MSG_MAX. */
static tp_err op_big(tp_call *c)
{
    static char filler[900 * 1024];
    memset(filler, 'x', sizeof filler);
    tp_w_kstrn(c->out, "filler", filler, sizeof filler);
    return TP_OK;
}

/* The service plays svc-comments, whose ops the table names: echo, insert and big answer three
 * of them, and echo the rest (the service loop wants a handler for each). EVENTS echoes too, but
 * only svc-mail may call it, through the relay. */
#define ECHO   "comments.list"
#define INSERT "comments.create"
#define BIG    "comments.preview"
#define EVENTS "comments.events_after"
/* clang-format off */
static const tp_op_fn ops[TP_OP_COUNT] = {
    [TP_OP_COMMENTS_LIST] = op_echo,
    [TP_OP_COMMENTS_CREATE] = op_insert,
    [TP_OP_COMMENTS_PREVIEW] = op_big,
    [TP_OP_COMMENTS_APPROVE] = op_echo,
    [TP_OP_COMMENTS_DELETE] = op_echo,
    [TP_OP_COMMENTS_PENDING] = op_echo,
    [TP_OP_COMMENTS_OWN] = op_echo,
    [TP_OP_COMMENTS_COMMENTER_APPROVE] = op_echo,
    [TP_OP_COMMENTS_COMMENTER_DELETE] = op_echo,
    [TP_OP_COMMENTS_COUNTS] = op_echo,
    [TP_OP_COMMENTS_APPROVED_COUNTS] = op_echo,
    [TP_OP_COMMENTS_EVENTS_AFTER] = op_echo,
    [TP_OP_COMMENTS_LIVE] = op_echo,
    [TP_OP_COMMENTS_TALK_DELETED] = op_echo,
    [TP_OP_COMMENTS_EXPORT] = op_echo,
    [TP_OP_COMMENTS_IMPORT] = op_echo,
    [TP_OP_COMMENTS_BACKUP] = tp_backup_op,
};
/* clang-format on */

static const tp_svc svc = {
    .role = TP_ROLE_COMMENTS,
    .bus = TALKS_BUS_COMMENTS,
    .ctl = TALKS_CTL_COMMENTS,
    .ops = ops,
    .db_file = "test.db",
    .migrations = migrations,
    .nmigrations = 1,
    .writer = true,
};

static check_db_dir tmp;
static nng_socket gateway;
static pthread_t service;
static int service_status = -1;

static void *service_main(void *arg)
{
    (void)arg;
    service_status = tp_svc_main(&svc);
    return NULL;
}

/* A request map: {"op": op, "rid": "t", the fields op requires, "n": n} (n < 0: none). The
 * service reads an op's fields (tp_op_inputs.h) before its handler runs. */
static void request(tp_w *w, const char *op, int64_t n)
{
    tp_w_init(w);
    tp_w_request(w, op, "t");
    if (strcmp(op, ECHO) == 0 || strcmp(op, INSERT) == 0) {
        tp_w_kint(w, "talk_id", 1);
        tp_w_kint(w, strcmp(op, ECHO) == 0 ? "per_page" : "talk_author_id", 1);
    }
    if (strcmp(op, INSERT) == 0) tp_w_kstr(w, "author_name", "Ann");
    if (strcmp(op, INSERT) == 0 || strcmp(op, BIG) == 0) tp_w_kstr(w, "body", "Hi");
    if (strcmp(op, EVENTS) == 0) tp_w_kint(w, "seq", 0);
    if (n >= 0) tp_w_kint(w, "n", n);
    tp_w_map_end(w);
}

/* Sends bytes to the service and parses its reply (0), or -1. */
static int call_raw(const void *data, size_t len, tp_msg *reply)
{
    void *buf = NULL;
    size_t n = 0;
    if (nng_send(gateway, (void *)data, len, 0) != 0 ||
        nng_recv(gateway, &buf, &n, NNG_FLAG_ALLOC) != 0)
        return -1;
    int rv = tp_msg_parse(reply, buf, n);
    nng_free(buf, n);
    return rv;
}

static int call(tp_w *w, tp_msg *reply)
{
    int rv = call_raw(w->buf.data, w->buf.len, reply);
    tp_w_free(w);
    return rv;
}

static bool is_ok(const msgpack_object *reply)
{
    bool ok = false;
    return tp_get_bool(reply, "ok", &ok) == 0 && ok;
}

static bool has_err(const msgpack_object *reply, const char *err)
{
    tp_str e;
    return !is_ok(reply) && tp_get_str(reply, "err", 64, &e) == 0 && tp_str_eq(e, err);
}

static int64_t n_of(const msgpack_object *reply)
{
    int64_t n = -1;
    tp_get_int(reply, "n", 0, 1000, &n);
    return n;
}

static int64_t rows_written(void)
{
    char err[256];
    tp_db *db = tp_db_open(tmp.path, migrations, 1, err, sizeof err);
    if (!db) return -1;
    int64_t n = tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM rows"));
    tp_db_close(db);
    return n;
}

static void service_answers_a_single_request(void)
{
    check_db_dir_make(&tmp, "test.db");
    /* The test's threads leave SIGTERM to the service's sigwait. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    nng_listener listener;
    nng_sockaddr addr;
    CHECK(nng_req0_open(&gateway) == 0);
    nng_socket_set_ms(gateway, NNG_OPT_SENDTIMEO, 10000);
    nng_socket_set_ms(gateway, NNG_OPT_RECVTIMEO, 10000);
    CHECK(nng_listen(gateway, "tcp://127.0.0.1:0", &listener, 0) == 0);
    CHECK(nng_listener_get_addr(listener, NNG_OPT_LOCADDR, &addr) == 0);
    char url[64];
    snprintf(url, sizeof url, "tcp://127.0.0.1:%u", (unsigned)ntohs(addr.s_in.sa_port));
    setenv("TALKS_BUS_COMMENTS", url, 1);
    char ctl[512];
    snprintf(ctl, sizeof ctl, "ipc://%s/c.ctl", tmp.dir);
    setenv("TALKS_CTL_COMMENTS", ctl, 1);
    setenv("TALKS_DATA_DIR", tmp.dir, 1);
    setenv("TALKS_ENV", "testing", 1);
    setenv("TALKS_WORKERS", "2", 1);
    CHECK(pthread_create(&service, NULL, service_main, NULL) == 0);

    tp_w w;
    tp_msg reply;
    request(&w, ECHO, 7);
    CHECK(call(&w, &reply) == 0);
    CHECK(is_ok(reply.root) && n_of(reply.root) == 7);
    tp_msg_free(&reply);
}

/* Each call of the batch, as bin. */
static void batch_of(tp_w *batch, tp_w *calls, int n)
{
    tp_w_init(batch);
    tp_w_request(batch, "batch", "");
    tp_w_key(batch, "calls");
    tp_w_array_begin(batch);
    for (int i = 0; i < n; i++) {
        tp_w_bin(batch, calls[i].buf.data, calls[i].buf.len);
        tp_w_free(&calls[i]);
    }
    tp_w_array_end(batch);
    tp_w_map_end(batch);
}

static void batch_answers_each_call_in_order(void)
{
    tp_w calls[6], batch;
    request(&calls[0], ECHO, 1);
    request(&calls[1], INSERT, 2);
    request(&calls[2], "no.such.op", 3);
    tp_w_init(&calls[3]);
    tp_buf_append(&calls[3].buf, "\xc1", 1); /* not msgpack */
    request(&calls[4], INSERT, 4);
    request(&calls[5], ECHO, -1); /* invalid: no n */
    batch_of(&batch, calls, 6);
    int64_t rows_before = rows_written();

    tp_msg reply;
    CHECK(call(&batch, &reply) == 0);
    CHECK(is_ok(reply.root));
    const msgpack_object *replies = tp_map_get(reply.root, "replies");
    CHECK(replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 6);
    if (replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 6) {
        tp_msg part[6];
        for (int i = 0; i < 6; i++) {
            const msgpack_object *bin = &replies->via.array.ptr[i];
            CHECK(bin->type == MSGPACK_OBJECT_BIN);
            CHECK(tp_msg_parse(&part[i], bin->via.bin.ptr, bin->via.bin.size) == 0);
        }
        CHECK(is_ok(part[0].root) && n_of(part[0].root) == 1);
        CHECK(is_ok(part[1].root) && n_of(part[1].root) == 2);
        CHECK(has_err(part[2].root, "bad_message"));
        CHECK(has_err(part[3].root, "bad_message"));
        CHECK(is_ok(part[4].root) && n_of(part[4].root) == 4);
        CHECK(has_err(part[5].root, "invalid"));
        for (int i = 0; i < 6; i++) tp_msg_free(&part[i]);
    }
    tp_msg_free(&reply);
    /* Both writes were committed before their replies left. */
    CHECK(rows_written() == rows_before + 2);
}

static void malformed_batches_are_refused_whole(void)
{
    tp_w w, calls[TP_BATCH_MAX + 1];
    tp_msg reply;

    tp_w_init(&w); /* no calls */
    tp_w_request(&w, "batch", "");
    tp_w_map_end(&w);
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message") && !tp_map_get(reply.root, "replies"));
    tp_msg_free(&reply);

    tp_w_init(&w); /* a call that is a map, not bin */
    tp_w_request(&w, "batch", "");
    tp_w_key(&w, "calls");
    tp_w_array_begin(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "op", ECHO);
    tp_w_map_end(&w);
    tp_w_array_end(&w);
    tp_w_map_end(&w);
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message"));
    tp_msg_free(&reply);

    batch_of(&w, calls, 0); /* empty */
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message"));
    tp_msg_free(&reply);

    int64_t rows_before = rows_written();
    for (int i = 0; i <= TP_BATCH_MAX; i++) request(&calls[i], INSERT, i);
    batch_of(&w, calls, TP_BATCH_MAX + 1); /* one call too many: none runs */
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message"));
    tp_msg_free(&reply);
    CHECK(rows_written() == rows_before);
}

/* Three replies of 900 kB and a write's: together over the cap, so the largest is left out
 * (an empty bin, its place under "alone") and the rest, the write's among them, are there. */
static void a_batch_reply_over_the_cap_leaves_its_largest_out(void)
{
    tp_w calls[4], batch;
    request(&calls[0], BIG, -1);
    request(&calls[1], INSERT, 1);
    request(&calls[2], BIG, -1);
    request(&calls[3], BIG, -1);
    int64_t rows_before = rows_written();
    batch_of(&batch, calls, 4);
    tp_msg reply;
    CHECK(call(&batch, &reply) == 0); /* not a wait of 10 s for a message nng dropped */
    CHECK(is_ok(reply.root));
    const msgpack_object *replies = tp_map_get(reply.root, "replies");
    const msgpack_object *alone = tp_map_get(reply.root, "alone");
    CHECK(replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 4);
    CHECK(alone && alone->type == MSGPACK_OBJECT_ARRAY && alone->via.array.size == 1);
    if (replies && alone && alone->via.array.size == 1 && replies->via.array.size == 4) {
        uint64_t out = alone->via.array.ptr[0].via.u64;
        CHECK(out == 0 || out == 2 || out == 3); /* a large one, never the write */
        for (uint32_t i = 0; i < 4; i++)
            CHECK((replies->via.array.ptr[i].via.bin.size == 0) == (i == out));
        tp_msg write;
        const msgpack_object *bin = &replies->via.array.ptr[1];
        CHECK(tp_msg_parse(&write, bin->via.bin.ptr, bin->via.bin.size) == 0 && is_ok(write.root));
        tp_msg_free(&write);
    }
    CHECK(rows_written() == rows_before + 1);
    tp_msg_free(&reply);
}

static void batches_do_not_nest(void)
{
    tp_w inner[1], outer[1], batch;
    request(&inner[0], ECHO, 5);
    batch_of(&outer[0], inner, 1);
    batch_of(&batch, outer, 1);
    tp_msg reply, part;
    CHECK(call(&batch, &reply) == 0);
    const msgpack_object *replies = tp_map_get(reply.root, "replies");
    CHECK(is_ok(reply.root) && replies && replies->type == MSGPACK_OBJECT_ARRAY &&
          replies->via.array.size == 1);
    if (replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 1) {
        const msgpack_object *bin = &replies->via.array.ptr[0];
        CHECK(tp_msg_parse(&part, bin->via.bin.ptr, bin->via.bin.size) == 0);
        CHECK(has_err(part.root, "bad_message"));
        tp_msg_free(&part);
    }
    tp_msg_free(&reply);
}

static void ops_come_only_from_where_the_table_allows(void)
{
    tp_w w;
    tp_msg reply;
    request(&w, EVENTS, 3); /* svc-mail's, through the relay: not a web request */
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);
    request(&w, "ping", -1); /* anyone may ask whether the service is up */
    CHECK(call(&w, &reply) == 0);
    CHECK(is_ok(reply.root));
    tp_msg_free(&reply);
}

/* {"op": "relay", "from": from, "call": bin of call} (call is consumed). */
static void relayed(tp_w *w, const char *from, tp_w *call)
{
    tp_w_init(w);
    tp_w_request(w, "relay", "t");
    tp_w_kstr(w, "from", from);
    tp_w_key(w, "call");
    tp_w_bin(w, call->buf.data, call->buf.len);
    tp_w_map_end(w);
    tp_w_free(call);
}

static void relayed_requests_run_as_their_caller(void)
{
    tp_w inner, w;
    tp_msg reply;
    request(&inner, EVENTS, 3);
    relayed(&w, "mail", &inner);
    CHECK(call(&w, &reply) == 0);
    CHECK(is_ok(reply.root) && n_of(reply.root) == 3);
    tp_msg_free(&reply);

    int64_t rows_before = rows_written();
    request(&inner, INSERT, 4); /* svc-mail may not write comments */
    relayed(&w, "mail", &inner);
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);
    CHECK(rows_written() == rows_before);

    request(&inner, EVENTS, 3); /* the table lets no "auth" call it */
    relayed(&w, "auth", &inner);
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);

    request(&inner, EVENTS, 3); /* not a role */
    relayed(&w, "nobody", &inner);
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message"));
    tp_msg_free(&reply);

    tp_w calls[1], batch; /* a relayed request inside a batch is not one */
    request(&inner, EVENTS, 3);
    relayed(&calls[0], "mail", &inner);
    batch_of(&batch, calls, 1);
    CHECK(call(&batch, &reply) == 0);
    const msgpack_object *replies = tp_map_get(reply.root, "replies");
    CHECK(replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 1);
    if (replies && replies->type == MSGPACK_OBJECT_ARRAY && replies->via.array.size == 1) {
        tp_msg part;
        const msgpack_object *bin = &replies->via.array.ptr[0];
        CHECK(tp_msg_parse(&part, bin->via.bin.ptr, bin->via.bin.size) == 0);
        CHECK(has_err(part.root, "bad_message"));
        tp_msg_free(&part);
    }
    tp_msg_free(&reply);
}

/* A request on the control socket, as talksctl sends it. */
static int ctl_call(tp_w *w, tp_msg *reply)
{
    char err[256];
    int rv =
        tp_request(TALKS_CTL_COMMENTS, TP_ROLE_COMMENTS, &w->buf, 5000, reply, err, sizeof err);
    tp_w_free(w);
    return rv;
}

static void the_control_socket_is_talksctls(void)
{
    tp_w w, inner;
    tp_msg reply;
    int64_t rows_before = rows_written();
    request(&w, INSERT, 9); /* comments.create: allowed from talksctl */
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(is_ok(reply.root) && n_of(reply.root) == 9);
    tp_msg_free(&reply);
    CHECK(rows_written() == rows_before + 1);

    request(&w, ECHO, 1); /* comments.list: web only */
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);

    request(&inner, EVENTS, 3); /* only the gateway relays */
    relayed(&w, "mail", &inner);
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "bad_message"));
    tp_msg_free(&reply);
}

/* {"op": "comments.backup", "path": path}. */
static void backup_request(tp_w *w, const char *path)
{
    tp_w_init(w);
    tp_w_request(w, "comments.backup", "t");
    tp_w_kstr(w, "path", path);
    tp_w_map_end(w);
}

/* The service copies its own database where talksctl says, and only for talksctl: the copy is
 * the file the reply describes, named as the database, with every row committed before. */
static void a_backup_is_made_for_talksctl_only(void)
{
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/backup", tmp.dir);
    snprintf(path, sizeof path, "%s/test.db", dir);
    CHECK(mkdir(dir, 0700) == 0);
    tp_w w;
    tp_msg reply;
    backup_request(&w, path); /* from the web: never */
    CHECK(call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);
    CHECK(access(path, F_OK) != 0);

    int64_t rows = rows_written();
    backup_request(&w, path);
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(is_ok(reply.root));
    tp_backup_file f;
    char err[256];
    tp_str sha = {"", 0}, file = {"", 0};
    int64_t size = -1, version = -1;
    CHECK(tp_backup_file_read(path, &f, err, sizeof err) == 0);
    tp_get_str(reply.root, "sha256", 64, &sha);
    tp_get_str(reply.root, "file", 64, &file);
    tp_get_int(reply.root, "size", 0, INT64_MAX, &size);
    tp_get_int(reply.root, "schema_version", 0, INT64_MAX, &version);
    CHECK(tp_str_eq(sha, f.sha256) && tp_str_eq(file, "test.db"));
    CHECK(size == f.size && version == 1 && f.schema_version == 1);
    tp_msg_free(&reply);
    tp_db *copy = tp_db_open(path, migrations, 1, err, sizeof err);
    CHECK(copy && tp_db_step_int(copy, tp_db_stmt(copy, "SELECT count(*) FROM rows")) == rows);
    tp_db_close(copy);

    backup_request(&w, path); /* never over anything */
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "invalid"));
    tp_msg_free(&reply);
    backup_request(&w, tmp.path); /* its own database least of all */
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "invalid"));
    tp_msg_free(&reply);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[192];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    CHECK(rmdir(dir) == 0); /* nothing else was left there */
}

/* The loop itself answers "comments.metrics" (the service has no handler for it), for the
 * gateway only: its counters say what it answered, by op and result, and its writer's commits. */
static void the_loop_answers_its_metrics_to_the_gateway_only(void)
{
    tp_w w;
    tp_msg reply;
    request(&w, ECHO, 5);
    CHECK(call(&w, &reply) == 0);
    tp_msg_free(&reply);
    request(&w, "comments.metrics", -1);
    CHECK(ctl_call(&w, &reply) == 0);
    CHECK(has_err(reply.root, "forbidden"));
    tp_msg_free(&reply);
    request(&w, "comments.metrics", -1);
    CHECK(call(&w, &reply) == 0);
    CHECK(is_ok(reply.root));
    tp_str replica;
    CHECK(tp_get_str(reply.root, "replica", 96, &replica) == 0 && replica.n > 0);
    const msgpack_object *families = tp_map_get(reply.root, "families");
    CHECK(families && families->type == MSGPACK_OBJECT_ARRAY);
    bool echo_counted = false, commits_timed = false;
    for (uint32_t i = 0; families && i < families->via.array.size; i++) {
        const msgpack_object *f = &families->via.array.ptr[i], *series = tp_map_get(f, "series");
        tp_str name;
        CHECK(tp_get_str(f, "name", 128, &name) == 0);
        for (uint32_t j = 0; series && j < series->via.array.size; j++) {
            const msgpack_object *s = &series->via.array.ptr[j], *labels = tp_map_get(s, "labels");
            tp_str op, kind;
            int64_t n = 0;
            if (tp_str_eq(name, "talks_service_requests_total") &&
                tp_get_str(labels, "op", 64, &op) == 0 && tp_str_eq(op, ECHO) &&
                tp_get_int(s, "value", 1, 1000000, &n) == 0)
                echo_counted = true;
            const msgpack_object *b = tp_map_get(s, "buckets");
            if (tp_str_eq(name, "talks_db_write_duration_seconds") &&
                tp_get_str(labels, "kind", 64, &kind) == 0 && tp_str_eq(kind, "group_commit") &&
                b && b->via.array.ptr[b->via.array.size - 1].via.u64 > 0)
                commits_timed = true; /* the inserts of the cases before */
        }
    }
    CHECK(echo_counted && commits_timed);
    tp_msg_free(&reply);
}

static void service_stops_on_sigterm(void)
{
    kill(getpid(), SIGTERM);
    pthread_join(service, NULL);
    CHECK(service_status == 0);
    nng_close(gateway);
    char lock[160];
    snprintf(lock, sizeof lock, "%s/c.ctl.lock", tmp.dir); /* the control address's lock */
    unlink(lock);
    check_db_dir_remove(&tmp);
}

static const check_case cases[] = {
    CASE(service_answers_a_single_request),
    CASE(batch_answers_each_call_in_order),
    CASE(malformed_batches_are_refused_whole),
    CASE(a_batch_reply_over_the_cap_leaves_its_largest_out),
    CASE(batches_do_not_nest),
    CASE(ops_come_only_from_where_the_table_allows),
    CASE(relayed_requests_run_as_their_caller),
    CASE(the_control_socket_is_talksctls),
    CASE(a_backup_is_made_for_talksctl_only),
    CASE(the_loop_answers_its_metrics_to_the_gateway_only),
    CASE(service_stops_on_sigterm),
};

CHECK_MAIN("tp_svc", cases)
