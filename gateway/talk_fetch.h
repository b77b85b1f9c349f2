/* talk_fetch: the two-step fetches every talk page shares — talks from svc-talks, then their
 * authors from svc-auth in one call (and, for a list, its comment counts from svc-comments at
 * the same time; a speaker's list already has its one author) — ending in the page's own
 * function. A missing talk or a down svc-talks answers the request itself (404, 503); a down
 * svc-auth only leaves the authors out, so the timeline keeps working while it restarts. A
 * reply that makes no sense counts as no answer (gw_call.h): what the page's function gets has
 * passed its shape check. */
#ifndef TALK_FETCH_H
#define TALK_FETCH_H

#include "gw_ctx.h"

#include "talk_view.h"

/* list: the talks.list reply (reply_talks_list); extras: authors and comment counts. */
typedef void (*talk_list_fn)(gw_ctx *ctx, const msgpack_object *list, const talk_extras *extras);
/* talk: one talk; author: its speaker (NULL if the account is gone). */
typedef void (*talk_one_fn)(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author);

/* A page of talks, newest first; author_id 0 means everyone's. page is clamped by svc-talks. */
void talk_fetch_list(gw_ctx *ctx, int64_t author_id, int64_t page, int per_page, talk_list_fn done);
/* A page of the talks that match q, best first (talks.search: a list whose talks each have an
 * "excerpt"), with the same extras. */
void talk_fetch_search(gw_ctx *ctx, tp_str q, int64_t page, int per_page, talk_list_fn done);
/* The speaker named by the route's parameter (an unknown name is the 404 page), kept as
 * ctx->subject, then a page of their talks. */
void talk_fetch_user_list(gw_ctx *ctx, int64_t page, int per_page, talk_list_fn done);
/* The talk whose id is the route's parameter; a malformed or unknown id is the 404 page. */
void talk_fetch_one(gw_ctx *ctx, talk_one_fn done);
/* The route parameter as a talk id, or 0 when it is not one. */
int64_t talk_fetch_param_id(const gw_ctx *ctx);

#endif
