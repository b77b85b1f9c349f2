/* http_framing: refusing requests whose body length is ambiguous (RFC 9112 section 6.3). h2o
 * 2.2.5 takes the first of two Content-Length headers and prefers Transfer-Encoding over
 * Content-Length without a word, so the rest of such a body would be read as another request:
 * behind a proxy that frames it the other way, that is request smuggling. */
#ifndef HTTP_FRAMING_H
#define HTTP_FRAMING_H

#include <h2o.h>

/* Registers, on pathconf, a handler that runs before the others: a request with two
 * Content-Length headers that differ, or Content-Length and Transfer-Encoding, gets a 400 and
 * its connection is closed; any other request goes on to the next handler. */
void http_framing_register(h2o_pathconf_t *pathconf);

#endif
