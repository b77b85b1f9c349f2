/* search_store: the SQL of search over talks_search (svc-talks' FTS5 index, schema.h). */
#ifndef TALKS_SEARCH_STORE_H
#define TALKS_SEARCH_STORE_H

#include <stdbool.h>

#include "tp_db.h"

/* Search (see search.h for match). The excerpt is at most SEARCH_EXCERPT_WORDS words of the
 * field that matched best, each matched word between U+E000 and U+E001 (characters no one
 * types: the gateway makes them into <mark> after escaping the text), "…" where it is cut. */
#define SEARCH_EXCERPT_WORDS "24"
/* How many talks match, counting no further than limit. */
int64_t store_search_count(tp_db *db, const char *match, int64_t limit);
/* Writes an array of hits under key, each a talk with its "excerpt": best first when ranked,
 * else newest (highest id) first, which costs no ranking (search.h). */
int store_search(tp_db *db, const char *match, bool ranked, int64_t offset, int64_t limit, tp_w *w,
                 const char *key);

#endif
