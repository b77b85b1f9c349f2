/* csrf: HMAC-SHA-256 form tokens and one-time form keys (see csrf.h). */
#include "csrf.h"

#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "random_pool.h"

/* The HMAC states right after their keys went in: each token copies one instead of hashing the
 * key's two blocks again (half the work of a token, which every anonymous page view makes). */
static crypto_auth_hmacsha256_state csrf_keyed, form_key_keyed;

void csrf_init(const unsigned char key[32])
{
    /* Keys of their own, derived from the secret, so a CSRF token is never valid elsewhere, nor
     * a scoped form key ever a CSRF token. */
    unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES];
    unsigned char form_key_key[crypto_auth_hmacsha256_KEYBYTES];
    crypto_generichash(csrf_key, sizeof csrf_key, (const unsigned char *)"talks csrf", 10, key, 32);
    crypto_generichash(form_key_key, sizeof form_key_key, (const unsigned char *)"talks form key",
                       14, key, 32);
    crypto_auth_hmacsha256_init(&csrf_keyed, csrf_key, sizeof csrf_key);
    crypto_auth_hmacsha256_init(&form_key_keyed, form_key_key, sizeof form_key_key);
    sodium_memzero(csrf_key, sizeof csrf_key);
    sodium_memzero(form_key_key, sizeof form_key_key);
}

void csrf_new_cookie(char out[GW_SECRET_TEXT])
{
    unsigned char raw[32];
    random_pool_bytes(raw, sizeof raw);
    sodium_bin2base64(out, GW_SECRET_TEXT, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void mac(const char *cookie, const char *session, unsigned char out[32])
{
    crypto_auth_hmacsha256_state st = csrf_keyed;
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

bool csrf_token_is(const char *want, const char *token)
{
    if (!want[0] || !token) return false;
    size_t n = strlen(want);
    return strlen(token) == n && sodium_memcmp(want, token, n) == 0;
}

/* CSRF_KEY_TIME_LEN hex digits of the time now, fixed width, so text order is time order. */
static void put_time(char *out)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t t = (uint64_t)time(NULL);
    for (int i = CSRF_KEY_TIME_LEN - 1; i >= 0; i--, t >>= 4) out[i] = hex[t & 0xf];
}

void csrf_form_key_new(char out[CSRF_FORM_KEY_LEN + 1])
{
    unsigned char raw[(CSRF_FORM_KEY_LEN - CSRF_KEY_TIME_LEN) / 4 * 3];
    random_pool_bytes(raw, sizeof raw);
    put_time(out);
    sodium_bin2base64(out + CSRF_KEY_TIME_LEN, CSRF_FORM_KEY_LEN - CSRF_KEY_TIME_LEN + 1, raw,
                      sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void csrf_creation_key_new(char out[CSRF_CREATION_KEY_LEN + 1])
{
    unsigned char raw[(CSRF_CREATION_KEY_LEN - CSRF_KEY_TIME_LEN) / 2];
    random_pool_bytes(raw, sizeof raw);
    put_time(out);
    sodium_bin2hex(out + CSRF_KEY_TIME_LEN, CSRF_CREATION_KEY_LEN - CSRF_KEY_TIME_LEN + 1, raw,
                   sizeof raw);
}

static bool is_form_key(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return n == CSRF_FORM_KEY_LEN;
}

bool csrf_form_key_scoped(const char *cookie, const char *action, const char *form_key,
                          char out[GW_SECRET_TEXT])
{
    if (!cookie[0] || !form_key || !is_form_key(form_key)) return false;
    unsigned char m[32];
    crypto_auth_hmacsha256_state st = form_key_keyed;
    /* Each part ends at a newline, which none of them holds. */
    const char *parts[] = {cookie, action, form_key};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    }
    crypto_auth_hmacsha256_final(&st, m);
    /* The form's time first (any 8 key characters: a key a client made up only places its own
     * record elsewhere) */
    memcpy(out, form_key, CSRF_KEY_TIME_LEN);
    sodium_bin2base64(out + CSRF_KEY_TIME_LEN, GW_SECRET_TEXT - CSRF_KEY_TIME_LEN, m, sizeof m,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return true;
}
