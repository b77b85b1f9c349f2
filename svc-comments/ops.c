/* ops: svc-comments' operations — create (rendered once, rate-limited for visitors,
 * idempotent by request id), list, moderate (approve, delete), counts, preview, and the outbox
 * ("events after N"). The gateway says who is asking (user_id, is_admin); this service decides
 * what they may do: a talk's speaker moderates its comments, an admin all of them. */
#include "ops.h"

#include <stdlib.h>

#include "markdown.h"
#include "prune.h"
#include "store.h"
#include "tp_backup.h"
#include "tp_events.h"
#include "tp_log.h"
#include "transfer.h"

static int64_t rate_per_minute;

int comments_ops_init(char *err, size_t errlen)
{
    long rate;
    if (tp_config_int(COMMENT_RATE_PER_MINUTE, 0, 1000000, &rate, err, errlen) ||
        tp_events_open_publisher(err, errlen))
        return -1;
    rate_per_minute = rate;
    return 0;
}

static tp_err db_failed(tp_call *c)
{
    return tp_fail(c, TP_EINTERNAL, "database error");
}

/* A committed job's event, sent with the others of its batch (tp_svc's writer flushes them). */
static void queue_event(const store_event *event)
{
    if (event->seq) tp_events_queue(event->seq, event->type, &event->hint);
}

/* The asked page (any number) clamped to the pages of total items of per_page; writes the
 * paging fields of the reply. */
static int64_t paging(tp_call *c, int64_t total, int64_t page, int64_t per_page)
{
    int64_t pages = total ? (total + per_page - 1) / per_page : 1;
    if (page < 1) page = 1;
    if (page > pages) page = pages;
    tp_w_kint(c->out, "page", page);
    tp_w_kint(c->out, "pages", pages);
    tp_w_kint(c->out, "total", total);
    return page;
}

static tp_err op_preview(tp_call *c)
{
    tp_str body = TP_IN(c, COMMENTS_PREVIEW)->body;
    tp_buf html = TP_BUF_INIT;
    if (markdown_render(body.p, body.n, &html) != 0)
        return tp_fail(c, TP_EINVAL, "The comment is too long to show.");
    tp_w_kstrn(c->out, "html", html.data ? html.data : "", html.len);
    tp_buf_free(&html);
    return TP_OK;
}

/* comments.create's write, run by the writer, which replies once it is committed. */
typedef struct create_job {
    comment_input in; /* its text points into the request, which outlives the job */
    tp_buf html;
    tp_str key;           /* the idempotency key (see op_create) */
    tp_str rid;           /* the request's id, recorded with the event */
    bool include_pending; /* for the rank */
    enum store_create made;
    int64_t id, rank;
    bool approved;
    store_event event; /* a new comment's event (none when key had made it before) */
} create_job;

static int create(tp_db *db, void *arg)
{
    create_job *j = arg;
    j->made =
        store_comment_create(db, &j->in, j->html.data ? j->html.data : "", j->html.len, j->key,
                             j->rid, rate_per_minute, &j->id, &j->approved, &j->event);
    if (j->made != STORE_CREATED) return -1;
    /* In the same transaction, so no comment committed in between shifts it. */
    j->rank = store_comment_rank(db, j->in.talk_id, j->include_pending, j->id);
    return j->rank < 0 ? -1 : 0;
}

static void create_committed(void *arg)
{
    queue_event(&((create_job *)arg)->event);
}

/* After the batch, on the writer's thread. The reply names the comment (a request sent again
 * gets the one its first try made) instead of carrying it: its id and whether it is published
 * are all the gateway needs, and a batch of such replies stays small whatever the comments hold
 * (their HTML may be 256 kB each). */
