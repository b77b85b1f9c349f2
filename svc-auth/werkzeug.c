/* werkzeug: Werkzeug's "pbkdf2:<hash>:<iterations>$<salt>$<hex>" hashes (see werkzeug.h). Werkzeug
 * derives hashlib.pbkdf2_hmac(hash, password, salt, iterations) with the digest's own length and
 * writes it in lowercase hex; the salt is used as its text. OpenSSL's PKCS5_PBKDF2_HMAC does the
 * same, and CRYPTO_memcmp compares without an early exit. */
#include "werkzeug.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define SALT_MAX   64
#define DIGEST_MAX 64 /* SHA-512 */

typedef struct parsed {
    const EVP_MD *md;
    int iterations;
    const char *salt, *hex;
    size_t salt_len, hex_len;
} parsed;

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Takes the literal prefix lit off s[*at..n). */
static bool take(const char *s, size_t n, size_t *at, const char *lit)
{
    size_t k = strlen(lit);
    if (n - *at < k || memcmp(s + *at, lit, k) != 0) return false;
    *at += k;
    return true;
}

static bool parse(const char *s, size_t n, parsed *p)
{
    size_t at = 0;
    if (!take(s, n, &at, "pbkdf2:")) return false;
    if (take(s, n, &at, "sha1:"))
        p->md = EVP_sha1();
    else if (take(s, n, &at, "sha256:"))
        p->md = EVP_sha256();
    else if (take(s, n, &at, "sha512:"))
        p->md = EVP_sha512();
    else
        return false;
    /* Werkzeug writes the count in decimal without leading zeros; 8 digits pass the cap. */
    long iterations = 0;
    size_t first = at;
    for (; at < n && s[at] >= '0' && s[at] <= '9' && at - first < 8; at++)
        iterations = iterations * 10 + (s[at] - '0');
    if (at == first || s[first] == '0' || iterations > WERKZEUG_ITERATIONS_MAX ||
        !take(s, n, &at, "$"))
        return false;
    p->iterations = (int)iterations;
    p->salt = s + at;
    while (at < n && is_alnum(s[at])) at++;
    p->salt_len = (size_t)(s + at - p->salt);
    if (p->salt_len == 0 || p->salt_len > SALT_MAX || !take(s, n, &at, "$")) return false;
    p->hex = s + at;
    p->hex_len = n - at;
    if (p->hex_len != 2 * (size_t)EVP_MD_get_size(p->md)) return false;
    for (size_t i = 0; i < p->hex_len; i++)
        if (hex_value(p->hex[i]) < 0) return false;
    return true;
}

bool werkzeug_hash_valid(const char *s, size_t n)
{
    parsed p;
    return n <= WERKZEUG_HASH_MAX && parse(s, n, &p);
}

bool werkzeug_verify(const char *hash, const char *pw, size_t n)
{
    parsed p;
    size_t len = strlen(hash);
    if (len > WERKZEUG_HASH_MAX || !parse(hash, len, &p)) return false;
    unsigned char want[DIGEST_MAX], got[DIGEST_MAX];
    size_t k = p.hex_len / 2;
    for (size_t i = 0; i < k; i++)
        want[i] = (unsigned char)(hex_value(p.hex[2 * i]) << 4 | hex_value(p.hex[2 * i + 1]));
    /* An empty password is given as "" rather than a pointer OpenSSL may not accept. */
    if (PKCS5_PBKDF2_HMAC(n ? pw : "", (int)n, (const unsigned char *)p.salt, (int)p.salt_len,
                          p.iterations, p.md, (int)k, got) != 1)
        return false;
    return CRYPTO_memcmp(want, got, k) == 0;
}
