/* store: the SQL of svc-comments (see store.h). */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tp_transfer.h"
#include "tp_fmt.h"

#define COMMENT_COLUMNS                                                                            \
    "id, talk_id, talk_author_id, author_id, author_name, author_email, notify, approved, body, "  \
    "body_html, created_at"

/* The current row of a COMMENT_COLUMNS statement as a map. */
static void write_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_w_kint(w, "talk_id", sqlite3_column_int64(st, 1));
    tp_w_kint(w, "talk_author_id", sqlite3_column_int64(st, 2));
    tp_w_kint(w, "author_id", sqlite3_column_int64(st, 3));
    tp_db_write_text(w, "author_name", st, 4);
    tp_db_write_text(w, "author_email", st, 5);
    tp_w_kbool(w, "notify", sqlite3_column_int(st, 6) != 0);
    tp_w_kbool(w, "approved", sqlite3_column_int(st, 7) != 0);
    tp_db_write_text(w, "body", st, 8);
    tp_db_write_text(w, "body_html", st, 9);
    tp_w_kint(w, "created_at", sqlite3_column_int64(st, 10));
    tp_w_map_end(w);
}

/* What pub/sub says of a comment: which one, on which talk, and whether visitors see it. The
 * event is a wake-up only (svc-mail reads the outbox; the gateway forgets cached pages), so no
 * address or text travels on it. */
static void write_hint(sqlite3_stmt *st, tp_w *w)
{
    tp_event_hint_write(w, &(tp_event_hint){.id = sqlite3_column_int64(st, 0),
                                            .talk_id = sqlite3_column_int64(st, 1),
                                            .approved = sqlite3_column_int(st, 7) != 0});
}

/* The comment as msgpack bytes (for the outbox) and its hint (for pub/sub); 1 / 0 / -1 like a
 * read. */
static int snapshot(tp_db *db, int64_t id, tp_buf *out, tp_buf *hint)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT " COMMENT_COLUMNS " FROM comments WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        tp_w w;
        tp_w_init(&w);
        write_row(st, &w);
        *out = w.buf;
        tp_w_init(&w);
        write_hint(st, &w);
        *hint = w.buf;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

/* Appends an event (its subject as msgpack, and its hint for pub/sub, which *event takes over),
 * made by request rid, to the outbox; inside a transaction. */
static int outbox_put(tp_db *db, enum tp_event_type type, tp_buf comment, tp_buf hint, tp_str rid,
                      store_event *event)
{
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO outbox(type, comment, created_at, rid) "
                                      "VALUES(?1, ?2, ?3, ?4) RETURNING seq");
    sqlite3_bind_text(st, 1, tp_event_name(type), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, comment.data, (int)comment.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
    sqlite3_bind_text(st, 4, rid.p ? rid.p : "", (int)rid.n, SQLITE_STATIC); /* NOT NULL */
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) event->seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    tp_buf_free(&comment);
    if (rc != SQLITE_ROW) {
        tp_buf_free(&hint);
        return tp_db_error(db);
    }
    event->type = type;
    event->hint = hint;
    return 0;
}

/* Appends the event for the comment's current state, made by request rid, to the outbox; inside
 * a transaction. */
static int outbox_add(tp_db *db, enum tp_event_type type, int64_t id, tp_str rid,
                      store_event *event)
{
    tp_buf comment = TP_BUF_INIT, hint = TP_BUF_INIT;
    if (snapshot(db, id, &comment, &hint) != 1) return -1;
    return outbox_put(db, type, comment, hint, rid, event);
}

/* 1 when talk_id was deleted (svc-talks said so: store_talk_gone), 0, or -1. */
static int talk_gone(tp_db *db, int64_t talk_id)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT count(*) FROM talks_gone WHERE talk_id = ?1");
    sqlite3_bind_int64(st, 1, talk_id);
    return (int)tp_db_step_int(db, st);
}

