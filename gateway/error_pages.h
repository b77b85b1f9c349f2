/* error_pages: the errors h2o answers by itself — a request it cannot parse, a body over the
 * 1 MiB limit (refused from its Content-Length, before the router sees the request), an
 * ambiguous body length (http_framing.c), a static file that is not there — in the site's own
 * clothes: the styled error page (the API's JSON error under /api/), the security headers, and
 * never cached. Without it they would go out as h2o's bare text/plain, and a missing static file
 * would be cached for a day like the file it is not. */
#ifndef ERROR_PAGES_H
#define ERROR_PAGES_H

#include <h2o.h>

/* Renders the pages once (after render_init): 0, or -1 with a reason. */
int error_pages_init(char *err, size_t errlen);
/* Dresses h2o's errors answered under pathconf. h2o runs a path's filters in the reverse order
 * of registration: register it before any filter whose headers it must replace (the static
 * files' cache-control). */
void error_pages_register(h2o_pathconf_t *pathconf);
void error_pages_free(void);

#endif