static tp_err create_reply(tp_call *c, void *arg, int rc)
{
    create_job *j = arg;
    tp_buf_free(&j->html);
    tp_err e = TP_OK;
    if (rc != 0 && j->made == STORE_THROTTLED) {
        e = tp_fail(c, TP_ETHROTTLED,
                    "You are posting comments too quickly. Please wait a minute and try again.");
    } else if (rc != 0 && j->made == STORE_TALK_GONE) {
        e = tp_fail(c, TP_ENOTFOUND, "No such talk.");
    } else if (rc != 0) {
        e = db_failed(c);
    } else {
        tp_w_key(c->out, "comment");
        tp_w_map_begin(c->out);
        tp_w_kint(c->out, "id", j->id);
        tp_w_kbool(c->out, "approved", j->approved);
        tp_w_map_end(c->out);
        tp_w_kint(c->out, "rank", j->rank);
    }
    tp_buf_free(&j->event.hint);
    return e;
}

static const tp_deferred create_deferred = {create, create_committed, create_reply};
_Static_assert(sizeof(create_job) <= TP_JOB_MAX, "create_job is copied into the request");

/* A create is made once per idempotency key, recorded with the comment in the same
 * transaction: a create sent again with the key of one already made replies with that comment
 * (and its rank now) and stores nothing. The key is `key` when the request has one — the
 * gateway derives it from the comment form's one-time key, so the same form sent twice (a
 * double click, a retry after a 503) is one comment, or makes a new one for a request the bus
 * may resend — and the request id otherwise (talksctl seed's, deterministic). Keys and request
 * ids share one column: the gateway's keys are 43 characters or 16 hex digits, talksctl's
 * request ids start with "seed-". */
static tp_err op_create(tp_call *c)
{
    comment_errors errors;
    const struct tp_in_TP_OP_COMMENTS_CREATE *req = TP_IN(c, COMMENTS_CREATE);
    create_job j = {.key = req->key.n ? req->key : c->rid,
                    .rid = c->rid,
                    .made = STORE_FAILED,
                    .include_pending = req->include_pending};
    if (comment_input_read(c->msg, &j.in, &errors))
        return tp_fail(c, TP_EBADMSG, "comment fields missing");
    if (comment_errors_any(&errors)) {
        comment_errors_write(&errors, c->out);
        return tp_fail(c, TP_EINVAL, "Please correct the errors below.");
    }
    if (markdown_render(j.in.body.p, j.in.body.n, &j.html) != 0) {
        tp_w_key(c->out, "fields");
        tp_w_map_begin(c->out);
        tp_w_kstr(c->out, "body", "This comment is too long.");
        tp_w_map_end(c->out);
        return tp_fail(c, TP_EINVAL, "Please correct the errors below.");
    }
    return tp_call_defer(c, &create_deferred, &j, sizeof j);
}

/* {talk_id, page, per_page, include_pending?, newest_first?}: a page of a talk's comments, oldest
 * first (newest first for a feed). */
static tp_err list_page(tp_call *c)
{
    const struct tp_in_TP_OP_COMMENTS_LIST *req = TP_IN(c, COMMENTS_LIST);
    int64_t talk_id = req->talk_id, per_page = req->per_page;
    bool pending = req->include_pending;
    /* The live stream starts from the head read with the page (comments.live): the same
     * snapshot, so a change is either on the page or sent by the stream. */
    int64_t live_seq = store_live_head(c->db);
    int64_t total = store_comment_count(c->db, talk_id, pending);
    int64_t approved = pending ? store_comment_count(c->db, talk_id, false) : total;
    if (live_seq < 0 || total < 0 || approved < 0) return db_failed(c);
    int64_t page = paging(c, total, req->page, per_page);
    tp_w_kint(c->out, "approved_total", approved);
    tp_w_kint(c->out, "live_seq", live_seq);
    return store_comment_list(c->db, talk_id, pending, req->newest_first, (page - 1) * per_page,
                              per_page, c->out, "comments")
               ? db_failed(c)
               : TP_OK;
}

/* The live head, the counts and the page read in one snapshot (see tp_db_read_begin). */
static tp_err op_list(tp_call *c)
{
    if (tp_db_read_begin(c->db)) return db_failed(c);
    tp_err err = list_page(c);
    tp_db_read_end(c->db);
    return err;
}