int store_talk_gone(tp_db *db, int64_t talk_id, tp_str rid, store_event *event)
{
    memset(event, 0, sizeof *event);
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO talks_gone(talk_id, deleted_at) VALUES(?1, ?2) "
                                      "ON CONFLICT(talk_id) DO NOTHING");
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
    if (tp_db_step_done(db, st)) return -1;
    if (sqlite3_changes(tp_db_handle(db)) == 0) return 0; /* heard before: done then */
    /* The counts' triggers follow each row; the talk's own count row goes after them. */
    st = tp_db_stmt(db, "DELETE FROM comments WHERE talk_id = ?1");
    sqlite3_bind_int64(st, 1, talk_id);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, "DELETE FROM talk_counts WHERE talk_id = ?1");
    sqlite3_bind_int64(st, 1, talk_id);
    if (tp_db_step_done(db, st)) return -1;
    tp_w comment, hint;
    tp_w_init(&comment);
    tp_w_map_begin(&comment);
    tp_w_kint(&comment, "talk_id", talk_id);
    tp_w_map_end(&comment);
    tp_w_init(&hint);
    tp_event_hint_write(&hint,
                        &(tp_event_hint){.id = talk_id, .talk_id = talk_id, .approved = true});
    return outbox_put(db, TP_EV_TALK_DELETED, comment.buf, hint.buf, rid, event);
}

/* 1 when a visitor at addr is over the limit; records this post otherwise. */
static int over_rate(tp_db *db, tp_str addr, int64_t rate_per_minute, int64_t now)
{
    sqlite3_stmt *st = tp_db_stmt(db, "DELETE FROM anonymous_posts WHERE at <= ?1");
    sqlite3_bind_int64(st, 1, now - 60);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, "SELECT count(*) FROM anonymous_posts WHERE addr = ?1");
    tp_db_bind_str(st, 1, addr);
    int64_t recent = tp_db_step_int(db, st);
    if (recent < 0) return -1;
    if (recent >= rate_per_minute) return 1;
    st = tp_db_stmt(db, "INSERT INTO anonymous_posts(addr, at) VALUES(?1, ?2)");
    tp_db_bind_str(st, 1, addr);
    sqlite3_bind_int64(st, 2, now);
    return tp_db_step_done(db, st);
}

static int64_t made_by(tp_db *db, tp_str key)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id FROM comments WHERE rid = ?1");
    tp_db_bind_str(st, 1, key);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return id;
}

enum store_create store_comment_create(tp_db *db, const comment_input *in, const char *body_html,
                                       size_t html_len, tp_str key, tp_str rid,
                                       int64_t rate_per_minute, int64_t *id, bool *approved,
                                       store_event *event)
{
    int64_t now = (int64_t)time(NULL);
    memset(event, 0, sizeof *event);
    int64_t existing = key.n ? made_by(db, key) : 0;
    if (existing) {
        int64_t talk_author_id;
        *id = existing;
        return existing > 0 && store_comment_state(db, existing, &talk_author_id, approved) == 1
                   ? STORE_CREATED
                   : STORE_FAILED;
    }
    int gone = talk_gone(db, in->talk_id);
    if (gone) return gone > 0 ? STORE_TALK_GONE : STORE_FAILED;
    /* Only web visitors have an address; talksctl's posts are not limited. */
    if (!in->author_id && rate_per_minute > 0 && in->addr.n) {
        int over = over_rate(db, in->addr, rate_per_minute, now);
        if (over) return over > 0 ? STORE_THROTTLED : STORE_FAILED;
    }
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO comments(talk_id, talk_author_id, author_id, author_name, author_email, "
            "notify, approved, body, body_html, created_at, rid) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id");
    sqlite3_bind_int64(st, 1, in->talk_id);
    sqlite3_bind_int64(st, 2, in->talk_author_id);
    sqlite3_bind_int64(st, 3, in->author_id);
    tp_db_bind_str(st, 4, in->author_name);
    tp_db_bind_str(st, 5, in->author_email);
    sqlite3_bind_int(st, 6, in->notify);
    *approved = in->author_id != 0; /* speakers' comments are published at once */
    sqlite3_bind_int(st, 7, *approved);
    tp_db_bind_str(st, 8, in->body);
    sqlite3_bind_text(st, 9, body_html, (int)html_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, now);
    if (key.n)
        tp_db_bind_str(st, 11, key);
    else
        sqlite3_bind_null(st, 11);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        tp_db_error(db);
        return STORE_FAILED;
    }
    return outbox_add(db, TP_EV_COMMENT_CREATED, *id, rid, event) ? STORE_FAILED : STORE_CREATED;
}

