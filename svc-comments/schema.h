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
    /* 2: each talk's comment counts, so counting is a lookup, not a scan of the talk's comments.
     * Triggers keep them exact in the transaction of every change, whoever makes it. Comments
     * are deleted for good (DELETE), so a deletion is a row gone. approved is 0 or 1. */
    "CREATE TABLE talk_counts("
    "  talk_id INTEGER PRIMARY KEY,"
    "  approved INTEGER NOT NULL,"
    "  total INTEGER NOT NULL) STRICT;"
    "INSERT INTO talk_counts(talk_id, approved, total) "
    "  SELECT talk_id, sum(approved = 1), count(*) FROM comments GROUP BY talk_id;"
    "CREATE TRIGGER talk_counts_insert AFTER INSERT ON comments BEGIN"
    "  INSERT INTO talk_counts(talk_id, approved, total) VALUES(new.talk_id, new.approved = 1, 1)"
    "  ON CONFLICT(talk_id) DO UPDATE SET approved = approved + excluded.approved,"
    "    total = total + 1;"
    "END;"
    "CREATE TRIGGER talk_counts_delete AFTER DELETE ON comments BEGIN"
    "  UPDATE talk_counts SET approved = approved - (old.approved = 1), total = total - 1"
    "  WHERE talk_id = old.talk_id;"
    "END;"
    /* An update is the old row gone and the new one come: right even if talk_id changed. */
    "CREATE TRIGGER talk_counts_update AFTER UPDATE OF talk_id, approved ON comments BEGIN"
    "  UPDATE talk_counts SET approved = approved - (old.approved = 1), total = total - 1"
    "  WHERE talk_id = old.talk_id;"
    "  INSERT INTO talk_counts(talk_id, approved, total) VALUES(new.talk_id, new.approved = 1, 1)"
    "  ON CONFLICT(talk_id) DO UPDATE SET approved = approved + excluded.approved,"
    "    total = total + 1;"
    "END;",
    /* 3: each speaker's pending comments, for the navbar's badges on every page they see. */
    "CREATE TABLE pending_counts("
    "  talk_author_id INTEGER PRIMARY KEY,"
    "  pending INTEGER NOT NULL) STRICT;"
    "INSERT INTO pending_counts(talk_author_id, pending) "
    "  SELECT talk_author_id, count(*) FROM comments WHERE approved = 0 GROUP BY talk_author_id;"
    /* The WHERE on the SELECT is also what lets SQLite read ON CONFLICT as an upsert. */
    "CREATE TRIGGER pending_counts_insert AFTER INSERT ON comments BEGIN"
    "  INSERT INTO pending_counts(talk_author_id, pending) SELECT new.talk_author_id, 1"
    "  WHERE new.approved = 0 ON CONFLICT(talk_author_id) DO UPDATE SET pending = pending + 1;"
    "END;"
    "CREATE TRIGGER pending_counts_delete AFTER DELETE ON comments WHEN old.approved = 0 BEGIN"
    "  UPDATE pending_counts SET pending = pending - 1 WHERE talk_author_id = old.talk_author_id;"
    "END;"
    "CREATE TRIGGER pending_counts_update AFTER UPDATE OF talk_author_id, approved ON comments "
    "BEGIN"
    "  UPDATE pending_counts SET pending = pending - 1"
    "  WHERE talk_author_id = old.talk_author_id AND old.approved = 0;"
    "  INSERT INTO pending_counts(talk_author_id, pending) SELECT new.talk_author_id, 1"
    "  WHERE new.approved = 0 ON CONFLICT(talk_author_id) DO UPDATE SET pending = pending + 1;"
    "END;",
    /* 4: the id of the request that made each change, so svc-mail logs a mail with the request
     * that caused it (SPEC section 10). */
    "ALTER TABLE outbox ADD COLUMN rid TEXT NOT NULL DEFAULT '';",
    /* 5: what the talks' live streams send (GET /talk/<id>/live): a change number each time a
     * comment appears (published at once, or waiting for moderation) and each time one is
     * approved, written by triggers in the change's own transaction, whoever makes it. A stream
     * resumes after a number (Last-Event-ID) and gets each later row once; the rows of a
     * deleted comment stay, and are skipped (the comment is read with them). approved: whether
     * visitors see the comment from this row on. */
    "CREATE TABLE live("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  talk_id INTEGER NOT NULL,"
    "  comment_id INTEGER NOT NULL,"
    "  approved INTEGER NOT NULL) STRICT;"
    "CREATE INDEX live_by_talk ON live(talk_id, seq);"
    "CREATE TRIGGER live_insert AFTER INSERT ON comments BEGIN"
    "  INSERT INTO live(talk_id, comment_id, approved) VALUES(new.talk_id, new.id, new.approved);"
    "END;"
    "CREATE TRIGGER live_approve AFTER UPDATE OF approved ON comments"
    "  WHEN new.approved = 1 AND old.approved = 0 BEGIN"
    "  INSERT INTO live(talk_id, comment_id, approved) VALUES(new.talk_id, new.id, 1);"
    "END;",
    /* 6: the talks svc-talks deleted (comments.talk_deleted): their comments are gone and a new
     * one is refused, even from a gateway that still remembers the talk. */
    "CREATE TABLE talks_gone(talk_id INTEGER PRIMARY KEY, deleted_at INTEGER NOT NULL) STRICT;",
    /* 7: when each live row was written, so that rows older than prune.h's LIVE_KEEP_S can go
     * (the triggers of migration 5 again, with the time). The rows already there count as old:
     * a stream whose place is before the oldest row kept is told to reload (comments.live's
     * gap), so pruning them early costs at most a reload. */
    "ALTER TABLE live ADD COLUMN at INTEGER NOT NULL DEFAULT 0;"
    "DROP TRIGGER live_insert;"
    "DROP TRIGGER live_approve;"
    "CREATE TRIGGER live_insert AFTER INSERT ON comments BEGIN"
    "  INSERT INTO live(talk_id, comment_id, approved, at)"
    "  VALUES(new.talk_id, new.id, new.approved, unixepoch());"
    "END;"
    "CREATE TRIGGER live_approve AFTER UPDATE OF approved ON comments"
    "  WHEN new.approved = 1 AND old.approved = 0 BEGIN"
    "  INSERT INTO live(talk_id, comment_id, approved, at)"
    "  VALUES(new.talk_id, new.id, 1, unixepoch());"
    "END;",
    /* 8: the rate limit forgets posts older than a minute before each visitor's post; with no
     * index on the time that was a scan of every post of the last minute, on the writer's
     * thread: a flood from many addresses made each post cost the whole flood. */
    "CREATE INDEX anonymous_posts_by_at ON anonymous_posts(at);",
};

#endif