/* comments.approve and comments.delete: the check and the change in one job, so two moderators
 * acting at once cannot both approve, or record the deletion of a comment already gone. */
typedef struct moderate_job {
    int64_t id, user_id;
    bool admin, approve;
    tp_err err;
    tp_str rid; /* points into the request, which outlives the job */
    store_event event;
} moderate_job;

static int moderate(tp_db *db, void *arg)
{
    moderate_job *j = arg;
    int64_t talk_author_id;
    bool approved;
    int found = store_comment_state(db, j->id, &talk_author_id, &approved);
    if (found < 0)
        j->err = TP_EINTERNAL;
    else if (!found)
        j->err = TP_ENOTFOUND;
    else if (!j->admin && talk_author_id != j->user_id)
        j->err = TP_EFORBIDDEN;
    else if (j->approve && approved)
        j->err = TP_EINVAL; /* SPEC section 5: 400 if already approved */
    else if (j->approve ? store_comment_approve(db, j->id, j->rid, &j->event)
                        : store_comment_delete(db, j->id, j->rid, &j->event))
        j->err = TP_EINTERNAL;
    else
        j->err = TP_OK;
    return j->err == TP_OK ? 0 : -1;
}

static void moderate_committed(void *arg)
{
    queue_event(&((moderate_job *)arg)->event);
}

static tp_err moderate_reply(tp_call *c, void *arg, int rc)
{
    moderate_job *j = arg;
    if (rc == 0) {
        /* The talk it is on: where the gateway's no-JavaScript form goes back to by default. */
        tp_msg m;
        tp_event_hint hint;
        if (tp_msg_parse(&m, j->event.hint.data, j->event.hint.len) == 0) {
            if (tp_event_hint_read(m.root, &hint) == 0) tp_w_kint(c->out, "talk_id", hint.talk_id);
            tp_msg_free(&m);
        }
    }
    tp_buf_free(&j->event.hint);
    if (rc == 0) return TP_OK;
    switch (j->err) {
    case TP_ENOTFOUND:
        return tp_fail(c, j->err, "Comment not found.");
    case TP_EFORBIDDEN:
        return tp_fail(c, j->err, "You cannot modify this comment.");
    case TP_EINVAL:
        return tp_fail(c, j->err, "Comment is already approved.");
    default:
        return db_failed(c); /* a database error, or the batch did not commit */
    }
}

static const tp_deferred moderate_deferred = {moderate, moderate_committed, moderate_reply};
_Static_assert(sizeof(moderate_job) <= TP_JOB_MAX, "moderate_job is copied into the request");

static tp_err moderate_op(tp_call *c, bool approve)
{
    /* approve and delete share their fields (TP_MODERATE_IN): one struct reads both */
    const struct tp_in_TP_OP_COMMENTS_APPROVE *req = TP_IN(c, COMMENTS_APPROVE);
    moderate_job j = {.id = req->id,
                      .user_id = req->user_id,
                      .admin = req->is_admin,
                      .approve = approve,
                      .err = TP_EINTERNAL,
                      .rid = c->rid};
    return tp_call_defer(c, &moderate_deferred, &j, sizeof j);
}

static tp_err op_approve(tp_call *c)
{
    return moderate_op(c, true);
}

static tp_err op_delete(tp_call *c)
{
    return moderate_op(c, false);
}

/* comments.commenter_approve and comments.commenter_delete: every pending comment of one
 * visitor (by email) that the moderator may moderate, in one transaction, each with its event
 * (so mail and caches follow as for one comment). */
typedef struct commenter_job {
    tp_str email, rid;      /* point into the request, which outlives the job */
    int64_t talk_author_id; /* 0: every talk (an admin) */
    bool approve;
    store_event *events; /* one per comment changed (malloc'd) */
    int64_t n;
} commenter_job;

