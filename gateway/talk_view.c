/* talk_view: talks for templates (see talk_view.h). */
#include "talk_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "excerpt.h"
#include "og_card.h"
#include "reply.h"
#include "tp_fmt.h"
#include "tp_utf8.h"

#define OG_DESCRIPTION_BYTES 200

static int64_t int_field(const msgpack_object *o, const char *key)
{
    int64_t v = 0;
    tp_get_int(o, key, INT64_MIN, INT64_MAX, &v);
    return v;
}

/* users' entry for talk's author; *at: where the last lookup in users ended (see write_talks). */
static const msgpack_object *author_from(const msgpack_object *users, const msgpack_object *talk,
                                         uint32_t *at)
{
    char key[TP_FMT_INT_SIZE];
    size_t n = tp_fmt_i64(key, int_field(talk, "author_id"));
    return tp_map_get_next(users, key, n, at);
}

const msgpack_object *talk_view_author(const msgpack_object *users, const msgpack_object *talk)
{
    uint32_t at = 0;
    return author_from(users, talk, &at);
}

/* The fields of talk_view_write into an open map; for a card (write_cards) only what it shows. */
static void write_fields(tp_w *w, const msgpack_object *talk, const msgpack_object *author,
                         int64_t comment_count, const msgpack_object *me, bool card)
{
    int64_t id = int_field(talk, "id");
    reply_write_fields(w, talk, card ? &reply_talk_card : &reply_talk);
    char url[sizeof "/talk/" + TP_FMT_INT_SIZE];
    tp_fmt_after(url, "/talk/", id);
    tp_w_kstr(w, "url", url);
    tp_w_key(w, "author");
    reply_write(w, author, card ? &reply_user_card : &reply_user);
    if (!card) {
        bool admin = false;
        tp_get_bool(me, "is_admin", &admin);
        tp_w_kbool(w, "can_edit",
                   me && (admin || int_field(me, "id") == int_field(talk, "author_id")));
    }
    if (comment_count >= 0) tp_w_kint(w, "comment_count", comment_count);
}

void talk_view_write(tp_w *w, const msgpack_object *talk, const msgpack_object *author,
                     int64_t comment_count, const msgpack_object *me)
{
    tp_w_map_begin(w);
    write_fields(w, talk, author, comment_count, me, false);
    tp_w_map_end(w);
}

/* talks, each with its author and count; hits: search hits, each with its excerpt too; card:
 * each as its card shows it. */
static void write_talks(tp_w *w, const char *key, const msgpack_object *talks,
                        const talk_extras *extras, const msgpack_object *me, bool hits, bool card)
{
    tp_w_key(w, key);
    tp_w_array_begin(w);
    /* The counts come in the order of the talks, and the authors mostly do: each lookup starts
     * where the last one ended (a page of fifty talks looked each up from the start: 2 500 key
     * comparisons). */
    uint32_t count_at = 0, author_at = 0;
    for (uint32_t i = 0; talks && talks->type == MSGPACK_OBJECT_ARRAY && i < talks->via.array.size;
         i++) {
        const msgpack_object *t = &talks->via.array.ptr[i];
        char id[TP_FMT_INT_SIZE];
        size_t idlen = tp_fmt_i64(id, int_field(t, "id"));
        int64_t count = -1;
        const msgpack_object *counted = tp_map_get_next(extras->counts, id, idlen, &count_at);
        if (counted) tp_int_of(counted, 0, INT64_MAX, &count);
        tp_w_map_begin(w);
        write_fields(w, t, author_from(extras->users, t, &author_at), count, me, card);
        if (hits) excerpt_write(w, t);
        tp_w_map_end(w);
    }
    tp_w_array_end(w);
}

void talk_view_write_list(tp_w *w, const char *key, const msgpack_object *talks,
                          const talk_extras *extras, const msgpack_object *me)
{
    write_talks(w, key, talks, extras, me, false, false);
}

void talk_view_write_hits(tp_w *w, const char *key, const msgpack_object *hits,
                          const talk_extras *extras, const msgpack_object *me)
{
    write_talks(w, key, hits, extras, me, true, false);
}

void talk_view_write_cards(tp_w *w, const char *key, const msgpack_object *talks,
                           const talk_extras *extras, bool hits)
{
    write_talks(w, key, talks, extras, NULL, hits, true);
}

void talk_view_write_og(tp_w *w, const msgpack_object *talk, const char *public_url)
{
    tp_str title = {"", 0}, description = {"", 0};
    tp_get_str(talk, "title", 1024, &title);
    tp_get_str(talk, "description", 65536, &description);
    char url[400];
    snprintf(url, sizeof url, "%s/talk/%" PRId64, public_url, int_field(talk, "id"));
    tp_w_key(w, "og");
    tp_w_map_begin(w);
    tp_w_kstrn(w, "title", title.p, title.n);
    tp_w_kstrn(w, "description", description.p,
               tp_utf8_prefix(description.p, description.n, OG_DESCRIPTION_BYTES));
    tp_w_kstr(w, "type", "article");
    tp_w_kstr(w, "url", url);
    if (og_card_ready()) { /* the talk's card (page_card.c), absolute like every og: URL */
        char image[420];
        snprintf(image, sizeof image, "%s/card.png", url);
        tp_w_kstr(w, "image", image);
        tp_w_kint(w, "image_width", OG_CARD_WIDTH);
        tp_w_kint(w, "image_height", OG_CARD_HEIGHT);
    }
    tp_w_map_end(w);
}
