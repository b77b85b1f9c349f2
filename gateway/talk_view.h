/* talk_view: a talk from svc-talks made ready for templates and the API — its own fields plus
 * its page address, its author (from svc-auth) and whether the reader may edit it. Every talk,
 * user and count here comes from a reply that passed reply_check (reply.h). */
#ifndef TALK_VIEW_H
#define TALK_VIEW_H

#include "tp_msg.h"

/* The user with this talk's author_id in an auth.users_get reply's "users" map, or NULL. */
const msgpack_object *talk_view_author(const msgpack_object *users, const msgpack_object *talk);
/* What other services add to a list of talks: their authors (auth.users_get's "users") and
 * approved comment counts (comments.approved_counts's "counts"); either may be NULL. */
typedef struct talk_extras {
    const msgpack_object *users, *counts;
} talk_extras;

/* Writes the talk as a map: its fields (those of reply_talk only), then url, author, can_edit
 * and, when known (comment_count >= 0), comment_count. me is the reader, or NULL. */
void talk_view_write(tp_w *w, const msgpack_object *talk, const msgpack_object *author,
                     int64_t comment_count, const msgpack_object *me);
/* Writes key: [talks…] with each author and count looked up in extras. */
void talk_view_write_list(tp_w *w, const char *key, const msgpack_object *talks,
                          const talk_extras *extras, const msgpack_object *me);
/* The same for search hits (talks.search), each also with "excerpt" and "excerpt_html"
 * (excerpt.h). */
void talk_view_write_hits(tp_w *w, const char *key, const msgpack_object *hits,
                          const talk_extras *extras, const msgpack_object *me);
/* The same for a page's list of talks (talk_list.mustache): each talk as its card shows it —
 * reply_talk_card's fields, url, author (reply_user_card) and comment_count, with the excerpt
 * of a search hit (hits) — and nothing else: a page's view of fifty whole talks and authors was
 * three times the size, and every name the page looks up searched it. */
void talk_view_write_cards(tp_w *w, const char *key, const msgpack_object *talks,
                           const talk_extras *extras, bool hits);
/* og: the Open Graph tags of the talk's page, its address under public_url. */
void talk_view_write_og(tp_w *w, const msgpack_object *talk, const char *public_url);

#endif
