/* subscriber: the event subscription, received with our own timeout (see subscriber.h). */
#include "subscriber.h"

#include <errno.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "tp_buf.h"
#include "tp_bus.h"
#include "tp_clock.h"
#include "tp_config.h"
#include "tp_events.h"
#include "tp_log.h"
#include "tp_svc.h"

struct subscriber {
    nng_socket sock;
    nng_aio *aio;
    bool receiving; /* a receive is under way */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool arrived; /* the receive under way has finished */
};

static void on_receive(void *arg)
{
    subscriber *s = arg;
    pthread_mutex_lock(&s->mu);
    s->arrived = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

subscriber *subscriber_open(void)
{
    subscriber *s = tp_xcalloc(1, sizeof *s);
    char err[512] = "";
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->mu, NULL);
    if (nng_sub0_open(&s->sock) != 0) {
        subscriber_close(s);
        return NULL;
    }
    tp_socket_defaults(s->sock);
    /* Comment events only wake the mail loop up (see events.h). */
    nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, TP_EVENTS_TOPIC, TP_EVENTS_TOPIC_LEN);
    nng_socket_set(s->sock, NNG_OPT_SUB_SUBSCRIBE, "log.error ", 10);
    if (nng_aio_alloc(&s->aio, on_receive, s) != 0 ||
        tp_bus_dial(s->sock, TALKS_BUS_EVENTS_OUT, TP_ROLE_BIT(TP_ROLE_GATEWAY), err, sizeof err) !=
            0) {
        if (err[0]) tp_error(NULL, "%s", err);
        subscriber_close(s);
        return NULL;
    }
    return s;
}

int subscriber_recv(subscriber *s, int64_t timeout_ms, nng_msg **msg)
{
    if (!s->receiving) {
        s->arrived = false;
        s->receiving = true;
        nng_recv_aio(s->sock, s->aio);
    }
    struct timespec until = tp_clock_after_ms(timeout_ms);
    pthread_mutex_lock(&s->mu);
    int waited = 0;
    while (!s->arrived && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&s->cv, &s->mu, &until);
    bool arrived = s->arrived;
    pthread_mutex_unlock(&s->mu);
    if (!arrived) return NNG_ETIMEDOUT; /* the receive goes on, for the next call */
    s->receiving = false;
    int rv = nng_aio_result(s->aio);
    if (rv == 0) *msg = nng_aio_get_msg(s->aio);
    return rv;
}

void subscriber_close(subscriber *s)
{
    if (s->aio) {
        nng_aio_stop(s->aio); /* cancels the receive under way and waits for on_receive */
        if (s->receiving && nng_aio_result(s->aio) == 0) nng_msg_free(nng_aio_get_msg(s->aio));
        nng_aio_free(s->aio);
    }
    nng_close(s->sock);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
