/* tp_ops: every operation of the bus in one table — its name on the wire, the service that owns
 * it, and where it may come from (SPEC section 9: least privilege). Services dispatch by the
 * table's enum, the gateway's relay forwards only what the table allows the calling service,
 * and a service refuses an op from anywhere else with "forbidden". */
#ifndef TP_OPS_H
#define TP_OPS_H

#include <stddef.h>

/* The processes of a stack. A bus peer is one of these roles: on ipc:// it is whoever can open
 * the socket file (the stack's own Unix user); on tls+tcp:// a listener or dialer accepts only
 * the certificates of the roles it names (see tp_bus.h). */
#define TP_ROLES(X)                                                                                \
    X(TP_ROLE_GATEWAY, "gateway")                                                                  \
    X(TP_ROLE_AUTH, "auth")                                                                        \
    X(TP_ROLE_TALKS, "talks")                                                                      \
    X(TP_ROLE_COMMENTS, "comments")                                                                \
    X(TP_ROLE_MAIL, "mail")                                                                        \
    X(TP_ROLE_CTL, "ctl")

enum tp_role {
#define TP_ROLE_ENUM(name, wire) name,
    TP_ROLES(TP_ROLE_ENUM)
#undef TP_ROLE_ENUM
        TP_ROLE_COUNT
};

#define TP_ROLE_BIT(r) (1u << (r))
/* Every process of the stack but talksctl. */
#define TP_ROLES_STACK                                                                             \
    (TP_ROLE_BIT(TP_ROLE_GATEWAY) | TP_ROLE_BIT(TP_ROLE_AUTH) | TP_ROLE_BIT(TP_ROLE_TALKS) |       \
     TP_ROLE_BIT(TP_ROLE_COMMENTS) | TP_ROLE_BIT(TP_ROLE_MAIL))

const char *tp_role_name(enum tp_role r);
/* The role named p (n bytes), or -1. */
int tp_role_by_name(const char *p, size_t n);

/* Where a request may come from: the gateway's web requests, talksctl on a service's control
 * socket, or a named service through the gateway's relay. A request carries no claim of its
 * origin: the socket (and on the relay, the listener) it arrived on says it. */
#define TP_FROM_WEB         (1u << 0)
#define TP_FROM_CTL         (1u << 1)
#define TP_FROM_RELAY(role) (1u << (2 + (role)))
#define TP_FROM_RELAY_MAIL  TP_FROM_RELAY(TP_ROLE_MAIL)
#define TP_FROM_RELAY_TALKS TP_FROM_RELAY(TP_ROLE_TALKS)

/* X(enum, wire name, owning service's role, allowed origins). An op that takes an identity
 * (user_id, is_admin, author_id) is allowed only from origins that may assert one: the gateway
 * (which resolved the session) and talksctl (the operator); setting a password by email only from
 * talksctl. Every service has a "<service>.backup"
 * (its database copied into a file the operator names; one shared handler, tp_backup_op in
 * tp_backup.h), for talksctl only: it writes where it is told; and a "<service>.metrics" (its
 * counters for the gateway's /metrics, answered by the service loop itself: tp_metrics.h), for
 * the gateway only; a "<service>.export" and "<service>.import" (its rows for talksctl export,
 * import and import-flask, password hashes included: tp_transfer.h), for talksctl only. Every op's
 * request fields are listed in tp_op_inputs.h as <enum>_IN (e.g. TP_OP_TALKS_GET_IN): a new op
 * without that list does not build. */
