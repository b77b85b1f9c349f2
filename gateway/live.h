/* live: GET /talk/<id>/live, a talk's comments as they appear, as Server-Sent Events (SPEC
 * section 4). One event per comment that becomes visible (for the talk's speaker and admins also
 * each new pending one): "id: <live change number>" and data {"id", "html"}, the html rendered
 * with the talk page's own comment partial; "event: badge" with {"pending", "pending_all"} when
 * a logged-in reader's navbar counts change. Last-Event-ID (or ?after= from the page) resumes
 * after a change number, without gaps or repeats. svc-comments keeps the change numbers of the
 * last days only (svc-comments/prune.h): a place older than that gets "event: reload" (data {})
 * and the page loads again, rather than missing what was pruned.
 *
 * Design notes: events on the bus are wake-ups only. The hub's thread hands the talk ids it sees
 * to the loop; each stream of such a talk then asks svc-comments what came after its place
 * (comments.live: rows of the live table, schema.h of svc-comments) and sends that. A stream
 * also asks at every heartbeat, so a lost event delays a comment, never loses it. Bounded: at
 * most TALKS_LIVE_STREAMS streams (past it, the 503 error page) and TALKS_LIVE_STREAMS_PER_ADDR
 * per client address (past it, the address's oldest stream ends, once the new one is sure to
 * open: its talk exists and it is no HEAD), a stream whose client reads too slowly is ended (its
 * browser resumes), and SIGTERM ends them all first, so they never hold the stop. A stream that
 * ends keeps counting, in all and against its address, until h2o frees it; one ended for its
 * address's cap or for a slow client has its socket shut for writing, so h2o frees it at once
 * even if its client never reads (else such a client could keep every slot). */
#ifndef LIVE_H
#define LIVE_H

#include <h2o.h>

#include "gw_ctx.h"

/* Reads the TALKS_LIVE_* settings and hooks into loop. -1 with a message. */
int live_start(h2o_loop_t *loop, char *err, size_t errlen);
/* A message passing through the hub (events_hub_fn, on the hub's thread). */
void live_on_event(const char *event, size_t len);
/* Ends every stream and refuses new ones (the gateway is stopping). */
void live_close_all(void);

/* The route's page: GET /talk/<id>/live. */
void page_talk_live(gw_ctx *ctx);

#endif
