/* own_comments: what a visitor's browser remembers of the comments it posted — SPEC section 4:
 * after an anonymous visitor posts, the talk page shows that visitor (that browser only) their
 * own comment, waiting for review, next to the form, and fills in name and email for the next.
 *
 * Design notes: after an anonymous post the gateway sets the talks_mine cookie (HttpOnly,
 * SameSite=Lax, 30 days): the ids of the visitor's last OWN_COMMENTS_MAX comments and the name
 * and email they gave, with an HMAC-SHA-256 under a key derived from SECRET_KEY. The signature
 * is what keeps a visitor to their own comments: svc-comments (comments.own) answers the pending
 * ones of a talk among the ids it is given, so ids a browser made up must never reach it. No
 * server state: any gateway replica reads the cookie. A page for a browser with the cookie is
 * personal, so page_cache neither serves nor keeps it (page_cache.c). */
#ifndef OWN_COMMENTS_H
#define OWN_COMMENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "gw_ctx.h"
#include "tp_op_inputs.h"

#define OWN_COMMENTS_MAX  TP_OWN_COMMENTS_MAX
#define OWN_COMMENTS_TEXT 192 /* bytes of name or email kept (the form allows 64 characters) */

typedef struct own_comments {
    int64_t ids[OWN_COMMENTS_MAX]; /* oldest first */
    size_t n;
    char name[OWN_COMMENTS_TEXT + 1], email[OWN_COMMENTS_TEXT + 1];
} own_comments;

void own_comments_init(const unsigned char key[32]);
/* Whether the request carries the cookie at all (valid or not): cheap, for page_cache. */
bool own_comments_sent(const gw_ctx *ctx);
/* The cookie's content; an absent, forged or damaged cookie reads as empty (false). */
bool own_comments_read(const gw_ctx *ctx, own_comments *out);
/* Sets the cookie to what the request carried plus comment id (the oldest dropped past
 * OWN_COMMENTS_MAX), with the name and email just used. */
void own_comments_remember(gw_ctx *ctx, int64_t id, const char *name, const char *email);

#endif
