/* body_budget: a cap on the request bodies the gateway holds in memory, all connections
 * together. h2o buffers each body whole before the router sees it (at most GW_MAX_BODY, 1 MiB,
 * each), so 500 clients sending 1 MiB and stalling would otherwise hold 500 MiB. Past the cap,
 * the connections that are receiving a body stop being read: their bytes wait in the kernel
 * (which bounds them) and h2o's request timeout closes those that do not finish; reading
 * resumes when the total is back under half the cap. */
#ifndef BODY_BUDGET_H
#define BODY_BUDGET_H

#include <h2o.h>

/* The most request bytes held in memory before connections are paused. */
#define BODY_BUDGET_BYTES (64u * 1024 * 1024)

/* The listener's SO_RCVBUF, which its connections inherit: what the kernel buffers for one
 * connection, and so what one turn of the loop may read from it. */
#define BODY_BUDGET_RCVBUF (64 * 1024)

/* A connection the gateway accepted: the handle goes back to body_budget_remove. */
void *body_budget_add(h2o_socket_t *sock);
void body_budget_remove(void *handle);
/* Once per turn of the event loop: pauses or resumes connections as the total requires. */
void body_budget_check(void);
/* The gateway is stopping: each paused connection is cut (shut down, then read again, so h2o
 * sees its end and closes it). It would not be read again before the stop's bound, and a stalled
 * upload's client may be gone: its bytes wait behind a full window, so no end of file comes. */
void body_budget_cut_paused(void);

#endif
