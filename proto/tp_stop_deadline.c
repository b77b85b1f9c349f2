/* tp_stop_deadline: a watchdog for the end of a stop (see tp_stop_deadline.h). */
#include "tp_stop_deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "tp_clock.h"
#include "tp_log.h"

static struct {
    struct timespec until; /* CLOCK_MONOTONIC */
    long ms;
    int status;
    _Atomic(const char *) step;
    atomic_bool met;
} deadline;

static void *watch(void *arg)
{
    (void)arg;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline.until, NULL) == EINTR)
        continue;
    if (atomic_load(&deadline.met)) return NULL;
    /* A warning goes to stderr only (an error line would go out on the bus too, through nng,
     * which may be what hangs). */
    tp_warn(NULL, "stop: %s did not finish within %ld ms; exiting without waiting for it",
            atomic_load(&deadline.step), deadline.ms);
    _exit(deadline.status);
}

void tp_stop_deadline_start(long ms, int status)
{
    deadline.until = tp_clock_after_ms(ms);
    deadline.ms = ms;
    deadline.status = status;
    atomic_store(&deadline.step, "the stop");
    atomic_store(&deadline.met, false);
    pthread_t t;
    if (pthread_create(&t, NULL, watch, NULL) == 0) {
        pthread_setname_np(t, "tp:deadline");
        pthread_detach(t);
    }
}

void tp_stop_deadline_step(const char *step)
{
    atomic_store(&deadline.step, step);
}

void tp_stop_deadline_met(void)
{
    atomic_store(&deadline.met, true);
}
