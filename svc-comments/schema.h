/* schema.h: comments.db migrations, oldest first; each runs once, in order (tp_db_open). Several
 * replicas share this file; the first to start migrates it (BEGIN IMMEDIATE). */
#ifndef COMMENTS_SCHEMA_H
#define COMMENTS_SCHEMA_H

static const char *const comments_migrations[] = {
    /* 1: comments, the event outbox, and recent anonymous posts per address (rate limit). */
    "CREATE TABLE comments("
    "  id INTEGER PRIMARY KEY,"
    "  talk_id INTEGER NOT NULL,"
    "  talk_author_id INTEGER NOT NULL," /* copied at creation: moderation needs no other service */
    "  author_id INTEGER NOT NULL DEFAULT 0," /* 0: a visitor */
    "  author_name TEXT NOT NULL,"
    "  author_email TEXT NOT NULL DEFAULT '',"
    "  notify INTEGER NOT NULL DEFAULT 0,"
    "  approved INTEGER NOT NULL,"
    "  body TEXT NOT NULL,"
    "  body_html TEXT NOT NULL," /* rendered once, at write time */
    "  created_at INTEGER NOT NULL,"
    "  rid TEXT UNIQUE) STRICT;" /* the request that made it: a resent request finds it */
    "CREATE INDEX comments_by_talk ON comments(talk_id, approved, id);"
    "CREATE INDEX comments_by_talk_author ON comments(talk_author_id, approved, id);"
    "CREATE INDEX comments_by_state ON comments(approved, id);"
    "CREATE TABLE outbox("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  type TEXT NOT NULL,"    /* comment.created, comment.approved, comment.deleted */
    "  comment BLOB NOT NULL," /* the comment as msgpack, as it was after the change */
    "  created_at INTEGER NOT NULL) STRICT;"
    "CREATE TABLE anonymous_posts(addr TEXT NOT NULL, at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX anonymous_posts_by_addr ON anonymous_posts(addr, at);",
};

#endif
