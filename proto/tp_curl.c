#include "tp_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define LIBCURL "libcurl.so.4" /* the soname every libcurl 7 and 8 has */

static tp_curl api;
static bool loaded;
static char load_error[200];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym's object pointer into a function pointer: POSIX guarantees this works. */
#define BIND(dest, symbol)                                                                         \
    do {                                                                                           \
        void *p = dlsym(lib, symbol);                                                              \
        if (!p) {                                                                                  \
            missing = symbol;                                                                      \
            goto fail;                                                                             \
        }                                                                                          \
        *(void **)&(dest) = p;                                                                     \
    } while (0)

void *tp_curl_open(const char *soname, tp_curl *out, curl_global_init_fn *global_init, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    *global_init = NULL;
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
        return NULL;
    }
    const char *missing = "";
    BIND(*global_init, "curl_global_init");
    BIND(out->easy_init, "curl_easy_init");
    BIND(out->easy_setopt, "curl_easy_setopt");
    BIND(out->easy_perform, "curl_easy_perform");
    BIND(out->easy_getinfo, "curl_easy_getinfo");
    BIND(out->easy_cleanup, "curl_easy_cleanup");
    BIND(out->easy_strerror, "curl_easy_strerror");
    BIND(out->easy_escape, "curl_easy_escape");
    BIND(out->free, "curl_free");
    BIND(out->slist_append, "curl_slist_append");
    BIND(out->slist_free_all, "curl_slist_free_all");
    return lib;
fail:
    /* Nothing of the library has run but its constructors: it can go, and no pointer into it
     * is left behind. */
    snprintf(err, errlen, "%s has no %s", soname, missing);
    memset(out, 0, sizeof *out);
    *global_init = NULL;
    dlclose(lib);
    return NULL;
}

static void load(void)
{
    curl_global_init_fn global_init;
    if (!tp_curl_open(LIBCURL, &api, &global_init, load_error, sizeof load_error)) return;
    CURLcode rc = global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        /* Left loaded: curl_global_init may have started its TLS library, whose exit handlers
         * must still find their code. */
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
