/* live: a talk's comments as Server-Sent Events (see live.h).
 *
 * A stream is one request whose response never ends by itself: its gw_ctx lives as long as it
 * does, and every bus call it makes is a gw_call_try on that ctx (a response under way cannot
 * turn into an error page). The replies a round of calls keeps are dropped when the round is
 * done, so a stream holds the router's session and counts replies and nothing else. Output goes
 * through one queue: h2o takes a buffer and says when it is written (proceed); what comes
 * meanwhile waits in the queue, which a client that stops reading cannot grow past
 * QUEUE_MAX. */
#include "live.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "comment_view.h"
#include "gw_call.h"
#include "render.h"
#include "talk_authors.h"
#include "talk_fetch.h"
#include "tp_config.h"
#include "tp_events.h"
#include "tp_json.h"

#define QUEUE_MAX    (512 * 1024) /* bytes waiting for a slow client: past it, the stream ends */
#define RETRY_MS     3000         /* what browsers wait before they reconnect */
#define WAKE_TALKS   64           /* talk ids the hub hands over at once; more wakes every stream */
#define SEQ_DIGITS   18           /* a change number, as Last-Event-ID or ?after= */
#define BADGE_UNSEEN -1

typedef struct stream {
    h2o_generator_t generator; /* first: h2o hands it back */
    gw_ctx *ctx;
    h2o_linklist_t link; /* in streams */
    h2o_timeout_entry_t beat;
    char peer[sizeof((gw_ctx *)0)->peer];
    char talk_url[40];
    int64_t talk_id, seq, user_id;
    int64_t badge[2]; /* pending, pending_all last shown */
    int kept;         /* ctx->nreplies to keep: the router's */
    bool has_seq, started, can_moderate, admin;
    bool fetching, fetch_again, counting, count_again;
    bool sending, closing, done, gone;
    const msgpack_object *live; /* the comments.live reply while its authors are fetched */
    tp_buf queue, in_flight;
} stream;

static h2o_linklist_t streams;
static _Atomic int nstreams;
static long max_streams, max_per_addr, heartbeat_ms;
static bool stopping;
static h2o_timeout_t heartbeat;
static h2o_loop_t *live_loop;

/* What the hub's thread hands to the loop: the talks woken since the last hand-over. */
static struct {
    pthread_mutex_t lock;
    int64_t talks[WAKE_TALKS];
    int n;
    bool all, posted;
    h2o_multithread_message_t message;
} wake = {.lock = PTHREAD_MUTEX_INITIALIZER};
static h2o_multithread_queue_t *wake_queue;
static h2o_multithread_receiver_t wake_receiver;

/* ---- output ---- */

static void flush(stream *s)
{
    if (s->sending || s->done || s->gone || !s->started) return;
    if (!s->queue.len && !s->closing) return;
    tp_buf_free(&s->in_flight);
    s->in_flight = s->queue;
    s->queue = (tp_buf)TP_BUF_INIT;
    h2o_iovec_t body = h2o_iovec_init(s->in_flight.data, s->in_flight.len);
    s->sending = true;
    s->done = s->closing;
    h2o_send(s->ctx->req, &body, body.len ? 1 : 0,
             s->closing ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

/* Ends s at once: its last chunk goes if h2o can take it now, and the socket is shut for writing,
 * so a client that does not read cannot keep the stream (nor its slots): h2o's write that waits
 * for it fails, and h2o closes the connection and frees the request, within a turn of the loop.
 * Whatever the client had not taken yet is lost, which costs its browser nothing: it resumes
 * from the last event it has whole. (Not for HTTP/2, where the socket is every stream's; the
 * gateway does not speak it.) */
static void end_stream(stream *s)
{
    h2o_req_t *req = s->ctx->req;
    h2o_socket_t *sock = req->version < 0x200 ? req->conn->callbacks->get_socket(req->conn) : NULL;
    s->closing = true;
    req->http1_is_persistent = 0;
    flush(s); /* h2o calls back later, never from within: req is still there */
    if (sock) shutdown(h2o_socket_get_fd(sock), SHUT_WR);
}

/* Queues text (one or more whole events) and sends it when h2o can take it. A closing stream
 * takes nothing more. */
static void emit(stream *s, const char *text, size_t len)
{
    if (s->closing || s->done || s->gone) return;
    tp_buf_append(&s->queue, text, len);
    if (s->queue.len > QUEUE_MAX) /* its client is not reading: its browser resumes */
        end_stream(s);
    else
        flush(s);
}

static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    stream *s = (stream *)g;
    s->sending = false;
    flush(s);
}

static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    ((stream *)g)->gone = true;
}

