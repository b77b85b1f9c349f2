/* trusted_proxy: which peers may tell the gateway a client's address (through X-Forwarded-For),
 * and which address that is. TALKS_TRUSTED_PROXY is a comma-separated list of addresses and CIDR
 * blocks, IPv4 or IPv6: "10.0.0.5", "172.16.0.0/12, fd00::/8". A block serves where the proxy's
 * address is not fixed — behind Docker the host's side of a compose network is whatever address
 * Docker picked in 172.16.0.0/12. Empty: nobody is believed. */
#ifndef TRUSTED_PROXY_H
#define TRUSTED_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "tp_msg.h"

#define TRUSTED_PROXY_MAX 16 /* blocks in the list */

/* Parses the setting; -1 with "TALKS_TRUSTED_PROXY: …" in err when any entry is not an address
 * or a block. */
int trusted_proxy_init(const char *setting, char *err, size_t errlen);
/* True when peer (a numeric address as text) is in one of the blocks. */
bool trusted_proxy_is(const char *peer);

/* The client's address when the socket's peer is a trusted proxy: the X-Forwarded-For lines
 * (nlines of them, in the order they came) read as one list of hops — lines in order, hops
 * comma-separated within a line, each hop trimmed of spaces and tabs — walked from the right
 * past every hop that is itself a trusted proxy; the first other hop is the client. Proxies
 * append the address they saw, so everything right of that hop was written by trusted proxies
 * and anything left of it (the client's own lines, a spoofed first line included) is never
 * read. When every hop is trusted, the leftmost is the client. The walk also ends at a hop
 * that is not a numeric address ("unknown", a port): the client is then the trusted hop read
 * last, since that proxy saw it, or, when there is none, nobody the header can name.
 * Copies the address, in canonical form, into out (outlen >= 46) and returns true; returns
 * false, out untouched, when the peer is not trusted or the header names nobody (the peer
 * then stays the client). */
bool trusted_proxy_client(const char *peer, const tp_str *lines, size_t nlines, char *out,
                          size_t outlen);

#endif
