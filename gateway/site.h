/* site: the settings pages need — page size and the public address used in absolute links
 * (feeds, Open Graph tags) — read once at start. */
#ifndef SITE_H
#define SITE_H

#include <stddef.h>

int site_init(char *err, size_t errlen);
int site_talks_per_page(void);
int site_comments_per_page(void);
/* The public base URL without a trailing slash, e.g. "http://127.0.0.1:8080". */
const char *site_public_url(void);

#endif
