/* lifetime.h: the monotonic clock the gateway's caches keep time by, for their tests, where the
 * lifetime passing is the thing under test. */
#ifndef LIFETIME_H
#define LIFETIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for the clock itself to pass ms. */
static inline void wait_ms(int64_t ms)
{
    int64_t start = clock_ms();
    while (clock_ms() - start < ms) {
    }
}

#endif
