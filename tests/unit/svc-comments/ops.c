/* Unit tests for svc-comments/ops.c: the ops that write, run as tp_svc runs them (a worker's
 * connection and the service's writer) on a fresh comments.db in a mkdtemp directory. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "schema.h"
#include "tp_db.h"
#include "tp_writer.h"

#define TALK    1
#define SPEAKER 7

static char dir[64], path[128];
static tp_db *db;
static tp_writer *writer;

static tp_db *open_db(void)
{
    char err[256];
    tp_db *d =
        tp_db_open(path, comments_migrations,
                   sizeof comments_migrations / sizeof comments_migrations[0], err, sizeof err);
    if (!d) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
    return d;
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/comments-ops.XXXXXX");
    if (!mkdtemp(dir)) abort();
    snprintf(path, sizeof path, "%s/comments.db", dir);
    db = open_db();
    writer = tp_writer_start(open_db());
}

static void teardown(void)
{
    tp_writer_stop(writer);
    tp_db_close(db);
    char p[160];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
}

/* A reply: its error and its fields (msg points into itself: pass it by address). */
typedef struct reply {
    tp_err err;
    tp_msg msg;
} reply;

/* Runs op on the request req (an open map, which this closes and frees) with request id rid. */
static void run(const char *op, tp_w *req, const char *rid, reply *r)
{
    tp_w_map_end(req);
    tp_msg in;
    if (tp_msg_parse(&in, req->buf.data, req->buf.len) != 0) abort();
    tp_w out;
    tp_w_init(&out);
    tp_w_map_begin(&out);
    tp_call c = {.msg = in.root,
                 .op = {op, strlen(op)},
                 .rid = {rid, strlen(rid)},
                 .out = &out,
                 .db = db,
                 .writer = writer};
    r->err = TP_EBADMSG;
    for (size_t i = 0; i < comments_nops; i++)
        if (strcmp(comments_ops[i].name, op) == 0) r->err = comments_ops[i].fn(&c);
    tp_w_map_end(&out);
    if (tp_msg_parse(&r->msg, out.buf.data, out.buf.len) != 0) abort();
    tp_w_free(&out);
    tp_msg_free(&in);
    tp_w_free(req);
}

static int64_t get_int(const msgpack_object *o, const char *key)
{
    int64_t v = -1;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* comments.create on TALK, by the speaker or a visitor; include_pending -1 leaves it out. The
 * new comment's id, and its rank from the reply, checking the reply's shape. */
static int64_t create(bool speaker, const char *rid, int include_pending, int64_t *rank)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", TALK);
    tp_w_kint(&w, "talk_author_id", SPEAKER);
    if (speaker) tp_w_kint(&w, "author_id", SPEAKER);
    tp_w_kstr(&w, "author_name", speaker ? "The Speaker" : "A Visitor");
    if (!speaker) tp_w_kstr(&w, "author_email", "visitor@example.com");
    tp_w_kstr(&w, "body", "Nice *talk*.");
    if (include_pending >= 0) tp_w_kbool(&w, "include_pending", include_pending);
    reply r;
    run("comments.create", &w, rid, &r);
    CHECK(r.err == TP_OK);
    const msgpack_object *comment = tp_map_get(r.msg.root, "comment");
    CHECK(comment && comment->type == MSGPACK_OBJECT_MAP);
    int64_t id = comment ? get_int(comment, "id") : -1;
    if (comment) CHECK(get_int(comment, "talk_id") == TALK);
    *rank = get_int(r.msg.root, "rank");
    tp_msg_free(&r.msg);
    return id;
}

static tp_err moderate(const char *op, int64_t id, int64_t user_id, bool admin)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "id", id);
    tp_w_kint(&w, "user_id", user_id);
    tp_w_kbool(&w, "is_admin", admin);
    reply r;
    run(op, &w, "", &r);
    tp_msg_free(&r.msg);
    return r.err;
}

/* ---- cases ---- */

