/* page_comment_moderate: Approve and Delete without JavaScript — POST /comment/<id>/approve and
 * /comment/<id>/delete, the forms of the talk and moderation pages (talks.js does the same in
 * place through the API). The same ops as the API's; then back to the page the form was on (its
 * `next` field, when a local path, else the comment's talk) with a flash.
 *
 * And all of one commenter's pending comments in one step — POST /moderate/commenter/approve and
 * /moderate/commenter/delete, the "Approve all from" and "Delete all from" forms of the
 * moderation pages (field `email`; `all=1` from /moderate-admin). svc-comments acts in one
 * transaction on those the moderator may moderate (a speaker's own talks', every talk's for an
 * admin asking for all); back to `next` (else /moderate) with a flash saying how many. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gw_call.h"
#include "page_cache.h"
#include "pages.h"
#include "render.h"
#include "talk_fetch.h"
#include "tp_svc.h"

static void on_moderated(gw_ctx *ctx, const gw_reply *r)
{
    bool approve = *(const bool *)ctx->page_state;
    /* Approving what is already approved (a second click, another moderator first): done. */
    if (r->err == TP_OK || (approve && r->err == TP_EINVAL)) {
        if (r->err == TP_OK) page_cache_forget();
        const char *next = gw_field(ctx, "next");
        char talk[48] = "/";
        int64_t talk_id = 0;
        if (r->err == TP_OK && tp_get_int(r->map, "talk_id", 1, INT64_MAX, &talk_id) == 0)
            snprintf(talk, sizeof talk, "/talk/%" PRId64 "#comments", talk_id);
        render_flash(ctx, approve ? FLASH_COMMENT_APPROVED : FLASH_COMMENT_DELETED);
        render_redirect(ctx, form_is_local_path(next, strlen(next)) ? next : talk);
        return;
    }
    switch (r->err) {
    case TP_ENOTFOUND:
        render_not_found(ctx);
        return;
    case TP_EFORBIDDEN:
        render_error(ctx, 403, "Forbidden",
                     "Only the talk's speaker and admins moderate its comments.");
        return;
    default:
        render_error(ctx, 500, "Something went wrong", "The comment was not changed.");
    }
}

/* Who moderates (a 403 page, and false, without a session); page_state says whether the form
 * approves. */
static bool moderator(gw_ctx *ctx, bool approve, int64_t *user_id, bool *admin)
{
    if (!ctx->me) {
        render_error(ctx, 403, "Forbidden", "Please log in to moderate comments.");
        return false;
    }
    *user_id = 0;
    *admin = false;
    tp_get_int(ctx->me, "id", 1, INT64_MAX, user_id);
    tp_get_bool(ctx->me, "is_admin", admin);
    bool *state = h2o_mem_alloc_pool(&ctx->req->pool, sizeof *state);
    *state = approve;
    ctx->page_state = state;
    return true;
}

static void moderate(gw_ctx *ctx, enum tp_op_id op)
{
    int64_t id = talk_fetch_param_id(ctx), user_id;
    bool admin;
    if (!moderator(ctx, op == TP_OP_COMMENTS_APPROVE, &user_id, &admin)) return;
    /* approve and delete take the same fields (TP_MODERATE_IN) */
    const struct tp_in_TP_OP_COMMENTS_APPROVE in = {id, user_id, admin};
    gw_send(ctx, GW_BATCHED, op, &in, on_moderated);
}

void page_comment_approve(gw_ctx *ctx)
{
    moderate(ctx, TP_OP_COMMENTS_APPROVE);
}

void page_comment_delete(gw_ctx *ctx)
{
    moderate(ctx, TP_OP_COMMENTS_DELETE);
}

/* ---- all of one commenter's ---- */

static void on_commenter_done(gw_ctx *ctx, const gw_reply *r)
{
    bool approve = *(const bool *)ctx->page_state;
    int64_t count = 0;
    if (r->err != TP_OK || tp_get_int(r->map, "count", 0, INT64_MAX, &count) != 0) {
        render_error(ctx, 500, "Something went wrong", "The comments were not changed.");
        return;
    }
    if (count) page_cache_forget();
    const char *next = gw_field(ctx, "next");
    render_flash_count(ctx, approve ? FLASH_COMMENTER_APPROVED : FLASH_COMMENTER_DELETED, count);
    render_redirect(ctx, form_is_local_path(next, strlen(next)) ? next : "/moderate");
}

static void moderate_commenter(gw_ctx *ctx, enum tp_op_id op)
{
    int64_t user_id;
    bool admin;
    if (!moderator(ctx, op == TP_OP_COMMENTS_COMMENTER_APPROVE, &user_id, &admin)) return;
    const char *email = gw_field(ctx, "email");
    if (!*email || strlen(email) > 1024) {
        render_error(ctx, 400, "Bad request", "Say which commenter's comments to moderate.");
        return;
    }
    /* approve and delete take the same fields (TP_COMMENTER_IN) */
    const struct tp_in_TP_OP_COMMENTS_COMMENTER_APPROVE in = {
        .email = tp_s(email),
        .user_id = user_id,
        .is_admin = admin,
        .all = strcmp(gw_field(ctx, "all"), "1") == 0, /* from /moderate-admin */
    };
    gw_send(ctx, GW_BATCHED, op, &in, on_commenter_done);
}

void page_commenter_approve(gw_ctx *ctx)
{
    moderate_commenter(ctx, TP_OP_COMMENTS_COMMENTER_APPROVE);
}

void page_commenter_delete(gw_ctx *ctx)
{
    moderate_commenter(ctx, TP_OP_COMMENTS_COMMENTER_DELETE);
}