/* ---- the stream's calls ---- */

static void fetch(stream *s);
static void recount(stream *s);

/* The replies of a finished round of calls; the router's stay (ctx->me points into them). */
static void drop_replies(stream *s)
{
    gw_ctx *ctx = s->ctx;
    while (ctx->nreplies > s->kept) tp_msg_free(&ctx->replies[--ctx->nreplies]);
}

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* One comment as an event: its change number as the id, data {"id", "html"} (JSON holds no line
 * break, so data is one line). */
static void emit_comment(stream *s, const msgpack_object *item, const msgpack_object *users)
{
    const msgpack_object *comment = tp_map_get(item, "comment");
    int64_t rank = int_field(item, "rank");
    tp_w page;
    tp_w_init(&page);
    tp_w_map_begin(&page);
    tp_w_key(&page, "comment");
    comment_view_write(&page, COMMENT_FOR_PAGE, comment, users, s->can_moderate,
                       rank < INT64_MAX ? rank + 1 : rank, NULL);
    tp_w_kstr(&page, "csrf_token", s->ctx->csrf_token);
    tp_w_kstr(&page, "return_to", s->talk_url);
    tp_w_kbool(&page, "comment_form", true);
    tp_w_map_end(&page);
    tp_buf html = TP_BUF_INIT;
    if (render_fragment("comment_live", &page, &html) == 0) {
        tp_w data;
        tp_w_init(&data);
        tp_w_map_begin(&data);
        tp_w_kint(&data, "id", int_field(comment, "id"));
        tp_w_kstrn(&data, "html", html.data ? html.data : "", html.len);
        tp_w_map_end(&data);
        tp_msg m;
        if (tp_msg_parse(&m, data.buf.data, data.buf.len) == 0) {
            tp_buf event = TP_BUF_INIT;
            tp_buf_printf(&event, "id: %" PRId64 "\ndata: ", int_field(item, "seq"));
            json_from_msgpack(m.root, &event);
            tp_buf_puts(&event, "\n\n");
            emit(s, event.data, event.len);
            tp_buf_free(&event);
            tp_msg_free(&m);
        }
        tp_w_free(&data);
    }
    tp_buf_free(&html);
}

/* The end of a comments.live round: the stream's place moves on, and it asks again if there is
 * more, or if a wake-up came meanwhile. */
static void fetched(stream *s, const msgpack_object *reply)
{
    bool more = false;
    if (reply) {
        s->seq = int_field(reply, "seq");
        s->has_seq = true;
        tp_get_bool(reply, "more", &more);
    }
    s->fetching = false;
    s->live = NULL;
    drop_replies(s);
    if (more || s->fetch_again) fetch(s);
}

/* Sends the comments of s->live; users: their authors' accounts (NULL: names only). */
static void emit_comments(stream *s, const msgpack_object *users)
{
    const msgpack_object *list = tp_map_get(s->live, "comments");
    for (uint32_t i = 0; i < list->via.array.size; i++)
        emit_comment(s, &list->via.array.ptr[i], users);
    fetched(s, s->live);
}

static void on_authors(gw_ctx *ctx, const gw_reply *r)
{
    emit_comments(ctx->page_state, r->err == TP_OK ? tp_map_get(r->map, "users") : NULL);
}

/* The stream's place is before the oldest change svc-comments still keeps (it prunes them,
 * svc-comments/prune.h): what happened since cannot be sent without gaps, so the page is told to
 * load again ("event: reload", which live.js does; the page has everything and a new place). The
 * id moves the client on: one that does not reload is told once, and goes on from now. */
