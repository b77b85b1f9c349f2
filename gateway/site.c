/* site: page settings (see site.h). */
#include "site.h"

#include <stdio.h>
#include <string.h>

#include "tp_config.h"
#include "tp_url.h"

static long talks_per_page, comments_per_page;
static char public_url[256];

int site_init(char *err, size_t errlen)
{
    if (tp_config_int(TALKS_PER_PAGE, 1, 100, &talks_per_page, err, errlen) ||
        tp_config_int(COMMENTS_PER_PAGE, 1, 100, &comments_per_page, err, errlen))
        return -1;
    const char *url = tp_config_get(TALKS_PUBLIC_URL);
    if (*url && !tp_url_is_http(url, strlen(url))) {
        snprintf(err, errlen, "TALKS_PUBLIC_URL: expected an http:// or https:// address");
        return -1;
    }
    if (*url)
        snprintf(public_url, sizeof public_url, "%s", url);
    else
        snprintf(public_url, sizeof public_url, "http://%s", tp_config_get(TALKS_HTTP_ADDR));
    size_t n = strlen(public_url);
    while (n && public_url[n - 1] == '/') public_url[--n] = '\0';
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