#define TP_OPS(X)                                                                                  \
    X(TP_OP_AUTH_USER_ADD, "auth.user_add", TP_ROLE_AUTH, TP_FROM_CTL)                             \
    X(TP_OP_AUTH_LOGIN, "auth.login", TP_ROLE_AUTH, TP_FROM_WEB)                                   \
    X(TP_OP_AUTH_SESSION, "auth.session", TP_ROLE_AUTH, TP_FROM_WEB)                               \
    X(TP_OP_AUTH_LOGOUT, "auth.logout", TP_ROLE_AUTH, TP_FROM_WEB)                                 \
    X(TP_OP_AUTH_USER_GET, "auth.user_get", TP_ROLE_AUTH, TP_FROM_WEB | TP_FROM_CTL)               \
    X(TP_OP_AUTH_USERS_GET, "auth.users_get", TP_ROLE_AUTH, TP_FROM_WEB)                           \
    X(TP_OP_AUTH_USER_CONTACT, "auth.user_contact", TP_ROLE_AUTH, TP_FROM_RELAY_MAIL)              \
    X(TP_OP_AUTH_PROFILE_UPDATE, "auth.profile_update", TP_ROLE_AUTH, TP_FROM_WEB | TP_FROM_CTL)   \
    X(TP_OP_AUTH_TOKEN_CREATE, "auth.token_create", TP_ROLE_AUTH, TP_FROM_WEB)                     \
    X(TP_OP_AUTH_TOKEN_CHECK, "auth.token_check", TP_ROLE_AUTH, TP_FROM_WEB)                       \
    X(TP_OP_AUTH_NAMES_AFTER, "auth.names_after", TP_ROLE_AUTH, TP_FROM_RELAY_TALKS | TP_FROM_WEB) \
    X(TP_OP_AUTH_PASSWORD_SET, "auth.password_set", TP_ROLE_AUTH, TP_FROM_CTL)                     \
    X(TP_OP_AUTH_PASSWORD_CHANGE, "auth.password_change", TP_ROLE_AUTH, TP_FROM_WEB)               \
    X(TP_OP_AUTH_RESET_TOKEN, "auth.reset_token", TP_ROLE_AUTH, TP_FROM_RELAY_MAIL)                \
    X(TP_OP_AUTH_RESET_CHECK, "auth.reset_check", TP_ROLE_AUTH, TP_FROM_WEB)                       \
    X(TP_OP_AUTH_RESET_USE, "auth.reset_use", TP_ROLE_AUTH, TP_FROM_WEB)                           \
    X(TP_OP_AUTH_EXPORT, "auth.export", TP_ROLE_AUTH, TP_FROM_CTL)                                 \
    X(TP_OP_AUTH_IMPORT, "auth.import", TP_ROLE_AUTH, TP_FROM_CTL)                                 \
    X(TP_OP_AUTH_BACKUP, "auth.backup", TP_ROLE_AUTH, TP_FROM_CTL)                                 \
    X(TP_OP_AUTH_METRICS, "auth.metrics", TP_ROLE_AUTH, TP_FROM_WEB)                               \
    X(TP_OP_TALKS_LIST, "talks.list", TP_ROLE_TALKS, TP_FROM_WEB)                                  \
    X(TP_OP_TALKS_GET, "talks.get", TP_ROLE_TALKS, TP_FROM_WEB | TP_FROM_RELAY_MAIL)               \
    X(TP_OP_TALKS_TITLES, "talks.titles", TP_ROLE_TALKS, TP_FROM_WEB)                              \
    X(TP_OP_TALKS_STATE, "talks.state", TP_ROLE_TALKS, TP_FROM_WEB)                                \
    X(TP_OP_TALKS_CREATE, "talks.create", TP_ROLE_TALKS, TP_FROM_WEB | TP_FROM_CTL)                \
    X(TP_OP_TALKS_UPDATE, "talks.update", TP_ROLE_TALKS, TP_FROM_WEB)                              \
    X(TP_OP_TALKS_SEARCH, "talks.search", TP_ROLE_TALKS, TP_FROM_WEB)                              \
    X(TP_OP_TALKS_DELETE, "talks.delete", TP_ROLE_TALKS, TP_FROM_WEB)                              \
    X(TP_OP_TALKS_EXPORT, "talks.export", TP_ROLE_TALKS, TP_FROM_CTL)                              \
    X(TP_OP_TALKS_IMPORT, "talks.import", TP_ROLE_TALKS, TP_FROM_CTL)                              \
    X(TP_OP_TALKS_BACKUP, "talks.backup", TP_ROLE_TALKS, TP_FROM_CTL)                              \
    X(TP_OP_TALKS_METRICS, "talks.metrics", TP_ROLE_TALKS, TP_FROM_WEB)                            \
    X(TP_OP_COMMENTS_PREVIEW, "comments.preview", TP_ROLE_COMMENTS, TP_FROM_WEB)                   \
    X(TP_OP_COMMENTS_CREATE, "comments.create", TP_ROLE_COMMENTS, TP_FROM_WEB | TP_FROM_CTL)       \
    X(TP_OP_COMMENTS_LIST, "comments.list", TP_ROLE_COMMENTS, TP_FROM_WEB)                         \
    X(TP_OP_COMMENTS_APPROVE, "comments.approve", TP_ROLE_COMMENTS, TP_FROM_WEB)                   \
    X(TP_OP_COMMENTS_DELETE, "comments.delete", TP_ROLE_COMMENTS, TP_FROM_WEB)                     \
    X(TP_OP_COMMENTS_PENDING, "comments.pending", TP_ROLE_COMMENTS, TP_FROM_WEB)                   \
    X(TP_OP_COMMENTS_OWN, "comments.own", TP_ROLE_COMMENTS, TP_FROM_WEB)                           \
    X(TP_OP_COMMENTS_COMMENTER_APPROVE, "comments.commenter_approve", TP_ROLE_COMMENTS,            \
      TP_FROM_WEB)                                                                                 \
    X(TP_OP_COMMENTS_COMMENTER_DELETE, "comments.commenter_delete", TP_ROLE_COMMENTS, TP_FROM_WEB) \
    X(TP_OP_COMMENTS_COUNTS, "comments.counts", TP_ROLE_COMMENTS, TP_FROM_WEB)                     \
    X(TP_OP_COMMENTS_APPROVED_COUNTS, "comments.approved_counts", TP_ROLE_COMMENTS, TP_FROM_WEB)   \
    X(TP_OP_COMMENTS_LIVE, "comments.live", TP_ROLE_COMMENTS, TP_FROM_WEB)                         \
    X(TP_OP_COMMENTS_EVENTS_AFTER, "comments.events_after", TP_ROLE_COMMENTS, TP_FROM_RELAY_MAIL)  \
    X(TP_OP_COMMENTS_TALK_DELETED, "comments.talk_deleted", TP_ROLE_COMMENTS, TP_FROM_RELAY_TALKS) \
    X(TP_OP_COMMENTS_EXPORT, "comments.export", TP_ROLE_COMMENTS, TP_FROM_CTL)                     \
    X(TP_OP_COMMENTS_IMPORT, "comments.import", TP_ROLE_COMMENTS, TP_FROM_CTL)                     \
    X(TP_OP_COMMENTS_BACKUP, "comments.backup", TP_ROLE_COMMENTS, TP_FROM_CTL)                     \
    X(TP_OP_COMMENTS_METRICS, "comments.metrics", TP_ROLE_COMMENTS, TP_FROM_WEB)                   \
    X(TP_OP_MAIL_UNSUBSCRIBE_INFO, "mail.unsubscribe_info", TP_ROLE_MAIL, TP_FROM_WEB)             \
    X(TP_OP_MAIL_UNSUBSCRIBE, "mail.unsubscribe", TP_ROLE_MAIL, TP_FROM_WEB)                       \
    X(TP_OP_MAIL_PASSWORD_RESET, "mail.password_reset", TP_ROLE_MAIL, TP_FROM_WEB)                 \
    X(TP_OP_MAIL_EXPORT, "mail.export", TP_ROLE_MAIL, TP_FROM_CTL)                                 \
    X(TP_OP_MAIL_IMPORT, "mail.import", TP_ROLE_MAIL, TP_FROM_CTL)                                 \
    X(TP_OP_MAIL_BACKUP, "mail.backup", TP_ROLE_MAIL, TP_FROM_CTL)                                 \
    X(TP_OP_MAIL_METRICS, "mail.metrics", TP_ROLE_MAIL, TP_FROM_WEB)

enum tp_op_id {
#define TP_OP_ENUM(id, wire, owner, from) id,
    TP_OPS(TP_OP_ENUM)
#undef TP_OP_ENUM
        TP_OP_COUNT
};

const char *tp_op_name(enum tp_op_id op);
enum tp_role tp_op_owner(enum tp_op_id op);
unsigned tp_op_from(enum tp_op_id op);
/* The op named p (n bytes), or -1. */
int tp_op_by_name(const char *p, size_t n);
/* The relay callers the table names: the TP_ROLE_BIT of every role some op allows through the
 * relay (the gateway listens for those only). */
unsigned tp_ops_relay_callers(void);

#endif
