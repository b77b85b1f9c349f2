/* comment_view: a comment from svc-comments made ready for templates and the API. A visitor's
 * email is written only for readers who may moderate the comment. Every comment, user and talk
 * here comes from a reply that passed reply_check (reply.h). */
#ifndef COMMENT_VIEW_H
#define COMMENT_VIEW_H

#include <stdint.h>

#include "tp_msg.h"

/* May me moderate comments on a talk written by talk_author_id? */
bool comment_view_can_moderate(const msgpack_object *me, int64_t talk_author_id);
/* Who reads a comment's view: a page's templates (comment.mustache: the author as
 * reply_user_card, and not the Markdown source, which no page shows) or the API (the comment
 * and its author whole). */
typedef enum comment_reader { COMMENT_FOR_PAGE, COMMENT_FOR_API } comment_reader;
/* Writes the comment as a map. number is its position on the talk (0: not shown); talk, when
 * given, is {id, title} of the talk it is on (moderation pages). */
void comment_view_write(tp_w *w, comment_reader reader, const msgpack_object *comment,
                        const msgpack_object *users, bool can_moderate, int64_t number,
                        const msgpack_object *talk);
/* Writes key: [comments…], a page of one talk's comments numbered from first. */
void comment_view_write_list(tp_w *w, comment_reader reader, const char *key,
                             const msgpack_object *comments, const msgpack_object *users,
                             bool can_moderate, int64_t first);

/* Paging arithmetic on numbers that come from replies and queries. Each clamps what it is given
 * before computing — a page to [1, COMMENT_VIEW_PAGE_MAX], per_page to [1, 100], a rank to
 * >= 0 — so no value, however hostile, overflows, and what it returns is safe to add a page's
 * worth of comments to, or 1. */
#define COMMENT_VIEW_PAGE_MAX INT32_MAX
/* The number shown on the first comment of page (1-based). */
int64_t comment_view_first_number(int64_t page, int per_page);
/* The page that holds the comment of 0-based rank. */
int64_t comment_view_page_of(int64_t rank, int per_page);

#endif
