/* Unit tests for svc-comments/ops.c: the ops, run as tp_svc runs them (a worker's
 * connection and the service's writer) on a fresh comments.db in a mkdtemp directory. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schema.h"
#include "tp_db.h"
#include "tp_events.h"
#include "tp_writer.h"

#define TALK    1
#define SPEAKER 7

static check_db_dir tmp;
static tp_db *db;
static tp_writer *writer;

#define MIGRATIONS (int)(sizeof comments_migrations / sizeof comments_migrations[0])

/* comments.db with its first n migrations. */
static tp_db *open_db_at(int n)
{
    char err[256];
    tp_db *d = tp_db_open(tmp.path, comments_migrations, n, err, sizeof err);
    if (!d) {
        fprintf(stderr, "open: %s\n", err);
        abort();
    }
    return d;
}

static tp_db *open_db(void)
{
    return open_db_at(MIGRATIONS);
}

static void setup(void)
{
    check_db_dir_make(&tmp, "comments.db");
    db = open_db();
    writer = tp_writer_start(open_db(), tp_events_flush);
}

static void teardown(void)
{
    tp_writer_stop(writer);
    tp_db_close(db);
    check_db_dir_remove(&tmp);
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
    int id = tp_op_by_name(op, strlen(op));
    if (id >= 0 && comments_ops[id]) r->err = tp_call_op(comments_ops, id, &c);
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
static int64_t create_keyed(bool speaker, const char *rid, const char *key, int include_pending,
                            int64_t *rank)
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
    if (key) tp_w_kstr(&w, "key", key);
    reply r;
    run("comments.create", &w, rid, &r);
    CHECK(r.err == TP_OK);
    const msgpack_object *comment = tp_map_get(r.msg.root, "comment");
    CHECK(comment && comment->type == MSGPACK_OBJECT_MAP);
    int64_t id = comment ? get_int(comment, "id") : -1;
    bool approved = !speaker;
    /* The reply names the comment; it does not carry its text (a batch of them stays small). */
    CHECK(comment && tp_get_bool(comment, "approved", &approved) == 0 && approved == speaker);
    CHECK(comment && !tp_map_get(comment, "body_html") && !tp_map_get(comment, "body"));
    *rank = get_int(r.msg.root, "rank");
    tp_msg_free(&r.msg);
    return id;
}

static int64_t create(bool speaker, const char *rid, int include_pending, int64_t *rank)
{
    return create_keyed(speaker, rid, NULL, include_pending, rank);
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

/* One number from sql, with ?1 bound to talk. */
static int64_t sql_int(const char *sql, int64_t talk)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(tp_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_int64(st, 1, talk);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The navbar's badges, the speaker's and everyone's, are the pending comments counted. */
static void check_pending(void)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "user_id", SPEAKER);
    tp_w_kbool(&w, "is_admin", true);
    reply r;
    run("comments.counts", &w, "", &r);
    CHECK(r.err == TP_OK);
    CHECK(get_int(r.msg.root, "pending") ==
          sql_int("SELECT count(*) FROM comments WHERE talk_author_id = ?1 AND approved = 0",
                  SPEAKER));
    CHECK(get_int(r.msg.root, "pending_all") ==
          sql_int("SELECT count(*) FROM comments WHERE approved = 0 AND ?1 = 0", 0));
    tp_msg_free(&r.msg);
}

/* comments.list on talk, into r (free r->msg). */
static void list(int64_t talk, int64_t page, int64_t per_page, bool include_pending,
                 bool newest_first, reply *r)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", talk);
    tp_w_kint(&w, "page", page);
    tp_w_kint(&w, "per_page", per_page);
    tp_w_kbool(&w, "include_pending", include_pending);
    tp_w_kbool(&w, "newest_first", newest_first);
    run("comments.list", &w, "", r);
}

