/* users_feed: svc-auth's profile changes into the users cache (see users_feed.h). */
#include "users_feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "reply.h"
#include "tp_ask.h"
#include "tp_clock.h"
#include "tp_log.h"
#include "tp_op_inputs.h"
#include "users_cache.h"

#define FEED_RID          "gateway-users-feed"
#define FEED_MIN_EVERY_MS 100 /* a shorter lifetime is followed by the lifetime alone */

static nng_socket socket_to_auth;
static long every_ms;
static int ask_timeout_ms;
static pthread_t thread;
static bool running;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static atomic_bool stopping;

int users_feed_apply(const msgpack_object *reply, int64_t *cursor, int64_t sent_ms, char *why,
                     size_t whylen)
{
    bool ok = false;
    int64_t last = 0;
    if (tp_get_bool(reply, "ok", &ok) != 0 || !ok) {
        tp_str err = {"", 0};
        tp_get_str(reply, "err", 32, &err);
        snprintf(why, whylen, "svc-auth refused: %.*s", (int)err.n, err.p);
        return -1;
    }
    if (reply_check(reply, &reply_auth_names_after, why, whylen) != 0) return -1;
    tp_get_int(reply, "last", 0, INT64_MAX, &last); /* checked by the shape */
    const msgpack_object *users = tp_map_get(reply, "users");
    uint32_t n = users->via.array.size; /* at most TP_NAMES_AFTER_MAX: the shape says */
    int64_t ids[TP_NAMES_AFTER_MAX];
    bool forget_all = *cursor < 0 || last < *cursor;
    int64_t seq = forget_all ? last : *cursor;
    for (uint32_t i = 0; i < n; i++) {
        int64_t changed_at = 0;
        tp_get_int(&users->via.array.ptr[i], "id", 1, INT64_MAX, &ids[i]);
        tp_get_int(&users->via.array.ptr[i], "seq", 1, INT64_MAX, &changed_at);
        /* Each change comes after the one asked from, and none after the last. */
        if (changed_at <= seq || changed_at > last) {
            snprintf(why, whylen, "change %u is not after %lld and up to %lld", i, (long long)seq,
                     (long long)last);
            return -1;
        }
        seq = changed_at;
    }
    bool more = n >= TP_NAMES_AFTER_MAX;
    users_cache_changed(ids, n, seq, forget_all, more ? -1 : sent_ms);
    *cursor = seq;
    return more;
}

/* One question and its answer: as users_feed_apply, -1 also when svc-auth did not answer. The
 * first failure of a run of them is logged, and the answer that ends it. */
static int ask(int64_t *cursor, bool *failing)
{
    int64_t sent = tp_clock_ms();
    tp_msg reply;
    char why[200];
    struct tp_in_TP_OP_AUTH_NAMES_AFTER in = {.after = *cursor < 0 ? INT64_MAX : *cursor,
                                              .limit = TP_NAMES_AFTER_MAX};
    int rc = -1;
    if (tp_ask(socket_to_auth, TP_OP_AUTH_NAMES_AFTER, &in, FEED_RID, ask_timeout_ms, &reply, why,
               sizeof why) == 0) {
        rc = users_feed_apply(reply.root, cursor, sent, why, sizeof why);
        tp_msg_free(&reply);
    }
    if (rc < 0 && !*failing && !atomic_load(&stopping))
        tp_warn(FEED_RID,
                "auth.names_after: %s; the pages' accounts are remembered for the page cache's "
                "lifetime only until svc-auth answers",
                why);
    if (rc >= 0 && *failing) tp_info(FEED_RID, "auth.names_after: svc-auth answers again");
    *failing = rc < 0;
    return rc;
}

static void *run(void *arg)
{
    (void)arg;
    int64_t cursor = -1;
    bool failing = false;
    pthread_mutex_lock(&lock);
    while (!atomic_load(&stopping)) {
        struct timespec until = tp_clock_after_ms(every_ms);
        while (!atomic_load(&stopping) && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&lock);
        while (!atomic_load(&stopping) && ask(&cursor, &failing) > 0)
            ; /* a full answer: the rest at once */
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int users_feed_start(nng_socket auth, long ttl_ms, int timeout_ms, char *err, size_t errlen)
{
    every_ms = ttl_ms / 2;
    if (every_ms < FEED_MIN_EVERY_MS) return 0;
    socket_to_auth = auth;
    ask_timeout_ms = timeout_ms;
    atomic_store(&stopping, false);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    int rc = pthread_create(&thread, NULL, run, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the users feed: %s", strerror(rc));
        pthread_cond_destroy(&wake);
        return -1;
    }
    pthread_setname_np(thread, "gw:users");
    running = true;
    return 0;
}

void users_feed_stop(void)
{
    if (!running) return;
    pthread_mutex_lock(&lock);
    atomic_store(&stopping, true);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    pthread_cond_destroy(&wake);
    running = false;
}
