/* page_talk: a talk's page (/talk/<id>) — header, embedded video and slides, its comments
 * (oldest first, paginated; the speaker and admins also see pending ones, with the commenters'
 * emails and moderation buttons) and the comment form — and posting a comment to it.
 *
 * Building the page takes two rounds of bus calls: the talk (svc-talks) and a page of its
 * comments (svc-comments) together, then the talk's and the commenters' accounts (svc-auth, one
 * call). The comments can go with the talk when the reader's right to moderate is known without
 * it: a visitor never moderates, an admin always does, and a speaker's own talk is known from
 * talk_authors once any page has asked for it; otherwise they wait for the talk. Only the talk
 * must be found: without svc-comments the page says comments are unavailable, without svc-auth
 * names are left out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "page_cache.h"
#include "comment_view.h"
#include "csrf.h"
#include "gw_call.h"
#include "own_comments.h"
#include "pager.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "site.h"
#include "talk_authors.h"
#include "talk_fetch.h"
#include "talk_view.h"
#include "tp_fmt.h"
#include "tp_svc.h"

typedef struct talk_page {
    int status;                     /* 400 or 429 when re-showing a comment form as sent */
    bool reshow;                    /* the comment form shows what was sent */
    const msgpack_object *errors;   /* the comment form's field errors, or NULL */
    const msgpack_object *talk;     /* from svc-talks */
    const msgpack_object *comments; /* the comments.list reply, or NULL when unavailable */
    const msgpack_object *own;      /* the visitor's own pending comments (comments.own), or NULL */
    own_comments mine;              /* what this browser remembers of its comments */
    bool can_moderate;
    int64_t id;         /* the talk's */
    tp_err talk_err;    /* talks.get's answer */
    bool comments_sent; /* comments.list has been asked */
    int waiting;        /* replies of the first round still to come */
} talk_page;

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* comments, comment_total, comments_pager (oldest first: older = earlier pages), or
 * comments_unavailable. */
static void write_comments(tp_w *w, const talk_page *p, const msgpack_object *users)
{
    if (!p->comments) {
        tp_w_kbool(w, "comments_unavailable", true);
        return;
    }
    int64_t page = int_field(p->comments, "page"), pages = int_field(p->comments, "pages");
    int64_t first = comment_view_first_number(page, site_comments_per_page());
    int64_t id = int_field(p->talk, "id");
    comment_view_write_list(w, COMMENT_FOR_PAGE, "comments", tp_map_get(p->comments, "comments"),
                            users, p->can_moderate, first);
    tp_w_kint(w, "comment_total", int_field(p->comments, "approved_total"));
    char base[sizeof "/talk/" + TP_FMT_INT_SIZE];
    tp_fmt_after(base, "/talk/", id);
    pager_write(w, "comments_pager", base, "#comments", page, pages, &pager_comments);
    /* New comments come at the end: the last page takes them in live (live.h), from where this
     * page's comments were read. */
    if (page == pages) {
        char live[sizeof "/talk//live" + TP_FMT_INT_SIZE];
        memcpy(live + tp_fmt_after(live, "/talk/", id), "/live", sizeof "/live");
        tp_w_key(w, "live");
        tp_w_map_begin(w);
        tp_w_kstr(w, "url", live);
        int64_t after;
        if (tp_get_int(p->comments, "live_seq", 0, INT64_MAX, &after) == 0)
            tp_w_kint(w, "after", after);
        tp_w_map_end(w);
    }
}

/* The visitor's own comments waiting for review, beside the form; the comment flash is shown
 * there too, where the redirect after posting lands, instead of at the top of the page. A form
 * shown again as sent (400, 429) has its notice above it instead, in view where the form's
 * #comment-form lands (flashes_at_form). */
static void write_own_comments(tp_w *w, const talk_page *p)
{
    const msgpack_object *list = tp_map_get(p->own, "comments");
    bool any = list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size > 0;
    tp_w_kbool(w, "has_own_comments", any);
    tp_w_kbool(w, "flashes_below", any || p->reshow);
    tp_w_kbool(w, "flashes_at_form", p->reshow);
    if (any) comment_view_write_list(w, COMMENT_FOR_PAGE, "own_comments", list, NULL, false, 0);
}

