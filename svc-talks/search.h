/* search: what a visitor typed into the search box, made into an FTS5 query that cannot fail.
 *
 * Design notes: FTS5's query language (quotes, NEAR, AND/OR/NOT, *, ^, column filters) is ours,
 * not the visitor's: any of it in the box is read as words. A word is a run of ASCII letters and
 * digits or of non-ASCII bytes (so a UTF-8 character is never cut; FTS5's own tokenizer splits
 * such a run further where it holds punctuation, and drops a run that is only punctuation).
 * Each word becomes a quoted string, which FTS5 reads as text only, and the last one a prefix
 * ("fear" finds "Fearless"), so the box answers as one types. Every word must match. Only the
 * first SEARCH_WORDS_MAX words count: a query of a thousand words costs no more than one of
 * sixteen. */
#ifndef TALKS_SEARCH_H
#define TALKS_SEARCH_H

#include "tp_buf.h"
#include "tp_msg.h"

#define SEARCH_WORDS_MAX 16

/* Writes the MATCH expression for q into out (NUL-terminated); returns how many words it holds
 * (0: nothing to search for, and out is empty). */
int search_query(tp_str q, tp_buf *out);

#endif
