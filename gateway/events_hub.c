/* events_hub: a raw SUB socket (publishers dial in) joined to a raw PUB socket (subscribers
 * dial in) by nng's device, which forwards on its own thread; the event loop is not involved. */
#include "events_hub.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <pthread.h>
#include <stdio.h>

#include "tp_config.h"
#include "tp_svc.h"

static nng_socket from_publishers = NNG_SOCKET_INITIALIZER;
static nng_socket to_subscribers = NNG_SOCKET_INITIALIZER;
static pthread_t forwarder;
static bool running;

static void *forward(void *arg)
{
    (void)arg;
    nng_device(from_publishers, to_subscribers); /* returns when the sockets close */
    return NULL;
}

static int listen_on(nng_socket s, enum tp_setting addr, char *err, size_t errlen)
{
    tp_socket_defaults(s);
    int rv = nng_listen(s, tp_config_get(addr), NULL, 0);
    if (rv != 0)
        snprintf(err, errlen, "%s: cannot listen on %.300s: %s", tp_config_name(addr),
                 tp_config_get(addr), nng_strerror(rv));
    return rv ? -1 : 0;
}

int events_hub_start(char *err, size_t errlen)
{
    if (nng_sub0_open_raw(&from_publishers) || nng_pub0_open_raw(&to_subscribers)) {
        snprintf(err, errlen, "cannot open the event hub's sockets");
        return -1;
    }
    if (listen_on(from_publishers, TALKS_BUS_EVENTS_IN, err, errlen) ||
        listen_on(to_subscribers, TALKS_BUS_EVENTS_OUT, err, errlen))
        return -1;
    running = pthread_create(&forwarder, NULL, forward, NULL) == 0;
    return running ? 0 : -1;
}

void events_hub_stop(void)
{
    nng_close(from_publishers);
    nng_close(to_subscribers);
    if (running) pthread_join(forwarder, NULL);
}
