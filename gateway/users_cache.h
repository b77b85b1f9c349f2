/* users_cache: the accounts pages show (auth.users_get's users: a speaker's name and avatar next
 * to each talk), remembered by the gateway as long as a cached page is, so that the pages the
 * page cache cannot answer — one talk among thousands, a deep timeline page — do not ask svc-auth
 * again for the speakers they showed a moment before.
 *
 * Design notes: there are far more talks than speakers; a crawler reading 10 000 talk pages asks
 * for the same 1 000 speakers over and over, and auth.users_get was a fifth of what an uncached
 * talk page cost the stack. A users_get whose ids are all remembered is answered by gw_call from
 * here, with the bytes svc-auth sent (checked against the reply's shape again, as any reply), at
 * the end of the loop's turn like a bus reply. The staleness is the page cache's, with the same
 * lifetime (TALKS_PAGE_CACHE_MS; 0: nothing is remembered): forgotten at once after a profile
 * change made through this gateway (users_cache_forget). A change made elsewhere (talksctl,
 * another gateway) is learnt from svc-auth's change numbers: users_feed.h asks every half
 * lifetime which accounts changed, and those go (users_cache_changed). An account learnt as of a
 * change number the feed had reached is then kept for as long as the feed's last answer is
 * within the lifetime, not only for the lifetime: among 10 000 speakers most were forgotten
 * before they were shown again, and asking svc-auth for them cost a talk page a fifth more at
 * that scale. Without the feed (svc-auth away, or older) an account lives for the lifetime, as
 * before. Loop thread only, but for users_cache_changed; a fixed direct-mapped table of
 * USERS_CACHE_SLOTS accounts (ids are small and dense: a speaker whose slot is taken replaces the
 * other), holding at most USERS_CACHE_BUDGET bytes of them (a bio may take 8 kB): past it,
 * slots are emptied in turn to make room.
 *
 * A call of which only some accounts are remembered asks svc-auth for the others only, and its
 * answer is svc-auth's users and the remembered ones together: a timeline page shows fifty
 * speakers, and with 10 000 speakers almost every page had one or two not seen within the
 * lifetime, so svc-auth was asked for all fifty (7 700 instructions an account there). Only
 * svc-auth's own replies are learnt from, so a remembered account never outlives its lifetime.
 *
 * A speaker's page asks for its speaker by username (auth.user_get, which says its change number
 * as users_get does): that account is learnt too, and the call answered from here like a
 * users_get (users_cache_user_named) — 15 % of what a speaker page cost the stack. */
#ifndef USERS_CACHE_H
#define USERS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"

#define USERS_CACHE_SLOTS        16384
#define USERS_CACHE_BUDGET       (4u << 20)
#define USERS_CACHE_USERNAME_MAX 64 /* as auth's replies are held to (reply.c) */

/* Remembers accounts for ttl_ms (0: never). */
void users_cache_start(long ttl_ms);
void users_cache_stop(void);

/* The remembered accounts of one call: their msgpack bytes, copied (they outlive the call). */
typedef struct users_known users_known;
/* Splits ids[0..n): the remembered and fresh ones into *known (each once; NULL when there are
 * none), the others into missing (room for n): returns how many are missing. */
size_t users_cache_split(const int64_t *ids, size_t n, int64_t *missing, users_known **known);
/* Writes the users_get reply {"ok": true, "users": {"<id>": user, …}} into reply (an initialised
 * writer): the users of fresh (the "users" map of svc-auth's reply; NULL: none), then known's
 * (NULL: none). */
void users_cache_reply(tp_w *reply, const msgpack_object *fresh, const users_known *known);
void users_known_free(users_known *known);
/* auth.user_get's reply {"ok": true, "user": user} for the account named username (the bytes a
 * page asked for), written into reply (an initialised writer) when that account is remembered
 * and fresh, as users_cache_split would answer it by id: true, or false. A speaker's page asks
 * for its speaker by name, then for the speakers of its talks by id — the speaker again. */
bool users_cache_user_named(tp_str username, tp_w *reply);
/* Remembers the users of a users_get reply (a map that fits its shape). */
void users_cache_put(const msgpack_object *reply);
/* Remembers the user of a user_get reply (a map that fits its shape), as users_cache_put. */
void users_cache_put_named(const msgpack_object *reply);
/* Everything remembered may be out of date. */
void users_cache_forget(void);
/* From the feed's thread: the accounts ids[0..n) changed, and the changes up to number seq are
 * told (forget_all: every account may have changed — the feed's first answer, or auth.db went
 * back). sent_ms (CLOCK_MONOTONIC ms; -1: more changes are still to be told) is when the
 * question was sent: any change committed before it is known now. Applied on the loop at its
 * next call here. */
void users_cache_changed(const int64_t *ids, size_t n, int64_t seq, bool forget_all,
                         int64_t sent_ms);

#endif