/* The kept counts of talk equal its comments counted one by one, and are what the ops say. */
static void check_counts(int64_t talk, int64_t approved, int64_t total)
{
    CHECK(sql_int("SELECT count(*) FROM comments WHERE talk_id = ?1 AND approved = 1", talk) ==
          approved);
    CHECK(sql_int("SELECT count(*) FROM comments WHERE talk_id = ?1", talk) == total);
    /* A talk never commented on has no row. */
    CHECK(sql_int("SELECT coalesce((SELECT approved FROM talk_counts WHERE talk_id = ?1), 0)",
                  talk) == approved);
    CHECK(sql_int("SELECT coalesce((SELECT total FROM talk_counts WHERE talk_id = ?1), 0)", talk) ==
          total);
    reply r;
    list(talk, 1, 10, true, false, &r);
    CHECK(r.err == TP_OK && get_int(r.msg.root, "total") == total &&
          get_int(r.msg.root, "approved_total") == approved);
    /* The list's snapshot ended with it: an open one would hide every later change. */
    CHECK(sqlite3_get_autocommit(tp_db_handle(db)));
    tp_msg_free(&r.msg);
    check_pending();
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

/* The gateway sends the comment form's key: a form sent twice comes with two request ids. */
static void a_create_with_a_key_is_made_once_per_key_whatever_its_request_id(void)
{
    setup();
    int64_t rank, again_rank;
    int64_t id = create_keyed(false, "rid-1", "form-key-A", -1, &rank);
    int64_t again = create_keyed(false, "rid-2", "form-key-A", -1, &again_rank);
    CHECK(id > 0 && again == id && again_rank == rank);
    int64_t other = create_keyed(false, "rid-3", "form-key-B", -1, &rank);
    CHECK(other > id);
    /* Without a key the request id is the key, as before. */
    int64_t plain = create(false, "rid-2", -1, &rank);
    CHECK(plain > other);
    CHECK(sql_int("SELECT count(*) FROM comments WHERE talk_id = ?1", TALK) == 3);
    /* A key longer than any the gateway makes is a malformed request. */
    char long_key[66];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", TALK);
    tp_w_kint(&w, "talk_author_id", SPEAKER);
    tp_w_kstr(&w, "author_name", "A Visitor");
    tp_w_kstr(&w, "author_email", "visitor@example.com");
    tp_w_kstr(&w, "body", "Nice.");
    tp_w_kstr(&w, "key", long_key);
    reply r;
    run("comments.create", &w, "rid-4", &r);
    CHECK(r.err == TP_EBADMSG);
    tp_msg_free(&r.msg);
    teardown();
}

static void a_resent_create_of_an_older_comment_keeps_its_rank(void)
{
    setup();
    int64_t rank;
    create(true, "o1", -1, &rank);
    create(false, "o2", -1, &rank);
    create(true, "o3", -1, &rank);
    create(false, "o4", -1, &rank);
    create(true, "o1", -1, &rank);
    CHECK(rank == 0);
    create(false, "o2", -1, &rank);
    CHECK(rank == 1); /* after the approved o1 only */
    create(false, "o2", true, &rank);
    CHECK(rank == 1);
    create(true, "o3", -1, &rank);
    CHECK(rank == 1);
    create(true, "o3", true, &rank);
    CHECK(rank == 2);
    create(false, "o4", true, &rank);
    CHECK(rank == 3);
    teardown();
}

static void talk_counts_follow_every_change(void)
{
    setup();
    int64_t rank;
    check_counts(TALK, 0, 0);
    int64_t pending = create(false, "c1", -1, &rank);
    check_counts(TALK, 0, 1);
    int64_t speaker = create(true, "c2", -1, &rank);
    check_counts(TALK, 1, 2);
    int64_t approved = create(false, "c3", -1, &rank);
    check_counts(TALK, 1, 3);
    CHECK(moderate("comments.approve", approved, SPEAKER, false) == TP_OK);
    check_counts(TALK, 2, 3);
    CHECK(moderate("comments.approve", approved, SPEAKER, false) == TP_EINVAL);
    check_counts(TALK, 2, 3);
    CHECK(moderate("comments.delete", pending, SPEAKER, false) == TP_OK);
    check_counts(TALK, 2, 2);
    CHECK(moderate("comments.delete", speaker, SPEAKER, false) == TP_OK);
    check_counts(TALK, 1, 1);
    CHECK(moderate("comments.delete", approved, SPEAKER + 1, true) == TP_OK);
    check_counts(TALK, 0, 0);
    create(false, "c4", -1, &rank);
    CHECK(rank == 0);
    check_counts(TALK, 0, 1);
    teardown();
}

static void the_migration_counts_the_comments_already_there(void)
{
    check_db_dir_make(&tmp, "comments.db");
    /* A database from before the counts, with comments on two talks of two speakers. */
    tp_db *old = open_db_at(1);
    CHECK(sqlite3_exec(tp_db_handle(old),
                       "INSERT INTO comments(talk_id, talk_author_id, author_name, approved, body, "
                       "body_html, created_at) VALUES(1, 7, 'a', 1, 'b', 'b', 0), "
                       "(1, 7, 'a', 0, 'b', 'b', 0), (1, 7, 'a', 1, 'b', 'b', 0), "
                       "(2, 8, 'a', 0, 'b', 'b', 0)",
                       NULL, NULL, NULL) == SQLITE_OK);
    tp_db_close(old);
    db = open_db();
    writer = tp_writer_start(open_db(), tp_events_flush);
    check_counts(TALK, 2, 3);
    check_counts(2, 0, 1);
    int64_t rank;
    create(false, "m1", true, &rank);
    CHECK(rank == 3);
    check_counts(TALK, 2, 4);
    create(true, "m2", -1, &rank);
    CHECK(rank == 2);
    check_counts(TALK, 3, 5);
    teardown();
}

/* comments.events_after after seq, into r (free r->msg). */
static void ask_events_after(int64_t seq, reply *r)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "seq", seq);
    run("comments.events_after", &w, "", r);
}

