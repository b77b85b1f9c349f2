/* token: unsubscribe links. A token is a subscription's id and a MAC of it under a key derived
 * from SECRET_KEY: it never expires, cannot be forged, names no email address, and stops only
 * that one subscription (one address, one talk). */
#ifndef MAIL_TOKEN_H
#define MAIL_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"

#define TOKEN_TEXT_MAX 64

void token_init(const unsigned char secret[32]);
void token_make(int64_t subscription_id, char out[TOKEN_TEXT_MAX]);
/* The subscription id, or 0 when the token is not one of ours. */
int64_t token_check(tp_str token);

#endif