/* What the comment form shows: what was posted, or empty with "notify" on (a visitor's name and
 * email as their last comment had them); and a one-time key
 * of its own, fresh with every answer (page_cache puts one into each copy it serves), so that
 * the same form sent twice stores one comment. */
static void write_comment_form(gw_ctx *ctx, tp_w *w, const talk_page *p)
{
    bool reshow = p->reshow;
    char form_key[GW_SECRET_TEXT];
    page_cache_form_key(ctx, form_key);
    tp_w_key(w, "comment_form");
    tp_w_map_begin(w);
    tp_w_kstr(w, "form_key", form_key);
    tp_w_kstr(w, "name", reshow ? gw_field(ctx, "name") : p->mine.name);
    tp_w_kstr(w, "email", reshow ? gw_field(ctx, "email") : p->mine.email);
    tp_w_kstr(w, "body", reshow ? gw_field(ctx, "body") : "");
    tp_w_kbool(w, "notify", reshow ? form_has(&ctx->body, "notify") : true);
    tp_w_map_end(w);
    tp_w_key(w, "comment_errors");
    reply_write(w, p->errors, &reply_comment_errors);
}

static void on_users(gw_ctx *ctx, const gw_reply *r)
{
    talk_page *p = ctx->page_state;
    const msgpack_object *users = r->err == TP_OK ? tp_map_get(r->map, "users") : NULL;
    tp_str title = {"", 0};
    tp_get_str(p->talk, "title", 1024, &title);
    static const char feed_prefix[] = "Comments on ";
    char page_title[600], feed_title[sizeof feed_prefix - 1 + sizeof page_title];
    size_t n = title.n < sizeof page_title - 1 ? title.n : sizeof page_title - 1;
    memcpy(page_title, title.p, n);
    page_title[n] = '\0';
    memcpy(feed_title, feed_prefix, sizeof feed_prefix - 1);
    memcpy(feed_title + sizeof feed_prefix - 1, page_title, n + 1);

    tp_w *w = render_begin(ctx, page_title);
    char feed[sizeof "/talk//feed.atom" + TP_FMT_INT_SIZE];
    size_t at = tp_fmt_after(feed, "/talk/", int_field(p->talk, "id"));
    memcpy(feed + at, "/feed.atom", sizeof "/feed.atom");
    tp_w_kstr(w, "feed_url", feed);
    tp_w_kstr(w, "feed_title", feed_title);
    tp_w_key(w, "talk");
    talk_view_write(w, p->talk, talk_view_author(users, p->talk),
                    p->comments ? int_field(p->comments, "approved_total") : -1, ctx->me);
    talk_view_write_og(w, p->talk, site_public_url());
    write_comments(w, p, users);
    write_own_comments(w, p);
    if (p->can_moderate) /* comment.mustache: where Approve and Delete come back to */
        tp_w_kstrn(w, "return_to", ctx->req->path.base, ctx->req->path.len);
    write_comment_form(ctx, w, p);
    render_page(ctx, p->status, "talk");
}

static void ask_users(gw_ctx *ctx)
{
    talk_page *p = ctx->page_state;
    int64_t ids[TP_USERS_GET_MAX] = {int_field(p->talk, "author_id")};
    size_t n =
        reply_ids(tp_map_get(p->comments, "comments"), "author_id", ids, 1, TP_USERS_GET_MAX);
    gw_call_try_batched(ctx, AUTH_USERS_GET, on_users, .ids = {.v = ids, .n = n});
}

static void on_own(gw_ctx *ctx, const gw_reply *r)
{
    talk_page *p = ctx->page_state;
    p->own = r->err == TP_OK ? r->map : NULL;
    ask_users(ctx);
}

/* The talk and its comments are in: the visitor's own pending comments, then the accounts. */
static void first_round_done(gw_ctx *ctx)
{
    talk_page *p = ctx->page_state;
    if (--p->waiting > 0) return;
    if (p->talk_err == TP_EUNAVAILABLE) {
        render_unavailable(ctx, "talks");
        return;
    }
    if (p->talk_err != TP_OK) {
        render_not_found(ctx);
        return;
    }
    /* A moderator sees every pending comment in the list already. */
    if (p->mine.n && !p->can_moderate)
        gw_call_try(ctx, COMMENTS_OWN, on_own, .talk_id = p->id,
                    .ids = {.v = p->mine.ids, .n = p->mine.n});
    else
        ask_users(ctx);
}

