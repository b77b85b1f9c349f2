/* page_talk_form: publishing (/new) and editing (/edit/<id>) talks. svc-talks validates and
 * decides who may edit; invalid input comes back as typed, with a message per field. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "page_cache.h"
#include "gw_call.h"
#include "csrf.h"
#include "pages.h"
#include "render.h"
#include "reply.h"
#include "talk_fetch.h"
#include "tp_svc.h"

/* The talk form's fields (SPEC §4), as posted and as sent to svc-talks (tp_op_inputs.h). */
#define FIELD_NAME(kind, name, min, max, presence) #name,
static const char *const form_fields[] = {TP_TALK_FORM_IN(FIELD_NAME)};
#undef FIELD_NAME
#define NFIELDS (sizeof form_fields / sizeof form_fields[0])
/* A designated initializer of each form field from what was posted. */
#define POSTED(kind, name, min, max, presence) .name = tp_s(gw_field(ctx, #name)),

/* A field's value from a stored talk: slides and video show the address we kept. */
static tp_str talk_value(const msgpack_object *talk, const char *name)
{
    tp_str v = {"", 0};
    const msgpack_object *media = tp_map_get(talk, name);
    if (media && media->type == MSGPACK_OBJECT_MAP)
        tp_get_str(media, "url", 65536, &v);
    else
        tp_get_str(talk, name, 65536, &v);
    return v;
}

/* The form filled from talk (editing), or from what was posted (talk == NULL). */
static void show_form(gw_ctx *ctx, int status, const msgpack_object *talk,
                      const msgpack_object *errors)
{
    int64_t id = talk_fetch_param_id(ctx);
    char action[40], cancel[40];
    snprintf(action, sizeof action, id ? "/edit/%" PRId64 : "/new", id);
    snprintf(cancel, sizeof cancel, id ? "/talk/%" PRId64 : "/", id);
    tp_w *w = render_begin(ctx, id ? "Edit talk" : "New talk");
    tp_w_kstr(w, "heading", id ? "Edit talk" : "New talk");
    tp_w_kstr(w, "action", action);
    tp_w_kstr(w, "cancel_url", cancel);
    if (id) {
        char delete_url[40];
        snprintf(delete_url, sizeof delete_url, "/delete/%" PRId64, id);
        tp_w_kstr(w, "delete_url", delete_url);
    }
    tp_w_key(w, "form");
    tp_w_map_begin(w);
    for (size_t i = 0; i < NFIELDS; i++) {
        if (talk) {
            tp_str v = talk_value(talk, form_fields[i]);
            tp_w_kstrn(w, form_fields[i], v.p, v.n);
        } else {
            tp_w_kstr(w, form_fields[i], gw_field(ctx, form_fields[i]));
        }
    }
    tp_w_map_end(w);
    tp_w_key(w, "errors");
    reply_write(w, errors, &reply_talk_errors);
    render_page(ctx, status, "talk_form");
}

void page_talk_new(gw_ctx *ctx)
{
    show_form(ctx, 200, NULL, NULL);
}

static void show_edit_form(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    (void)author;
    bool admin = false;
    int64_t me = 0, author_id = -1;
    tp_get_bool(ctx->me, "is_admin", &admin);
    tp_get_int(ctx->me, "id", 1, INT64_MAX, &me);
    tp_get_int(talk, "author_id", 1, INT64_MAX, &author_id);
    if (!admin && me != author_id) {
        render_error(ctx, 403, "Forbidden",
                     "Only the talk's speaker or an administrator can edit it.");
        return;
    }
    show_form(ctx, 200, talk, NULL);
}

void page_talk_edit(gw_ctx *ctx)
{
    talk_fetch_one(ctx, show_edit_form);
}

/* The answer to a create or update: on to the talk, or the form again with the errors. */
static void on_saved(gw_ctx *ctx, const gw_reply *r, enum flash done)
{
    int64_t id = 0;
    if (r->err == TP_OK) {
        tp_get_int(r->map, "id", 1, INT64_MAX, &id);
        page_cache_forget();
        char url[40];
        snprintf(url, sizeof url, "/talk/%" PRId64, id);
        render_flash(ctx, done);
        render_redirect(ctx, url);
        return;
    }
    tp_str msg = gw_reply_msg(r);
    char message[300];
    snprintf(message, sizeof message, "%.*s", (int)msg.n, msg.p);
    if (r->err == TP_EINVAL) {
        ctx->notice = "Please correct the errors below.";
        show_form(ctx, 400, NULL, tp_map_get(r->map, "fields"));
    } else if (r->err == TP_EFORBIDDEN) {
        render_error(ctx, 403, "Forbidden", message);
    } else if (r->err == TP_ENOTFOUND) {
        render_not_found(ctx);
    } else {
        render_error(ctx, 500, "Something went wrong", "The talk was not saved. Please try again.");
    }
}

static void on_created(gw_ctx *ctx, const gw_reply *r)
{
    on_saved(ctx, r, FLASH_TALK_ADDED);
}

static void on_updated(gw_ctx *ctx, const gw_reply *r)
{
    on_saved(ctx, r, FLASH_TALK_UPDATED);
}

static int64_t my_id(const gw_ctx *ctx)
{
    int64_t me = 0;
    tp_get_int(ctx->me, "id", 1, INT64_MAX, &me);
    return me;
}

void page_talk_create(gw_ctx *ctx)
{
    char key[CSRF_CREATION_KEY_LEN + 1]; /* the creation's idempotency key */
    csrf_creation_key_new(key);
    gw_call(ctx, TALKS_CREATE, on_created, .key = tp_s(key), .author_id = my_id(ctx),
            TP_TALK_FORM_IN(POSTED));
}

void page_talk_update(gw_ctx *ctx)
{
    int64_t id = talk_fetch_param_id(ctx);
    bool admin = false;
    if (!id) {
        render_not_found(ctx);
        return;
    }
    tp_get_bool(ctx->me, "is_admin", &admin);
    gw_call(ctx, TALKS_UPDATE, on_updated, .id = id, .user_id = my_id(ctx), .is_admin = admin,
            TP_TALK_FORM_IN(POSTED));
}