/* comments.events_after after seq: the seqs of the events it returns, in order (at most max). */
static size_t events_after(int64_t seq, int64_t *seqs, size_t max)
{
    reply r;
    ask_events_after(seq, &r);
    CHECK(r.err == TP_OK);
    const msgpack_object *events = tp_map_get(r.msg.root, "events");
    CHECK(events && events->type == MSGPACK_OBJECT_ARRAY);
    size_t n = 0;
    for (uint32_t i = 0;
         events && events->type == MSGPACK_OBJECT_ARRAY && i < events->via.array.size && n < max;
         i++)
        seqs[n++] = get_int(&events->via.array.ptr[i], "seq");
    tp_msg_free(&r.msg);
    return n;
}

static void approve_and_delete_check_who_asks_and_the_state(void)
{
    setup();
    int64_t rank;
    int64_t id = create(false, "p1", -1, &rank);
    CHECK(moderate("comments.approve", id, SPEAKER + 1, false) == TP_EFORBIDDEN);
    CHECK(moderate("comments.approve", id, SPEAKER, false) == TP_OK);
    CHECK(moderate("comments.approve", id, SPEAKER, false) == TP_EINVAL);
    CHECK(moderate("comments.delete", id, SPEAKER + 1, true) == TP_OK); /* an admin */
    CHECK(moderate("comments.delete", id, SPEAKER, false) == TP_ENOTFOUND);
    int64_t seqs[4];
    CHECK(events_after(0, seqs, 4) == 3); /* created, approved, deleted */
    teardown();
}

/* comments.db restored from a copy older than svc-mail's place: svc-mail asks after a seq the
 * outbox never reached, and the next events are numbered after it, not with numbers svc-mail has
 * passed (it would skip them, and their mail's keys are taken). */
