/* schema.h: talks.db migrations, oldest first; each runs once, in order (tp_db_open). */
#ifndef TALKS_SCHEMA_H
#define TALKS_SCHEMA_H

/* talks' indexes, and the triggers that keep search right (migration 2), made again when
 * migration 3 rebuilds the table (migration 5 drops the two on speakers again). */
#define TALKS_INDEXES                                                                              \
    "CREATE INDEX talks_by_date ON talks(date DESC, id DESC);"                                     \
    "CREATE INDEX talks_by_author ON talks(author_id, date DESC, id DESC);"
#define TALKS_SEARCH_TRIGGERS                                                                      \
    "CREATE TRIGGER talks_search_new AFTER INSERT ON talks BEGIN"                                  \
    "  INSERT INTO talks_search(rowid, title, description, venue, speaker_name)"                   \
    "  VALUES(new.id, new.title, new.description, new.venue, new.speaker_name);"                   \
    "END;"                                                                                         \
    "CREATE TRIGGER talks_search_gone AFTER DELETE ON talks BEGIN"                                 \
    "  INSERT INTO talks_search(talks_search, rowid, title, description, venue, speaker_name)"     \
    "  VALUES('delete', old.id, old.title, old.description, old.venue, old.speaker_name);"         \
    "END;"                                                                                         \
    "CREATE TRIGGER talks_search_changed AFTER UPDATE OF title, description, venue, speaker_name"  \
    "  ON talks BEGIN"                                                                             \
    "  INSERT INTO talks_search(talks_search, rowid, title, description, venue, speaker_name)"     \
    "  VALUES('delete', old.id, old.title, old.description, old.venue, old.speaker_name);"         \
    "  INSERT INTO talks_search(rowid, title, description, venue, speaker_name)"                   \
    "  VALUES(new.id, new.title, new.description, new.venue, new.speaker_name);"                   \
    "END;"                                                                                         \
    "CREATE TRIGGER speakers_new AFTER INSERT ON speakers BEGIN"                                   \
    "  UPDATE talks SET speaker_name = new.name WHERE author_id = new.id;"                         \
    "END;"                                                                                         \
    "CREATE TRIGGER speakers_renamed AFTER UPDATE OF name ON speakers"                             \
    "  WHEN new.name IS NOT old.name BEGIN"                                                        \
    "  UPDATE talks SET speaker_name = new.name WHERE author_id = new.id;"                         \
    "END;"
#define TALKS_COLUMNS_V3                                                                           \
    "id, author_id, title, description, venue, venue_url, date, slides_provider, slides_url, "     \
    "slides_embed, video_provider, video_url, video_embed, created_at, updated_at, speaker_name"

