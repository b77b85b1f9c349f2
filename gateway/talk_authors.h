/* talk_authors: who gave each talk, remembered by the gateway. A comment needs its talk's
 * speaker (svc-comments keeps it, for moderation and mail); a talk's author never changes, so
 * after the first look-up a comment costs no svc-talks call. A deleted talk is forgotten here
 * (and svc-comments refuses comments on it whatever a gateway remembers).
 * Loop thread only; a fixed table (a talk that collides with another is looked up again). */
#ifndef TALK_AUTHORS_H
#define TALK_AUTHORS_H

#include <stdbool.h>
#include <stdint.h>

/* True with *author_id when talk_id's author is known. */
bool talk_authors_get(int64_t talk_id, int64_t *author_id);
void talk_authors_put(int64_t talk_id, int64_t author_id);
void talk_authors_forget(int64_t talk_id);

#endif
