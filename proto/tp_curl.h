/* tp_curl: libcurl, loaded the first time a process needs it (svc-mail's SMTP, svc-talks'
 * oEmbed lookups).
 *
 * Why not link it: libcurl brings some thirty libraries (TLS, LDAP, SSH, IDN…) whose loading
 * costs a process 6-8 MB of RSS before it sends anything, and most runs never do — svc-talks
 * asks a provider only when a deck page is saved, svc-mail without SMTP_URL writes files. The
 * headers still give the types and constants; the calls go through this table. */
#ifndef TP_CURL_H
#define TP_CURL_H

#include <curl/curl.h>
#include <stddef.h>

typedef struct tp_curl {
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode rc);
    char *(*easy_escape)(CURL *c, const char *s, int len);
    void (*free)(void *p);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
} tp_curl;

/* libcurl's functions, with curl_global_init done: loaded once, from any thread (the first
 * caller loads, the others wait). NULL, with why in err, when libcurl cannot be loaded or
 * initialised; every later call gives the same answer. */
const tp_curl *tp_curl_load(char *err, size_t errlen);

typedef CURLcode (*curl_global_init_fn)(long flags);
/* tp_curl_load's first step, without curl_global_init: opens soname and fills *out and
 * *global_init from it. The library's handle, or NULL with why in err; a library that cannot
 * give every function is closed again, and *out is left zeroed (tests/unit/proto/tp_curl.c
 * opens stand-ins for libcurl). */
void *tp_curl_open(const char *soname, tp_curl *out, curl_global_init_fn *global_init, char *err,
                   size_t errlen);

#endif
