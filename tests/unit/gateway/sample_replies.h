/* sample_replies.h: well-formed service replies, as the services write them, for the gateway's
 * unit tests (reply.c, talk_view.c); each test changes one thing and sees what the gateway
 * makes of it. Static inline functions: each test file uses what it needs. */
#ifndef SAMPLE_REPLIES_H
#define SAMPLE_REPLIES_H

#include <stdlib.h>
#include <string.h>

#include "tp_msg.h"

static inline void sample_media(tp_w *w)
{
    tp_w_map_begin(w);
    tp_w_kstr(w, "provider", "youtube");
    tp_w_kstr(w, "provider_title", "YouTube");
    tp_w_kstr(w, "url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ");
    tp_w_kstr(w, "embed_url", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ");
    tp_w_kbool(w, "is_pdf", false);
    tp_w_kbool(w, "is_link", false);
    tp_w_map_end(w);
}

static inline void sample_talk(tp_w *w, int64_t id, int64_t author_id)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "author_id", author_id);
    tp_w_kstr(w, "title", "Parsing with care");
    tp_w_kstr(w, "description", "Why every length is checked.");
    tp_w_kstr(w, "venue", "FOSDEM");
    tp_w_kstr(w, "venue_url", "https://fosdem.org/");
    tp_w_kstr(w, "date", "2024-02-03");
    tp_w_key(w, "slides");
    tp_w_nil(w);
    tp_w_key(w, "video");
    sample_media(w);
    tp_w_kint(w, "created_at", 1706900000);
    tp_w_kint(w, "updated_at", 1706900100);
    tp_w_map_end(w);
}

/* A user as svc-auth writes one; private adds what only the user sees (a session's "me"). */
static inline void sample_user(tp_w *w, int64_t id, bool private)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kstr(w, "username", "ann");
    tp_w_kstr(w, "name", "Ann Speaker");
    tp_w_kstr(w, "location", "Ghent");
    tp_w_kstr(w, "bio", "Talks about parsers.");
    tp_w_kstr(w, "avatar_initial", "A");
    tp_w_kint(w, "avatar_hue", 3);
    if (private) {
        tp_w_kstr(w, "email", "ann@example.org");
        tp_w_kbool(w, "is_admin", false);
        tp_w_kstr(w, "profile_name", "Ann Speaker");
    }
    tp_w_map_end(w);
}

/* author_id 0: a visitor's comment. */
static inline void sample_comment(tp_w *w, int64_t id, int64_t author_id)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "id", id);
    tp_w_kint(w, "talk_id", 1);
    tp_w_kint(w, "talk_author_id", 7);
    tp_w_kint(w, "author_id", author_id);
    tp_w_kstr(w, "author_name", author_id ? "Ann Speaker" : "Vic Visitor");
    tp_w_kstr(w, "author_email", author_id ? "" : "vic@example.org");
    tp_w_kbool(w, "notify", false);
    tp_w_kbool(w, "approved", author_id != 0);
    tp_w_kstr(w, "body", "Nice *talk*");
    tp_w_kstr(w, "body_html", "<p>Nice <em>talk</em></p>");
    tp_w_kint(w, "created_at", 1706900200);
    tp_w_map_end(w);
}

/* Starts an ok reply: an open map the caller fills and then hands to sample_end. */
static inline void sample_begin(tp_w *w)
{
    tp_w_init(w);
    tp_w_map_begin(w);
}

/* Closes the reply with "ok": true, parses it into m and frees the writer. */
static inline void sample_end(tp_w *w, tp_msg *m)
{
    tp_w_kbool(w, "ok", true);
    tp_w_map_end(w);
    if (tp_msg_parse(m, w->buf.data, w->buf.len) != 0) abort();
    tp_w_free(w);
}

static inline void sample_talks_get(tp_msg *m)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "talk");
    sample_talk(&w, 1, 7);
    tp_w_kint(&w, "state", 4242);
    sample_end(&w, m);
}

static inline void sample_talks_state(tp_msg *m, int64_t state)
{
    tp_w w;
    sample_begin(&w);
    tp_w_kint(&w, "state", state);
    sample_end(&w, m);
}

static inline void sample_talks_list(tp_msg *m, int ntalks)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "talks");
    tp_w_array_begin(&w);
    for (int i = 0; i < ntalks; i++) sample_talk(&w, i + 1, 7);
    tp_w_array_end(&w);
    tp_w_kint(&w, "page", 1);
    tp_w_kint(&w, "pages", 3);
    tp_w_kint(&w, "total", 25);
    tp_w_kint(&w, "author_id", 0);
    tp_w_kint(&w, "per_page", 10);
    tp_w_kint(&w, "state", 4242);
    sample_end(&w, m);
}

static inline void sample_users_get(tp_msg *m, int nusers)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "users");
    tp_w_map_begin(&w);
    for (int i = 0; i < nusers; i++) {
        char key[24];
        snprintf(key, sizeof key, "%d", 7 + i);
        tp_w_key(&w, key);
        sample_user(&w, 7 + i, false);
    }
    tp_w_map_end(&w);
    tp_w_kint(&w, "seq", 42);
    sample_end(&w, m);
}

/* auth.names_after: users 7, 8, … changed at 40, 41, …, and the last change number. */
static inline void sample_names_after(tp_msg *m, int nusers)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "users");
    tp_w_array_begin(&w);
    for (int i = 0; i < nusers; i++) {
        tp_w_map_begin(&w);
        tp_w_kint(&w, "id", 7 + i);
        tp_w_kstr(&w, "name", "Ann");
        tp_w_kint(&w, "seq", 40 + i);
        tp_w_map_end(&w);
    }
    tp_w_array_end(&w);
    tp_w_kint(&w, "last", 40 + nusers);
    sample_end(&w, m);
}

static inline void sample_session(tp_msg *m)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "user");
    sample_user(&w, 7, true);
    sample_end(&w, m);
}

static inline void sample_comments_list(tp_msg *m, int ncomments)
{
    tp_w w;
    sample_begin(&w);
    tp_w_key(&w, "comments");
    tp_w_array_begin(&w);
    for (int i = 0; i < ncomments; i++) sample_comment(&w, i + 1, i % 2 ? 0 : 7);
    tp_w_array_end(&w);
    tp_w_kint(&w, "page", 1);
    tp_w_kint(&w, "pages", 1);
    tp_w_kint(&w, "total", ncomments);
    tp_w_kint(&w, "approved_total", ncomments);
    tp_w_kint(&w, "live_seq", 7);
    sample_end(&w, m);
}

/* A copy of map o in which key is left out (with == NULL) or holds the value with writes. */
static inline void sample_change(tp_msg *out, const msgpack_object *o, const char *key,
                                 void (*with)(tp_w *w))
{
    tp_w w;
    tp_w_init(&w);
    tp_w_map_begin(&w);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        bool hit = tp_obj_is_str(&kv->key, key);
        if (hit && !with) continue;
        tp_w_keyn(&w, kv->key.via.str.ptr, kv->key.via.str.size);
        if (hit)
            with(&w);
        else
            tp_w_object(&w, &kv->val);
    }
    tp_w_map_end(&w);
    if (tp_msg_parse(out, w.buf.data, w.buf.len) != 0) abort();
    tp_w_free(&w);
}

#endif
