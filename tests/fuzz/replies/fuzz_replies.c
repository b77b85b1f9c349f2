/* fuzz_replies: libFuzzer target for the gateway's reading of service replies (gateway/reply.c,
 * talk_view.c, comment_view.c). An input is one conversation: a map from an op's name to the
 * reply a service gave it ({"talks.get": {"ok": true, "talk": {…}}, "auth.users_get": …}). The
 * target reads it as the pages do — each reply checked against its shape; one that is missing,
 * says no or is refused handled as the page handles a service that is down (its 503 page, or
 * the page without it) — builds the talk page's, the timeline's, a speaker's page's and the
 * moderation page's template contexts with the gateway's own view functions, with the session's
 * user as the reader, and renders them with the real templates (gateway/templates, or
 * $TALKS_TEMPLATES). It checks:
 *  - no crash and no sanitizer report, whatever the replies hold;
 *  - a reply that passed its check makes a context that parses and renders, with as many
 *    talks or comments as the reply had, and the pages' own getters succeed on it;
 *  - the check keeps its promise: the same reply with any field its shape requires left out or
 *    nil, or with any field of another type or out of its range, at any depth, is refused — so a
 *    bad reply always takes the error path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_view.h"
#include "pager.h"
#include "reply.h"
#include "talk_view.h"
#include "tp_json.h"
#include "tp_msg.h"
#include "tp_template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PER_PAGE 100 /* the largest TALKS_PER_PAGE and COMMENTS_PER_PAGE */

static tpl_set *templates;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[256];
    const char *dir = getenv("TALKS_TEMPLATES");
    templates = tpl_load_dir(dir ? dir : "gateway/templates", err, sizeof err);
    if (!templates) {
        fprintf(stderr, "fuzz_replies: %s (run from the repository, or set TALKS_TEMPLATES)\n",
                err);
        abort();
    }
    return 0;
}

/* ---- the promise of reply_check ---- */

enum change { DROP, MAKE_NIL, WRONG_TYPE, BELOW_MIN, ABOVE_MAX };

static void write_changed(tp_w *w, const reply_field *f, enum change c)
{
    if (c == MAKE_NIL)
        tp_w_nil(w);
    else if (c == BELOW_MIN)
        tp_w_int(w, f->min - 1);
    else if (c == ABOVE_MAX)
        tp_w_int(w, f->max + 1);
    else if (f->kind == REPLY_INT || f->kind == REPLY_BOOL || f->kind == REPLY_LIST)
        tp_w_str(w, "1");
    else
        tp_w_int(w, 1);
}

/* o (which has shape) with field f changed by c must be refused. */
static void must_refuse(const msgpack_object *o, const reply_shape *shape, const reply_field *f,
                        enum change c)
{
    tp_w w;
    bool found = false;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        bool hit = tp_obj_is_str(&kv->key, f->key);
        found = found || hit;
        if (hit && c == DROP) continue;
        tp_w_keyn(&w, kv->key.via.str.ptr, kv->key.via.str.size);
        if (hit)
            write_changed(&w, f, c);
        else
            tp_w_object(&w, &kv->val);
    }
    if (!found && c != DROP) { /* an optional field left out: add it, changed */
        tp_w_key(&w, f->key);
        write_changed(&w, f, c);
    }
    tp_w_map_end(&w);
    tp_msg m;
    char why[200];
    if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) abort(); /* a part of a message is one */
    if (reply_check(m.root, shape, why, sizeof why) == 0) {
        fprintf(stderr, "fuzz_replies: %s accepted with %s changed (%d)\n", shape->name, f->key,
                (int)c);
        abort();
    }
    tp_msg_free(&m);
    tp_w_free(&w);
}

/* o passed reply_check against shape: every field's bounds hold, here and in the first entry of
 * each map, list or dict inside. */
static void promise(const msgpack_object *o, const reply_shape *shape)
{
    for (size_t i = 0; i < shape->nfields; i++) {
        const reply_field *f = &shape->fields[i];
        if (!f->optional) {
            must_refuse(o, shape, f, DROP);
            must_refuse(o, shape, f, MAKE_NIL);
        }
        must_refuse(o, shape, f, WRONG_TYPE);
        if (f->kind == REPLY_INT && f->min > INT64_MIN) must_refuse(o, shape, f, BELOW_MIN);
        if (f->kind == REPLY_INT && f->max < INT64_MAX) must_refuse(o, shape, f, ABOVE_MAX);
        const msgpack_object *v = tp_map_get(o, f->key);
        if (!v || v->type == MSGPACK_OBJECT_NIL) continue;
        if (f->kind == REPLY_MAP)
            promise(v, f->of);
        else if (f->kind == REPLY_LIST && v->via.array.size)
            promise(&v->via.array.ptr[0], f->of);
        else if (f->kind == REPLY_DICT && v->via.map.size)
            promise(&v->via.map.ptr[0].val, f->of);
    }
}