static void tell_reload(stream *s, const msgpack_object *reply)
{
    char event[80];
    int n = snprintf(event, sizeof event, "event: reload\nid: %" PRId64 "\ndata: {}\n\n",
                     int_field(reply, "seq"));
    emit(s, event, (size_t)n);
    fetched(s, reply);
}

static void on_live(gw_ctx *ctx, const gw_reply *r)
{
    stream *s = ctx->page_state;
    bool gap = false;
    if (r->err != TP_OK) { /* the next heartbeat asks again */
        fetched(s, NULL);
        return;
    }
    tp_get_bool(r->map, "gap", &gap);
    if (gap) {
        tell_reload(s, r->map);
        return;
    }
    const msgpack_object *list = tp_map_get(r->map, "comments");
    int64_t ids[TP_USERS_GET_MAX];
    size_t n = 0;
    for (uint32_t i = 0; i < list->via.array.size && n < TP_USERS_GET_MAX; i++) {
        int64_t author = int_field(tp_map_get(&list->via.array.ptr[i], "comment"), "author_id");
        if (author > 0) ids[n++] = author;
    }
    s->live = r->map;
    if (n == 0) /* nothing new, or visitors' comments only */
        emit_comments(s, NULL);
    else
        gw_call_try(ctx, AUTH_USERS_GET, on_authors, .ids = {.v = ids, .n = n});
}

/* One call of a kind at a time per stream: one asked for meanwhile runs after it (*again). */
static bool take_turn(bool *busy, bool *again)
{
    *again = *busy;
    if (*busy) return false;
    *busy = true;
    return true;
}

static void fetch(stream *s)
{
    if (!take_turn(&s->fetching, &s->fetch_again)) return;
    gw_call_try(s->ctx, COMMENTS_LIVE, on_live, .talk_id = s->talk_id, .after = s->seq,
                .include_pending = s->can_moderate, .from_now = !s->has_seq);
}

static void on_counts(gw_ctx *ctx, const gw_reply *r)
{
    stream *s = ctx->page_state;
    s->counting = false;
    if (r->err == TP_OK) {
        int64_t now[2] = {int_field(r->map, "pending"), int_field(r->map, "pending_all")};
        if (now[0] != s->badge[0] || (s->admin && now[1] != s->badge[1])) {
            char event[120];
            int n = s->admin
                        ? snprintf(event, sizeof event,
                                   "event: badge\ndata: {\"pending\":%" PRId64
                                   ",\"pending_all\":%" PRId64 "}\n\n",
                                   now[0], now[1])
                        : snprintf(event, sizeof event,
                                   "event: badge\ndata: {\"pending\":%" PRId64 "}\n\n", now[0]);
            emit(s, event, (size_t)n);
            memcpy(s->badge, now, sizeof now);
        }
    }
    if (!s->fetching) drop_replies(s); /* else the comments.live reply is still being read */
    if (s->count_again) recount(s);
}

/* The navbar's counts, for a logged-in reader (any talk's comments may change them). */
static void recount(stream *s)
{
    if (!take_turn(&s->counting, &s->count_again)) return;
    gw_call_try(s->ctx, COMMENTS_COUNTS, on_counts, .user_id = s->user_id, .is_admin = s->admin);
}

/* ---- wake-ups: the hub's thread, then the loop ---- */

static void on_wake(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    h2o_linklist_unlink(messages->next); /* the one message there is */
    int64_t talks[WAKE_TALKS];
    pthread_mutex_lock(&wake.lock);
    int n = wake.n;
    bool all = wake.all;
    memcpy(talks, wake.talks, (size_t)n * sizeof talks[0]);
    wake.n = 0;
    wake.all = wake.posted = false;
    pthread_mutex_unlock(&wake.lock);
    for (h2o_linklist_t *l = streams.next; l != &streams; l = l->next) {
        stream *s = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        if (!s->started || s->closing || s->done || s->gone) continue;
        bool mine = all;
        for (int i = 0; i < n && !mine; i++) mine = talks[i] == s->talk_id;
        if (mine) fetch(s);
        if (s->user_id) recount(s);
    }
}

