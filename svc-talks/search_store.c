/* search_store: the SQL of search (see search_store.h). */
#include "search_store.h"

#include "store.h"

int64_t store_search_count(tp_db *db, const char *match, int64_t limit)
{
    sqlite3_stmt *st = tp_db_stmt(db, "SELECT count(*) FROM (SELECT 1 FROM talks_search "
                                      "WHERE talks_search MATCH ?1 LIMIT ?2)");
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    return tp_db_step_int(db, st);
}

/* A search hit: the talk, and its excerpt after TALK_COLUMNS. */
static void write_hit(sqlite3_stmt *st, tp_w *w)
{
    tp_w_map_begin(w);
    store_talk_fields(st, w);
    tp_db_write_text(w, "excerpt", st, 15);
    tp_w_map_end(w);
}

/* A page of hits (its matches, then their talks: the columns of talks and of the index have the
 * same names), in the order of score, which order reads from the index. */
#define HITS_SQL(score, order)                                                                     \
    "SELECT " TALK_COLUMNS ", excerpt FROM (SELECT rowid AS hit, " score " AS score, "             \
    "snippet(talks_search, -1, char(57344), char(57345), '…', " SEARCH_EXCERPT_WORDS               \
    ") AS excerpt FROM talks_search WHERE talks_search MATCH ?1 ORDER BY " order                   \
    " LIMIT ?2 OFFSET ?3) JOIN talks ON talks.id = hit ORDER BY score"

int store_search(tp_db *db, const char *match, bool ranked, int64_t offset, int64_t limit, tp_w *w,
                 const char *key)
{
    /* rank is the bm25 the schema set, which FTS5 computes for every match and sorts by. Newest
     * first, it reads each word's list from its end and stops after the page, and no bm25 is
     * asked for (its first use counts every match of each word). */
    sqlite3_stmt *st = ranked ? tp_db_stmt(db, HITS_SQL("rank", "rank"))
                              : tp_db_stmt(db, HITS_SQL("-rowid", "rowid DESC"));
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    return tp_db_write_all(db, st, w, key, write_hit);
}
