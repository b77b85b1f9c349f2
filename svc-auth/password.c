/* password: Argon2id at libsodium's INTERACTIVE limits (≈70 ms, 64 MiB each). A semaphore lets
 * at most two hashes run at once, so a login flood queues instead of exhausting memory, and
 * the other workers stay free for session look-ups that page views need. */
#include "password.h"

#include <semaphore.h>
#include <sodium.h>
#include <string.h>

#include <stdio.h>

static sem_t hashing_slots;
static char dummy_hash[crypto_pwhash_STRBYTES];

int password_init(char *err, size_t errlen)
{
    sem_init(&hashing_slots, 0, 2);
    unsigned char random_pw[32];
    randombytes_buf(random_pw, sizeof random_pw);
    if (password_hash((const char *)random_pw, sizeof random_pw, dummy_hash) == 0) return 0;
    snprintf(err, errlen, "cannot make the dummy password hash (out of memory?)");
    return -1;
}

int password_hash(const char *pw, size_t n, char out[crypto_pwhash_STRBYTES])
{
    sem_wait(&hashing_slots);
    int rc = crypto_pwhash_str(out, pw, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sem_post(&hashing_slots);
    return rc;
}

bool password_verify(const char *hash, const char *pw, size_t n)
{
    sem_wait(&hashing_slots);
    bool ok = crypto_pwhash_str_verify(hash ? hash : dummy_hash, pw, n) == 0;
    sem_post(&hashing_slots);
    return hash && ok;
}
