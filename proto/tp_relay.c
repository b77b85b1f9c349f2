/* tp_relay: requests to other services through the hub (see tp_relay.h). One REQ socket per
 * process, dialled on first use; each call has its own context, so calls may overlap. */
#include "tp_relay.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>

#include "tp_ask.h"
#include "tp_bus.h"
#include "tp_config.h"
#include "tp_svc.h"

static pthread_mutex_t opening = PTHREAD_MUTEX_INITIALIZER;
static nng_socket relay = NNG_SOCKET_INITIALIZER;
static int open_result = -1;
static enum tp_setting relay_addr = TP_SETTING_COUNT;

/* The relay address of each service that calls others (the gateway listens on these only). */
static const struct {
    enum tp_role caller;
    enum tp_setting addr;
} relay_addrs[] = {{TP_ROLE_MAIL, TALKS_BUS_RELAY_MAIL}, {TP_ROLE_TALKS, TALKS_BUS_RELAY_TALKS}};

int tp_relay_address(enum tp_role caller)
{
    for (size_t i = 0; i < sizeof relay_addrs / sizeof relay_addrs[0]; i++)
        if (relay_addrs[i].caller == caller) return (int)relay_addrs[i].addr;
    return -1;
}

void tp_relay_init(enum tp_role self)
{
    int addr = tp_relay_address(self);
    relay_addr = addr < 0 ? TP_SETTING_COUNT : (enum tp_setting)addr;
}

static int relay_socket(char *err, size_t errlen)
{
    pthread_mutex_lock(&opening);
    if (open_result != 0) {
        int rv = -1;
        if (relay_addr == TP_SETTING_COUNT)
            snprintf(err, errlen, "this service has no relay address");
        else if ((rv = nng_req0_open(&relay)) != 0)
            snprintf(err, errlen, "cannot open a REQ socket: %s", nng_strerror(rv));
        else {
            tp_socket_defaults(relay);
            rv = tp_bus_dial(relay, relay_addr, TP_ROLE_BIT(TP_ROLE_GATEWAY), err, errlen);
            if (rv != 0) nng_close(relay);
        }
        open_result = rv;
    }
    int rv = open_result;
    pthread_mutex_unlock(&opening);
    return rv ? -1 : 0;
}

int tp_relay_send(enum tp_op_id op, const void *in, const char *rid, int timeout_ms, tp_msg *reply,
                  char *err, size_t errlen)
{
    char why[100];
    if (relay_socket(err, errlen)) return -1;
    if (tp_ask(relay, op, in, rid, timeout_ms, reply, why, sizeof why) == 0) return 0;
    snprintf(err, errlen, "relay: %s", why);
    return -1;
}

void tp_relay_close(void)
{
    pthread_mutex_lock(&opening);
    if (open_result == 0) nng_close(relay);
    open_result = -1;
    pthread_mutex_unlock(&opening);
}