int store_comment_state(tp_db *db, int64_t id, int64_t *talk_author_id, bool *approved)
{
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT talk_author_id, approved FROM comments WHERE id = ?1");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *talk_author_id = sqlite3_column_int64(st, 0);
        *approved = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

/* Runs sql on the comment and records the event. */
static int change(tp_db *db, const char *sql, int64_t id, enum tp_event_type type,
                  bool snapshot_first, tp_str rid, store_event *event)
{
    memset(event, 0, sizeof *event);
    /* A deletion's event must carry the comment as it was, so it is recorded first. */
    if (snapshot_first && outbox_add(db, type, id, rid, event)) return -1;
    sqlite3_stmt *st = tp_db_stmt(db, sql);
    sqlite3_bind_int64(st, 1, id);
    if (tp_db_step_done(db, st) || (!snapshot_first && outbox_add(db, type, id, rid, event))) {
        tp_buf_free(&event->hint);
        return -1;
    }
    return 0;
}

int store_comment_approve(tp_db *db, int64_t id, tp_str rid, store_event *event)
{
    return change(db, "UPDATE comments SET approved = 1 WHERE id = ?1", id, TP_EV_COMMENT_APPROVED,
                  false, rid, event);
}

int store_comment_delete(tp_db *db, int64_t id, tp_str rid, store_event *event)
{
    return change(db, "DELETE FROM comments WHERE id = ?1", id, TP_EV_COMMENT_DELETED, true, rid,
                  event);
}

int64_t store_comment_count(tp_db *db, int64_t talk_id, bool include_pending)
{
    /* A talk never commented on has no row. */
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT coalesce((SELECT iif(?2, total, approved) FROM "
                                      "talk_counts WHERE talk_id = ?1), 0)");
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int(st, 2, include_pending);
    return tp_db_step_int(db, st);
}

/* A visitor's list is one range of the (talk_id, approved, id) index, already in order; a range
 * over approved (approved >= 1) made SQLite sort the rows in a temporary b-tree each time. The
 * list with pending comments merges two such ranges, each in order, into one: over the talk
 * alone the index is not in id order, and SQLite sorted every comment of the talk for each page
 * (16 ms for the first page of a talk with 100 000 comments, 0.1 ms merged). */
#define RANGE_SQL(columns, approved)                                                               \
    "SELECT " columns " FROM comments WHERE talk_id = ?1 AND approved = " approved
#define BOTH(columns, bound)                                                                       \
    RANGE_SQL(columns, "0") bound " UNION ALL " RANGE_SQL(columns, "1") bound

/* Where a page of the merged list starts: the id offset places in, found on the index alone. An
 * OFFSET over the merge of whole rows read every comment it skipped (60 ms at offset 90 000,
 * against 7 ms on ids); the page is then read from that id on. 0 when the list ends before it. */
static int64_t merged_page_start(tp_db *db, int64_t talk_id, bool newest_first, int64_t offset)
{
#define START_SQL(order)                                                                           \
    "SELECT id FROM (" BOTH("id", "") ") ORDER BY id " order " LIMIT 1 OFFSET ?2"
    sqlite3_stmt *st = tp_db_stmt(db, newest_first ? START_SQL("DESC") : START_SQL("ASC"));
#undef START_SQL
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int64(st, 2, offset);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : tp_db_error(db);
}

int store_comment_list(tp_db *db, int64_t talk_id, bool include_pending, bool newest_first,
                       int64_t offset, int64_t limit, tp_w *w, const char *key)
{
#define LIST_SQL(ranges, order, start) ranges " ORDER BY " order " LIMIT ?2" start
    sqlite3_stmt *st;
    int64_t start = 0;
    if (include_pending) {
        if ((start = merged_page_start(db, talk_id, newest_first, offset)) < 0) return -1;
        /* Past the end: a bound no id meets, so the page is empty. */
        if (start == 0) start = newest_first ? 0 : INT64_MAX;
        st = newest_first
                 ? tp_db_stmt(db, LIST_SQL(BOTH(COMMENT_COLUMNS, " AND id <= ?3"), "id DESC", ""))
                 : tp_db_stmt(db, LIST_SQL(BOTH(COMMENT_COLUMNS, " AND id >= ?3"), "id", ""));
    } else {
        /* SQLite reads a skipped row's index entry only: its OFFSET costs the index walk. */
        st =
            newest_first
                ? tp_db_stmt(db, LIST_SQL(RANGE_SQL(COMMENT_COLUMNS, "1"), "id DESC", " OFFSET ?3"))
                : tp_db_stmt(db, LIST_SQL(RANGE_SQL(COMMENT_COLUMNS, "1"), "id", " OFFSET ?3"));
        start = offset;
    }
#undef LIST_SQL
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, start);
    return tp_db_write_all(db, st, w, key, write_row);
}
#undef BOTH
#undef RANGE_SQL

int64_t store_comment_rank(tp_db *db, int64_t talk_id, bool include_pending, int64_t id)
{
    /* Those before id are those seen less those from id on: counting the latter walks only the
     * comments since id (none for a new comment), where counting the former walked the talk.
     * One index range per state, as a range on approved would leave id out of the search. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT coalesce((SELECT iif(?2, total, approved) FROM talk_counts WHERE talk_id = ?1),"
            " 0) - (SELECT count(*) FROM comments WHERE talk_id = ?1 AND approved = 1 AND id >= ?3)"
            " - iif(?2, (SELECT count(*) FROM comments WHERE talk_id = ?1 AND approved = 0 AND "
            "id >= ?3), 0)");
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int(st, 2, include_pending);
    sqlite3_bind_int64(st, 3, id);
    return tp_db_step_int(db, st);
}

int64_t store_pending_count(tp_db *db, int64_t talk_author_id)
{
    /* A speaker never sent a comment to moderate has no row; everyone's adds up the speakers'. */
    sqlite3_stmt *st =
        talk_author_id
            ? tp_db_stmt(db, "SELECT coalesce((SELECT pending FROM pending_counts WHERE "
                             "talk_author_id = ?1), 0)")
            : tp_db_stmt(db, "SELECT coalesce(sum(pending), 0) FROM pending_counts WHERE ?1 = 0");
    sqlite3_bind_int64(st, 1, talk_author_id);
    return tp_db_step_int(db, st);
}

int store_pending_list(tp_db *db, int64_t talk_author_id, int64_t offset, int64_t limit, tp_w *w,
                       const char *key)
{
    sqlite3_stmt *st =
        talk_author_id
            ? tp_db_stmt(db, "SELECT " COMMENT_COLUMNS " FROM comments WHERE talk_author_id = ?1 "
                             "AND approved = 0 ORDER BY id LIMIT ?2 OFFSET ?3")
            : tp_db_stmt(db, "SELECT " COMMENT_COLUMNS " FROM comments WHERE approved = 0 AND "
                             "?1 = 0 ORDER BY id LIMIT ?2 OFFSET ?3");
    sqlite3_bind_int64(st, 1, talk_author_id);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    return tp_db_write_all(db, st, w, key, write_row);
}

/* A request's list of ids as a JSON array, for json_each: one statement reads them all. */
static void ids_json(const msgpack_object *list, tp_buf *out)
{
    tp_buf_putc(out, '[');
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *o = &list->via.array.ptr[i];
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > INT64_MAX) continue;
        char id[TP_FMT_INT_SIZE + 1];
        id[0] = ',';
        size_t n = tp_fmt_u64(id + 1, o->via.u64);
        bool first = out->len == 1; /* no comma before it */
        tp_buf_append(out, id + first, n + !first);
    }
    tp_buf_putc(out, ']');
}

