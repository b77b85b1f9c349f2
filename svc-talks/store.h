/* store: every SQL statement of svc-talks (talks.db). Reads write talks straight into the
 * reply; functions return 1 found / 0 not found / -1 database error, or 0 / -1 for writes. */
#ifndef TALKS_STORE_H
#define TALKS_STORE_H

#include "talk.h"
#include "tp_db.h"

/* The columns every statement that reads whole talks selects, in store_talk_fields' order. */
#define TALK_COLUMNS                                                                               \
    "id, author_id, title, description, venue, venue_url, date, slides_provider, slides_url, "     \
    "slides_embed, video_provider, video_url, video_embed, created_at, updated_at"
/* The fields of the current row of a TALK_COLUMNS statement into an open map. */
void store_talk_fields(sqlite3_stmt *st, tp_w *w);

/* Inserts a talk, or, when rid already made one, returns that talk's id instead (a request
 * resent by the bus must not publish the talk twice). */
int store_talk_create(tp_db *db, int64_t author_id, const talk_input *in, tp_str rid, int64_t *id);
int store_talk_update(tp_db *db, int64_t id, const talk_input *in);
int store_talk_author(tp_db *db, int64_t id, int64_t *author_id);
/* Deletes the talk (its search entry goes by trigger) and records it in talks_gone, by request
 * rid, in one transaction: 1 deleted, 0 no such talk, -1. */
int store_talk_delete(tp_db *db, int64_t id, tp_str rid);
/* Deleted talks svc-comments has not yet heard of, oldest first: at most max ids into ids, each
 * with the request that deleted it (rids[i], 64 bytes and a NUL). How many, or -1. */
#define STORE_RID_MAX 64
int store_gone_untold(tp_db *db, int64_t *ids, char (*rids)[STORE_RID_MAX + 1], int max);
/* svc-comments has heard that talk id is gone. */
int store_gone_told(tp_db *db, int64_t id);
/* Writes the talk as a map under "talk", and beside it under "state" the state of talks it was
 * read in (schema.h, migration 6). */
int store_talk_get(tp_db *db, int64_t id, tp_w *w);
/* The state of talks now, or -1 on a database error. */
int64_t store_talks_state(tp_db *db);
/* {"<id>": {id, title}} for a list of talk ids (unknown ids are absent). */
int store_talk_titles(tp_db *db, const msgpack_object *ids, tp_w *w, const char *key);
/* Number of talks (of one author when author_id > 0). */
int64_t store_talk_count(tp_db *db, int64_t author_id);
/* Writes an array of talks, newest date first, under key. */
int store_talk_list(tp_db *db, int64_t author_id, int64_t offset, int64_t limit, tp_w *w,
                    const char *key);

/* Speakers' names, copied from svc-auth (speakers.c): the newest change number copied (0 for
 * none); one name stored (its talks keep the old one until store_speakers_to_talks); and every
 * name changed after change number after given to that speaker's talks (the index follows, by
 * trigger). Talks made later take the name from speakers as they are stored. */
int64_t store_speakers_seq(tp_db *db);
/* Every name's change number back to 0, so that the next catch-up copies every name again. */
int store_speakers_forget_seq(tp_db *db);
int store_speaker_put(tp_db *db, int64_t id, tp_str name, int64_t seq);
int store_speakers_to_talks(tp_db *db, int64_t after);
/* A talk as talksctl export writes it and import brings it back (tp_transfer.h). */
typedef struct talk_row {
    int64_t id, author_id, created_at, updated_at;
    talk_input in;
} talk_row;

/* Writes the talks with an id above after as "rows" and "more" (tp_export_rows). */
int store_talks_export(tp_db *db, int64_t after, tp_w *w);
/* How many talks there are; -1 on error. */
int64_t store_talks_count(tp_db *db);
/* Adds r inside the caller's transaction, unless key (when not empty) made a talk already: then
 * *id is that one and *added false. Without merge r keeps its id, and a taken one returns 1;
 * with merge a taken id gives r a new one. 0, 1 or -1. */
int store_talk_import(tp_db *db, const talk_row *r, tp_str key, bool merge, int64_t *id,
                      bool *added);

#endif
