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
    /* 3: how many notifications of each kind were sent, and when the last one was, kept by a
     * trigger in the transaction that marks a row sent: the metrics and the error reports' rate
     * limit read them here rather than counting the whole queue, and a sent row can then go
     * (prune.h) without taking its count with it. */
    "CREATE TABLE sent_counts("
    "  kind TEXT PRIMARY KEY,"
    "  sent INTEGER NOT NULL,"
    "  last_sent_at INTEGER NOT NULL) STRICT;"
    "INSERT INTO sent_counts(kind, sent, last_sent_at)"
    "  SELECT kind, count(*), max(sent_at) FROM queue WHERE sent_at IS NOT NULL GROUP BY kind;"
    "CREATE TRIGGER queue_sent AFTER UPDATE OF sent_at ON queue"
    "  WHEN old.sent_at IS NULL AND new.sent_at IS NOT NULL BEGIN"
    "  INSERT INTO sent_counts(kind, sent, last_sent_at) VALUES(new.kind, 1, new.sent_at)"
    "  ON CONFLICT(kind) DO UPDATE SET sent = sent + 1,"
    "    last_sent_at = max(last_sent_at, excluded.last_sent_at);"
    "END;",
};

#endif
