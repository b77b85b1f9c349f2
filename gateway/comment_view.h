/* comment_view: a comment from svc-comments made ready for templates and the API. A visitor's
 * email is written only for readers who may moderate the comment. Every comment, user and talk
 * here comes from a reply that passed reply_check (reply.h). */
#ifndef COMMENT_VIEW_H
#define COMMENT_VIEW_H

#include "tp_msg.h"

/* May me moderate comments on a talk written by talk_author_id? */
bool comment_view_can_moderate(const msgpack_object *me, int64_t talk_author_id);
/* Adds the ids of the registered authors of comments to an open array (for auth.users_get). */
void comment_view_author_ids(tp_w *ids, const msgpack_object *comments);
/* Writes the comment as a map. number is its position on the talk (0: not shown); talk, when
 * given, is {id, title} of the talk it is on (moderation pages). */
void comment_view_write(tp_w *w, const msgpack_object *comment, const msgpack_object *users,
                        bool can_moderate, int64_t number, const msgpack_object *talk);
/* Writes key: [comments…], a page of one talk's comments numbered from first. */
void comment_view_write_list(tp_w *w, const char *key, const msgpack_object *comments,
                             const msgpack_object *users, bool can_moderate, int64_t first);

#endif
