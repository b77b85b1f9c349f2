/* random_pool: per-thread pools of libsodium's random bytes (see random_pool.h). */
#include "random_pool.h"

#include <sodium.h>
#include <string.h>

/* The bytes not given out yet are bytes[0..left): a new thread's pool is empty. */
static _Thread_local struct {
    unsigned char bytes[RANDOM_POOL_SIZE];
    size_t left;
} pool;

void random_pool_bytes(void *out, size_t n)
{
    if (n > RANDOM_POOL_SIZE) {
        randombytes_buf(out, n);
        return;
    }
    if (pool.left < n) {
        randombytes_buf(pool.bytes, RANDOM_POOL_SIZE);
        pool.left = RANDOM_POOL_SIZE;
    }
    pool.left -= n;
    memcpy(out, pool.bytes + pool.left, n);
    sodium_memzero(pool.bytes + pool.left, n);
}