static void wake_talk(int64_t talk_id)
{
    pthread_mutex_lock(&wake.lock);
    bool known = false;
    for (int i = 0; i < wake.n && !known; i++) known = wake.talks[i] == talk_id;
    if (!known && wake.n < WAKE_TALKS)
        wake.talks[wake.n++] = talk_id;
    else if (!known)
        wake.all = true;
    if (!wake.posted) {
        wake.posted = true;
        h2o_multithread_send_message(&wake_receiver, &wake.message);
    }
    pthread_mutex_unlock(&wake.lock);
}

void live_on_event(const char *event, size_t len)
{
    if (atomic_load(&nstreams) == 0) return;
    tp_msg m;
    const msgpack_object *events;
    if (tp_events_parse(event, len, &m, &events) != 0) return; /* not comment events */
    for (uint32_t i = 0; i < events->via.array.size; i++) {
        tp_event_hint hint;
        if (tp_event_hint_read(tp_map_get(&events->via.array.ptr[i], "comment"), &hint) == 0)
            wake_talk(hint.talk_id);
    }
    tp_msg_free(&m);
}

static void on_beat(h2o_timeout_entry_t *entry)
{
    stream *s = H2O_STRUCT_FROM_MEMBER(stream, beat, entry);
    static const char comment[] = ": \n\n";
    if (s->closing || s->done || s->gone) return;
    emit(s, comment, sizeof comment - 1);
    fetch(s); /* a lost wake-up costs one heartbeat's delay */
    if (!s->closing && !s->done && !s->gone) h2o_timeout_link(live_loop, &heartbeat, &s->beat);
}

/* ---- a stream's life ---- */

static void stream_dispose(void *p)
{
    stream *s = p;
    if (h2o_timeout_is_linked(&s->beat)) h2o_timeout_unlink(&s->beat);
    h2o_linklist_unlink(&s->link);
    atomic_fetch_sub(&nstreams, 1);
    tp_buf_free(&s->queue);
    tp_buf_free(&s->in_flight);
}

static void add_header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
}

