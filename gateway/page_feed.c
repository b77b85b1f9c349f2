/* page_feed: Atom feeds of the timeline (/feed.atom) and of one speaker
 * (/user/<name>/feed.atom): the newest FEED_ENTRIES talks, with absolute links. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "pages.h"
#include "render.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"

#define FEED_ENTRIES 50

static void rfc3339(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void write_entry(tp_w *w, const msgpack_object *talk, const msgpack_object *users)
{
    int64_t id = 0, updated = 0;
    tp_str title = {"", 0}, description = {"", 0}, author = {"", 0};
    tp_get_int(talk, "id", 1, INT64_MAX, &id);
    tp_get_int(talk, "updated_at", 0, INT64_MAX, &updated);
    tp_get_str(talk, "title", 65536, &title);
    tp_get_str(talk, "description", 65536, &description);
    tp_get_str(talk_view_author(users, talk), "name", 65536, &author);
    char url[400], when[32];
    snprintf(url, sizeof url, "%s/talk/%" PRId64, site_public_url(), id);
    rfc3339(updated, when);
    tp_w_map_begin(w);
    tp_w_kstrn(w, "title", title.p, title.n);
    tp_w_kstr(w, "id", url);
    tp_w_kstr(w, "url", url);
    tp_w_kstr(w, "updated", when);
    tp_w_kstrn(w, "author_name", author.p, author.n);
    tp_w_kstrn(w, "summary", description.p, description.n);
    tp_w_map_end(w);
}

/* path: the feed's own path; alternate: the page it mirrors; title: the feed's title. */
static void send_feed(gw_ctx *ctx, const msgpack_object *list, const msgpack_object *users,
                      const char *path, const char *alternate, const char *title)
{
    const msgpack_object *talks = tp_map_get(list, "talks");
    int64_t newest = 0;
    char self[400], site[400], updated[32];
    snprintf(self, sizeof self, "%s%s", site_public_url(), path);
    snprintf(site, sizeof site, "%s%s", site_public_url(), alternate);
    tp_w *w = render_begin(ctx, NULL);
    tp_w_kstr(w, "feed_title", title);
    tp_w_kstr(w, "feed_id", self);
    tp_w_kstr(w, "feed_url", self);
    tp_w_kstr(w, "site_url", site);
    tp_w_key(w, "entries");
    tp_w_array_begin(w);
    for (uint32_t i = 0; talks && talks->type == MSGPACK_OBJECT_ARRAY && i < talks->via.array.size;
         i++) {
        int64_t t = 0;
        tp_get_int(&talks->via.array.ptr[i], "updated_at", 0, INT64_MAX, &t);
        if (t > newest) newest = t;
        write_entry(w, &talks->via.array.ptr[i], users);
    }
    tp_w_array_end(w);
    rfc3339(newest ? newest : (int64_t)time(NULL), updated);
    tp_w_kstr(w, "updated", updated);
    render_document(ctx, 200, "feed", "application/atom+xml; charset=utf-8");
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
