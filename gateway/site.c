/* site: page settings (see site.h). */
#include "site.h"

#include <stdio.h>
#include <string.h>

#include "tp_config.h"

static long talks_per_page, comments_per_page;
static char public_url[256];

int site_init(char *err, size_t errlen)
{
    if (tp_config_int(TALKS_PER_PAGE, 1, 100, &talks_per_page, err, errlen) ||
        tp_config_int(COMMENTS_PER_PAGE, 1, 100, &comments_per_page, err, errlen))
        return -1;
    if (tp_config_public_url(public_url, sizeof public_url, err, errlen)) return -1;
    return 0;
}

int site_talks_per_page(void)
{
    return (int)talks_per_page;
}

int site_comments_per_page(void)
{
    return (int)comments_per_page;
}

const char *site_public_url(void)
{
    return public_url;
}