/* ---- reading a conversation as the pages do ---- */

/* The reply to op when a page may use it: NULL when there is none, it says no, or it does not
 * fit shape (the page's 503, or the page without it). */
static const msgpack_object *usable(const msgpack_object *conv, const char *op,
                                    const reply_shape *shape)
{
    const msgpack_object *reply = tp_map_get(conv, op);
    char why[200];
    bool ok = false;
    if (tp_get_bool(reply, "ok", &ok) != 0 || !ok) return NULL;
    if (reply_check(reply, shape, why, sizeof why) != 0) return NULL;
    promise(reply, shape);
    return reply;
}

static int64_t int_field(const msgpack_object *o, const char *key, int64_t min, int64_t max)
{
    int64_t v = 0;
    if (tp_get_int(o, key, min, max, &v) != 0) abort(); /* checked: a page may count on it */
    return v;
}

static uint32_t list_size(const msgpack_object *o)
{
    if (!o || o->type != MSGPACK_OBJECT_ARRAY) abort();
    return o->via.array.size;
}

/* The fields render_begin writes for every page. */
static void begin(tp_w *w, const msgpack_object *me)
{
    tp_w_init(w);
    tp_w_map_begin(w);
    tp_w_kstr(w, "title", "Talks");
    tp_w_kstr(w, "csrf_token", "token");
    tp_w_kstr(w, "request_id", "fuzz");
    tp_w_key(w, "me");
    reply_write(w, me, &reply_me);
    tp_w_key(w, "flashes");
    tp_w_array_begin(w);
    tp_w_array_end(w);
}

/* Closes the context, which must parse, renders it and its JSON; ctx gets the parsed context. */
static void render(tp_w *w, const char *template_name, tp_msg *ctx)
{
    tp_w_map_end(w);
    if (tp_msg_parse(ctx, w->buf.data, w->buf.len) != 0) abort();
    tp_w_free(w);
    tp_buf out = TP_BUF_INIT;
    if (tpl_render(templates, template_name, ctx->root, &out) != 0) abort();
    tp_buf_reset(&out);
    json_from_msgpack(ctx->root, &out);
    tp_buf_free(&out);
}

/* The talk page (page_talk.c): talks.get, then comments.list and auth.users_get. */
static void talk_page(const msgpack_object *conv, const msgpack_object *me)
{
    const msgpack_object *got = usable(conv, "talks.get", &reply_talks_get);
    if (!got) return;
    const msgpack_object *talk = tp_map_get(got, "talk");
    const msgpack_object *comments = usable(conv, "comments.list", &reply_comments_list);
    const msgpack_object *users =
        tp_map_get(usable(conv, "auth.users_get", &reply_auth_users_get), "users");
    bool can_moderate = comment_view_can_moderate(me, int_field(talk, "author_id", 1, INT64_MAX));
    tp_w w;
    begin(&w, me);
    tp_w_key(&w, "talk");
    talk_view_write(&w, talk, talk_view_author(users, talk),
                    comments ? int_field(comments, "approved_total", 0, INT64_MAX) : -1, me);
    talk_view_write_og(&w, talk, "https://talks.example");
    if (comments) {
        int64_t page = int_field(comments, "page", 1, INT64_MAX);
        comment_view_write_list(&w, COMMENT_FOR_PAGE, "comments", tp_map_get(comments, "comments"),
                                users, can_moderate, (page - 1) * PER_PAGE + 1);
    } else {
        tp_w_kbool(&w, "comments_unavailable", true);
    }
    tp_msg ctx;
    render(&w, "talk", &ctx);
    if (comments &&
        list_size(tp_map_get(ctx.root, "comments")) != list_size(tp_map_get(comments, "comments")))
        abort();
    tp_msg_free(&ctx);
}

/* The timeline (page_home.c) and a speaker's page (page_user.c): talks.list, then
 * auth.users_get and comments.approved_counts; a speaker's page starts with auth.user_get. */
static void talk_list(const msgpack_object *conv, const msgpack_object *me, bool speaker)
{
    const msgpack_object *user = NULL;
    if (speaker) {
        user = tp_map_get(usable(conv, "auth.user_get", &reply_auth_user_get), "user");
        if (!user) return;
        int_field(user, "id", 1, INT64_MAX);
    }
    const msgpack_object *list = usable(conv, "talks.list", &reply_talks_list);
    if (!list) return;
    talk_extras extras = {
        tp_map_get(usable(conv, "auth.users_get", &reply_auth_users_get), "users"),
        tp_map_get(usable(conv, "comments.approved_counts", &reply_comments_approved_counts),
                   "counts"),
    };
    tp_w w;
    begin(&w, me);
    if (speaker) {
        tp_w_key(&w, "user");
        reply_write(&w, user, &reply_user);
    }
    talk_view_write_cards(&w, "talks", tp_map_get(list, "talks"), &extras, false);
    pager_write(&w, "pager", speaker ? "/user/ann" : "/", "", int_field(list, "page", 1, INT64_MAX),
                int_field(list, "pages", 1, INT64_MAX), &pager_newest_first);
    tp_msg ctx;
    render(&w, speaker ? "user" : "home", &ctx);
    if (list_size(tp_map_get(ctx.root, "talks")) != list_size(tp_map_get(list, "talks"))) abort();
    tp_msg_free(&ctx);
}

