/* Unit tests for proto/tp_curl.c: tp_curl_open on stand-ins for libcurl (tests/tools/
 * fake_libcurl.c), so that a library missing a function is seen to be closed again. */
#include "tp_curl.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"

/* build/<mode>/tests/tools/<name>, beside this test's build/<mode>/tests/proto/tp_curl. */
static const char *fake(const char *name)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return name;
    exe[n] = '\0';
    snprintf(path, sizeof path, "%s/tools/%s", dirname(dirname(exe)), name);
    return path;
}

/* Whether the library at path is mapped into this process now. */
static bool resident(const char *path)
{
    void *lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!lib) return false;
    CHECK(dlclose(lib) == 0);
    return true;
}

static void test_a_library_with_every_function_is_bound(void)
{
    const char *path = fake("libfake_curl_full.so");
    tp_curl api;
    curl_global_init_fn init;
    char err[300] = "";
    void *lib = tp_curl_open(path, &api, &init, err, sizeof err);
    CHECK(lib != NULL);
    if (!lib) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    CHECK(api.easy_init && api.easy_setopt && api.easy_perform && api.easy_getinfo &&
          api.easy_cleanup && api.easy_strerror && api.easy_escape && api.free &&
          api.slist_append && api.slist_free_all);
    CHECK(init && init(CURL_GLOBAL_DEFAULT) == 42); /* the stand-in's, not a real libcurl's */
    CHECK_STR_EQ(api.easy_strerror(CURLE_OK), "fake");
    CHECK(resident(path));
    CHECK(dlclose(lib) == 0);
    CHECK(!resident(path));
}

static void test_a_library_missing_a_function_is_closed_and_nothing_is_bound(void)
{
    const char *path = fake("libfake_curl_partial.so");
    tp_curl api;
    memset(&api, 0xa5, sizeof api);
    curl_global_init_fn init;
    char err[300] = "", want[400];
    CHECK(!resident(path));
    CHECK(tp_curl_open(path, &api, &init, err, sizeof err) == NULL);
    snprintf(want, sizeof want, "%s has no curl_easy_setopt", path);
    CHECK_STR_EQ(err, want);
    CHECK(!resident(path)); /* dlclose'd, not left open */
    tp_curl zero;
    memset(&zero, 0, sizeof zero);
    CHECK(memcmp(&api, &zero, sizeof api) == 0);
    CHECK(init == NULL);
}

static void test_a_library_that_is_not_there_says_so(void)
{
    tp_curl api;
    curl_global_init_fn init;
    char err[300] = "";
    CHECK(tp_curl_open("libtalks-no-such-curl.so.4", &api, &init, err, sizeof err) == NULL);
    CHECK(strncmp(err, "cannot load libtalks-no-such-curl.so.4: ", 40) == 0);
    CHECK(init == NULL);
}

static const check_case cases[] = {
    CASE(test_a_library_with_every_function_is_bound),
    CASE(test_a_library_missing_a_function_is_closed_and_nothing_is_bound),
    CASE(test_a_library_that_is_not_there_says_so),
};

CHECK_MAIN("tp_curl", cases)
