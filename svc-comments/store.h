/* store: every SQL statement of svc-comments (comments.db). Each change to a comment writes its
 * event into the outbox in the same transaction (DESIGN §5: the outbox is the truth; pub/sub
 * is the fast path). Changes run as tp_writer jobs: inside the writer's transaction, which they
 * never begin or end, and on failure the writer rolls back what they did. Reads write straight
 * into the reply. Functions return 1 found / 0 not found / -1 database error, or 0 / -1, unless
 * said otherwise. */
#ifndef COMMENTS_STORE_H
#define COMMENTS_STORE_H

#include "comment.h"
#include "tp_db.h"
#include "tp_events.h"

/* An event recorded, for the caller to publish once it is committed. */
typedef struct store_event {
    int64_t seq;
    enum tp_event_type type;
    tp_buf hint; /* what pub/sub carries (id, talk_id, approved), msgpack; the caller frees it */
} store_event;

enum store_create {
    STORE_CREATED = 0,
    STORE_THROTTLED = 1,
    STORE_TALK_GONE = 2,
    STORE_FAILED = -1
};

/* Creates the comment (body_html already rendered), unless its idempotency key already made one:
 * then *id and *approved are that one's and *event is left empty. A visitor's post is refused
 * (STORE_THROTTLED) when their address made rate_per_minute posts in the last minute (0: no
 * limit), and any post on a deleted talk (STORE_TALK_GONE). rid, the request's id, is recorded
 * with the event (and so logged with any mail it causes). */
enum store_create store_comment_create(tp_db *db, const comment_input *in, const char *body_html,
                                       size_t html_len, tp_str key, tp_str rid,
                                       int64_t rate_per_minute, int64_t *id, bool *approved,
                                       store_event *event);
/* Who may moderate it, and whether it is approved. */
int store_comment_state(tp_db *db, int64_t id, int64_t *talk_author_id, bool *approved);
/* A change by request rid: writes the comment and its event; on failure *event is left empty. */
int store_comment_approve(tp_db *db, int64_t id, tp_str rid, store_event *event);
int store_comment_delete(tp_db *db, int64_t id, tp_str rid, store_event *event);
/* svc-talks deleted talk_id (request rid): its comments go, no new one is taken (a create gives
 * STORE_TALK_GONE), and a talk.deleted event is recorded; a talk already gone changes nothing
 * and leaves *event empty. */
int store_talk_gone(tp_db *db, int64_t talk_id, tp_str rid, store_event *event);

/* A talk's comments, oldest first, or newest first (a feed's order) when newest_first (approved
 * only, unless include_pending). */
int64_t store_comment_count(tp_db *db, int64_t talk_id, bool include_pending);
int store_comment_list(tp_db *db, int64_t talk_id, bool include_pending, bool newest_first,
                       int64_t offset, int64_t limit, tp_w *w, const char *key);
/* How many comments a reader who sees them (as include_pending says) finds before id; it costs
 * the comments since id, not all of the talk's. */
int64_t store_comment_rank(tp_db *db, int64_t talk_id, bool include_pending, int64_t id);

/* Pending comments on the talks of talk_author_id (0: everyone's), oldest first. */
int64_t store_pending_count(tp_db *db, int64_t talk_author_id);
int store_pending_list(tp_db *db, int64_t talk_author_id, int64_t offset, int64_t limit, tp_w *w,
                       const char *key);
/* The pending comments of a talk among ids (a visitor's own, as their cookie lists them), oldest
 * first, without their email. */
int store_own_list(tp_db *db, int64_t talk_id, const msgpack_object *ids, tp_w *w, const char *key);
/* The ids of the pending comments a visitor posted with email (any case), on the talks of
 * talk_author_id (0: every talk), oldest first, into *ids (malloc'd, the caller frees it; NULL
 * when none). How many, or -1. */
int64_t store_pending_from(tp_db *db, tp_str email, int64_t talk_author_id, int64_t **ids);
/* {"<talk id>": approved count} for a list of talk ids. */
int store_approved_counts(tp_db *db, const msgpack_object *talk_ids, tp_w *w, const char *key);
/* The live table's newest change number (schema.h, migration 5), 0 when it is empty; -1 on
 * error. */
int64_t store_live_head(tp_db *db);
/* The live table's oldest change number kept (store_live_prune), 0 when it is empty; -1 on
 * error. The rows before it are gone: a place before oldest - 1 may have missed some. */
int64_t store_live_oldest(tp_db *db);
/* Deletes at most limit live rows written before the time before, oldest first, and only the
 * run of them that starts with the oldest (so what is kept has no holes, and store_live_oldest
 * says where it starts); the newest row always stays (store_live_head reads it). How many went,
 * or -1. A writing statement: the caller holds the transaction. */
int64_t store_live_prune(tp_db *db, int64_t before, int64_t limit);
/* A talk's live rows after seq after and up to upto, oldest first, at most limit: each
 * {seq, rank, comment} with the comment as it is now (rank: store_comment_rank, for the reader
 * include_pending says). Without include_pending only the rows from which visitors see the
 * comment. *last is the last row's seq (left as it is when there is none). How many, or -1. */
int64_t store_live_after(tp_db *db, int64_t talk_id, int64_t after, int64_t upto,
                         bool include_pending, int64_t limit, tp_w *w, const char *key,
                         int64_t *last);
/* Outbox events after seq, oldest first: [{seq, type, comment, rid (when the change had one)}].
 * How many, or -1. */
int64_t store_events_after(tp_db *db, int64_t seq, int64_t limit, tp_w *w, const char *key);
/* The newest seq the outbox ever gave an event (0 for none; pruned events count), or -1. */
int64_t store_events_last(tp_db *db);
/* The outbox's next events numbered after seq at least; 0, or -1. */
int store_events_skip_to(tp_db *db, int64_t seq);

/* Deletes at most limit outbox events, oldest first: those with seq up to handled (what svc-mail
 * has applied, prune.h) made before the time before, and only the run of them that starts with
 * the oldest (it stops at the first event too young to go, so what is left has no holes). How
 * many went, or -1. A writing statement: the caller holds the transaction. */
int64_t store_outbox_prune(tp_db *db, int64_t handled, int64_t before, int64_t limit);

/* A comment as talksctl export writes it and import brings it back (tp_transfer.h), with its
 * Markdown rendered again (html) and the key of import-flask's rows. */
typedef struct comment_row {
    int64_t id, created_at;
    bool approved;
    comment_input in;
    tp_str key;
    tp_buf html;
} comment_row;

/* Writes the comments with an id above after as "rows" and "more" (tp_export_rows). */
int store_comments_export(tp_db *db, int64_t after, tp_w *w);
/* How many comments there are; -1 on error. */
int64_t store_comments_count(tp_db *db);
/* Adds r (a writer job: inside its transaction), unless r's key (when not empty) made a comment
 * already: then *id is that one and *added false. Without merge r keeps its id, and a taken one
 * returns 1; with merge a taken id gives r a new one. 0, 1 or -1. */
int store_comment_import(tp_db *db, const comment_row *r, bool merge, int64_t *id, bool *added);

#endif