int store_own_list(tp_db *db, int64_t talk_id, const msgpack_object *ids, tp_w *w, const char *key)
{
    /* The email column is left empty: the page shows the comments, never whose they are. */
    tp_buf json = TP_BUF_INIT;
    ids_json(ids, &json);
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT id, talk_id, talk_author_id, author_id, author_name, '', notify, approved, "
            "body, body_html, created_at FROM comments WHERE talk_id = ?1 AND approved = 0 AND id "
            "IN (SELECT value FROM json_each(?2)) ORDER BY id");
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_text(st, 2, json.data, (int)json.len, SQLITE_STATIC);
    int rc = tp_db_write_all(db, st, w, key, write_row);
    tp_buf_free(&json);
    return rc;
}

int64_t store_pending_from(tp_db *db, tp_str email, int64_t talk_author_id, int64_t **ids)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT id FROM comments WHERE approved = 0 AND author_id = 0 AND author_email = ?1 "
            "COLLATE NOCASE AND (?2 = 0 OR talk_author_id = ?2) ORDER BY id");
    tp_db_bind_str(st, 1, email);
    sqlite3_bind_int64(st, 2, talk_author_id);
    tp_buf found = TP_BUF_INIT;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        tp_buf_append(&found, &id, sizeof id);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        tp_buf_free(&found);
        return tp_db_error(db);
    }
    *ids = (int64_t *)(void *)found.data;
    return (int64_t)(found.len / sizeof **ids);
}

