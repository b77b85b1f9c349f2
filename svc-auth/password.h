/* password: Argon2id hashing and verification (libsodium), bounded in concurrency. */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_BYTES 1024

/* Call once before the workers start (tp_svc's start hook); -1 with a message on failure. */
int password_init(char *err, size_t errlen);
/* 0 and the hash string, or -1 (out of memory for the 64 MiB the hash needs). */
int password_hash(const char *pw, size_t n, char out[crypto_pwhash_STRBYTES]);
/* True when pw matches hash. With hash == NULL it verifies against a dummy hash and returns
 * false: an unknown email costs the same time as a wrong password (no user enumeration). */
bool password_verify(const char *hash, const char *pw, size_t n);

#endif
