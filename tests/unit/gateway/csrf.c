/* Unit tests for gateway/csrf.c: a token is the HMAC-SHA-256 of cookie "\n" session under the key
 * derived from the secret, and a scoped form key the HMAC-SHA-256 of cookie, action and form key,
 * each followed by "\n", under a key of its own (both computed here from scratch with libsodium,
 * following csrf.h, so a wrong construction fails and the keyed states csrf.c reuses are shown to
 * give the same MAC every time); a token is valid only for the same cookie and session; a scoped
 * form key depends on the cookie, the action and the key, and is never a CSRF token. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../check.h"
#include "csrf.h"

static const unsigned char secret[32] = "0123456789abcdef0123456789abcdef";

/* The token as csrf.h describes it, computed without csrf.c. */
static void expected_token(const char *cookie, const char *session, char out[GW_SECRET_TEXT])
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES], mac[32];
    crypto_generichash(key, sizeof key, (const unsigned char *)"talks csrf", 10, secret, 32);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, sizeof key);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)cookie, strlen(cookie));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)session, strlen(session));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, GW_SECRET_TEXT, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The scoped form key as csrf.h describes it, computed without csrf.c. */
static void expected_form_key(const char *cookie, const char *action, const char *form_key,
                              char out[GW_SECRET_TEXT])
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES], mac[32];
    crypto_generichash(key, sizeof key, (const unsigned char *)"talks form key", 14, secret, 32);
    char message[256];
    int n = snprintf(message, sizeof message, "%s\n%s\n%s\n", cookie, action, form_key);
    CHECK(n > 0 && (size_t)n < sizeof message);
    crypto_auth_hmacsha256(mac, (const unsigned char *)message, (size_t)n, key);
    memcpy(out, form_key, CSRF_KEY_TIME_LEN);
    sodium_bin2base64(out + CSRF_KEY_TIME_LEN, GW_SECRET_TEXT - CSRF_KEY_TIME_LEN, mac, sizeof mac,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Whether s begins with the time now (or a second before: the clock may tick between), in
 * CSRF_KEY_TIME_LEN hex digits. */
static bool begins_with_now(const char *s)
{
    time_t now = time(NULL);
    for (time_t t = now - 1; t <= now; t++) {
        char want[CSRF_KEY_TIME_LEN + 1];
        snprintf(want, sizeof want, "%08llx", (unsigned long long)t);
        if (strncmp(s, want, CSRF_KEY_TIME_LEN) == 0) return true;
    }
    return false;
}

static void a_token_is_the_hmac_of_cookie_and_session_every_time(void)
{
    csrf_init(secret);
    const char *cookies[] = {"cookie-a", "cookie-b", ""};
    for (int round = 0; round < 2; round++) /* the keyed state is reused, never used up */
        for (size_t i = 0; i < sizeof cookies / sizeof cookies[0]; i++) {
            char got[GW_SECRET_TEXT], want[GW_SECRET_TEXT];
            csrf_token(cookies[i], "session-1", got);
            expected_token(cookies[i], "session-1", want);
            CHECK_STR_EQ(got, want);
        }
}

static void a_token_is_valid_only_for_its_cookie_and_session(void)
{
    csrf_init(secret);
    char token[GW_SECRET_TEXT], want[GW_SECRET_TEXT];
    csrf_token("cookie-a", "session-1", token);
    csrf_token("cookie-a", "session-1", want);
    CHECK(csrf_token_is(want, token));
    csrf_token("cookie-b", "session-1", want);
    CHECK(!csrf_token_is(want, token));
    csrf_token("cookie-a", "session-2", want);
    CHECK(!csrf_token_is(want, token));
    csrf_token("cookie-a", "session-1", want);
    CHECK(!csrf_token_is(want, NULL));
    CHECK(!csrf_token_is("", "")); /* nothing to compare with: never valid */
    char cut[GW_SECRET_TEXT];
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(token) - 1, token);
    CHECK(!csrf_token_is(want, cut));
    token[0] = token[0] == 'A' ? 'B' : 'A';
    CHECK(!csrf_token_is(want, token));
}

/* Keys begin with the time they were made, so that a service's index of keys grows at its end
 * (csrf.h): a form key is the time and 12 random bytes in base64url, a creation key the time and
 * 8 random bytes in hex. */
