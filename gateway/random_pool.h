/* random_pool: random bytes for what the gateway makes per request (request ids, CSRF cookies,
 * form keys), drawn from a pool each thread fills from libsodium RANDOM_POOL_SIZE bytes at a
 * time.
 *
 * Design notes: randombytes_buf is a getrandom system call each time, and a visitor's talk page
 * needed three (its request id, its CSRF cookie, its form key): about 1.2 us each on this
 * machine's virtual CPUs, 2 % of an uncached page. The bytes are libsodium's all the same; each
 * is given out once and wiped from the pool as it is, so the pool never holds a secret already in
 * use. The pools are per thread (no lock) and the gateway never forks, so no two requests or
 * processes draw the same bytes. */
#ifndef GW_RANDOM_POOL_H
#define GW_RANDOM_POOL_H

#include <stddef.h>

#define RANDOM_POOL_SIZE 256 /* what libsodium asks getrandom for at most, in one call */

/* Fills out with n random bytes (more than RANDOM_POOL_SIZE: straight from libsodium). */
void random_pool_bytes(void *out, size_t n);

#endif
