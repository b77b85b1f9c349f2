/* page_feed: Atom feeds of the timeline (/feed.atom) and of one speaker
 * (/user/<name>/feed.atom): the newest FEED_ENTRIES talks; and of one talk's approved comments
 * (/talk/<id>/feed.atom): its newest FEED_ENTRIES. Links are absolute. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "comment_view.h"
#include "gw_call.h"
#include "pages.h"
#include "render.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"
#include "tp_fmt.h"
#include "tp_svc.h"

#define FEED_ENTRIES 50

static void write_entry(tp_w *w, const msgpack_object *talk, const msgpack_object *users)
{
    int64_t id = 0, updated = 0;
    tp_str title = {"", 0}, description = {"", 0}, author = {"", 0};
    tp_get_int(talk, "id", 1, INT64_MAX, &id);
    tp_get_int(talk, "updated_at", 0, INT64_MAX, &updated);
    tp_get_str(talk, "title", 65536, &title);
    tp_get_str(talk, "description", 65536, &description);
    tp_get_str(talk_view_author(users, talk), "name", 65536, &author);
    char url[400], when[TP_FMT_UTC_SIZE];
    snprintf(url, sizeof url, "%s/talk/%" PRId64, site_public_url(), id);
    tp_fmt_utc(when, updated);
    tp_w_map_begin(w);
    tp_w_kstrn(w, "title", title.p, title.n);
    tp_w_kstr(w, "id", url);
    tp_w_kstr(w, "url", url);
    tp_w_kstr(w, "updated", when);
    tp_w_kstrn(w, "author_name", author.p, author.n);
    tp_w_kstrn(w, "summary", description.p, description.n);
    tp_w_map_end(w);
}

/* Starts a feed and its open array of entries. path: the feed's own path; alternate: the page
 * it mirrors; title: the feed's title. */
static tp_w *feed_begin(gw_ctx *ctx, const char *path, const char *alternate, const char *title)
{
    char self[400], site[400];
    snprintf(self, sizeof self, "%s%s", site_public_url(), path);
    snprintf(site, sizeof site, "%s%s", site_public_url(), alternate);
    tp_w *w = render_begin(ctx, NULL);
    tp_w_kstr(w, "feed_title", title);
    tp_w_kstr(w, "feed_id", self);
    tp_w_kstr(w, "feed_url", self);
    tp_w_kstr(w, "site_url", site);
    tp_w_key(w, "entries");
    tp_w_array_begin(w);
    return w;
}

/* Closes the entries and sends the feed; newest: the time of its newest entry (0: none). */
static void feed_end(gw_ctx *ctx, tp_w *w, int64_t newest)
{
    char updated[TP_FMT_UTC_SIZE];
    tp_w_array_end(w);
    tp_fmt_utc(updated, newest ? newest : (int64_t)time(NULL));
    tp_w_kstr(w, "updated", updated);
    render_document(ctx, 200, "feed", "application/atom+xml; charset=utf-8");
}

static void send_feed(gw_ctx *ctx, const msgpack_object *list, const msgpack_object *users,
                      const char *path, const char *alternate, const char *title)
{
    const msgpack_object *talks = tp_map_get(list, "talks");
    int64_t newest = 0;
    tp_w *w = feed_begin(ctx, path, alternate, title);
    for (uint32_t i = 0; talks && talks->type == MSGPACK_OBJECT_ARRAY && i < talks->via.array.size;
         i++) {
        int64_t t = 0;
        tp_get_int(&talks->via.array.ptr[i], "updated_at", 0, INT64_MAX, &t);
        if (t > newest) newest = t;
        write_entry(w, &talks->via.array.ptr[i], users);
    }
    feed_end(ctx, w, newest);
}

static void show_site_feed(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras)
{
    send_feed(ctx, list, extras->users, "/feed.atom", "/", "Talks");
}

void page_feed(gw_ctx *ctx)
{
    talk_fetch_list(ctx, 0, 1, FEED_ENTRIES, show_site_feed);
}

