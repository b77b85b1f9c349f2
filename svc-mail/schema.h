/* schema.h: mail.db migrations, oldest first; each runs once, in order (tp_db_open). */
#ifndef MAIL_SCHEMA_H
#define MAIL_SCHEMA_H

static const char *const mail_migrations[] = {
    /* 1: where we are in each event source, who wants mail about which talk, and the queue. */
    "CREATE TABLE cursors(source TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT;"
    /* A visitor who commented with "notify" on, once their comment is visible. The id signs the
     * unsubscribe link, so the link names no email address. */
    "CREATE TABLE subscriptions("
    "  id INTEGER PRIMARY KEY,"
    "  talk_id INTEGER NOT NULL,"
    "  email TEXT NOT NULL COLLATE NOCASE,"
    "  name TEXT NOT NULL,"
    "  active INTEGER NOT NULL,"
    "  UNIQUE(talk_id, email)) STRICT;"
    /* One row per (event, recipient): the key makes a replayed event queue nothing new. */
    "CREATE TABLE queue("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL," /* moderation | new_comment */
    "  recipient TEXT NOT NULL,"
    "  recipient_name TEXT NOT NULL,"
    "  subscription_id INTEGER NOT NULL DEFAULT 0,"
    "  talk_id INTEGER NOT NULL,"
    "  comment_id INTEGER NOT NULL,"
    "  comment_author TEXT NOT NULL,"
    "  comment_body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_try_at INTEGER NOT NULL,"
    "  sent_at INTEGER) STRICT;"
    "CREATE INDEX queue_due ON queue(sent_at, next_try_at);",
    /* 2: the id of the request that caused each notification (the comment's, or its
     * moderator's), carried by the comment event; a sent mail is logged with it. */
    "ALTER TABLE queue ADD COLUMN rid TEXT NOT NULL DEFAULT '';",
};

#endif