static void new_keys_are_the_time_then_random_bytes(void)
{
    char a[CSRF_FORM_KEY_LEN + 1], b[CSRF_FORM_KEY_LEN + 1];
    csrf_form_key_new(a);
    csrf_form_key_new(b);
    unsigned char raw[32];
    size_t n = 0;
    CHECK(strlen(a) == CSRF_FORM_KEY_LEN && begins_with_now(a));
    CHECK(sodium_base642bin(raw, sizeof raw, a + CSRF_KEY_TIME_LEN, strlen(a + CSRF_KEY_TIME_LEN),
                            NULL, &n, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
          n == 12);
    CHECK(strcmp(a + CSRF_KEY_TIME_LEN, b + CSRF_KEY_TIME_LEN) != 0);

    char c[CSRF_CREATION_KEY_LEN + 1], d[CSRF_CREATION_KEY_LEN + 1];
    csrf_creation_key_new(c);
    csrf_creation_key_new(d);
    CHECK(strlen(c) == CSRF_CREATION_KEY_LEN && begins_with_now(c));
    CHECK(sodium_hex2bin(raw, sizeof raw, c + CSRF_KEY_TIME_LEN, strlen(c + CSRF_KEY_TIME_LEN),
                         NULL, &n, NULL) == 0 &&
          n == 8);
    CHECK(strcmp(c + CSRF_KEY_TIME_LEN, d + CSRF_KEY_TIME_LEN) != 0);
}

static void a_scoped_form_key_is_the_hmac_of_cookie_action_and_key_every_time(void)
{
    csrf_init(secret);
    const char *cookies[] = {"cookie-a", "cookie-b"};
    const char *actions[] = {"/talk/1", "/talk/22"};
    const char *keys[] = {"abcdefghijklmnopqrstuvwx", "0123456789-_ABCDEFGHIJKL"};
    for (int round = 0; round < 2; round++) /* the keyed state is reused, never used up */
        for (size_t c = 0; c < 2; c++)
            for (size_t a = 0; a < 2; a++)
                for (size_t k = 0; k < 2; k++) {
                    char got[GW_SECRET_TEXT] = "", want[GW_SECRET_TEXT];
                    CHECK(csrf_form_key_scoped(cookies[c], actions[a], keys[k], got));
                    expected_form_key(cookies[c], actions[a], keys[k], want);
                    CHECK_STR_EQ(got, want);
                }
}

static void a_scoped_form_key_depends_on_all_three_and_is_no_token(void)
{
    csrf_init(secret);
    char key[CSRF_FORM_KEY_LEN + 1], a[GW_SECRET_TEXT], b[GW_SECRET_TEXT], token[GW_SECRET_TEXT];
    csrf_form_key_new(key);
    CHECK(strlen(key) == CSRF_FORM_KEY_LEN);
    CHECK(csrf_form_key_scoped("cookie-a", "/talk/1", key, a));
    CHECK(csrf_form_key_scoped("cookie-a", "/talk/1", key, b));
    CHECK_STR_EQ(a, b);
    CHECK(strncmp(a, key, CSRF_KEY_TIME_LEN) == 0); /* the form's time first */
    CHECK(csrf_form_key_scoped("cookie-b", "/talk/1", key, b) && strcmp(a, b) != 0);
    CHECK(csrf_form_key_scoped("cookie-a", "/talk/2", key, b) && strcmp(a, b) != 0);
    csrf_token("cookie-a", "/talk/1", token);
    CHECK(strcmp(a, token) != 0);
    CHECK(!csrf_form_key_scoped("cookie-a", "/talk/1", "too-short", b));
    CHECK(!csrf_form_key_scoped("", "/talk/1", key, b));
}

static const check_case cases[] = {
    CASE(a_token_is_the_hmac_of_cookie_and_session_every_time),
    CASE(a_token_is_valid_only_for_its_cookie_and_session),
    CASE(new_keys_are_the_time_then_random_bytes),
    CASE(a_scoped_form_key_is_the_hmac_of_cookie_action_and_key_every_time),
    CASE(a_scoped_form_key_depends_on_all_three_and_is_no_token),
};

CHECK_MAIN("gateway_csrf", cases)
