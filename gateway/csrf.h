/* csrf: tokens that prove a form was served by us to this browser, and one-time form keys. Every
 * visitor has a random talks_csrf cookie; a form's token is an HMAC of that cookie and the session
 * cookie under the server's key, so a token stops working when either changes (logging in rotates
 * both). */
#ifndef CSRF_H
#define CSRF_H

#include <stdbool.h>

#include "gw_ctx.h"

/* key: the server's secret. Each use has an HMAC-SHA-256 key of its own derived from it, the
 * 32-byte BLAKE2b (crypto_generichash) of a label keyed by the secret: "talks csrf" for tokens,
 * "talks form key" for scoped form keys. */
void csrf_init(const unsigned char key[32]);
/* A fresh random cookie value (base64url, 43 characters). */
void csrf_new_cookie(char out[GW_SECRET_TEXT]);
/* The HMAC of cookie "\n" session, in base64url without padding (43 characters). */
void csrf_token(const char *cookie, const char *session, char out[GW_SECRET_TEXT]);
/* Whether token is want (the request's own token, csrf_token of its cookie and session, made
 * once per request), compared in constant time; never when either is missing or empty. */
bool csrf_token_is(const char *want, const char *token);

/* One-time form keys: each rendering of a form that must not act twice (the comment form)
 * carries a fresh key in a hidden field `form_key`; the same form sent again (a double click, a
 * retry after a timeout) sends the same key, and the service stores one result per key.
 *
 * Every key a service records begins with the time it was made (CSRF_KEY_TIME_LEN hex digits of
 * seconds since 1970): a service's index of keys is a B-tree, and random keys put each new one
 * on a page of its own, so a batch of sixty comments wrote (and first read) sixty pages of it, a
 * third of what the batch wrote; keys in time order go to the same few pages at its end. */
#define CSRF_KEY_TIME_LEN 8
#define CSRF_FORM_KEY_LEN 24 /* the time, then base64url of 12 random bytes */
void csrf_form_key_new(char out[CSRF_FORM_KEY_LEN + 1]);
/* The key the service records for form_key as sent by this browser (its talks_csrf cookie) to
 * action (the form's path): the form key's time, then the HMAC of cookie "\n" action "\n"
 * form_key "\n" under the "talks form key" key, in base64url without padding, so one visitor's
 * key can neither collide with nor replay another's, nor a form another form. False, out
 * untouched, when form_key is not a key we could have made (then the form has no key, and a
 * creation key stands in). */
bool csrf_form_key_scoped(const char *cookie, const char *action, const char *form_key,
                          char out[GW_SECRET_TEXT]);
/* The key of a creation whose form has none: the time, then 8 random bytes in hex. Not the
 * request id, which a client may choose (so two requests may share one). */
#define CSRF_CREATION_KEY_LEN 24
void csrf_creation_key_new(char out[CSRF_CREATION_KEY_LEN + 1]);

#endif
