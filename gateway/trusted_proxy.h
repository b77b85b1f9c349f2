/* trusted_proxy: which peers may tell the gateway a client's address (the last hop of
 * X-Forwarded-For). TALKS_TRUSTED_PROXY is a comma-separated list of addresses and CIDR blocks,
 * IPv4 or IPv6: "10.0.0.5", "172.16.0.0/12, fd00::/8". A block serves where the proxy's address
 * is not fixed — behind Docker the host's side of a compose network is whatever address Docker
 * picked in 172.16.0.0/12. Empty: nobody is believed. */
#ifndef TRUSTED_PROXY_H
#define TRUSTED_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#define TRUSTED_PROXY_MAX 16 /* blocks in the list */

/* Parses the setting; -1 with "TALKS_TRUSTED_PROXY: …" in err when any entry is not an address
 * or a block. */
int trusted_proxy_init(const char *setting, char *err, size_t errlen);
/* True when peer (a numeric address as text) is in one of the blocks. */
bool trusted_proxy_is(const char *peer);

#endif
