/* csrf: HMAC-SHA-256 form tokens (see csrf.h). */
#include "csrf.h"

#include <sodium.h>
#include <string.h>

static unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES];

void csrf_init(const unsigned char key[32])
{
    /* A key of its own, derived from the secret, so a CSRF token is never valid elsewhere. */
    crypto_generichash(csrf_key, sizeof csrf_key, (const unsigned char *)"talks csrf", 10, key, 32);
}

void csrf_new_cookie(char out[GW_SECRET_TEXT])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, GW_SECRET_TEXT, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void mac(const char *cookie, const char *session, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, csrf_key, sizeof csrf_key);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)cookie, strlen(cookie));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)session, strlen(session));
    crypto_auth_hmacsha256_final(&st, out);
}

void csrf_token(const char *cookie, const char *session, char out[GW_SECRET_TEXT])
{
    unsigned char m[32];
    mac(cookie, session, m);
    sodium_bin2base64(out, GW_SECRET_TEXT, m, sizeof m, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool csrf_valid(const char *cookie, const char *session, const char *token)
{
    char want[GW_SECRET_TEXT];
    if (!cookie[0] || !token) return false;
    csrf_token(cookie, session, want);
    size_t n = strlen(want);
    return strlen(token) == n && sodium_memcmp(want, token, n) == 0;
}
