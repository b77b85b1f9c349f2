/* password: Argon2id at libsodium's INTERACTIVE limits (≈70 ms, 64 MiB each). A semaphore lets
 * at most two hashes run at once, so a login flood queues instead of exhausting memory, and
 * the other workers stay free for session look-ups that page views need. */
#include "password.h"

#include <semaphore.h>
#include <sodium.h>
#include <string.h>

#include <stdio.h>

#include "werkzeug.h"

static sem_t hashing_slots;
static char dummy_hash[crypto_pwhash_STRBYTES];

/* The dummy hash is written, not computed: a verification costs the parameters' time whatever
 * salt and digest it holds, and writing it keeps Argon2id's 70 ms and 64 MiB out of start-up. */
int password_init(char *err, size_t errlen)
{
    unsigned char salt[crypto_pwhash_SALTBYTES], digest[32];
    char salt64[sodium_base64_ENCODED_LEN(sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    char digest64[sodium_base64_ENCODED_LEN(sizeof digest,
                                            sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
    sem_init(&hashing_slots, 0, 2);
    randombytes_buf(salt, sizeof salt);
    randombytes_buf(digest, sizeof digest);
    sodium_bin2base64(salt64, sizeof salt64, salt, sizeof salt,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64(digest64, sizeof digest64, digest, sizeof digest,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    int n = snprintf(dummy_hash, sizeof dummy_hash, "$argon2id$v=19$m=%zu,t=%llu,p=1$%s$%s",
                     (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024,
                     (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE, salt64, digest64);
    if (n > 0 && (size_t)n < sizeof dummy_hash &&
        crypto_pwhash_str_needs_rehash(dummy_hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
        return 0;
    snprintf(err, errlen, "cannot make the dummy password hash");
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

static bool is_werkzeug(const char *hash)
{
    return hash && strncmp(hash, "pbkdf2:", 7) == 0;
}

bool password_verify(const char *hash, const char *pw, size_t n)
{
    /* A Werkzeug hash costs a millisecond: the dummy Argon2id runs as well, so the time of a
     * login does not tell which accounts still have one. */
    bool werkzeug_ok = is_werkzeug(hash) && werkzeug_verify(hash, pw, n);
    const char *argon2 = hash && !is_werkzeug(hash) ? hash : dummy_hash;
    sem_wait(&hashing_slots);
    bool ok = crypto_pwhash_str_verify(argon2, pw, n) == 0;
    sem_post(&hashing_slots);
    return is_werkzeug(hash) ? werkzeug_ok : hash && ok;
}

bool password_is_current(const char *hash)
{
    return !is_werkzeug(hash) &&
           crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool password_hash_importable(const char *s, size_t n)
{
    char hash[crypto_pwhash_STRBYTES];
    if (n >= 7 && memcmp(s, "pbkdf2:", 7) == 0) return werkzeug_hash_valid(s, n);
    if (n < 10 || n >= sizeof hash || memcmp(s, "$argon2id$", 10) != 0 || memchr(s, '\0', n))
        return false;
    memcpy(hash, s, n);
    hash[n] = '\0';
    /* -1: not a hash libsodium can read; 0 or 1 (other limits) are fine. */
    return crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE) >= 0;
}
