/* flash: the one-time messages shown on the next page. The cookie carries only a code from this
 * list, never text, so nobody can make the site display words of their choosing; a code is at
 * most 15 bytes (routes.c reads the cookie into 16). A counted flash's text holds one "%n",
 * where "1 comment" or "3 comments" goes: its cookie is the code, '_' and the number (at most
 * FLASH_COUNT_MAX). */
#ifndef FLASH_H
#define FLASH_H

#define FLASHES(X)                                                                                 \
    X(FLASH_LOGGED_OUT, "out", "info", "You have been logged out.")                                \
    X(FLASH_LOGIN_REQUIRED, "login", "info", "Please log in to access this page.")                 \
    X(FLASH_PROFILE_UPDATED, "profile", "success", "Your profile has been updated.")               \
    X(FLASH_PASSWORD_CHANGED, "password", "success",                                               \
      "Your password has been changed. Every other session has been logged out.")                  \
    X(FLASH_PASSWORD_RESET, "reset", "success",                                                    \
      "Your password has been set. Please log in with the new one.")                               \
    X(FLASH_TALK_ADDED, "added", "success", "The talk was added successfully.")                    \
    X(FLASH_TALK_UPDATED, "updated", "success", "The talk was updated successfully.")              \
    X(FLASH_TALK_DELETED, "t-deleted", "success", "The talk was deleted.")                         \
    X(FLASH_COMMENT_PUBLISHED, "published", "success", "Your comment has been published.")         \
    X(FLASH_COMMENT_PENDING, "pending", "info",                                                    \
      "Your comment will be published after it is reviewed by the presenter.")                     \
    X(FLASH_COMMENT_APPROVED, "approved", "success", "The comment was approved.")                  \
    X(FLASH_COMMENT_DELETED, "c-deleted", "success", "The comment was deleted.")                   \
    X(FLASH_COMMENTER_APPROVED, "all-ok", "success", "Approved %n from that commenter.")           \
    X(FLASH_COMMENTER_DELETED, "all-del", "success", "Deleted %n from that commenter.")

#define FLASH_COUNT_MAX 9999999 /* "all-del_9999999" is 15 bytes */

enum flash {
#define FLASH_ENUM(id, code, category, text) id,
    FLASHES(FLASH_ENUM)
#undef FLASH_ENUM
        FLASH_COUNT
};

#endif