int store_approved_counts(tp_db *db, const msgpack_object *talk_ids, tp_w *w, const char *key)
{
    /* One statement, so one read transaction: a query per talk paid SQLite's WAL read-lock
     * round trip each time (about 3x slower for a home page of 50 talks). json_each keeps the
     * order of the list, and repeats, as the reply always had them; a talk never commented on
     * has no talk_counts row. */
    tp_buf ids = TP_BUF_INIT;
    ids_json(talk_ids, &ids);
    sqlite3_stmt *st =
        tp_db_stmt(db, "SELECT ids.value, coalesce((SELECT approved FROM talk_counts "
                       "WHERE talk_id = ids.value), 0) FROM json_each(?1) AS ids");
    sqlite3_bind_text(st, 1, ids.data, (int)ids.len, SQLITE_STATIC);
    tp_w_key(w, key);
    tp_w_map_begin(w);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char k[TP_FMT_INT_SIZE];
        tp_fmt_i64(k, sqlite3_column_int64(st, 0));
        tp_w_kint(w, k, sqlite3_column_int64(st, 1));
    }
    tp_w_map_end(w);
    sqlite3_reset(st);
    tp_buf_free(&ids);
    return rc == SQLITE_DONE ? 0 : tp_db_error(db);
}

int64_t store_live_head(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT coalesce(max(seq), 0) FROM live"));
}

int64_t store_live_oldest(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT coalesce(min(seq), 0) FROM live"));
}