static void create_replies_with_the_rank_a_reader_sees(void)
{
    setup();
    int64_t rank;
    int64_t first = create(true, "r1", -1, &rank);
    CHECK(rank == 0);
    /* A visitor's comment waits for moderation: a visitor sees only the approved one before. */
    int64_t pending = create(false, "r2", -1, &rank);
    CHECK(rank == 1);
    /* A moderator sees the pending one too. */
    int64_t third = create(false, "r3", true, &rank);
    CHECK(rank == 2);
    create(true, "r4", false, &rank);
    CHECK(rank == 1);
    CHECK(first > 0 && pending > first && third > pending);
    teardown();
}

static void a_resent_create_replies_with_the_first_comment(void)
{
    setup();
    int64_t rank, again_rank;
    int64_t id = create(false, "same-rid", -1, &rank);
    int64_t again = create(false, "same-rid", -1, &again_rank);
    CHECK(id > 0 && again == id);
    CHECK(again_rank == rank);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", TALK);
    tp_w_kbool(&w, "include_pending", true);
    tp_w_kint(&w, "per_page", 10);
    reply r;
    run("comments.list", &w, "", &r);
    CHECK(r.err == TP_OK && get_int(r.msg.root, "total") == 1);
    tp_msg_free(&r.msg);
    teardown();
}

static void approve_and_delete_check_who_asks_and_the_state(void)
{
    setup();
    int64_t rank;
    int64_t id = create(false, "p1", -1, &rank);
    CHECK(moderate("comments.approve", id, SPEAKER + 1, false) == TP_EFORBIDDEN);
    CHECK(moderate("comments.approve", id, SPEAKER, false) == TP_OK);
    CHECK(moderate("comments.approve", id, SPEAKER, false) == TP_ECONFLICT);
    CHECK(moderate("comments.delete", id, SPEAKER + 1, true) == TP_OK); /* an admin */
    CHECK(moderate("comments.delete", id, SPEAKER, false) == TP_ENOTFOUND);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "seq", 0);
    reply r;
    run("comments.events_after", &w, "", &r);
    const msgpack_object *events = tp_map_get(r.msg.root, "events");
    CHECK(r.err == TP_OK && events && events->via.array.size == 3); /* created, approved, deleted */
    tp_msg_free(&r.msg);
    teardown();
}

static void approved_counts_answers_every_talk_asked_in_order(void)
{
    setup();
    int64_t rank;
    create(true, "a1", -1, &rank);
    create(true, "a2", -1, &rank);
    create(false, "a3", -1, &rank); /* pending: not counted */
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "talk_ids");
    tp_w_array_begin(&w);
    tp_w_int(&w, 5);
    tp_w_int(&w, TALK);
    tp_w_str(&w, "not a number"); /* skipped */
    tp_w_int(&w, 5);
    tp_w_array_end(&w);
    reply r;
    run("comments.approved_counts", &w, "", &r);
    CHECK(r.err == TP_OK);
    const msgpack_object *counts = tp_map_get(r.msg.root, "counts");
    CHECK(counts && counts->type == MSGPACK_OBJECT_MAP && counts->via.map.size == 3);
    if (counts && counts->type == MSGPACK_OBJECT_MAP && counts->via.map.size == 3) {
        const msgpack_object_kv *kv = counts->via.map.ptr;
        const char *keys[] = {"5", "1", "5"};
        const uint64_t values[] = {0, 2, 0};
        for (int i = 0; i < 3; i++) {
            CHECK(kv[i].key.via.str.size == 1 && kv[i].key.via.str.ptr[0] == keys[i][0]);
            CHECK(kv[i].val.via.u64 == values[i]);
        }
    }
    tp_msg_free(&r.msg);
    teardown();
}

static const check_case cases[] = {
    {"create_replies_with_the_rank_a_reader_sees", create_replies_with_the_rank_a_reader_sees},
    {"a_resent_create_replies_with_the_first_comment",
     a_resent_create_replies_with_the_first_comment},
    {"approve_and_delete_check_who_asks_and_the_state",
     approve_and_delete_check_who_asks_and_the_state},
    {"approved_counts_answers_every_talk_asked_in_order",
     approved_counts_answers_every_talk_asked_in_order},
};

CHECK_MAIN("comments ops", cases)
