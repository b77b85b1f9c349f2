/* tp_op_inputs: the request fields of every op in tp_ops.h — each field's name, type and bounds.
 * From this one list come a C struct per op (struct tp_in_<OP>, e.g. struct tp_in_TP_OP_TALKS_GET),
 * the writer every caller uses (tp_w_call: the gateway's gw_call, the relay, talksctl), and the
 * reader every service runs before an op's handler (tp_in_read: a request that does not fit is
 * refused with bad_message and never reaches the handler). So a misspelt op or field is a
 * compile error on the caller's side, and a handler reads typed, checked values.
 *
 * Every op of TP_OPS has a list named <its enum>_IN; F(kind, name, min, max, presence):
 *   ID    an integer in [1, INT64_MAX] (min and max unused);      C type int64_t
 *   INT   an integer in [min, max];                               C type int64_t
 *   BOOL  true or false;                                          C type bool
 *   STR   text of at most max bytes (a transport bound: the user-facing limits, which answer
 *         "invalid" with a message per field, are the handler's); C type tp_str
 *   IDS   a list of at most max IDs;                              C type tp_ids
 *   ROWS  a list of at most max maps, rows of a table that the handler checks field by field
 *         (talksctl's import, tp_transfer.h);                     C type const msgpack_object *
 * presence is REQ or OPT. An OPT field is left out of a request when it is 0, false or a NULL
 * string, and reads as that when absent (nil counts as absent). Ops with the same list share it
 * by name, so one struct serves both (comments.approve and comments.delete). */
#ifndef TP_OP_INPUTS_H
#define TP_OP_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tp_msg.h"
#include "tp_ops.h"

/* Bounds shared by a service and its callers. */
#define TP_PER_PAGE_MAX  100       /* a page of talks or comments */
#define TP_USERS_GET_MAX 101       /* a talk's speaker and a page of commenters */
#define TP_EVENTS_MAX    500       /* comment events per comments.events_after */
#define TP_SECRET_MAX    64        /* session ids, API tokens (base64url of 32 bytes is 43) */
#define TP_TEXT_MAX      65536     /* a form field as the gateway passes it on */
#define TP_BODY_MAX      (1 << 20) /* a comment's Markdown */
#define TP_PAGE_MIN      INT64_MIN /* ?page= as typed: the service clamps it to its pages */
#define TP_PAGE_MAX      INT64_MAX

/* The seven fields of the talk form (SPEC section 4), for talks.create and talks.update. */
#define TP_TALK_FORM_IN(F)                                                                         \
    F(STR, title, 0, TP_TEXT_MAX, REQ)                                                             \
    F(STR, description, 0, TP_TEXT_MAX, REQ)                                                       \
    F(STR, slides, 0, TP_TEXT_MAX, REQ)                                                            \
    F(STR, video, 0, TP_TEXT_MAX, REQ)                                                             \
    F(STR, venue, 0, TP_TEXT_MAX, REQ)                                                             \
    F(STR, venue_url, 0, TP_TEXT_MAX, REQ)                                                         \
    F(STR, date, 0, TP_TEXT_MAX, REQ)

/* An op that needs nothing but its name. */
#define TP_NO_IN(F)

/* svc-auth */
#define TP_OP_AUTH_USER_ADD_IN(F)                                                                  \
    F(STR, email, 0, 1024, REQ)                                                                    \
    F(STR, username, 0, 1024, REQ)                                                                 \
    F(STR, password, 0, 4096, REQ)                                                                 \
    F(BOOL, is_admin, 0, 0, OPT)
/* The client's address (addr) keys the throttle. */
#define TP_CREDENTIALS_IN(F)                                                                       \
    F(STR, email, 0, 1024, REQ)                                                                    \
    F(STR, password, 0, 4096, REQ)                                                                 \
    F(STR, addr, 0, 64, OPT)
#define TP_OP_AUTH_LOGIN_IN(F)                                                                     \
    TP_CREDENTIALS_IN(F)                                                                           \
    F(BOOL, remember, 0, 0, OPT)
#define TP_SESSION_IN(F)              F(STR, session, 0, TP_SECRET_MAX, REQ)
#define TP_OP_AUTH_SESSION_IN         TP_SESSION_IN
#define TP_OP_AUTH_LOGOUT_IN          TP_SESSION_IN
#define TP_OP_AUTH_USER_GET_IN(F)     F(STR, username, 0, TP_MSG_MAX, REQ)
#define TP_OP_AUTH_USERS_GET_IN(F)    F(IDS, ids, 0, TP_USERS_GET_MAX, REQ)
#define TP_OP_AUTH_USER_CONTACT_IN(F) F(ID, id, 0, 0, REQ)
#define TP_OP_AUTH_PROFILE_UPDATE_IN(F)                                                            \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(STR, name, 0, TP_TEXT_MAX, REQ)                                                              \
    F(STR, location, 0, TP_TEXT_MAX, REQ)                                                          \
    F(STR, bio, 0, TP_TEXT_MAX, REQ)