static int moderate_commenter(tp_db *db, void *arg)
{
    commenter_job *j = arg;
    int64_t *ids = NULL;
    j->n = store_pending_from(db, j->email, j->talk_author_id, &ids);
    if (j->n < 0) return -1;
    j->events = calloc((size_t)j->n + 1, sizeof *j->events);
    int rc = j->events ? 0 : -1;
    for (int64_t i = 0; i < j->n && rc == 0; i++)
        rc = j->approve ? store_comment_approve(db, ids[i], j->rid, &j->events[i])
                        : store_comment_delete(db, ids[i], j->rid, &j->events[i]);
    free(ids);
    return rc;
}

static void commenter_committed(void *arg)
{
    commenter_job *j = arg;
    for (int64_t i = 0; i < j->n; i++) queue_event(&j->events[i]);
}

static tp_err commenter_reply(tp_call *c, void *arg, int rc)
{
    commenter_job *j = arg;
    for (int64_t i = 0; j->events && i < j->n; i++) tp_buf_free(&j->events[i].hint);
    free(j->events);
    if (rc != 0) return db_failed(c);
    tp_w_kint(c->out, "count", j->n);
    return TP_OK;
}

static const tp_deferred commenter_deferred = {moderate_commenter, commenter_committed,
                                               commenter_reply};
_Static_assert(sizeof(commenter_job) <= TP_JOB_MAX, "commenter_job is copied into the request");

static tp_err commenter_op(tp_call *c, bool approve)
{
    /* approve and delete share their fields (TP_COMMENTER_IN): one struct reads both */
    const struct tp_in_TP_OP_COMMENTS_COMMENTER_APPROVE *req = TP_IN(c, COMMENTS_COMMENTER_APPROVE);
    if (!req->email.n) return tp_fail(c, TP_EINVAL, "Which commenter?");
    commenter_job j = {.email = req->email,
                       .rid = c->rid,
                       .talk_author_id = req->is_admin && req->all ? 0 : req->user_id,
                       .approve = approve};
    return tp_call_defer(c, &commenter_deferred, &j, sizeof j);
}

static tp_err op_commenter_approve(tp_call *c)
{
    return commenter_op(c, true);
}

static tp_err op_commenter_delete(tp_call *c)
{
    return commenter_op(c, false);
}

/* A visitor's own comments waiting for moderation on a talk, among the ids their cookie lists
 * (the gateway signs it, so they are the ones this visitor posted). */
static tp_err op_own(tp_call *c)
{
    const struct tp_in_TP_OP_COMMENTS_OWN *req = TP_IN(c, COMMENTS_OWN);
    return store_own_list(c->db, req->talk_id, req->ids.o, c->out, "comments") ? db_failed(c)
                                                                               : TP_OK;
}

/* Pending comments for a moderator: on their talks, or everyone's for an admin asking for all. */
static tp_err op_pending(tp_call *c)
{
    const struct tp_in_TP_OP_COMMENTS_PENDING *req = TP_IN(c, COMMENTS_PENDING);
    int64_t author = req->all ? 0 : req->user_id, per_page = req->per_page;
    int64_t total = store_pending_count(c->db, author);
    if (total < 0) return db_failed(c);
    int64_t page = paging(c, total, req->page, per_page);
    return store_pending_list(c->db, author, (page - 1) * per_page, per_page, c->out, "comments")
               ? db_failed(c)
               : TP_OK;
}

/* The navbar's badges: {pending, pending_all (admins)}. */
static tp_err op_counts(tp_call *c)
{
    int64_t user_id = TP_IN(c, COMMENTS_COUNTS)->user_id;
    bool admin = TP_IN(c, COMMENTS_COUNTS)->is_admin;
    int64_t mine = store_pending_count(c->db, user_id);
    int64_t all = admin ? store_pending_count(c->db, 0) : 0;
    if (mine < 0 || all < 0) return db_failed(c);
    tp_w_kint(c->out, "pending", mine);
    if (admin) tp_w_kint(c->out, "pending_all", all);
    return TP_OK;
}

