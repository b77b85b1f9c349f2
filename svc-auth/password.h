/* password: Argon2id hashing and verification (libsodium), bounded in concurrency; the Flask
 * app's Werkzeug hashes (werkzeug.h) are verified too, until their user's next login replaces
 * them. */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_CHARS 8
#define PASSWORD_MAX_BYTES 1024
/* The longest stored hash: an Argon2id string or a kept Werkzeug one. */
#define PASSWORD_HASH_MAX 255

/* Call once before the workers start (tp_svc's start hook); -1 with a message on failure. */
int password_init(char *err, size_t errlen);
/* 0 and the hash string, or -1 (out of memory for the 64 MiB the hash needs). */
int password_hash(const char *pw, size_t n, char out[crypto_pwhash_STRBYTES]);
/* True when pw matches hash (Argon2id, or a kept Werkzeug hash). With hash == NULL it verifies
 * against a dummy hash and returns false: an unknown email costs the same time as a wrong
 * password (no user enumeration); so does an account with a Werkzeug hash. */
bool password_verify(const char *hash, const char *pw, size_t n);
/* True when hash is Argon2id at today's limits; false for one to replace at the next login
 * (a Werkzeug hash, or older Argon2id limits). */
bool password_is_current(const char *hash);
/* True when s may be stored as a hash by an import: an Argon2id string or a Werkzeug hash.
 * (New passwords are only ever hashed with password_hash.) */
bool password_hash_importable(const char *s, size_t n);

#endif
