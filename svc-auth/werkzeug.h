/* werkzeug: the password hashes of the original Flask app (Werkzeug's generate_password_hash),
 * kept by talksctl import-flask so its users keep their passwords until they next log in. */
#ifndef AUTH_WERKZEUG_H
#define AUTH_WERKZEUG_H

#include <stdbool.h>
#include <stddef.h>

/* The longest such hash we keep: pbkdf2:sha512:<iterations>$<salt>$<128 hex digits>. */
#define WERKZEUG_HASH_MAX 255
/* The most iterations we verify: a hash from a file must not make a login cost seconds. */
#define WERKZEUG_ITERATIONS_MAX 5000000

/* True when s[0..n) is "pbkdf2:<sha1|sha256|sha512>:<iterations>$<salt>$<hex digest>" as
 * Werkzeug writes it: iterations 1 to WERKZEUG_ITERATIONS_MAX, a salt of 1 to 64 letters and
 * digits, the digest as long as the hash function's output. */
bool werkzeug_hash_valid(const char *s, size_t n);
/* True when pw[0..n) matches hash (a NUL-terminated string that werkzeug_hash_valid accepts;
 * false for any other). The digests are compared in constant time. */
bool werkzeug_verify(const char *hash, const char *pw, size_t n);

#endif