static bool is_head(const h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

static void start_stream(stream *s)
{
    h2o_req_t *req = s->ctx->req;
    req->res.status = 200;
    req->res.reason = "OK";
    render_security_headers(s->ctx);
    add_header(req, H2O_TOKEN_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-accel-buffering"), 0, NULL,
                          H2O_STRLIT("no"));
    s->generator = (h2o_generator_t){on_proceed, on_stop};
    h2o_start_response(req, &s->generator);
    s->started = true;
    s->kept = s->ctx->nreplies;
    if (is_head(req)) {
        s->closing = true;
        flush(s);
        return;
    }
    char first[40];
    int n = snprintf(first, sizeof first, "retry: %d\n\n", RETRY_MS); /* and the headers go */
    emit(s, first, (size_t)n);
    fetch(s);
    h2o_timeout_link(live_loop, &heartbeat, &s->beat);
}

/* The 503 page, with Retry-After: too many streams (in all, or of one address). */
static void refuse(gw_ctx *ctx)
{
    h2o_add_header(&ctx->req->pool, &ctx->req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   H2O_STRLIT("10"));
    render_error(ctx, 503, "Temporarily unavailable",
                 "Too many live comment streams are open. Please try again later.");
}

/* Room for s, a stream about to start: false if its address has none. An address at its cap gets
 * its new stream, and its oldest one ends (its browser, if still there, resumes in RETRY_MS from
 * its last id). Refusing the new one instead would lock out a visitor who reloads a talk page: a
 * stream whose client left is noticed only when writing to it fails, a heartbeat or two later,
 * as h2o does not read a request's socket while answering it.
 *
 * Every stream that has started and is not yet freed counts, closing ones too: each holds one of
 * the TALKS_LIVE_STREAMS slots until h2o lets go of it, so an address whose clients never read
 * could otherwise hold them all with streams it had made end. end_stream frees them within a turn
 * of the loop; meanwhile one more is let in, and no other: an address holds at most
 * max_per_addr + 1 slots, the one over already ending (and, in all only, its requests still
 * waiting for their talk: they count against it once they start). */
static bool make_room(const stream *s)
{
    long held = 0;
    stream *oldest = NULL;
    for (h2o_linklist_t *l = streams.next; l != &streams; l = l->next) {
        stream *o = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        if (o == s || !o->started || o->gone || strcmp(o->peer, s->peer) != 0) continue;
        held++;
        if (!oldest && !o->closing) oldest = o; /* the list is in the order streams came */
    }
    if (held < max_per_addr) return true;
    if (held > max_per_addr || !oldest) return false; /* its streams over the cap are ending */
    end_stream(oldest);
    return true;
}

static void on_talk(gw_ctx *ctx, const gw_reply *r)
{
    stream *s = ctx->page_state;
    if (r->err != TP_OK) {
        render_not_found(ctx);
        return;
    }
    if (stopping) {
        render_unavailable(ctx, "gateway");
        return;
    }
    /* Only now, with the talk found: a request that does not become a stream (an unknown talk,
     * HEAD) never ends one. */
    if (!is_head(ctx->req) && !make_room(s)) {
        refuse(ctx);
        return;
    }
    int64_t author = int_field(tp_map_get(r->map, "talk"), "author_id");
    talk_authors_put(s->talk_id, author);
    s->can_moderate = comment_view_can_moderate(ctx->me, author);
    drop_replies(s);
    start_stream(s);
}

/* A change number from Last-Event-ID or ?after=: digits only, else none. */
static bool read_seq(const char *p, size_t n, int64_t *out)
{
    if (n == 0 || n > SEQ_DIGITS) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static void read_place(stream *s)
{
    h2o_req_t *req = s->ctx->req;
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("last-event-id"), -1);
    const char *after = form_get(&s->ctx->query, "after");
    if (i >= 0)
        s->has_seq = read_seq(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                              &s->seq);
    else if (after)
        s->has_seq = read_seq(after, strlen(after), &s->seq);
}

void page_talk_live(gw_ctx *ctx)
{
    if (stopping || atomic_load(&nstreams) >= max_streams) { /* the cap in all */
        refuse(ctx);
        return;
    }
    stream *s = h2o_mem_alloc_shared(&ctx->req->pool, sizeof *s, stream_dispose);
    memset(s, 0, sizeof *s);
    s->ctx = ctx;
    s->talk_id = talk_fetch_param_id(ctx);
    s->badge[0] = s->badge[1] = BADGE_UNSEEN;
    snprintf(s->peer, sizeof s->peer, "%s", ctx->peer);
    snprintf(s->talk_url, sizeof s->talk_url, "/talk/%" PRId64, s->talk_id);
    s->beat = (h2o_timeout_entry_t){.cb = on_beat};
    if (ctx->me) {
        s->user_id = int_field(ctx->me, "id");
        tp_get_bool(ctx->me, "is_admin", &s->admin);
        if (ctx->counts) {
            s->badge[0] = int_field(ctx->counts, "pending");
            s->badge[1] = int_field(ctx->counts, "pending_all");
        }
    }
    h2o_linklist_insert(&streams, &s->link);
    atomic_fetch_add(&nstreams, 1);
    ctx->page_state = s;
    s->kept = ctx->nreplies;
    read_place(s);
    gw_call(ctx, TALKS_GET, on_talk, .id = s->talk_id);
}

void live_close_all(void)
{
    stopping = true;
    for (h2o_linklist_t *l = streams.next; l != &streams; l = l->next) {
        stream *s = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        s->closing = true;
        flush(s);
    }
}

int live_start(h2o_loop_t *loop, char *err, size_t errlen)
{
    if (tp_config_int(TALKS_LIVE_STREAMS, 0, 1000000, &max_streams, err, errlen) ||
        tp_config_int(TALKS_LIVE_STREAMS_PER_ADDR, 1, 1000000, &max_per_addr, err, errlen) ||
        tp_config_int(TALKS_LIVE_HEARTBEAT_MS, 100, 3600000, &heartbeat_ms, err, errlen))
        return -1;
    live_loop = loop;
    h2o_linklist_init_anchor(&streams);
    h2o_timeout_init(loop, &heartbeat, (uint64_t)heartbeat_ms);
    wake_queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(wake_queue, &wake_receiver, on_wake);
    return 0;
}
