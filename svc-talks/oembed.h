/* oembed: a Speaker Deck, SlideShare or Notist deck page pasted as slides or video becomes that
 * provider's player: svc-talks asks the provider's oEmbed endpoint once, when the talk is saved,
 * and stores the player's URL with the talk (so no page view ever calls out).
 *
 * Design notes. Only the endpoints of a fixed table are asked, over https, with no redirects,
 * an answer of at most OEMBED_ANSWER_MAX bytes, and one time budget (OEMBED_BUDGET_MS) for all
 * the lookups of one save, under the gateway's bus deadline (TALKS_BUS_TIMEOUT_MS), so a slow
 * provider delays a save, never fails it, and holds one worker at most that long. The answer
 * is reduced to the player's URL, which the provider table (tp_embed) must make that same
 * provider's iframe (oembed_answer.h). Anything else — the provider down, slow, refusing,
 * redirecting or answering odd — leaves the page a link. For tests only (TALKS_ENV=testing),
 * TALKS_OEMBED_ENDPOINTS names a base URL asked instead, http allowed: <base>/<provider>?url=. */
#ifndef TALKS_OEMBED_H
#define TALKS_OEMBED_H

#include <stddef.h>

#include "talk.h"

#define OEMBED_BUDGET_MS  1000
#define OEMBED_ANSWER_MAX (64 * 1024)

/* Once, before the workers start: the endpoints (libcurl is loaded at the first lookup,
 * tp_curl.h). 0, or -1 with a message when TALKS_OEMBED_ENDPOINTS is set for a test but is no
 * http(s) URL. */
int oembed_start(char *err, size_t errlen);

/* Gives in->slides and in->video their provider's player when they are a deck page its oEmbed
 * endpoint names one for; rid is for the log. Never fails: what cannot be looked up stays a
 * link. */
void oembed_resolve(talk_input *in, const char *rid);

#endif