static void events_after_a_place_the_outbox_never_reached_number_the_next_after_it(void)
{
    setup();
    int64_t rank, seqs[4];
    create(false, "e1", -1, &rank);
    CHECK(events_after(0, seqs, 4) == 1 && seqs[0] == 1);
    CHECK(events_after(40, seqs, 4) == 0);
    create(false, "e2", -1, &rank);
    CHECK(events_after(40, seqs, 4) == 1 && seqs[0] == 41);
    CHECK(events_after(0, seqs, 4) == 2 && seqs[0] == 1 && seqs[1] == 41);
    /* A place the outbox has passed moves nothing back. */
    CHECK(events_after(2, seqs, 4) == 1 && seqs[0] == 41);
    create(false, "e3", -1, &rank);
    CHECK(events_after(41, seqs, 4) == 1 && seqs[0] == 42);
    /* A place no backup explains (a wrong or hostile cursor) moves nothing: numbered at the top
     * of the range, no event could be made again. */
    reply r;
    ask_events_after(INT64_MAX, &r);
    CHECK(r.err == TP_EINVAL);
    tp_msg_free(&r.msg);
    create(false, "e4", -1, &rank);
    CHECK(events_after(42, seqs, 4) == 1 && seqs[0] == 43);
    teardown();
}

static void approved_counts_answers_every_talk_asked_in_order(void)
{
    setup();
    int64_t rank;
    create(true, "a1", -1, &rank);
    create(true, "a2", -1, &rank);
    create(false, "a3", -1, &rank); /* pending: not counted */
    {
        /* A list with anything but talk ids is refused whole (tp_op_inputs.h), never guessed at. */
        tp_w bad;
        tp_w_init(&bad);
        tp_w_map_begin(&bad);
        tp_w_key(&bad, "talk_ids");
        tp_w_array_begin(&bad);
        tp_w_int(&bad, TALK);
        tp_w_str(&bad, "not a number");
        tp_w_array_end(&bad);
        reply refused;
        run("comments.approved_counts", &bad, "", &refused);
        CHECK(refused.err == TP_EBADMSG);
        tp_msg_free(&refused.msg);
    }
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_key(&w, "talk_ids");
    tp_w_array_begin(&w);
    tp_w_int(&w, 5);
    tp_w_int(&w, TALK);
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

/* comments.talk_deleted: the talk's comments go (counts and badges follow), one talk.deleted
 * event is written, a comment on it is refused from then on, and being told twice is fine. */
static void a_deleted_talks_comments_go_and_new_ones_are_refused(void)
{
    setup();
    int64_t rank;
    create(true, "seed-gone-1", -1, &rank);
    create(false, "seed-gone-2", -1, &rank);
    check_counts(TALK, 1, 2);
    for (int i = 0; i < 2; i++) {
        tp_w w;
        tp_w_init(&w);
        tp_w_map_begin(&w);
        tp_w_kint(&w, "talk_id", TALK);
        reply r;
        run("comments.talk_deleted", &w, "rid-gone", &r);
        CHECK(r.err == TP_OK);
        tp_msg_free(&r.msg);
    }
    check_counts(TALK, 0, 0);
    CHECK(sql_int("SELECT count(*) FROM outbox WHERE type = 'talk.deleted' AND ?1", 1) == 1);
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kint(&w, "talk_id", TALK);
    tp_w_kint(&w, "talk_author_id", SPEAKER);
    tp_w_kstr(&w, "author_name", "Late");
    tp_w_kstr(&w, "author_email", "late@example.com");
    tp_w_kstr(&w, "body", "Too late");
    reply r;
    run("comments.create", &w, "seed-gone-3", &r);
    CHECK(r.err == TP_ENOTFOUND);
    tp_msg_free(&r.msg);
    check_counts(TALK, 0, 0);
    teardown();
}

/* comments.commenter_*: "visitor@example.com" (any case), on the speaker's talks only unless an
 * admin asks for all; a count, and an event each. */
static int64_t commenter(const char *op, const char *email, int64_t user_id, bool admin, bool all)
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    tp_w_kstr(&w, "email", email);
    tp_w_kint(&w, "user_id", user_id);
    tp_w_kbool(&w, "is_admin", admin);
    tp_w_kbool(&w, "all", all);
    reply r;
    run(op, &w, "", &r);
    int64_t n = r.err == TP_OK ? get_int(r.msg.root, "count") : -1;
    tp_msg_free(&r.msg);
    return n;
}

