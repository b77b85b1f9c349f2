/* fake_libcurl: a stand-in for libcurl.so.4 that tests/unit/proto/tp_curl.c opens with
 * tp_curl_open. Built twice (Makefile): libfake_curl_full.so has every function tp_curl binds,
 * libfake_curl_partial.so (FAKE_CURL_PARTIAL) only curl_global_init and curl_easy_init, as an
 * old or broken libcurl might. Nothing here is called but
 * curl_global_init. */
#include <stddef.h>

/* No libcurl answers 42: the test knows whose function it called. */
int curl_global_init(long flags)
{
    (void)flags;
    return 42;
}

void *curl_easy_init(void)
{
    return NULL;
}

#ifndef FAKE_CURL_PARTIAL
int curl_easy_setopt(void *c, int option, ...)
{
    (void)c, (void)option;
    return 0;
}

int curl_easy_perform(void *c)
{
    (void)c;
    return 0;
}

int curl_easy_getinfo(void *c, int info, ...)
{
    (void)c, (void)info;
    return 0;
}

void curl_easy_cleanup(void *c)
{
    (void)c;
}

const char *curl_easy_strerror(int rc)
{
    (void)rc;
    return "fake";
}

char *curl_easy_escape(void *c, const char *s, int len)
{
    (void)c, (void)s, (void)len;
    return NULL;
}

void curl_free(void *p)
{
    (void)p;
}

void *curl_slist_append(void *list, const char *s)
{
    (void)list, (void)s;
    return NULL;
}

void curl_slist_free_all(void *list)
{
    (void)list;
}
#endif