#define TP_OP_AUTH_TOKEN_CREATE_IN   TP_CREDENTIALS_IN
#define TP_OP_AUTH_TOKEN_CHECK_IN(F) F(STR, token, 0, TP_SECRET_MAX, REQ)
#define TP_OP_AUTH_PASSWORD_SET_IN(F)                                                              \
    F(STR, email, 0, 1024, REQ)                                                                    \
    F(STR, password, 0, 4096, REQ)
/* A new password as a form gives it: the password and its confirmation. */
#define TP_NEW_PASSWORD_IN(F)                                                                      \
    F(STR, password, 0, 4096, REQ)                                                                 \
    F(STR, confirm, 0, 4096, REQ)
#define TP_OP_AUTH_PASSWORD_CHANGE_IN(F)                                                           \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    TP_SESSION_IN(F)                                                                               \
    F(STR, current, 0, 4096, REQ)                                                                  \
    TP_NEW_PASSWORD_IN(F)                                                                          \
    F(STR, addr, 0, 64, OPT)
#define TP_OP_AUTH_RESET_TOKEN_IN(F)                                                               \
    F(STR, email, 0, 1024, REQ)                                                                    \
    F(STR, addr, 0, 64, OPT)
#define TP_RESET_LINK_IN(F)       F(STR, token, 0, TP_SECRET_MAX, REQ)
#define TP_OP_AUTH_RESET_CHECK_IN TP_RESET_LINK_IN
#define TP_OP_AUTH_RESET_USE_IN(F)                                                                 \
    TP_RESET_LINK_IN(F)                                                                            \
    TP_NEW_PASSWORD_IN(F)
#define TP_NAMES_AFTER_MAX 500 /* names per auth.names_after */
#define TP_OP_AUTH_NAMES_AFTER_IN(F)                                                               \
    F(INT, after, 0, INT64_MAX, REQ)                                                               \
    F(INT, limit, 1, TP_NAMES_AFTER_MAX, REQ)

/* Every service's backup: the file it copies its database into (tp_backup.h). */
#define TP_BACKUP_IN(F)           F(STR, path, 0, 4000, REQ)
#define TP_OP_AUTH_BACKUP_IN      TP_BACKUP_IN
#define TP_OP_TALKS_BACKUP_IN     TP_BACKUP_IN
#define TP_OP_COMMENTS_BACKUP_IN  TP_BACKUP_IN
#define TP_OP_MAIL_BACKUP_IN      TP_BACKUP_IN
#define TP_OP_AUTH_METRICS_IN     TP_NO_IN
#define TP_OP_TALKS_METRICS_IN    TP_NO_IN
#define TP_OP_COMMENTS_METRICS_IN TP_NO_IN
#define TP_OP_MAIL_METRICS_IN     TP_NO_IN

/* svc-talks. An anonymous caller's write carries a key: the same key twice is one write. */
#define TP_OP_TALKS_LIST_IN(F)                                                                     \
    F(INT, page, TP_PAGE_MIN, TP_PAGE_MAX, OPT)                                                    \
    F(INT, per_page, 1, TP_PER_PAGE_MAX, REQ)                                                      \
    F(INT, author_id, 0, INT64_MAX, OPT)
#define TP_OP_TALKS_GET_IN(F)    F(ID, id, 0, 0, REQ)
#define TP_OP_TALKS_TITLES_IN(F) F(IDS, ids, 0, TP_PER_PAGE_MAX, REQ)
#define TP_OP_TALKS_STATE_IN     TP_NO_IN
#define TP_OP_TALKS_CREATE_IN(F)                                                                   \
    F(ID, author_id, 0, 0, REQ)                                                                    \
    F(STR, key, 0, 64, OPT)                                                                        \
    TP_TALK_FORM_IN(F)
/* user_id and is_admin: who asks, for the author-or-admin check. */
#define TP_OP_TALKS_UPDATE_IN(F)                                                                   \
    F(ID, id, 0, 0, REQ)                                                                           \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, is_admin, 0, 0, OPT)                                                                   \
    TP_TALK_FORM_IN(F)