static tp_err op_approved_counts(tp_call *c)
{
    const msgpack_object *ids = TP_IN(c, COMMENTS_APPROVED_COUNTS)->talk_ids.o;
    return store_approved_counts(c->db, ids, c->out, "counts") ? db_failed(c) : TP_OK;
}

/* comments.live: {seq, comments: [{seq, rank, comment}], more, gap}. The newest change number
 * is read first, and the rows only up to it: a change committed meanwhile comes with the next
 * call, never falls between two. seq is where the next call starts. gap: rows after `after` were
 * pruned (prune.h), so what came since cannot be told: the comments are to be ignored, seq is the
 * newest number, and the gateway has the page reload, which shows everything. */
#define LIVE_MAX 20
static tp_err op_live(tp_call *c)
{
    const struct tp_in_TP_OP_COMMENTS_LIVE *req = TP_IN(c, COMMENTS_LIVE);
    int64_t head = store_live_head(c->db), last = req->after, n = 0;
    bool gap = false;
    if (head < 0) return db_failed(c);
    if (req->from_now) {
        tp_w_key(c->out, "comments");
        tp_w_array_begin(c->out);
        tp_w_array_end(c->out);
    } else {
        n = store_live_after(c->db, req->talk_id, req->after, head, req->include_pending, LIVE_MAX,
                             c->out, "comments", &last);
        /* After the rows: a pass that pruned some of them while they were read shows here. */
        int64_t oldest = n < 0 ? -1 : store_live_oldest(c->db);
        if (oldest < 0) return db_failed(c);
        gap = oldest > 0 && req->after < oldest - 1;
    }
    tp_w_kint(c->out, "seq", n == LIVE_MAX && !gap ? last : head);
    tp_w_kbool(c->out, "more", n == LIVE_MAX && !gap);
    tp_w_kbool(c->out, "gap", gap);
    return TP_OK;
}

/* comments.talk_deleted (svc-talks only, svc-talks/gone.h): the talk's comments go, and its
 * event goes to the outbox, in one writer job. Told again, it answers ok and changes nothing. */
typedef struct talk_gone_job {
    int64_t talk_id;
    tp_str rid; /* points into the request, which outlives the job */
    store_event event;
} talk_gone_job;

static int talk_gone(tp_db *db, void *arg)
{
    talk_gone_job *j = arg;
    return store_talk_gone(db, j->talk_id, j->rid, &j->event);
}

static void talk_gone_committed(void *arg)
{
    queue_event(&((talk_gone_job *)arg)->event);
}

static tp_err talk_gone_reply(tp_call *c, void *arg, int rc)
{
    tp_buf_free(&((talk_gone_job *)arg)->event.hint);
    return rc == 0 ? TP_OK : db_failed(c);
}

static const tp_deferred talk_gone_deferred = {talk_gone, talk_gone_committed, talk_gone_reply};
_Static_assert(sizeof(talk_gone_job) <= TP_JOB_MAX, "talk_gone_job is copied into the request");

static tp_err op_talk_deleted(tp_call *c)
{
    talk_gone_job j = {.talk_id = TP_IN(c, COMMENTS_TALK_DELETED)->talk_id, .rid = c->rid};
    return tp_call_defer(c, &talk_gone_deferred, &j, sizeof j);
}

/* svc-mail's place is past the newest event the outbox ever numbered: comments.db went back (it
 * was restored alone, or from an older copy than mail.db's). The next events would take numbers
 * svc-mail has passed, and be skipped; their mail's keys (the event's number) would also be
 * taken by mail already queued. So the numbering moves on to svc-mail's place; what was made
 * between the restore and this question (svc-mail asks as it starts) is not mailed. The move is
 * for ever, and at the top of the numbers AUTOINCREMENT can give no event again: a place more
 * than EVENTS_SKIP_MAX past the last is no backup's, and is refused (a wrong or hostile cursor
 * must not end the comments). */
