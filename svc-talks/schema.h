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
};

#endif
