/* feeds: the caches' questions, every half lifetime (see feeds.h). */
#include "feeds.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "talks_feed.h"
#include "tp_clock.h"
#include "tp_log.h"
#include "users_feed.h"

#define FEEDS_MIN_EVERY_MS 100 /* a shorter lifetime is followed by the lifetime alone */

/* One feed: its question, and what stands while it goes unanswered (for the log line). */
typedef struct feed {
    const char *rid, *op, *meanwhile;
    nng_socket to;
    int (*ask)(nng_socket to, const char *rid, int timeout_ms, int64_t *cursor, char *why,
               size_t whylen);
    int64_t cursor; /* where the last answer left off (-1: no answer yet) */
    bool failing;
} feed;

static feed feeds[] = {
    {"gateway-users-feed", "auth.names_after",
     "the pages' accounts are remembered for the page cache's lifetime only until svc-auth "
     "answers",
     NNG_SOCKET_INITIALIZER, users_feed_ask, -1, false},
    {"gateway-talks-feed", "talks.state",
     "talks are remembered for the page cache's lifetime only until svc-talks answers",
     NNG_SOCKET_INITIALIZER, talks_feed_ask, -1, false},
};
#define NFEEDS (sizeof feeds / sizeof feeds[0])

static long every_ms;
static int ask_timeout_ms;
static pthread_t thread;
static bool running;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static atomic_bool stopping;

/* One question of f and its answer: as its ask function (1: more is waiting). */
static int ask(feed *f)
{
    char why[200];
    int rc = f->ask(f->to, f->rid, ask_timeout_ms, &f->cursor, why, sizeof why);
    if (rc < 0 && !f->failing && !atomic_load(&stopping))
        tp_warn(f->rid, "%s: %s; %s", f->op, why, f->meanwhile);
    if (rc >= 0 && f->failing) tp_info(f->rid, "%s: the service answers again", f->op);
    f->failing = rc < 0;
    return rc;
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!atomic_load(&stopping)) {
        struct timespec until = tp_clock_after_ms(every_ms);
        while (!atomic_load(&stopping) && pthread_cond_timedwait(&wake, &lock, &until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&lock);
        for (size_t i = 0; i < NFEEDS; i++)
            while (!atomic_load(&stopping) && ask(&feeds[i]) > 0)
                ; /* a full answer: the rest at once */
        pthread_mutex_lock(&lock);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int feeds_start(nng_socket auth, nng_socket talks, long ttl_ms, int timeout_ms, char *err,
                size_t errlen)
{
    every_ms = ttl_ms / 2;
    if (every_ms < FEEDS_MIN_EVERY_MS) return 0;
    feeds[0].to = auth;
    feeds[1].to = talks;
    for (size_t i = 0; i < NFEEDS; i++) {
        feeds[i].cursor = -1;
        feeds[i].failing = false;
    }
    ask_timeout_ms = timeout_ms;
    atomic_store(&stopping, false);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &attr);
    pthread_condattr_destroy(&attr);
    int rc = pthread_create(&thread, NULL, run, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the caches' feeds: %s", strerror(rc));
        pthread_cond_destroy(&wake);
        return -1;
    }
    pthread_setname_np(thread, "gw:feeds");
    running = true;
    return 0;
}

void feeds_stop(void)
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
