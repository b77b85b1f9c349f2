/* gone: telling svc-comments that a talk was deleted, so that its comments follow it.
 *
 * Design notes: svc-talks owns talks, so the deletion is decided and committed here (talks.delete:
 * the talk and a talks_gone row in one transaction), and svc-comments is told through the relay
 * (comments.talk_deleted, allowed from svc-talks only): it deletes the talk's comments, refuses
 * new ones, and writes a talk.deleted event in its outbox, from which svc-mail drops what it
 * queued for the talk and its subscriptions. The telling is at least once: right after the
 * commit, within the request (so the speaker's next page no longer shows the comments), and for
 * any talks_gone row not yet marked told, again by the background loop every second, so a
 * svc-comments that was away hears when it is back. svc-comments' answer is the same for a
 * talk it already heard of. */
#ifndef TALKS_GONE_H
#define TALKS_GONE_H

#include <stdatomic.h>
#include <stdint.h>

#include "tp_db.h"
#include "tp_log.h"

/* Tells svc-comments that talk id is gone (rid: the request that deleted it) and records that it
 * heard: 0, or -1 to try again later, logged at level (the background loop's retries are only
 * debug: svc-comments away would otherwise be a line a second). */
int gone_tell(tp_db *db, int64_t id, const char *rid, int timeout_ms, enum tp_log_level level);
/* Tells every deleted talk svc-comments has not heard of; 0, or -1 to try again later. */
int gone_catch_up(tp_db *db, const atomic_bool *stopping);

#endif
