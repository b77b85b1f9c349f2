/* request_id: the id a request is known by in every log line of every process (SPEC section 10):
 * the client's X-Request-Id when it is a plain token — so a proxy or a client in front can follow
 * its own id through the stack — or else a new random one. */
#ifndef REQUEST_ID_H
#define REQUEST_ID_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>

#define REQUEST_ID_MAX     64 /* the longest X-Request-Id taken as it is (the bus's rid cap) */
#define REQUEST_ID_NEW_LEN 16 /* a new id: 8 random bytes in hex */

/* 1 to REQUEST_ID_MAX bytes, each a letter, a digit, '-', '_' or '.': nothing that could split
 * a log line, a header or a key=value pair. */
bool request_id_is_plain(const char *s, size_t n);
/* The request's id into out (REQUEST_ID_MAX + 1 bytes): its first X-Request-Id if plain, else
 * a new one (request_id_new). */
void request_id_of(h2o_req_t *req, char *out);
/* REQUEST_ID_NEW_LEN random hex digits into out (REQUEST_ID_NEW_LEN + 1 bytes). */
void request_id_new(char *out);

#endif