int64_t store_live_prune(tp_db *db, int64_t before, int64_t limit)
{
    /* As store_outbox_prune: the rows before the first of the oldest limit that is too young
     * go, one range of the primary key. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "WITH w AS (SELECT seq, at < ?1 AS old FROM live WHERE seq < (SELECT max(seq) FROM "
            "live) ORDER BY seq LIMIT ?2) DELETE FROM live WHERE seq < coalesce((SELECT min(seq) "
            "FROM w WHERE NOT old), (SELECT max(seq) + 1 FROM w), 0)");
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, limit);
    if (tp_db_step_done(db, st)) return -1;
    return sqlite3_changes(tp_db_handle(db));
}

int64_t store_live_after(tp_db *db, int64_t talk_id, int64_t after, int64_t upto,
                         bool include_pending, int64_t limit, tp_w *w, const char *key,
                         int64_t *last)
{
    /* A deleted comment has no row to join: its live rows are skipped. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT " COMMENT_COLUMNS ", seq FROM (SELECT seq, comment_id, approved AS shown "
            "FROM live WHERE talk_id = ?1 AND seq > ?2 AND seq <= ?3) JOIN comments ON "
            "comments.id = comment_id WHERE ?4 OR (shown = 1 AND approved = 1) ORDER BY seq "
            "LIMIT ?5");
    sqlite3_bind_int64(st, 1, talk_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, upto);
    sqlite3_bind_int(st, 4, include_pending);
    sqlite3_bind_int64(st, 5, limit);
    tp_w_key(w, key);
    tp_w_array_begin(w);
    int rc = SQLITE_DONE;
    int64_t n = 0, rank = 0;
    while (rank >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rank = store_comment_rank(db, talk_id, include_pending, sqlite3_column_int64(st, 0));
        n++;
        tp_w_map_begin(w);
        *last = sqlite3_column_int64(st, 11);
        tp_w_kint(w, "seq", *last);
        tp_w_kint(w, "rank", rank);
        tp_w_key(w, "comment");
        write_row(st, w);
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
    sqlite3_reset(st);
    return rank >= 0 && rc == SQLITE_DONE ? n : tp_db_error(db);
}

int64_t store_events_last(tp_db *db)
{
    /* AUTOINCREMENT's own record: the outbox's rows up to svc-mail's cursor may be pruned. */
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT coalesce((SELECT seq FROM sqlite_sequence "
                                             "WHERE name = 'outbox'), 0)"));
}

int store_events_skip_to(tp_db *db, int64_t seq)
{
    /* AUTOINCREMENT takes the next number from sqlite_sequence, which SQLite lets us write. */
    sqlite3_stmt *st = tp_db_stmt(db, "INSERT INTO sqlite_sequence(name, seq) SELECT 'outbox', ?1 "
                                      "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE "
                                      "name = 'outbox')");
    sqlite3_bind_int64(st, 1, seq);
    if (tp_db_step_done(db, st)) return -1;
    st = tp_db_stmt(db, "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'outbox' AND seq < ?1");
    sqlite3_bind_int64(st, 1, seq);
    return tp_db_step_done(db, st);
}

