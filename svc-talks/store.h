/* store: every SQL statement of svc-talks (talks.db). Reads write talks straight into the
 * reply; functions return 1 found / 0 not found / -1 database error, or 0 / -1 for writes. */
#ifndef TALKS_STORE_H
#define TALKS_STORE_H

#include "talk.h"
#include "tp_db.h"

/* Inserts a talk, or, when rid already made one, returns that talk's id instead (a request
 * resent by the bus must not publish the talk twice). */
int store_talk_create(tp_db *db, int64_t author_id, const talk_input *in, tp_str rid, int64_t *id);
int store_talk_update(tp_db *db, int64_t id, const talk_input *in);
int store_talk_author(tp_db *db, int64_t id, int64_t *author_id);
/* Writes the talk as a map under key. */
int store_talk_write(tp_db *db, int64_t id, tp_w *w, const char *key);
/* {"<id>": {id, title}} for a list of talk ids (unknown ids are absent). */
int store_talk_titles(tp_db *db, const msgpack_object *ids, tp_w *w, const char *key);
/* Number of talks (of one author when author_id > 0). */
int64_t store_talk_count(tp_db *db, int64_t author_id);
/* Writes an array of talks, newest date first, under key. */
int store_talk_list(tp_db *db, int64_t author_id, int64_t offset, int64_t limit, tp_w *w,
                    const char *key);

#endif