#define EVENTS_SKIP_MAX 1000000000

typedef struct skip_job {
    int64_t seq;
} skip_job;

static int skip_to(tp_db *db, void *arg)
{
    return store_events_skip_to(db, ((skip_job *)arg)->seq);
}

static tp_err skip_reply(tp_call *c, void *arg, int rc)
{
    if (rc != 0) return db_failed(c);
    tp_warn(NULL,
            "svc-mail follows the events up to %lld, past the last this comments.db "
            "numbered (restored from an older backup?): the next are numbered after it",
            (long long)((skip_job *)arg)->seq);
    tp_w_key(c->out, "events");
    tp_w_array_begin(c->out);
    tp_w_array_end(c->out);
    return TP_OK;
}

static const tp_deferred skip_deferred = {skip_to, NULL, skip_reply};
_Static_assert(sizeof(skip_job) <= TP_JOB_MAX, "skip_job is copied into the request");

/* {seq, limit} → {events: [{seq, type, comment, rid}, …]}: the outbox after seq. */
static tp_err op_events_after(tp_call *c)
{
    const struct tp_in_TP_OP_COMMENTS_EVENTS_AFTER *req = TP_IN(c, COMMENTS_EVENTS_AFTER);
    int64_t limit = req->limit ? req->limit : TP_EVENTS_MAX;
    int64_t last = store_events_last(c->db);
    if (last < 0) return db_failed(c);
    if (req->seq - last > EVENTS_SKIP_MAX) {
        tp_error(NULL,
                 "svc-mail asked for the events after %lld, more than %d past the last this "
                 "comments.db numbered (%lld): refused",
                 (long long)req->seq, EVENTS_SKIP_MAX, (long long)last);
        return tp_fail(c, TP_EINVAL, "seq is past the outbox's last event by too much");
    }
    /* svc-mail asks after its committed cursor (the op is its only, tp_ops.h): what came up to
     * it is applied, and may go once old enough (prune.h). */
    prune_mail_handled(req->seq);
    if (req->seq > last)
        return tp_call_defer(c, &skip_deferred, &(skip_job){req->seq}, sizeof(skip_job));
    int64_t n = store_events_after(c->db, req->seq, limit, c->out, "events");
    if (n < 0) return db_failed(c);
    c->routine = n == 0; /* svc-mail's catch-up every 2 s: only at debug when it finds nothing */
    return TP_OK;
}

/* The handlers by op, one a line. */
/* clang-format off */
const tp_op_fn comments_ops[TP_OP_COUNT] = {
    [TP_OP_COMMENTS_PREVIEW] = op_preview,
    [TP_OP_COMMENTS_CREATE] = op_create,
    [TP_OP_COMMENTS_LIST] = op_list,
    [TP_OP_COMMENTS_APPROVE] = op_approve,
    [TP_OP_COMMENTS_DELETE] = op_delete,
    [TP_OP_COMMENTS_PENDING] = op_pending,
    [TP_OP_COMMENTS_OWN] = op_own,
    [TP_OP_COMMENTS_COMMENTER_APPROVE] = op_commenter_approve,
    [TP_OP_COMMENTS_COMMENTER_DELETE] = op_commenter_delete,
    [TP_OP_COMMENTS_COUNTS] = op_counts,
    [TP_OP_COMMENTS_APPROVED_COUNTS] = op_approved_counts,
    [TP_OP_COMMENTS_LIVE] = op_live,
    [TP_OP_COMMENTS_EVENTS_AFTER] = op_events_after,
    [TP_OP_COMMENTS_TALK_DELETED] = op_talk_deleted,
    [TP_OP_COMMENTS_EXPORT] = transfer_export,
    [TP_OP_COMMENTS_IMPORT] = transfer_import,
    [TP_OP_COMMENTS_BACKUP] = tp_backup_op,
};
/* clang-format on */
