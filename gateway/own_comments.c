/* own_comments: the talks_mine cookie (see own_comments.h). */
#include "own_comments.h"

#include <sodium.h>
#include <string.h>

#include "form.h"
#include "render.h"

#define COOKIE    "talks_mine"
#define MAX_AGE   (30L * 24 * 3600)
#define VERSION   1
#define MAC_BYTES crypto_auth_hmacsha256_BYTES
/* version, count, ids, then each text's length and bytes, then the MAC */
#define RAW_MAX  (2 + 8 * OWN_COMMENTS_MAX + 2 * (1 + OWN_COMMENTS_TEXT) + MAC_BYTES)
#define TEXT_MAX sodium_base64_ENCODED_LEN(RAW_MAX, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* The HMAC state right after its key went in: each MAC copies it instead of hashing the key's
 * two blocks again (as csrf.c does; a comment POST signs this cookie). */
static crypto_auth_hmacsha256_state keyed;

void own_comments_init(const unsigned char key[32])
{
    /* A key of its own, so this cookie's MAC is never a CSRF token or form key, nor one of
     * those a valid cookie. */
    unsigned char mac_key[crypto_auth_hmacsha256_KEYBYTES];
    crypto_generichash(mac_key, sizeof mac_key, (const unsigned char *)"talks own comments", 18,
                       key, 32);
    crypto_auth_hmacsha256_init(&keyed, mac_key, sizeof mac_key);
    sodium_memzero(mac_key, sizeof mac_key);
}

static void mac(const unsigned char *raw, size_t n, unsigned char out[MAC_BYTES])
{
    crypto_auth_hmacsha256_state st = keyed;
    crypto_auth_hmacsha256_update(&st, raw, n);
    crypto_auth_hmacsha256_final(&st, out);
}

static bool find(const gw_ctx *ctx, const char **val, size_t *n)
{
    const h2o_req_t *req = ctx->req;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (cookie_find(v.base, v.len, COOKIE, val, n) && *n > 0) return true;
    }
    return false;
}

bool own_comments_sent(const gw_ctx *ctx)
{
    const char *val;
    size_t n;
    return find(ctx, &val, &n);
}

/* Reads a length-prefixed text at *at into out; false when it does not fit. */
static bool read_text(const unsigned char *raw, size_t end, size_t *at, char *out)
{
    if (*at >= end) return false;
    size_t n = raw[(*at)++];
    if (n > OWN_COMMENTS_TEXT || end - *at < n || memchr(raw + *at, '\0', n)) return false;
    memcpy(out, raw + *at, n);
    out[n] = '\0';
    *at += n;
    return true;
}

static bool decode(const unsigned char *raw, size_t len, own_comments *out)
{
    if (len < 2 + MAC_BYTES) return false;
    size_t end = len - MAC_BYTES, at = 2;
    unsigned char want[MAC_BYTES];
    mac(raw, end, want);
    if (sodium_memcmp(want, raw + end, MAC_BYTES) != 0) return false;
    if (raw[0] != VERSION || raw[1] > OWN_COMMENTS_MAX || end - at < 8u * raw[1]) return false;
    out->n = raw[1];
    for (size_t i = 0; i < out->n; i++, at += 8) {
        uint64_t id = 0;
        for (int b = 0; b < 8; b++) id = id << 8 | raw[at + b];
        if (id == 0 || id > INT64_MAX) return false;
        out->ids[i] = (int64_t)id;
    }
    return read_text(raw, end, &at, out->name) && read_text(raw, end, &at, out->email) && at == end;
}

bool own_comments_read(const gw_ctx *ctx, own_comments *out)
{
    memset(out, 0, sizeof *out);
    const char *val;
    size_t n, len;
    unsigned char raw[RAW_MAX];
    if (!find(ctx, &val, &n) || n >= TEXT_MAX ||
        sodium_base642bin(raw, sizeof raw, val, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        !decode(raw, len, out)) {
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

static void put_text(unsigned char *raw, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (n > OWN_COMMENTS_TEXT) n = 0; /* not kept rather than cut inside a character */
    raw[(*at)++] = (unsigned char)n;
    memcpy(raw + *at, s, n);
    *at += n;
}

void own_comments_remember(gw_ctx *ctx, int64_t id, const char *name, const char *email)
{
    own_comments had;
    own_comments_read(ctx, &had);
    size_t k = 0; /* the same form sent twice makes one comment: listed once, as the newest */
    for (size_t i = 0; i < had.n; i++)
        if (had.ids[i] != id) had.ids[k++] = had.ids[i];
    had.n = k;
    unsigned char raw[RAW_MAX];
    size_t keep = had.n < OWN_COMMENTS_MAX ? had.n : OWN_COMMENTS_MAX - 1, at = 2;
    raw[0] = VERSION;
    raw[1] = (unsigned char)(keep + 1);
    for (size_t i = 0; i <= keep; i++, at += 8) {
        uint64_t v = (uint64_t)(i < keep ? had.ids[had.n - keep + i] : id);
        for (int b = 7; b >= 0; b--, v >>= 8) raw[at + b] = (unsigned char)v;
    }
    put_text(raw, &at, name);
    put_text(raw, &at, email);
    mac(raw, at, raw + at);
    at += MAC_BYTES;
    char text[TEXT_MAX];
    sodium_bin2base64(text, sizeof text, raw, at, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    render_set_cookie(ctx, COOKIE, text, MAX_AGE);
}
