/* reply: the shapes of the service replies the gateway reads, and the one checker that holds a
 * reply to its shape before any page looks inside (SPEC §7: a reply is input like any request;
 * one that says ok but does not fit is treated like a service that is down).
 *
 * Design notes: each shape is a table of fields — key, type, and the bounds that make it safe
 * to use (a string's bytes, an integer's range, a list's or dict's entries) — so what a page
 * may take for granted is written down in one place. After reply_check has passed, every
 * declared field is there with its type and bounds (an optional one may be missing or nil), so
 * the views read them with tp_get_* and take the result as given; a declared field given twice
 * is refused, so whichever copy a reader finds is the one checked. Fields not declared are
 * allowed (a service may add some) but never copied anywhere: reply_write writes only declared
 * fields. This file is pure (no request, no log); gw_call checks each reply by its op
 * (reply_answer) before a page sees it. */
#ifndef REPLY_H
#define REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_err.h"
#include "tp_msg.h"

enum reply_kind {
    REPLY_STR,    /* text of at most max bytes: valid UTF-8, no NUL */
    REPLY_TOKEN,  /* 1 to max bytes of A-Z a-z 0-9 - _ (a secret that goes into a cookie) */
    REPLY_INT,    /* an integer in [min, max] */
    REPLY_BOOL,   /* true or false */
    REPLY_MAP,    /* a map of shape `of` */
    REPLY_LIST,   /* an array of at most max maps of shape `of` */
    REPLY_DICT,   /* a map of at most max entries ("<id>": …), each value a map of shape `of` */
    REPLY_COUNTS, /* a map of at most max entries ("<id>": n), each value an integer >= 0 */
};

/* The longest session or API token the gateway takes (base64url of 32 bytes is 43). */
#define REPLY_SECRET_MAX 63

typedef struct reply_shape reply_shape;

typedef struct reply_field {
    const char *key;
    enum reply_kind kind;
    bool optional;    /* may be missing or nil */
    int64_t min, max; /* REPLY_INT: the range; text: max bytes; lists and dicts: max entries */
    const reply_shape *of;
    size_t keylen; /* strlen(key) */
} reply_field;

struct reply_shape {
    const char *name; /* for log lines: "talk", "talks.get" */
    const reply_field *fields;
    size_t nfields;
};

/* Maps found inside replies. A user as anyone may see it; "me" adds what only its owner sees. */
extern const reply_shape reply_talk, reply_media, reply_user, reply_me, reply_comment;
/* What a list's card shows of a talk and of its author (talk_list.mustache), in their order:
 * reply_write_fields with these copies only that from a checked talk or user. */
extern const reply_shape reply_talk_card, reply_user_card;

/* Whole replies that said ok, named by their op. */
extern const reply_shape reply_talks_get, reply_talks_state, reply_talks_list, reply_talks_titles,
    reply_talks_saved, reply_talks_search, reply_talks_deleted;
extern const reply_shape reply_auth_session, reply_auth_user_get, reply_auth_users_get,
    reply_auth_login, reply_auth_token_create, reply_auth_token_check, reply_auth_names_after;
extern const reply_shape reply_comments_list, reply_comments_pending, reply_comments_counts,
    reply_comments_approved_counts, reply_comments_created, reply_comments_preview,
    reply_comments_moderated;
extern const reply_shape reply_mail_unsubscribe_info, reply_mail_unsubscribe;

/* The "fields" map of an invalid reply: a message per form field that was refused. */
extern const reply_shape reply_talk_errors, reply_comment_errors, reply_profile_errors,
    reply_password_errors;

/* The shape of op's ok reply, and of the "fields" map of its invalid reply (a refused form):
 * NULL when the gateway reads nothing of it (op is an enum tp_op_id; others give NULL). */
const reply_shape *reply_shape_ok(int op);
const reply_shape *reply_shape_invalid(int op);

/* Appends to ids (which holds n, of at most max) the key of each map of list that is a positive
 * integer (the authors of a page of talks, their ids, …); returns how many ids holds then. */
size_t reply_ids(const msgpack_object *list, const char *key, int64_t *ids, size_t n, size_t max);

/* The error code a reply map names: TP_OK when it says ok, internal when it names none. */
tp_err reply_err(const msgpack_object *reply);
/* What a page gets from reply, op's answer: its error code (TP_OK when ok) when it fits op's
 * shapes, else TP_EUNAVAILABLE with what was wrong in why (a service that answers nonsense is
 * treated like one that is down, SPEC section 7). */
tp_err reply_answer(int op, const msgpack_object *reply, char *why, size_t whylen);

/* 0 when o is a map that has shape; -1 otherwise, with what was wrong in why (e.g.
 * "talks[3].slides.url: not text of at most 2048 bytes"). */
int reply_check(const msgpack_object *o, const reply_shape *shape, char *why, size_t whylen);

/* Writes a map checked against shape with its declared fields only; nil when o is NULL. */
void reply_write(tp_w *w, const msgpack_object *o, const reply_shape *shape);
/* The same fields into a map the caller has open (and closes). */
void reply_write_fields(tp_w *w, const msgpack_object *o, const reply_shape *shape);

#endif