static void on_comments(gw_ctx *ctx, const gw_reply *r)
{
    talk_page *p = ctx->page_state;
    p->comments = r->err == TP_OK ? r->map : NULL;
    first_round_done(ctx);
}

static void ask_comments(gw_ctx *ctx)
{
    talk_page *p = ctx->page_state;
    p->comments_sent = true;
    p->waiting++;
    gw_call_try_batched(ctx, COMMENTS_LIST, on_comments, .talk_id = p->id,
                        .page = gw_query_page(ctx), .per_page = site_comments_per_page(),
                        .include_pending = p->can_moderate);
}

static void on_talk(gw_ctx *ctx, const gw_reply *r)
{
    talk_page *p = ctx->page_state;
    p->talk_err = r->err;
    if (r->err == TP_OK) {
        p->talk = tp_map_get(r->map, "talk");
        talk_authors_put(p->id, int_field(p->talk, "author_id"));
        if (!p->comments_sent) {
            p->can_moderate = comment_view_can_moderate(ctx->me, int_field(p->talk, "author_id"));
            ask_comments(ctx);
        }
    }
    first_round_done(ctx);
}

/* Whether the reader may moderate the talk's comments, when that is known before the talk is. */
static bool moderation_known(const gw_ctx *ctx, int64_t id, bool *can_moderate)
{
    bool admin = false;
    int64_t author;
    if (!ctx->me || (tp_get_bool(ctx->me, "is_admin", &admin) == 0 && admin)) {
        *can_moderate = ctx->me != NULL;
        return true;
    }
    if (!talk_authors_get(id, &author)) return false;
    *can_moderate = comment_view_can_moderate(ctx->me, author);
    return true;
}

/* Builds and sends the talk page; reshow: the comment form as sent, with its errors (or NULL). */
static void show(gw_ctx *ctx, int status, bool reshow, const msgpack_object *errors)
{
    int64_t id = talk_fetch_param_id(ctx);
    if (id <= 0) {
        render_not_found(ctx);
        return;
    }
    talk_page *p = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *p);
    memset(p, 0, sizeof *p);
    p->status = status;
    p->reshow = reshow;
    p->errors = errors;
    p->id = id;
    if (!ctx->me) own_comments_read(ctx, &p->mine);
    ctx->page_state = p;
    p->waiting = 1;
    /* talks.get is a try: its missing answer is the 503 page, given once the comments are in.
     * Each call of the page goes with the other requests' calls of this turn to the same
     * service, one bus message for them all. */
    gw_call_try_batched(ctx, TALKS_GET, on_talk, .id = id);
    if (moderation_known(ctx, id, &p->can_moderate)) ask_comments(ctx);
}

void page_talk(gw_ctx *ctx)
{
    if (page_cache_serve(ctx)) return;
    show(ctx, 200, false, NULL);
}

/* ---- posting a comment ---- */

typedef struct posting {
    int64_t talk_id, comment_id;
    bool published, can_moderate;
} posting;

/* To the comment's place on its talk: rank is its 0-based position among what the poster sees. */
static void redirect_to_comment(gw_ctx *ctx, int64_t rank)
{
    posting *p = ctx->page_state;
    int64_t page = comment_view_page_of(rank, site_comments_per_page());
    char url[120];
    /* A published comment is shown at its anchor; a visitor's pending one beside the form, with
     * the flash, for that visitor only. */
    if (p->published || p->can_moderate)
        snprintf(url, sizeof url, "/talk/%" PRId64 "?page=%" PRId64 "#comment-%" PRId64, p->talk_id,
                 page, p->comment_id);
    else
        snprintf(url, sizeof url, "/talk/%" PRId64 "?page=%" PRId64 "#own-comments", p->talk_id,
                 page);
    render_flash(ctx, p->published ? FLASH_COMMENT_PUBLISHED : FLASH_COMMENT_PENDING);
    render_redirect(ctx, url);
}

