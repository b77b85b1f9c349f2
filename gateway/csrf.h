/* csrf: tokens that prove a form was served by us to this browser. Every visitor has a random
 * talks_csrf cookie; a form's token is an HMAC of that cookie and the session cookie under the
 * server's key, so a token stops working when either changes (logging in rotates both). */
#ifndef CSRF_H
#define CSRF_H

#include <stdbool.h>

#include "gw_ctx.h"

void csrf_init(const unsigned char key[32]);
/* A fresh random cookie value (base64url, 43 characters). */
void csrf_new_cookie(char out[GW_SECRET_TEXT]);
void csrf_token(const char *cookie, const char *session, char out[GW_SECRET_TEXT]);
/* Constant-time comparison against the expected token. */
bool csrf_valid(const char *cookie, const char *session, const char *token);

#endif
