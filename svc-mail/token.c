/* token: signed unsubscribe tokens (see token.h): base64url(id as 8 bytes || 16-byte MAC). */
#include "token.h"

#include <sodium.h>
#include <string.h>

#define MAC_BYTES 16

static unsigned char token_key[crypto_auth_hmacsha256_KEYBYTES];

void token_init(const unsigned char secret[32])
{
    crypto_generichash(token_key, sizeof token_key, (const unsigned char *)"talks unsubscribe", 17,
                       secret, 32);
}

static void sign(const unsigned char id[8], unsigned char mac[MAC_BYTES])
{
    unsigned char full[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(full, id, 8, token_key);
    memcpy(mac, full, MAC_BYTES);
}

void token_make(int64_t subscription_id, char out[TOKEN_TEXT_MAX])
{
    unsigned char raw[8 + MAC_BYTES];
    for (int i = 0; i < 8; i++) raw[i] = (unsigned char)((uint64_t)subscription_id >> (56 - 8 * i));
    sign(raw, raw + 8);
    sodium_bin2base64(out, TOKEN_TEXT_MAX, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int64_t token_check(tp_str token)
{
    unsigned char raw[8 + MAC_BYTES], mac[MAC_BYTES];
    char text[TOKEN_TEXT_MAX];
    size_t len;
    const char *end;
    if (token.n == 0 || token.n >= sizeof text) return 0;
    memcpy(text, token.p, token.n);
    text[token.n] = '\0';
    if (sodium_base642bin(raw, sizeof raw, text, token.n, NULL, &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != sizeof raw || *end != '\0')
        return 0;
    sign(raw, mac);
    if (sodium_memcmp(mac, raw + 8, MAC_BYTES) != 0) return 0;
    uint64_t id = 0;
    for (int i = 0; i < 8; i++) id = id << 8 | raw[i];
    return id > 0 && id <= INT64_MAX ? (int64_t)id : 0;
}