static void on_created(gw_ctx *ctx, const gw_reply *r)
{
    posting *p = ctx->page_state;
    if (r->err == TP_EINVAL) {
        ctx->notice = "Your comment was not posted. Please correct the errors below.";
        show(ctx, 400, true, tp_map_get(r->map, "fields"));
        return;
    }
    if (r->err == TP_ETHROTTLED) { /* the form again, as typed, to send once the minute is over */
        tp_str msg = gw_reply_msg(r);
        char *message = h2o_mem_alloc_pool(&ctx->req->pool, msg.n + 1);
        memcpy(message, msg.p, msg.n);
        message[msg.n] = '\0';
        ctx->notice = message;
        ctx->notice_category = "warning";
        show(ctx, 429, true, NULL);
        return;
    }
    if (r->err == TP_ENOTFOUND) {
        /* The talk was deleted after this gateway last saw it (svc-comments hears of deletions
         * from svc-talks, whatever talk_authors remembers): the same 404 as its page. */
        talk_authors_forget(p->talk_id);
        render_not_found(ctx);
        return;
    }
    if (r->err != TP_OK) {
        render_error(ctx, 500, "Something went wrong", "Your comment was not saved.");
        return;
    }
    const msgpack_object *comment = tp_map_get(r->map, "comment");
    p->comment_id = int_field(comment, "id");
    tp_get_bool(comment, "approved", &p->published);
    if (p->published) page_cache_forget();
    if (!ctx->me)
        own_comments_remember(ctx, p->comment_id, gw_field(ctx, "name"), gw_field(ctx, "email"));
    redirect_to_comment(ctx, int_field(r->map, "rank"));
}

static void create_comment(gw_ctx *ctx, int64_t talk_author)
{
    posting *p = ctx->page_state;
    p->can_moderate = comment_view_can_moderate(ctx->me, talk_author);
    /* The form's one-time key, scoped to this browser and talk, makes the creation idempotent:
     * the same form sent twice (a double click, a retry after a 503 whose comment was stored
     * all the same) makes one comment and gets the first one's answer. A form without a key
     * gets a new one, which covers a request the bus resends (csrf_creation_key_new). */
    char action[40], key[GW_SECRET_TEXT];
    snprintf(action, sizeof action, "/talk/%" PRId64, p->talk_id);
    if (!csrf_form_key_scoped(ctx->csrf_cookie, action, form_get(&ctx->body, "form_key"), key))
        csrf_creation_key_new(key);
    struct tp_in_TP_OP_COMMENTS_CREATE in = {
        .key = tp_s(key),
        .talk_id = p->talk_id,
        .talk_author_id = talk_author,
        .include_pending = p->can_moderate, /* for the rank in the reply */
        .body = tp_s(gw_field(ctx, "body")),
    };
    if (ctx->me) {
        in.author_id = int_field(ctx->me, "id");
        tp_get_str(ctx->me, "name", 1024, &in.author_name);
    } else {
        in.author_name = tp_s(gw_field(ctx, "name"));
        in.author_email = tp_s(gw_field(ctx, "email"));
        in.notify = form_has(&ctx->body, "notify");
        in.addr = tp_s(ctx->peer);
    }
    gw_send(ctx, GW_BATCHED, TP_OP_COMMENTS_CREATE, &in, on_created);
}

static void on_talk_for_comment(gw_ctx *ctx, const gw_reply *r)
{
    posting *p = ctx->page_state;
    if (r->err != TP_OK) {
        render_not_found(ctx);
        return;
    }
    int64_t talk_author = int_field(tp_map_get(r->map, "talk"), "author_id");
    talk_authors_put(p->talk_id, talk_author);
    create_comment(ctx, talk_author);
}

void page_comment_post(gw_ctx *ctx)
{
    posting *p = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *p);
    memset(p, 0, sizeof *p);
    p->talk_id = talk_fetch_param_id(ctx);
    ctx->page_state = p;
    if (p->talk_id <= 0) {
        render_not_found(ctx);
        return;
    }
    /* The honeypot: a field people never see, which form-filling robots fill in. */
    if (*gw_field(ctx, "website")) {
        render_error(ctx, 400, "Comment refused",
                     "This comment looked automated. If you are a person, please try again "
                     "without filling in hidden fields.");
        return;
    }
    int64_t talk_author;
    if (talk_authors_get(p->talk_id, &talk_author)) {
        create_comment(ctx, talk_author);
        return;
    }
    gw_call(ctx, TALKS_GET, on_talk_for_comment, .id = p->talk_id);
}