static void a_commenters_comments_are_moderated_in_one_step_within_scope(void)
{
    setup();
    int64_t rank;
    create(false, "v1", -1, &rank);
    create(false, "v2", -1, &rank);
    create(true, "s1", -1, &rank); /* the speaker's: published, never counted */
    CHECK(commenter("comments.commenter_approve", "Visitor@Example.com", SPEAKER + 1, false,
                    true) == 0); /* another speaker, all or not */
    CHECK(commenter("comments.commenter_approve", "nobody@example.com", SPEAKER, false, false) ==
          0);
    CHECK(commenter("comments.commenter_approve", "Visitor@Example.com", SPEAKER, false, false) ==
          2);
    CHECK(commenter("comments.commenter_approve", "visitor@example.com", SPEAKER, false, false) ==
          0);
    check_counts(TALK, 3, 3);
    create(false, "v3", -1, &rank);
    CHECK(commenter("comments.commenter_delete", "visitor@example.com", SPEAKER + 1, true, true) ==
          1);
    check_counts(TALK, 3, 3);
    CHECK(commenter("comments.commenter_delete", "", SPEAKER, false, false) == -1);
    teardown();
}

static void own_lists_the_pending_comments_of_the_talk_among_the_ids(void)
{
    setup();
    int64_t rank, mine = create(false, "v1", -1, &rank), approved = create(false, "v2", -1, &rank);
    CHECK(moderate("comments.approve", approved, SPEAKER, false) == TP_OK);
    int64_t ids[] = {mine, approved, 999};
    for (int talk = TALK; talk <= TALK + 1; talk++) {
        tp_w w;
        tp_w_init(&w);
        tp_w_map_begin(&w);
        tp_w_kint(&w, "talk_id", talk);
        tp_w_key(&w, "ids");
        tp_w_array_begin(&w);
        for (size_t i = 0; i < 3; i++) tp_w_int(&w, ids[i]);
        tp_w_array_end(&w);
        reply r;
        run("comments.own", &w, "", &r);
        const msgpack_object *list = tp_map_get(r.msg.root, "comments");
        CHECK(r.err == TP_OK && list && list->via.array.size == (talk == TALK ? 1u : 0u));
        if (talk == TALK && list && list->via.array.size == 1) {
            const msgpack_object *c = &list->via.array.ptr[0];
            tp_str email = {"x", 1};
            CHECK(get_int(c, "id") == mine);
            CHECK(tp_get_str(c, "author_email", 100, &email) == 0 && email.n == 0);
        }
        tp_msg_free(&r.msg);
    }
    teardown();
}

/* One page of comments.list on TALK: the ids on it, in order, into ids; how many. */
static size_t list_page(int64_t page, bool include_pending, bool newest_first, int64_t *ids,
                        size_t max)
{
    reply r;
    list(TALK, page, 3, include_pending, newest_first, &r);
    CHECK(r.err == TP_OK);
    const msgpack_object *list = tp_map_get(r.msg.root, "comments");
    size_t n = 0;
    for (uint32_t i = 0; list && i < list->via.array.size && n < max; i++)
        ids[n++] = get_int(&list->via.array.ptr[i], "id");
    tp_msg_free(&r.msg);
    return n;
}

/* Every page of the list, one after the other, equals want. */
static void check_list(bool include_pending, bool newest_first, const int64_t *want, size_t n)
{
    int64_t got[16];
    size_t have = 0;
    for (int64_t page = 1; page <= ((int64_t)n + 2) / 3; page++) /* a later page is the last */
        have += list_page(page, include_pending, newest_first, got + have, 16 - have);
    CHECK(have == n);
    for (size_t i = 0; i < n && i < have; i++) CHECK(got[i] == want[newest_first ? n - 1 - i : i]);
}

