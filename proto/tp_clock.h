/* tp_clock: the monotonic clock, in the two forms the code measures and waits with. Every
 * lifetime, timeout and deadline is on CLOCK_MONOTONIC, which a clock set back or forward by the
 * operator or NTP does not move. */
#ifndef TP_CLOCK_H
#define TP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC, in milliseconds. */
int64_t tp_clock_ms(void);
/* CLOCK_MONOTONIC ms milliseconds from now: a deadline for pthread_cond_timedwait on a condition
 * that waits on CLOCK_MONOTONIC, or to compare with. */
struct timespec tp_clock_after_ms(int64_t ms);

#endif
