/* schema.h: talks.db migrations, oldest first; each runs once, in order (tp_db_open). */
#ifndef TALKS_SCHEMA_H
#define TALKS_SCHEMA_H

static const char *const talks_migrations[] = {
    /* 1: talks, and the request ids of creations (a resent create returns the first talk). */
    "CREATE TABLE talks("
    "  id INTEGER PRIMARY KEY,"
    "  author_id INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  venue TEXT NOT NULL,"
    "  venue_url TEXT NOT NULL DEFAULT '',"
    "  date TEXT NOT NULL," /* YYYY-MM-DD, so text order is date order */
    "  slides_provider TEXT NOT NULL DEFAULT '',"
    "  slides_url TEXT NOT NULL DEFAULT '',"
    "  slides_embed TEXT NOT NULL DEFAULT '',"
    "  video_provider TEXT NOT NULL DEFAULT '',"
    "  video_url TEXT NOT NULL DEFAULT '',"
    "  video_embed TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX talks_by_date ON talks(date DESC, id DESC);"
    "CREATE INDEX talks_by_author ON talks(author_id, date DESC, id DESC);"
    "CREATE TABLE created_by_request(rid TEXT PRIMARY KEY, talk_id INTEGER NOT NULL) STRICT;",
    /* 2: search. speakers is this service's copy of every speaker's name (svc-auth owns them;
     * seq is svc-auth's change number, so the newest one here says where to ask from:
     * speakers.c); each talk keeps its speaker's name beside its own text, and talks_search is
     * an FTS5 index over the four, its text read from talks (an external-content table, so
     * nothing is stored twice). Triggers keep it right in the transaction of every change: a
     * talk made, edited or deleted, a speaker learned or renamed. Ranked by bm25, a word in the
     * title weighing most, then the speaker, the venue and the description. */
    "CREATE TABLE speakers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, seq INTEGER NOT NULL)"
    "  STRICT;"
    "CREATE INDEX speakers_seq ON speakers(seq);"
    "ALTER TABLE talks ADD COLUMN speaker_name TEXT NOT NULL DEFAULT '';"
    "CREATE VIRTUAL TABLE talks_search USING fts5(title, description, venue, speaker_name,"
    "  content='talks', content_rowid='id', tokenize='unicode61 remove_diacritics 2');"
    "INSERT INTO talks_search(talks_search, rank) VALUES('rank', 'bm25(10.0, 1.0, 3.0, 5.0)');"
    "INSERT INTO talks_search(talks_search) VALUES('rebuild');"
    "CREATE TRIGGER talks_search_new AFTER INSERT ON talks BEGIN"
    "  INSERT INTO talks_search(rowid, title, description, venue, speaker_name)"
    "  VALUES(new.id, new.title, new.description, new.venue, new.speaker_name);"
    "END;"
    "CREATE TRIGGER talks_search_gone AFTER DELETE ON talks BEGIN"
    "  INSERT INTO talks_search(talks_search, rowid, title, description, venue, speaker_name)"
    "  VALUES('delete', old.id, old.title, old.description, old.venue, old.speaker_name);"
    "END;"
    "CREATE TRIGGER talks_search_changed AFTER UPDATE OF title, description, venue, speaker_name"
    "  ON talks BEGIN"
    "  INSERT INTO talks_search(talks_search, rowid, title, description, venue, speaker_name)"
    "  VALUES('delete', old.id, old.title, old.description, old.venue, old.speaker_name);"
    "  INSERT INTO talks_search(rowid, title, description, venue, speaker_name)"
    "  VALUES(new.id, new.title, new.description, new.venue, new.speaker_name);"
    "END;"
    "CREATE TRIGGER speakers_new AFTER INSERT ON speakers BEGIN"
    "  UPDATE talks SET speaker_name = new.name WHERE author_id = new.id;"
    "END;"
    "CREATE TRIGGER speakers_renamed AFTER UPDATE OF name ON speakers"
    "  WHEN new.name IS NOT old.name BEGIN"
    "  UPDATE talks SET speaker_name = new.name WHERE author_id = new.id;"
    "END;",
};

#endif
