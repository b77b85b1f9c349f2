/* speakers: svc-talks' copy of the speakers' names, which search matches (svc-auth owns them).
 *
 * Design notes: svc-talks learns names by asking, not from events. svc-auth numbers every name
 * it makes or changes (users.name_seq, in the transaction of the change), and svc-talks asks it,
 * through the relay, for the names after the newest number it has copied (auth.names_after),
 * then stores them in one transaction, which also gives those speakers' talks their new names in
 * one statement (FTS5 writes its index once a statement: schema.h, migration 5). Invariant: a
 * talk's speaker_name is its speaker's name in speakers ('' while there is none), set as the talk
 * is stored and by the transaction that changes the name. So the copy is a cursor over svc-auth's
 * own data: a restart, svc-auth or svc-talks away for a while, or a lost message cost a delay,
 * never a name, and svc-auth knows nothing of who copies its names. (An event from svc-auth would
 * have needed an outbox there, and svc-talks would still have had to ask svc-auth what it meant:
 * SPEC section 9, events are hints.) The cost is the delay: svc-talks asks every SPEAKERS_POLL_MS,
 * so a new name is found by search within about that (a talk made by someone svc-talks has not
 * heard of yet is indexed without the name, and gets it when the name arrives). An idle question
 * costs svc-auth an indexed lookup.
 *
 * svc-auth also says its newest change number (last). One before what svc-talks has copied means
 * auth.db went back (restored alone, or from a set whose copy of auth.db is older than
 * talks.db's): its next changes would take numbers svc-talks counts as seen, and never reach
 * search. So svc-talks then forgets its numbers and copies every name again. */
#ifndef TALKS_SPEAKERS_H
#define TALKS_SPEAKERS_H

#include <stdatomic.h>

#include "tp_db.h"
#include "tp_msg.h"
#include "tp_op_inputs.h"

#define SPEAKERS_POLL_MS 1000               /* how often background.c asks */
#define SPEAKERS_BATCH   TP_NAMES_AFTER_MAX /* names per question */

/* Asks for at most limit names after change number seq: 0 with *reply (the caller frees it), a
 * map whose "users" is [{id, name, seq}, …] in order and "last" svc-auth's newest change number;
 * or -1 when it cannot now. */
typedef int speakers_fetch_fn(int64_t seq, int limit, tp_msg *reply);
/* The one svc-talks runs with: auth.names_after through the relay. */
int speakers_fetch_by_relay(int64_t seq, int limit, tp_msg *reply);

/* Copies every name changed since the last copied, SPEAKERS_BATCH at a time, until fewer come
 * back or stopping is set; 0, or -1 to try again later. */
int speakers_catch_up(tp_db *db, speakers_fetch_fn *fetch, const atomic_bool *stopping);

#endif