/* /moderate (page_moderate.c): comments.pending, then talks.titles. */
static void moderation(const msgpack_object *conv, const msgpack_object *me)
{
    const msgpack_object *pending = usable(conv, "comments.pending", &reply_comments_pending);
    if (!pending) return;
    const msgpack_object *titles =
        tp_map_get(usable(conv, "talks.titles", &reply_talks_titles), "talks");
    const msgpack_object *list = tp_map_get(pending, "comments");
    tp_w w;
    begin(&w, me);
    tp_w_key(&w, "comments");
    tp_w_array_begin(&w);
    for (uint32_t i = 0; i < list_size(list); i++) {
        char key[24];
        snprintf(key, sizeof key, "%lld",
                 (long long)int_field(&list->via.array.ptr[i], "talk_id", 1, INT64_MAX));
        comment_view_write(&w, COMMENT_FOR_PAGE, &list->via.array.ptr[i], NULL, true, 0,
                           tp_map_get(titles, key));
    }
    tp_w_array_end(&w);
    tp_msg ctx;
    render(&w, "moderate", &ctx);
    tp_msg_free(&ctx);
}

/* Replies a page reads a field or two of, or copies to the API: each is checked, kept to its
 * promise and written as its declared fields. */
static void small_replies(const msgpack_object *conv)
{
    static const struct {
        const char *op;
        const reply_shape *shape;
    } ops[] = {
        {"auth.login", &reply_auth_login},
        {"auth.token_create", &reply_auth_token_create},
        {"auth.token_check", &reply_auth_token_check},
        {"comments.create", &reply_comments_created},
        {"comments.preview", &reply_comments_preview},
        {"comments.counts", &reply_comments_counts},
        {"talks.create", &reply_talks_saved},
        {"mail.unsubscribe_info", &reply_mail_unsubscribe_info},
        {"mail.unsubscribe", &reply_mail_unsubscribe},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const msgpack_object *reply = usable(conv, ops[i].op, ops[i].shape);
        if (!reply) continue;
        tp_w w;
        tp_msg m;
        tp_w_init(&w);
        reply_write(&w, reply, ops[i].shape);
        if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) abort();
        tp_msg_free(&m);
        tp_w_free(&w);
    }
    /* What page_auth.c and page_talk.c read of theirs. */
    tp_str session;
    const msgpack_object *login = usable(conv, "auth.login", &reply_auth_login);
    if (login && tp_get_str(login, "session", REPLY_SECRET_MAX, &session) != 0) abort();
    const msgpack_object *created = usable(conv, "comments.create", &reply_comments_created);
    if (created) {
        int_field(created, "rank", 0, INT64_MAX);
        int_field(tp_map_get(created, "comment"), "id", 1, INT64_MAX);
    }
}

/* The field errors of an invalid reply ({"ok": false, "err": "invalid", "fields": {…}}). */
static void field_errors(const msgpack_object *conv)
{
    static const struct {
        const char *op;
        const reply_shape *shape;
    } ops[] = {
        {"talks.create", &reply_talk_errors},
        {"comments.create", &reply_comment_errors},
        {"auth.profile_update", &reply_profile_errors},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const msgpack_object *fields = tp_map_get(tp_map_get(conv, ops[i].op), "fields");
        char why[200];
        if (!fields || reply_check(fields, ops[i].shape, why, sizeof why) != 0) continue;
        promise(fields, ops[i].shape);
        tp_w w;
        tp_msg m;
        tp_w_init(&w);
        reply_write(&w, fields, ops[i].shape);
        if (tp_msg_parse(&m, w.buf.data, w.buf.len) != 0) abort();
        tp_msg_free(&m);
        tp_w_free(&w);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_msg conv;
    if (tp_msg_parse(&conv, data, size) != 0) return 0;
    /* The reader: routes.c reads the session, an anonymous visitor when it cannot be used. */
    const msgpack_object *me =
        tp_map_get(usable(conv.root, "auth.session", &reply_auth_session), "user");
    talk_page(conv.root, me);
    talk_list(conv.root, me, false);
    talk_list(conv.root, me, true);
    moderation(conv.root, me);
    small_replies(conv.root);
    field_errors(conv.root);
    tp_msg_free(&conv);
    return 0;
}
