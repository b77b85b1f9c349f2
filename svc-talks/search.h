/* search: what a visitor typed into the search box, made into an FTS5 query that cannot fail.
 *
 * Design notes: FTS5's query language (quotes, NEAR, AND/OR/NOT, *, ^, column filters) is ours,
 * not the visitor's: any of it in the box is read as words. A word is a run of ASCII letters and
 * digits or of non-ASCII bytes (so a UTF-8 character is never cut; FTS5's own tokenizer splits
 * such a run further where it holds punctuation, and drops a run that is only punctuation).
 * Each word becomes a quoted string, which FTS5 reads as text only, and the last one a prefix
 * ("fear" finds "Fearless"), so the box answers as one types. Every word must match. Only the
 * first SEARCH_WORDS_MAX words count: a query of a thousand words costs no more than one of
 * sixteen.
 *
 * Ranking costs in proportion to the matches (bm25 is computed for each, then sorted: about a
 * microsecond a match, so a word in every one of 100 000 talks took 120 ms of svc-talks' time a
 * request), while counting them and reading them in the index's own order (talk id) costs a
 * small fraction of that and stops at the page. So search ranks only when at most
 * TALKS_SEARCH_RANK_MAX talks match; past it the page shows the newest talks first (the highest
 * ids: FTS5 reads a word's talks in id order, backwards here, and stops after the page) and says
 * so, and the reader narrows the search with more words.
 *
 * Counting costs in proportion to the matches too, so the count stops at TALKS_SEARCH_COUNT_MAX
 * (or past TALKS_SEARCH_RANK_MAX, if that is more): beyond it the reply says "more than" that
 * many, and the pages go as far as it. The last word's prefix is read from an index of prefixes
 * (schema.h, migration 4), so neither the count nor a page of newest first grows with the data:
 * both stop where they have what they need. */
#ifndef TALKS_SEARCH_H
#define TALKS_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_buf.h"
#include "tp_msg.h"

#define SEARCH_WORDS_MAX 16

/* Writes the MATCH expression for q into out (NUL-terminated); returns how many words it holds
 * (0: nothing to search for, and out is empty). */
int search_query(tp_str q, tp_buf *out);

/* Reads TALKS_SEARCH_RANK_MAX and TALKS_SEARCH_COUNT_MAX (once, before the workers start). -1
 * with a message on failure. */
int search_start(char *err, size_t errlen);
/* Whether a search whose words match total talks is ranked best first (else newest first). */
bool search_ranked(int64_t total);
/* How far to count a search's matches: one more than the most a reply tells exactly. */
int64_t search_count_limit(void);

#endif