/* The speaker or an admin deletes a talk (svc-talks checks, as for an update). */
#define TP_OP_TALKS_DELETE_IN(F)                                                                   \
    F(ID, id, 0, 0, REQ)                                                                           \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, is_admin, 0, 0, OPT)
#define TP_OP_TALKS_SEARCH_IN(F)                                                                   \
    F(STR, q, 0, TP_TEXT_MAX, REQ)                                                                 \
    F(INT, page, TP_PAGE_MIN, TP_PAGE_MAX, OPT)                                                    \
    F(INT, per_page, 1, TP_PER_PAGE_MAX, REQ)

/* svc-comments */
#define TP_OP_COMMENTS_PREVIEW_IN(F) F(STR, body, 0, TP_BODY_MAX, REQ)
/* include_pending: whether the reply's rank (the comment's place) counts pending comments. */
#define TP_OP_COMMENTS_CREATE_IN(F)                                                                \
    F(STR, key, 0, 64, OPT)                                                                        \
    F(ID, talk_id, 0, 0, REQ)                                                                      \
    F(ID, talk_author_id, 0, 0, REQ)                                                               \
    F(BOOL, include_pending, 0, 0, OPT)                                                            \
    F(INT, author_id, 0, INT64_MAX, OPT)                                                           \
    F(STR, author_name, 0, TP_TEXT_MAX, REQ)                                                       \
    F(STR, author_email, 0, TP_TEXT_MAX, OPT)                                                      \
    F(STR, body, 0, TP_BODY_MAX, REQ)                                                              \
    F(STR, addr, 0, 64, OPT)                                                                       \
    F(BOOL, notify, 0, 0, OPT)
#define TP_OP_COMMENTS_LIST_IN(F)                                                                  \
    F(ID, talk_id, 0, 0, REQ)                                                                      \
    F(INT, page, TP_PAGE_MIN, TP_PAGE_MAX, OPT)                                                    \
    F(INT, per_page, 1, TP_PER_PAGE_MAX, REQ)                                                      \
    F(BOOL, include_pending, 0, 0, OPT)                                                            \
    F(BOOL, newest_first, 0, 0, OPT)
#define TP_MODERATE_IN(F)                                                                          \
    F(ID, id, 0, 0, REQ)                                                                           \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, is_admin, 0, 0, OPT)
#define TP_OP_COMMENTS_APPROVE_IN TP_MODERATE_IN
#define TP_OP_COMMENTS_DELETE_IN  TP_MODERATE_IN
/* all: every talk's (an admin's /moderate-admin), else the talks of user_id. */
#define TP_OP_COMMENTS_PENDING_IN(F)                                                               \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, all, 0, 0, OPT)                                                                        \
    F(INT, page, TP_PAGE_MIN, TP_PAGE_MAX, OPT)                                                    \
    F(INT, per_page, 1, TP_PER_PAGE_MAX, REQ)
/* A visitor's own pending comments on a talk: the ids their browser's cookie lists. */
#define TP_OWN_COMMENTS_MAX 10
#define TP_OP_COMMENTS_OWN_IN(F)                                                                   \
    F(ID, talk_id, 0, 0, REQ)                                                                      \
    F(IDS, ids, 0, TP_OWN_COMMENTS_MAX, REQ)
/* Every pending comment of the visitor with this email: on the talks of user_id, or on every
 * talk for an admin asking for all. */
#define TP_COMMENTER_IN(F)                                                                         \
    F(STR, email, 0, 1024, REQ)                                                                    \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, is_admin, 0, 0, OPT)                                                                   \
    F(BOOL, all, 0, 0, OPT)
#define TP_OP_COMMENTS_COMMENTER_APPROVE_IN TP_COMMENTER_IN
#define TP_OP_COMMENTS_COMMENTER_DELETE_IN  TP_COMMENTER_IN
#define TP_OP_COMMENTS_COUNTS_IN(F)                                                                \
    F(ID, user_id, 0, 0, REQ)                                                                      \
    F(BOOL, is_admin, 0, 0, OPT)
#define TP_OP_COMMENTS_APPROVED_COUNTS_IN(F) F(IDS, talk_ids, 0, TP_PER_PAGE_MAX, REQ)
/* A talk's live stream: what changed after the live change number after (a moderator's,
 * include_pending, also sees comments waiting for moderation); from_now: nothing yet, only
 * where "now" is (a stream that has no place of its own). */
#define TP_OP_COMMENTS_LIVE_IN(F)                                                                  \
    F(ID, talk_id, 0, 0, REQ)                                                                      \
    F(INT, after, 0, INT64_MAX, OPT)                                                               \
    F(BOOL, include_pending, 0, 0, OPT)                                                            \
    F(BOOL, from_now, 0, 0, OPT)
