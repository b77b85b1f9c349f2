/* tp_bus: every bus socket's listen and dial, so that the rules of SPEC section 9 hold in one
 * place whatever the address:
 *   - ipc:// (the default, under DATA_DIR/bus/, a folder of mode 0700): the socket file is mode
 *     0600 and a peer of another Unix user is dropped as it connects;
 *   - tls+tcp://: mutual TLS with the stack's certificates (TALKS_BUS_CA, TALKS_BUS_CERT,
 *     TALKS_BUS_KEY). The CA file is a bundle of one CA per role (tp_ops.h; `talksctl bus-certs`
 *     makes it), and each end trusts only the CAs of the roles it names: the gateway's listener
 *     for svc-auth accepts svc-auth's certificate and no other, and a service accepts only the
 *     gateway's. nng 1.5.2 cannot say which certificate a pipe presented, so the listener (its
 *     address) is what says who is calling;
 *   - tcp://: refused in production, accepted elsewhere (tests, a developer's machine).
 * inproc:// (one process: unit tests) is accepted too; any other transport is refused. */
#ifndef TP_BUS_H
#define TP_BUS_H

#include <nng/nng.h>
#include <stdbool.h>
#include <stddef.h>

#include "tp_config.h"
#include "tp_ops.h"

/* Listens on the address in setting addr, accepting the given roles (TP_ROLE_BIT mask). The
 * listener is returned in *l when l is not NULL. 0, or -1 with "SETTING: why" in err;
 * NNG_EADDRINUSE (with its message too) so a replica can tell that another one holds a control
 * address. */
int tp_bus_listen(nng_socket s, enum tp_setting addr, unsigned peers, nng_listener *l, char *err,
                  size_t errlen);
/* Dials the address in setting addr without waiting (nng keeps redialling), accepting a peer of
 * the given roles. 0, or -1 with "SETTING: why" in err. */
int tp_bus_dial(nng_socket s, enum tp_setting addr, unsigned peers, char *err, size_t errlen);
/* Stops replacing dialers that are alone (tp_bus_dial's watch), and waits for a replacement
 * under way to end: a process's stop calls it before it closes any socket it dialled, since nng
 * 1.5.2 panics when a dialer is closed while its socket closes on another thread. */
void tp_bus_unwatch(void);
/* Dials and waits for the connection (talksctl): 0, or nng's error with a message in err. */
int tp_bus_dial_now(nng_socket s, enum tp_setting addr, unsigned peers, char *err, size_t errlen);

/* Checks the address in setting addr as listen and dial would use it (a transport allowed here,
 * and for tls+tcp:// the certificate, key and CA bundle readable), so a process can refuse a bad
 * address at start even where it dials later: 0, or -1 with "SETTING: why" in err. */
int tp_bus_check(enum tp_setting addr, char *err, size_t errlen);

/* The PEM text of the CA certificates in bundle (a file of PEM certificates) whose subject's
 * common name is "talks-bus-<role>" for a role in roles (TP_ROLE_BIT mask): 0 with a malloc'd
 * NUL-terminated string in *pem, or -1 with a reason (unreadable file, a role without its CA). */
int tp_bus_ca_for(const char *bundle, unsigned roles, char **pem, char *err, size_t errlen);

#endif
