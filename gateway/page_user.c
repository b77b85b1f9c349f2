/* page_user: a speaker's public page (/user/<username>), their bio in Markdown, and editing one's
 * own profile (/profile). Invalid profile input is shown again as typed, with a message per
 * field. */
#include <string.h>

#include "bio_cache.h"
#include "gw_call.h"
#include "page_cache.h"
#include "pager.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "site.h"
#include "talk_fetch.h"
#include "talk_view.h"
#include "tp_svc.h"
#include "users_cache.h"

/* The bio as Markdown, rendered by svc-comments' renderer (comments.preview): the same allow-list
 * and link rules as comments; remembered for the speaker (bio_cache.h). NULL when there is no bio,
 * or svc-comments could not render it: the bio is then shown as plain text. */
static void render_user(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras,
                        const msgpack_object *bio_html)
{
    const msgpack_object *user = ctx->subject;
    tp_str name = {"", 0}, username = {"", 0}, mine = {"", 0};
    tp_get_str(user, "name", 1024, &name);
    tp_get_str(user, "username", 64, &username);
    if (ctx->me) tp_get_str(ctx->me, "username", 64, &mine);
    int64_t page = 1, pages = 1;
    tp_get_int(list, "page", 1, INT64_MAX, &page);
    tp_get_int(list, "pages", 1, INT64_MAX, &pages);
    char title[300], base[128], feed[160];
    snprintf(title, sizeof title, "%.*s", (int)name.n, name.p);
    snprintf(base, sizeof base, "/user/%.*s", (int)username.n, username.p);
    snprintf(feed, sizeof feed, "%s/feed.atom", base);

    tp_w *w = render_begin(ctx, title);
    tp_w_key(w, "user");
    reply_write(w, user, &reply_user);
    tp_w_kbool(w, "is_me",
               mine.n && mine.n == username.n && memcmp(mine.p, username.p, mine.n) == 0);
    talk_view_write_cards(w, "talks", tp_map_get(list, "talks"), extras, false);
    pager_write(w, "pager", base, "", page, pages, &pager_newest_first);
    tp_w_kstr(w, "feed_url", feed);
    tp_w_kstr(w, "feed_title", title);
    if (bio_html) tp_w_kobject(w, "bio_html", bio_html);
    render_page(ctx, 200, "user");
}

/* What the page keeps while its bio is rendered. */
typedef struct user_page {
    const msgpack_object *list;
    talk_extras extras;
} user_page;

/* The speaker's id and bio, from svc-auth's reply of this request. */
static tp_str bio_of(gw_ctx *ctx, int64_t *user_id)
{
    tp_str bio = {"", 0};
    *user_id = 0;
    tp_get_int(ctx->subject, "id", 1, INT64_MAX, user_id);
    tp_get_str(ctx->subject, "bio", 65536, &bio);
    return bio;
}

static void on_bio(gw_ctx *ctx, const gw_reply *r)
{
    const user_page *p = ctx->page_state;
    const msgpack_object *html = r->err == TP_OK ? tp_map_get(r->map, "html") : NULL;
    if (html) {
        int64_t user_id;
        tp_str bio = bio_of(ctx, &user_id);
        bio_cache_put(user_id, bio, (tp_str){html->via.str.ptr, html->via.str.size});
    }
    render_user(ctx, p->list, &p->extras, html);
}

static void show_user(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras)
{
    int64_t user_id;
    tp_str bio = bio_of(ctx, &user_id), html;
    if (!bio.n) {
        render_user(ctx, list, extras, NULL);
        return;
    }
    if (bio_cache_get(user_id, bio, &html)) {
        /* A copy the request owns: the page is rendered from references (tp_w_tree.h). */
        msgpack_object o = {.type = MSGPACK_OBJECT_STR};
        char *copy = h2o_mem_alloc_pool(&ctx->req->pool, html.n + 1);
        if (html.n) memcpy(copy, html.p, html.n);
        o.via.str.ptr = copy;
        o.via.str.size = (uint32_t)html.n;
        render_user(ctx, list, extras, &o);
        return;
    }
    user_page *p = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *p);
    *p = (user_page){list, *extras};
    ctx->page_state = p;
    gw_call_try(ctx, COMMENTS_PREVIEW, on_bio, .body = bio);
}

void page_user(gw_ctx *ctx)
{
    if (page_cache_serve(ctx)) return;
    talk_fetch_user_list(ctx, gw_query_page(ctx), site_talks_per_page(), show_user);
}

/* The profile form with the given values and, after a failed save, the errors per field. */
static void show_profile(gw_ctx *ctx, int status, const char *name, const char *location,
                         const char *bio, const msgpack_object *errors)
{
    tp_w *w = render_begin(ctx, "Edit profile");
    tp_w_key(w, "form");
    tp_w_map_begin(w);
    tp_w_kstr(w, "name", name);
    tp_w_kstr(w, "location", location);
    tp_w_kstr(w, "bio", bio);
    tp_w_map_end(w);
    tp_w_key(w, "errors");
    reply_write(w, errors, &reply_profile_errors);
    render_page(ctx, status, "profile");
}

static char *me_field(gw_ctx *ctx, const char *key, tp_buf *into)
{
    tp_str s = {"", 0};
    tp_get_str(ctx->me, key, 65536, &s);
    tp_buf_reset(into);
    tp_buf_append(into, s.p, s.n);
    return into->data;
}

void page_profile_form(gw_ctx *ctx)
{
    tp_buf name = TP_BUF_INIT, location = TP_BUF_INIT, bio = TP_BUF_INIT;
    show_profile(ctx, 200, me_field(ctx, "profile_name", &name),
                 me_field(ctx, "location", &location), me_field(ctx, "bio", &bio), NULL);
    tp_buf_free(&name);
    tp_buf_free(&location);
    tp_buf_free(&bio);
}

static void on_profile_saved(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        /* The name shows on the timeline and talk pages too. */
        page_cache_forget();
        users_cache_forget();
        tp_str username = {"", 0};
        tp_get_str(ctx->me, "username", 64, &username);
        tp_buf url = TP_BUF_INIT;
        tp_buf_puts(&url, "/user/");
        form_url_encode(&url, username.p, username.n);
        render_flash(ctx, FLASH_PROFILE_UPDATED);
        render_redirect(ctx, url.data);
        tp_buf_free(&url);
        return;
    }
    const msgpack_object *fields = r->err == TP_EINVAL ? tp_map_get(r->map, "fields") : NULL;
    ctx->notice = "Please correct the errors below.";
    show_profile(ctx, 400, gw_field(ctx, "name"), gw_field(ctx, "location"), gw_field(ctx, "bio"),
                 fields);
}

void page_profile_submit(gw_ctx *ctx)
{
    int64_t id;
    if (tp_get_int(ctx->me, "id", 1, INT64_MAX, &id) != 0) {
        render_error(ctx, 500, "Something went wrong", "Please try again in a moment.");
        return;
    }
    gw_call(ctx, AUTH_PROFILE_UPDATE, on_profile_saved, .user_id = id,
            .name = tp_s(gw_field(ctx, "name")), .location = tp_s(gw_field(ctx, "location")),
            .bio = tp_s(gw_field(ctx, "bio")));
}
