/* talk_view: talks for templates (see talk_view.h). */
#include "talk_view.h"

#include <inttypes.h>
#include <stdio.h>

#include "tp_svc.h"

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

void talk_view_authors_request(tp_w *req, const char *rid, const msgpack_object *talks)
{
    tp_w_request(req, "auth.users_get", rid);
    tp_w_key(req, "ids");
    tp_w_array_begin(req);
    if (talks && talks->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < talks->via.array.size; i++)
            tp_w_int(req, int_field(&talks->via.array.ptr[i], "author_id"));
    tp_w_array_end(req);
    tp_w_map_end(req);
}

const msgpack_object *talk_view_author(const msgpack_object *users, const msgpack_object *talk)
{
    char key[24];
    snprintf(key, sizeof key, "%" PRId64, int_field(talk, "author_id"));
    return tp_map_get(users, key);
}

void talk_view_write(tp_w *w, const msgpack_object *talk, const msgpack_object *author,
                     int64_t comment_count, const msgpack_object *me)
{
    int64_t id = int_field(talk, "id"), author_id = int_field(talk, "author_id");
    bool admin = false;
    tp_get_bool(me, "is_admin", &admin);
    tp_w_map_begin(w);
    for (uint32_t i = 0; talk->type == MSGPACK_OBJECT_MAP && i < talk->via.map.size; i++) {
        const msgpack_object_kv *kv = &talk->via.map.ptr[i];
        tp_w_keyn(w, kv->key.via.str.ptr, kv->key.via.str.size);
        tp_w_object(w, &kv->val);
    }
    char url[40];
    snprintf(url, sizeof url, "/talk/%" PRId64, id);
    tp_w_kstr(w, "url", url);
    tp_w_kobject(w, "author", author);
    tp_w_kbool(w, "can_edit", me && (admin || int_field(me, "id") == author_id));
    if (comment_count >= 0) tp_w_kint(w, "comment_count", comment_count);
    tp_w_map_end(w);
}

void talk_view_write_list(tp_w *w, const char *key, const msgpack_object *talks,
                          const talk_extras *extras, const msgpack_object *me)
{
    tp_w_key(w, key);
    tp_w_array_begin(w);
    for (uint32_t i = 0; talks && talks->type == MSGPACK_OBJECT_ARRAY && i < talks->via.array.size;
         i++) {
        const msgpack_object *t = &talks->via.array.ptr[i];
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, int_field(t, "id"));
        int64_t count = -1;
        tp_get_int(extras->counts, id, 0, INT64_MAX, &count);
        talk_view_write(w, t, talk_view_author(extras->users, t), count, me);
    }
    tp_w_array_end(w);
}

static void page_url(tp_w *w, const char *key, const char *base, int64_t page)
{
    char url[300];
    if (page == 1)
        snprintf(url, sizeof url, "%s", base);
    else
        snprintf(url, sizeof url, "%s?page=%" PRId64, base, page);
    tp_w_kstr(w, key, url);
}

void talk_view_write_pager(tp_w *w, const char *base, int64_t page, int64_t pages)
{
    tp_w_key(w, "pager");
    if (pages <= 1) {
        tp_w_nil(w);
        return;
    }
    tp_w_map_begin(w);
    if (page > 1) page_url(w, "newer_url", base, page - 1);
    if (page < pages) page_url(w, "older_url", base, page + 1);
    tp_w_map_end(w);
}