/* A new talks_state (migration 6): a random integer >= 0. */
#define TALKS_STATE_DRAW "(random() & 9223372036854775807)"
/* The columns talks.get shows (TALK_COLUMNS but the id, which is never updated). */
#define TALKS_SHOWN_COLUMNS                                                                        \
    "author_id, title, description, venue, venue_url, date, slides_provider, slides_url, "         \
    "slides_embed, video_provider, video_url, video_embed, created_at, updated_at"

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
    "  updated_at INTEGER NOT NULL) STRICT;" TALKS_INDEXES
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
    "INSERT INTO talks_search(talks_search) VALUES('rebuild');" TALKS_SEARCH_TRIGGERS,
    /* 3: deleting talks. A talk's id is never given again (AUTOINCREMENT: SQLite would otherwise
     * give a deleted newest talk's id to the next one, and its comments, subscriptions and
     * unsubscribe links with it), so the table is made again with it (a column cannot be altered
     * in place). talks_gone keeps every deleted talk: told says svc-comments has heard (gone.h),
     * and an import does not take a deleted id. */
    "DROP TRIGGER speakers_new;"
    "DROP TRIGGER speakers_renamed;"
    "CREATE TABLE talks_v3("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  author_id INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  venue TEXT NOT NULL,"
    "  venue_url TEXT NOT NULL DEFAULT '',"
    "  date TEXT NOT NULL,"
    "  slides_provider TEXT NOT NULL DEFAULT '',"
    "  slides_url TEXT NOT NULL DEFAULT '',"
    "  slides_embed TEXT NOT NULL DEFAULT '',"
    "  video_provider TEXT NOT NULL DEFAULT '',"
    "  video_url TEXT NOT NULL DEFAULT '',"
    "  video_embed TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  speaker_name TEXT NOT NULL DEFAULT '') STRICT;"
    "INSERT INTO talks_v3(" TALKS_COLUMNS_V3 ") SELECT " TALKS_COLUMNS_V3 " FROM talks;"
    "DROP TABLE talks;" /* its indexes and triggers go with it; the search index keeps its rows */
    "ALTER TABLE talks_v3 RENAME TO talks;" TALKS_INDEXES TALKS_SEARCH_TRIGGERS
    "CREATE TABLE talks_gone("
    "  talk_id INTEGER PRIMARY KEY,"
    "  author_id INTEGER NOT NULL,"
    "  rid TEXT NOT NULL DEFAULT ''," /* the request that deleted it */
    "  deleted_at INTEGER NOT NULL,"
    "  told INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE INDEX talks_gone_untold ON talks_gone(talk_id) WHERE told = 0;",
    /* 4: prefix indexes. The last word of a search is a prefix (search.h), and FTS5 answers a
     * prefix by merging the lists of every word that begins with it into one, in memory, before
     * the first row: a search for a word in every talk cost that merge for each one, however
     * little of it the page read. With an index of every word's first 1 to 10 characters, a
     * prefix that short is read like a word, from the end the page needs, and stops there
     * (a word in all of 100 000 talks: 5 ms -> 0.2 ms a page). A longer prefix is still merged;
     * few words share one. The price is the index's size: about five times the words' own. */
    "DROP TABLE talks_search;"
    "CREATE VIRTUAL TABLE talks_search USING fts5(title, description, venue, speaker_name,"
    "  content='talks', content_rowid='id', tokenize='unicode61 remove_diacritics 2',"
    "  prefix='1 2 3 4 5 6 7 8 9 10');"
    "INSERT INTO talks_search(talks_search, rank) VALUES('rank', 'bm25(10.0, 1.0, 3.0, 5.0)');"
    "INSERT INTO talks_search(talks_search) VALUES('rebuild');",
    /* 5: a batch of names re-indexes its talks in one statement (speakers.c). FTS5 writes the
     * terms it holds as a new segment of the index, and merges segments, at the end of every
     * statement; these triggers ran one statement per speaker of a batch, so names arriving for
     * talks stored before them (an import, talksctl seed --bulk) cost about 510 000 instructions
     * a talk (2 000 seeded talks); one statement a batch, about 300 000. Most of what is left is
     * rewriting each talk's entries in the prefix index (migration 4), and FTS5's merges. */
    "DROP TRIGGER speakers_new;"
    "DROP TRIGGER speakers_renamed;",
    /* 6: the state of what talks.get shows. talks_state.state is drawn again, at random, in the
     * transaction of every change to a talk's shown columns (a talk made, edited, deleted, or its
     * embed filled in), and talks.get says it beside the talk (read in the same statement), so
     * a gateway that asks talks.state and hears the same number knows its copy of the talk is
     * still what svc-talks holds (gateway/talks_cache.h). Random rather than counted: the same
     * number always means the same talks, also across a restored backup, which a counter would
     * number again from where the backup stood. A speaker's name copied into talks
     * (speaker_name, for search) is not shown by talks.get, so it does not draw a new one. */
    "CREATE TABLE talks_state(one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  state INTEGER NOT NULL) STRICT;"
    "INSERT INTO talks_state VALUES(1, " TALKS_STATE_DRAW ");"
    "CREATE TRIGGER talks_state_new AFTER INSERT ON talks BEGIN"
    "  UPDATE talks_state SET state = " TALKS_STATE_DRAW ";"
    "END;"
    "CREATE TRIGGER talks_state_gone AFTER DELETE ON talks BEGIN"
    "  UPDATE talks_state SET state = " TALKS_STATE_DRAW ";"
    "END;"
    "CREATE TRIGGER talks_state_changed AFTER UPDATE OF " TALKS_SHOWN_COLUMNS " ON talks BEGIN"
    "  UPDATE talks_state SET state = " TALKS_STATE_DRAW ";"
    "END;",
};

#endif