int64_t store_events_after(tp_db *db, int64_t seq, int64_t limit, tp_w *w, const char *key)
{
    sqlite3_stmt *st = tp_db_stmt(
        db, "SELECT seq, type, comment, rid FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, limit);
    tp_w_key(w, key);
    tp_w_array_begin(w);
    int rc;
    int64_t n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        tp_msg comment;
        n++;
        tp_w_map_begin(w);
        tp_w_kint(w, "seq", sqlite3_column_int64(st, 0));
        tp_db_write_text(w, "type", st, 1);
        if (sqlite3_column_bytes(st, 3) > 0) tp_db_write_text(w, "rid", st, 3);
        if (tp_msg_parse(&comment, sqlite3_column_blob(st, 2),
                         (size_t)sqlite3_column_bytes(st, 2)) == 0) {
            tp_w_kobject(w, "comment", comment.root);
            tp_msg_free(&comment);
        }
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : tp_db_error(db);
}

int64_t store_outbox_prune(tp_db *db, int64_t handled, int64_t before, int64_t limit)
{
    /* w: the oldest limit events svc-mail has applied, in seq order, each old enough or not. The
     * rows before the first that is not go (all of w when every one is): one range of the
     * primary key. created_at follows seq but for a clock set back, which only holds the
     * pruning up until that event is old enough. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "WITH w AS (SELECT seq, created_at < ?2 AS old FROM outbox WHERE seq <= ?1 ORDER BY "
            "seq LIMIT ?3) DELETE FROM outbox WHERE seq < coalesce((SELECT min(seq) FROM w WHERE "
            "NOT old), (SELECT max(seq) + 1 FROM w), 0)");
    sqlite3_bind_int64(st, 1, handled);
    sqlite3_bind_int64(st, 2, before);
    sqlite3_bind_int64(st, 3, limit);
    if (tp_db_step_done(db, st)) return -1;
    return sqlite3_changes(tp_db_handle(db));
}

/* The current row of an export statement, as the export file has it: the Markdown, not the
 * HTML, which import renders again. */
static void write_export_row(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", sqlite3_column_int64(st, 0));
    tp_w_kint(w, "talk_id", sqlite3_column_int64(st, 1));
    tp_w_kint(w, "talk_author_id", sqlite3_column_int64(st, 2));
    tp_w_kint(w, "author_id", sqlite3_column_int64(st, 3));
    tp_db_write_text(w, "author_name", st, 4);
    tp_db_write_text(w, "author_email", st, 5);
    tp_w_kbool(w, "notify", sqlite3_column_int(st, 6) != 0);
    tp_w_kbool(w, "approved", sqlite3_column_int(st, 7) != 0);
    tp_db_write_text(w, "body", st, 8);
    tp_w_kint(w, "created_at", sqlite3_column_int64(st, 9));
    tp_w_map_end(w);
}

int store_comments_export(tp_db *db, int64_t after, tp_w *w)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT id, talk_id, talk_author_id, author_id, author_name, "
                                      "author_email, notify, approved, body, created_at FROM "
                                      "comments WHERE id > ?1 ORDER BY id");
    sqlite3_bind_int64(st, 1, after);
    return tp_export_rows(db, st, w, write_export_row);
}

int64_t store_comments_count(tp_db *db)
{
    return tp_db_step_int(db, tp_db_stmt(db, "SELECT count(*) FROM comments"));
}

int store_comment_import(tp_db *db, const comment_row *r, bool merge, int64_t *id, bool *added)
{
    *added = false;
    int64_t existing = r->key.n ? made_by(db, r->key) : 0;
    if (existing) {
        *id = existing;
        return existing > 0 ? 0 : -1;
    }
    /* With merge, a taken id is NULL: SQLite picks the next free one. No outbox event: an
     * imported comment is history, nobody is to be mailed about it. */
    sqlite3_stmt *st = tp_db_stmt(
        db, "INSERT INTO comments(id, talk_id, talk_author_id, author_id, author_name, "
            "author_email, notify, approved, body, body_html, created_at, rid) VALUES(CASE WHEN "
            "?13 AND EXISTS(SELECT 1 FROM comments WHERE id = ?1) THEN NULL ELSE ?1 END, ?2, ?3, "
            "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id");
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->in.talk_id);
    sqlite3_bind_int64(st, 3, r->in.talk_author_id);
    sqlite3_bind_int64(st, 4, r->in.author_id);
    tp_db_bind_str(st, 5, r->in.author_name);
    tp_db_bind_str(st, 6, r->in.author_email);
    sqlite3_bind_int(st, 7, r->in.notify);
    sqlite3_bind_int(st, 8, r->approved);
    tp_db_bind_str(st, 9, r->in.body);
    sqlite3_bind_text(st, 10, r->html.data ? r->html.data : "", (int)r->html.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, r->created_at);
    if (r->key.n)
        tp_db_bind_str(st, 12, r->key);
    else
        sqlite3_bind_null(st, 12);
    sqlite3_bind_int(st, 13, merge);
    int rc = tp_import_insert(db, st, id);
    if (rc != 0) return rc;
    *added = true;
    return 0;
}