#define TP_OP_COMMENTS_EVENTS_AFTER_IN(F)                                                          \
    F(INT, seq, 0, INT64_MAX, REQ)                                                                 \
    F(INT, limit, 1, TP_EVENTS_MAX, OPT)
/* svc-talks says a talk is gone: its comments follow (svc-talks/gone.h). */
#define TP_OP_COMMENTS_TALK_DELETED_IN(F) F(ID, talk_id, 0, 0, REQ)

/* svc-mail */
#define TP_UNSUBSCRIBE_IN(F)           F(STR, token, 0, 256, REQ)
#define TP_OP_MAIL_UNSUBSCRIBE_INFO_IN TP_UNSUBSCRIBE_IN
#define TP_OP_MAIL_UNSUBSCRIBE_IN      TP_UNSUBSCRIBE_IN
#define TP_OP_MAIL_PASSWORD_RESET_IN   TP_OP_AUTH_RESET_TOKEN_IN

/* Every service's export and import (talksctl export, import, import-flask; tp_transfer.h):
 * a page of rows after an id, and a page of rows to add. One list each, so the four imports
 * share one struct layout. */
#define TP_IMPORT_ROWS_MAX 100000
#define TP_EXPORT_IN(F)    F(INT, after, 0, INT64_MAX, OPT)
#define TP_IMPORT_IN(F)                                                                            \
    F(ROWS, rows, 0, TP_IMPORT_ROWS_MAX, REQ)                                                      \
    F(BOOL, check, 0, 0, OPT)                                                                      \
    F(BOOL, merge, 0, 0, OPT)
#define TP_OP_AUTH_EXPORT_IN     TP_EXPORT_IN
#define TP_OP_AUTH_IMPORT_IN     TP_IMPORT_IN
#define TP_OP_TALKS_EXPORT_IN    TP_EXPORT_IN
#define TP_OP_TALKS_IMPORT_IN    TP_IMPORT_IN
#define TP_OP_COMMENTS_EXPORT_IN TP_EXPORT_IN
#define TP_OP_COMMENTS_IMPORT_IN TP_IMPORT_IN
#define TP_OP_MAIL_EXPORT_IN     TP_EXPORT_IN
#define TP_OP_MAIL_IMPORT_IN     TP_IMPORT_IN

/* A list of IDs: written from v (n of them); read as the request's array o (n of them). */
typedef struct tp_ids {
    const int64_t *v;
    const msgpack_object *o;
    size_t n;
} tp_ids;
int64_t tp_ids_at(const tp_ids *ids, size_t i);

#define TP_IN_CTYPE_ID   int64_t
#define TP_IN_CTYPE_INT  int64_t
#define TP_IN_CTYPE_BOOL bool
#define TP_IN_CTYPE_STR  tp_str
#define TP_IN_CTYPE_IDS  tp_ids
#define TP_IN_CTYPE_ROWS const msgpack_object *

/* struct tp_in_TP_OP_TALKS_GET { int64_t id; }, and so on for every op. */
#define TP_IN_MEMBER(kind, name, min, max, presence) TP_IN_CTYPE_##kind name;
#define TP_IN_STRUCT(id, wire, owner, from)                                                        \
    struct tp_in_##id {                                                                            \
        id##_IN(TP_IN_MEMBER)                                                                      \
    };
TP_OPS(TP_IN_STRUCT)
#undef TP_IN_STRUCT

/* Any op's input: what a service decodes a request into before the handler runs. */
union tp_in_any {
#define TP_IN_UNION_MEMBER(id, wire, owner, from) struct tp_in_##id id;
    TP_OPS(TP_IN_UNION_MEMBER)
#undef TP_IN_UNION_MEMBER
};

/* The text s as a tp_str (NULL stays NULL: an OPT field left out). */
tp_str tp_s(const char *s);

/* Writes the request {op, rid, fields of in} (in is the op's struct tp_in_<op>). */
void tp_w_call(tp_w *w, enum tp_op_id op, const char *rid, const void *in);
/* Reads msg's fields into out (the op's struct tp_in_<op>, pointing into msg): 0, or -1 with
 * which field did not fit in why (e.g. "per_page: an integer in [1, 100]"). */
int tp_in_read(enum tp_op_id op, const msgpack_object *msg, void *out, char *why, size_t whylen);

/* The number of fields of op's input, and the name of the i-th (for tests and docs). */
size_t tp_in_count(enum tp_op_id op);
const char *tp_in_name(enum tp_op_id op, size_t i);

#endif
