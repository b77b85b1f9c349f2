/* page_talk_delete: deleting a talk (SPEC sections 4 and 5). GET /delete/<id> asks to confirm
 * (the talk's speaker or an admin, else a 403 page), POST /delete/<id> deletes, then a flash and
 * the speaker's own page (an admin: the timeline); DELETE /api/1.0/talks/<id> does the same for
 * the API. svc-talks decides who may (talks.delete) and tells svc-comments, whose outbox tells
 * svc-mail (svc-talks/gone.h); here the cached pages and the talk's remembered speaker are
 * forgotten before the answer goes out. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api_answer.h"
#include "api_auth.h"
#include "gw_call.h"
#include "page_cache.h"
#include "pages.h"
#include "render.h"
#include "talk_authors.h"
#include "talk_fetch.h"
#include "tp_svc.h"

static int64_t my_id(const msgpack_object *me)
{
    int64_t id = 0;
    tp_get_int(me, "id", 1, INT64_MAX, &id);
    return id;
}

static bool is_admin(const msgpack_object *me)
{
    bool admin = false;
    tp_get_bool(me, "is_admin", &admin);
    return admin;
}

/* A deletion answered ok: what this gateway remembers of the talk goes. */
static void forget_talk(gw_ctx *ctx)
{
    page_cache_forget();
    talk_authors_forget(talk_fetch_param_id(ctx));
}

static void confirm(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    (void)author;
    int64_t author_id = 0;
    tp_get_int(talk, "author_id", 1, INT64_MAX, &author_id);
    if (!is_admin(ctx->me) && my_id(ctx->me) != author_id) {
        render_error(ctx, 403, "Forbidden",
                     "Only the talk's speaker or an administrator can delete it.");
        return;
    }
    tp_w *w = render_begin(ctx, "Delete talk");
    tp_w_kint(w, "id", talk_fetch_param_id(ctx));
    tp_w_kobject(w, "talk_title", tp_map_get(talk, "title"));
    render_page(ctx, 200, "talk_delete");
}

void page_talk_delete_form(gw_ctx *ctx)
{
    talk_fetch_one(ctx, confirm);
}

static void on_deleted(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) {
        forget_talk(ctx);
        /* The speaker goes back to their own list of talks; an admin to the timeline. */
        int64_t author_id = 0;
        tp_get_int(r->map, "author_id", 1, INT64_MAX, &author_id);
        tp_str name = {"", 0};
        if (author_id == my_id(ctx->me)) tp_get_str(ctx->me, "username", 64, &name);
        char next[80] = "/";
        if (name.n) snprintf(next, sizeof next, "/user/%.*s", (int)name.n, name.p);
        render_flash(ctx, FLASH_TALK_DELETED);
        render_redirect(ctx, next);
        return;
    }
    if (r->err == TP_ENOTFOUND) {
        render_not_found(ctx);
    } else if (r->err == TP_EFORBIDDEN) {
        render_error(ctx, 403, "Forbidden",
                     "Only the talk's speaker or an administrator can delete it.");
    } else {
        render_error(ctx, 500, "Something went wrong",
                     "The talk was not deleted. Please try again.");
    }
}

static void delete_as(gw_ctx *ctx, const msgpack_object *user, gw_reply_fn done)
{
    gw_call(ctx, TALKS_DELETE, done, .id = talk_fetch_param_id(ctx), .user_id = my_id(user),
            .is_admin = is_admin(user));
}

void page_talk_delete(gw_ctx *ctx)
{
    delete_as(ctx, ctx->me, on_deleted);
}

static void on_api_deleted(gw_ctx *ctx, const gw_reply *r)
{
    if (r->err == TP_OK) forget_talk(ctx);
    api_answer_change(ctx, r, "The talk could not be deleted.");
}

static void api_delete_as(gw_ctx *ctx, const msgpack_object *user)
{
    delete_as(ctx, user, on_api_deleted);
}

void api_talk_delete(gw_ctx *ctx)
{
    api_authenticate(ctx, api_delete_as);
}
