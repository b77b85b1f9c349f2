/* access_log: the gateway's one line per HTTP request (SPEC section 10), through h2o's logger
 * hook, which runs when a request is done, whoever answered it (a page, a static file, h2o's own
 * error):
 *   ts=… svc=gateway level=info rid="…" method=GET path=/talk/3 status=200 bytes=15881 ms=0.4
 * The path is without its query (which may hold tokens); the request id is the one the answer's
 * X-Request-Id carries, and every service logs the request's bus calls with it. Levels: warn for
 * a 5xx, debug for an answered health check (/healthz, /livez every 10 s from compose), info
 * otherwise. */
#ifndef ACCESS_LOG_H
#define ACCESS_LOG_H

#include <h2o.h>

/* Logs every request that path configuration handles. */
void access_log_register(h2o_pathconf_t *pathconf);
/* Writes the lines gathered this turn now (at a stop, before what may end it early). */
void access_log_flush(void);

#endif
