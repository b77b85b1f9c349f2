/* comment_view: comments for templates and the API (see comment_view.h). */
#include "comment_view.h"

#include <string.h>

#include "reply.h"
#include "tp_fmt.h"

static int64_t int_of(const msgpack_object *o)
{
    int64_t v = 0;
    tp_int_of(o, INT64_MIN, INT64_MAX, &v);
    return v;
}

static int64_t int_field(const msgpack_object *o, const char *key)
{
    return int_of(tp_map_get(o, key));
}

bool comment_view_can_moderate(const msgpack_object *me, int64_t talk_author_id)
{
    bool admin = false;
    if (!me) return false;
    tp_get_bool(me, "is_admin", &admin);
    return admin || int_field(me, "id") == talk_author_id;
}

/* A field of a comment: svc-comments writes a comment's fields in one order
 * (svc-comments/store.c), and reading them in that order finds each at the first comparison
 * instead of searching the map for every one (a fifth of what writing a comment took). */
static const msgpack_object *next_field(const msgpack_object *comment, const char *key,
                                        uint32_t *at)
{
    return tp_map_get_next(comment, key, strlen(key), at);
}

void comment_view_write(tp_w *w, comment_reader reader, const msgpack_object *comment,
                        const msgpack_object *users, bool can_moderate, int64_t number,
                        const msgpack_object *talk)
{
    bool page = reader == COMMENT_FOR_PAGE;
    uint32_t at = 0;
    int64_t id = int_of(next_field(comment, "id", &at));
    int64_t talk_id = int_of(next_field(comment, "talk_id", &at));
    int64_t author_id = int_of(next_field(comment, "author_id", &at));
    const msgpack_object *author_name = next_field(comment, "author_name", &at);
    const msgpack_object *email = next_field(comment, "author_email", &at);
    bool approved = false;
    tp_bool_of(next_field(comment, "approved", &at), &approved);
    const msgpack_object *body = next_field(comment, "body", &at);
    const msgpack_object *body_html = next_field(comment, "body_html", &at);
    int64_t created_at = int_of(next_field(comment, "created_at", &at));
    char key[TP_FMT_INT_SIZE], anchor[sizeof "comment-" + TP_FMT_INT_SIZE],
        created[TP_FMT_UTC_SIZE];
    tp_fmt_i64(key, author_id);
    tp_fmt_after(anchor, "comment-", id);
    tp_fmt_utc(created, created_at);

    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "talk_id", talk_id);
    if (number > 0) tp_w_kint(w, "number", number);
    tp_w_kstr(w, "anchor", anchor);
    tp_w_key(w, "author");
    reply_write(w, author_id > 0 ? tp_map_get(users, key) : NULL,
                page ? &reply_user_card : &reply_user);
    tp_w_kobject(w, "author_name", author_name);
    if (can_moderate && author_id == 0) tp_w_kobject(w, "email", email);
    tp_w_kbool(w, "pending", !approved);
    tp_w_kstr(w, "created_iso", created);
    if (!page) tp_w_kobject(w, "body", body);
    tp_w_kobject(w, "body_html", body_html);
    tp_w_kbool(w, "can_moderate", can_moderate);
    if (talk) {
        int64_t on = int_field(talk, "id");
        char url[sizeof "/talk/" + TP_FMT_INT_SIZE];
        tp_fmt_after(url, "/talk/", on);
        tp_w_key(w, "talk");
        tp_w_map_begin(w);
        tp_w_kint(w, "id", on);
        tp_w_kobject(w, "title", tp_map_get(talk, "title"));
        tp_w_kstr(w, "url", url);
        tp_w_map_end(w);
    }
    tp_w_map_end(w);
}

void comment_view_write_list(tp_w *w, comment_reader reader, const char *key,
                             const msgpack_object *comments, const msgpack_object *users,
                             bool can_moderate, int64_t first)
{
    tp_w_key(w, key);
    tp_w_array_begin(w);
    for (uint32_t i = 0;
         comments && comments->type == MSGPACK_OBJECT_ARRAY && i < comments->via.array.size; i++)
        comment_view_write(w, reader, &comments->via.array.ptr[i], users, can_moderate,
                           first <= INT64_MAX - i ? first + i : INT64_MAX, NULL);
    tp_w_array_end(w);
}

static int clamp_per_page(int per_page)
{
    return per_page < 1 ? 1 : per_page > 100 ? 100 : per_page;
}

int64_t comment_view_first_number(int64_t page, int per_page)
{
    if (page < 1) page = 1;
    if (page > COMMENT_VIEW_PAGE_MAX) page = COMMENT_VIEW_PAGE_MAX;
    return (page - 1) * clamp_per_page(per_page) + 1;
}

int64_t comment_view_page_of(int64_t rank, int per_page)
{
    int64_t page = rank < 0 ? 0 : rank / clamp_per_page(per_page);
    return page < COMMENT_VIEW_PAGE_MAX ? page + 1 : COMMENT_VIEW_PAGE_MAX;
}
