/* events_hub: a raw SUB socket (publishers dial in) and a raw PUB socket (subscribers dial in),
 * joined by a forwarding loop on a thread of its own; the event loop is not involved. It is
 * nng_device with one addition: the gateway sees each event as it passes, without a socket of
 * its own to receive them again. */
#include "events_hub.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdio.h>

#include "tp_bus.h"
#include "tp_config.h"
#include "tp_svc.h"

static nng_socket from_publishers = NNG_SOCKET_INITIALIZER;
static nng_socket to_subscribers = NNG_SOCKET_INITIALIZER;
static pthread_t forwarder;
static bool running;
static events_hub_fn observer;

static void *forward(void *arg)
{
    (void)arg;
    for (;;) {
        nng_msg *m;
        int rv = nng_recvmsg(from_publishers, &m, 0);
        if (rv == NNG_ECLOSED) return NULL; /* events_hub_stop */
        if (rv != 0) continue;
        observer(nng_msg_body(m), nng_msg_len(m));
        /* A raw PUB never blocks: a subscriber that is behind loses the event (and fills the gap
         * from the publisher's outbox). */
        if (nng_sendmsg(to_subscribers, m, 0) != 0) nng_msg_free(m);
    }
}

int events_hub_start(events_hub_fn on_event, char *err, size_t errlen)
{
    observer = on_event;
    if (nng_sub0_open_raw(&from_publishers) || nng_pub0_open_raw(&to_subscribers)) {
        snprintf(err, errlen, "cannot open the event hub's sockets");
        return -1;
    }
    tp_socket_defaults(from_publishers);
    tp_socket_defaults(to_subscribers);
    /* Every stack process publishes (comment events, error reports); only svc-mail subscribes. */
    if (tp_bus_listen(from_publishers, TALKS_BUS_EVENTS_IN, TP_ROLES_STACK, NULL, err, errlen) ||
        tp_bus_listen(to_subscribers, TALKS_BUS_EVENTS_OUT, TP_ROLE_BIT(TP_ROLE_MAIL), NULL, err,
                      errlen))
        return -1;
    running = pthread_create(&forwarder, NULL, forward, NULL) == 0;
    if (running) pthread_setname_np(forwarder, "gw:events");
    return running ? 0 : -1;
}

void events_hub_stop(void)
{
    nng_close(from_publishers);
    nng_close(to_subscribers);
    if (running) pthread_join(forwarder, NULL);
}
