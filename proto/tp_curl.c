#include "tp_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#define LIBCURL "libcurl.so.4" /* the soname every libcurl 7 and 8 has */

static tp_curl api;
static bool loaded;
static char load_error[200];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym's object pointer into a function pointer: POSIX guarantees this works. */
#define BIND(field, symbol)                                                                        \
    do {                                                                                           \
        void *p = dlsym(lib, symbol);                                                              \
        if (!p) {                                                                                  \
            snprintf(load_error, sizeof load_error, "%s has no %s", LIBCURL, symbol);              \
            return;                                                                                \
        }                                                                                          \
        *(void **)&api.field = p;                                                                  \
    } while (0)

static void load(void)
{
    void *lib = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "cannot load %s: %s", LIBCURL, dlerror());
        return;
    }
    CURLcode (*global_init)(long flags);
    *(void **)&global_init = dlsym(lib, "curl_global_init");
    if (!global_init) {
        snprintf(load_error, sizeof load_error, "%s has no curl_global_init", LIBCURL);
        return;
    }
    BIND(easy_init, "curl_easy_init");
    BIND(easy_setopt, "curl_easy_setopt");
    BIND(easy_perform, "curl_easy_perform");
    BIND(easy_getinfo, "curl_easy_getinfo");
    BIND(easy_cleanup, "curl_easy_cleanup");
    BIND(easy_strerror, "curl_easy_strerror");
    BIND(easy_escape, "curl_easy_escape");
    BIND(free, "curl_free");
    BIND(slist_append, "curl_slist_append");
    BIND(slist_free_all, "curl_slist_free_all");
    CURLcode rc = global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init: %s", api.easy_strerror(rc));
        return;
    }
    loaded = true; /* the library stays loaded for the life of the process */
}

const tp_curl *tp_curl_load(char *err, size_t errlen)
{
    pthread_once(&once, load);
    if (loaded) return &api;
    if (err && errlen) snprintf(err, errlen, "%s", load_error);
    return NULL;
}