/* A talk's speaker pages through its approved and pending comments together, in id order either
 * way, and no page sorts the talk's comments (SQLite counts each sort a statement makes): one
 * would cost every page of a talk with 100 000 comments all of them. */
static void a_moderators_list_merges_both_states_in_order_without_a_sort(void)
{
    setup();
    int64_t rank, all[7], shown[4];
    size_t nshown = 0;
    for (int i = 0; i < 7; i++) {
        char rid[16];
        snprintf(rid, sizeof rid, "l%d", i);
        all[i] = create(i % 2 == 0, rid, -1, &rank); /* the speaker's are approved at once */
        if (i % 2 == 0) shown[nshown++] = all[i];
    }
    for (int newest_first = 0; newest_first <= 1; newest_first++) {
        check_list(true, newest_first, all, 7);
        check_list(false, newest_first, shown, nshown);
    }
    CHECK(check_stmt_status(db, "ORDER BY id", SQLITE_STMTSTATUS_SORT) == 0);
    teardown();
}

/* The steps SQLite has made so far in the statements that read whole comments. */
static int row_steps(void)
{
    return check_stmt_status(db, "body_html, created_at FROM", SQLITE_STMTSTATUS_VM_STEP);
}

/* A deep page of the moderator's list reads its own comments, not every one before it: the merge
 * of whole rows under an OFFSET read each skipped comment (60 ms at offset 90 000). */
static void a_deep_page_of_the_moderators_list_reads_only_its_comments(void)
{
    setup();
    int64_t rank, ids[3];
    for (int i = 0; i < 120; i++) {
        char rid[16];
        snprintf(rid, sizeof rid, "d%d", i);
        create(i % 2 == 0, rid, -1, &rank);
    }
    for (int newest_first = 0; newest_first <= 1; newest_first++) {
        int before = row_steps();
        CHECK(list_page(1, true, newest_first, ids, 3) == 3);
        int first = row_steps() - before;
        CHECK(list_page(40, true, newest_first, ids, 3) == 3);
        int deep = row_steps() - before - first;
        CHECK(ids[0] == (newest_first ? 3 : 118) && ids[2] == (newest_first ? 1 : 120));
        CHECK(deep < 2 * first);
    }
    teardown();
}

static const check_case cases[] = {
    CASE(a_commenters_comments_are_moderated_in_one_step_within_scope),
    CASE(own_lists_the_pending_comments_of_the_talk_among_the_ids),
    CASE(a_deleted_talks_comments_go_and_new_ones_are_refused),
    CASE(a_moderators_list_merges_both_states_in_order_without_a_sort),
    CASE(a_deep_page_of_the_moderators_list_reads_only_its_comments),
    CASE(events_after_a_place_the_outbox_never_reached_number_the_next_after_it),
    {"create_replies_with_the_rank_a_reader_sees", create_replies_with_the_rank_a_reader_sees},
    {"a_resent_create_replies_with_the_first_comment",
     a_resent_create_replies_with_the_first_comment},
    {"a_create_with_a_key_is_made_once_per_key_whatever_its_request_id",
     a_create_with_a_key_is_made_once_per_key_whatever_its_request_id},
    {"a_resent_create_of_an_older_comment_keeps_its_rank",
     a_resent_create_of_an_older_comment_keeps_its_rank},
    {"talk_counts_follow_every_change", talk_counts_follow_every_change},
    {"the_migration_counts_the_comments_already_there",
     the_migration_counts_the_comments_already_there},
    {"approve_and_delete_check_who_asks_and_the_state",
     approve_and_delete_check_who_asks_and_the_state},
    {"approved_counts_answers_every_talk_asked_in_order",
     approved_counts_answers_every_talk_asked_in_order},
};

CHECK_MAIN("comments-ops", cases)
