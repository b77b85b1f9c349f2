/* Unit tests for gateway/random_pool.c. getrandom is counted here: this program's own definition
 * is the one libsodium calls. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../check.h"
#include "../../../gateway/random_pool.h"

static int getrandom_calls;

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
    getrandom_calls++;
    return syscall(SYS_getrandom, buf, len, flags);
}

/* A talk page's three draws (16, 32 and 24 bytes) for a hundred pages: a system call for every
 * pool's worth, not one a draw. */
static void draws_share_one_system_call_per_pool(void)
{
    unsigned char id[16], cookie[32], key[24];
    random_pool_bytes(id, sizeof id); /* libsodium opens its source on its first call */
    getrandom_calls = 0;
    for (int i = 0; i < 100; i++) {
        random_pool_bytes(id, sizeof id);
        random_pool_bytes(cookie, sizeof cookie);
        random_pool_bytes(key, sizeof key);
    }
    int pools = (100 * (16 + 32 + 24)) / RANDOM_POOL_SIZE + 1;
    CHECK(getrandom_calls >= 1 && getrandom_calls <= pools + 1);
}

/* No two draws share bytes: over 4 000 draws of 8 bytes (many pools), every value differs. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void draws_are_never_repeated(void)
{
    static uint64_t seen[4000];
    for (int i = 0; i < 4000; i++) random_pool_bytes(&seen[i], sizeof seen[i]);
    qsort(seen, 4000, sizeof seen[0], cmp_u64);
    int repeats = 0;
    for (int i = 1; i < 4000; i++) repeats += seen[i] == seen[i - 1];
    CHECK(repeats == 0);
}

/* A draw larger than the pool comes straight from libsodium, whole. */
static void a_draw_larger_than_the_pool_is_filled(void)
{
    static unsigned char big[RANDOM_POOL_SIZE * 2];
    memset(big, 0, sizeof big);
    random_pool_bytes(big, sizeof big);
    int zeros_at_end = 0;
    for (size_t i = sizeof big - 64; i < sizeof big; i++) zeros_at_end += big[i] == 0;
    CHECK(zeros_at_end < 16);
}

static const check_case cases[] = {
    {"draws_share_one_system_call_per_pool", draws_share_one_system_call_per_pool},
    {"draws_are_never_repeated", draws_are_never_repeated},
    {"a_draw_larger_than_the_pool_is_filled", a_draw_larger_than_the_pool_is_filled},
};

CHECK_MAIN("random_pool", cases)