static void show_user_feed(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras)
{
    tp_str username = {"", 0}, name = {"", 0};
    tp_get_str(ctx->subject, "username", 64, &username);
    tp_get_str(ctx->subject, "name", 1024, &name);
    char path[160], page[128], title[300];
    snprintf(page, sizeof page, "/user/%.*s", (int)username.n, username.p);
    snprintf(path, sizeof path, "%s/feed.atom", page);
    snprintf(title, sizeof title, "Talks by %.*s", (int)name.n, name.p);
    send_feed(ctx, list, extras->users, path, page, title);
}

void page_user_feed(gw_ctx *ctx)
{
    talk_fetch_user_list(ctx, 1, FEED_ENTRIES, show_user_feed);
}

/* ---- one talk's comments ---- */

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* rank: the comment's 0-based position on its talk, which says the page its link opens. The
 * author is the name the comment was posted under (a feed entry keeps its byline). */
static void write_comment_entry(tp_w *w, const msgpack_object *comment, int64_t talk_id,
                                int64_t rank)
{
    int64_t id = int_field(comment, "id");
    tp_str author = {"", 0}, html = {"", 0};
    tp_get_str(comment, "author_name", 65536, &author);
    tp_get_str(comment, "body_html", 1 << 20, &html);
    char entry_id[400], url[400], title[200], when[TP_FMT_UTC_SIZE];
    snprintf(entry_id, sizeof entry_id, "%s/talk/%" PRId64 "#comment-%" PRId64, site_public_url(),
             talk_id, id);
    snprintf(url, sizeof url, "%s/talk/%" PRId64 "?page=%" PRId64 "#comment-%" PRId64,
             site_public_url(), talk_id, comment_view_page_of(rank, site_comments_per_page()), id);
    snprintf(title, sizeof title, "Comment by %.*s", (int)(author.n > 128 ? 128 : author.n),
             author.p);
    tp_fmt_utc(when, int_field(comment, "created_at"));
    tp_w_map_begin(w);
    tp_w_kstr(w, "title", title);
    tp_w_kstr(w, "id", entry_id);
    tp_w_kstr(w, "url", url);
    tp_w_kstr(w, "updated", when);
    tp_w_kstrn(w, "author_name", author.p, author.n);
    tp_w_kstrn(w, "content_html", html.p, html.n);
    tp_w_map_end(w);
}

static void on_feed_comments(gw_ctx *ctx, const gw_reply *r)
{
    const msgpack_object *talk = *(const msgpack_object **)ctx->page_state;
    if (r->err != TP_OK) {
        render_unavailable(ctx, "comments");
        return;
    }
    const msgpack_object *reply = r->map;
    int64_t talk_id = int_field(talk, "id"), total = int_field(reply, "approved_total");
    tp_str title = {"", 0};
    tp_get_str(talk, "title", 1024, &title);
    char path[80], page[60], feed_title[300];
    snprintf(page, sizeof page, "/talk/%" PRId64, talk_id);
    snprintf(path, sizeof path, "%s/feed.atom", page);
    snprintf(feed_title, sizeof feed_title, "Comments on %.*s", (int)title.n, title.p);
    tp_w *w = feed_begin(ctx, path, page, feed_title);
    const msgpack_object *comments = tp_map_get(reply, "comments");
    int64_t newest = 0;
    /* Newest first: the i-th is the (total - 1 - i)-th of the talk's approved comments. */
    for (uint32_t i = 0; i < comments->via.array.size; i++) {
        const msgpack_object *c = &comments->via.array.ptr[i];
        if (int_field(c, "created_at") > newest) newest = int_field(c, "created_at");
        write_comment_entry(w, c, talk_id, total - 1 - i);
    }
    feed_end(ctx, w, newest);
}

static void show_comment_feed(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    (void)author; /* each entry names its own */
    const msgpack_object **state = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *state);
    *state = talk;
    ctx->page_state = state;
    gw_call(ctx, COMMENTS_LIST, on_feed_comments, .talk_id = int_field(talk, "id"),
            .per_page = FEED_ENTRIES, .newest_first = true);
}

void page_talk_feed(gw_ctx *ctx)
{
    talk_fetch_one(ctx, show_comment_feed);
}
