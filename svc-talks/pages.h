/* pages: where a deep page of the timeline starts, so that reading it is one index search and
 * not a walk over every talk before it. With 100 000 talks, `LIMIT 50 OFFSET 99 950` stepped
 * through 99 950 index entries: the last timeline page cost 34 times the first.
 *
 * Design notes: the timeline is ordered by (date DESC, id DESC) (the talks_by_date index). Each
 * connection keeps beside it (tp_db_kept) the key of every PAGES_STRIDE-th talk in that
 * order (an anchor), read in one pass over the index when a deep page is first asked for; a
 * page at offset o then starts at anchor o / PAGES_STRIDE and skips fewer than PAGES_STRIDE
 * talks. The anchors are read again after any change to the database: SQLite's data_version
 * (another connection's commits) or this connection's total_changes moved. Writes to talks
 * are rare next to reads, and one pass over 100 000 index entries is a few milliseconds.
 * The number of everyone's talks is kept the same way: SQLite counts them by walking a whole
 * index (0.43 M instructions a timeline page at 100 000 talks, 40 % of svc-talks' work).
 * No lock: a connection is one worker's own (tp_svc). A state whose anchors cannot be read (a
 * date too long to keep) is tried once and then read with OFFSET until the next change. */
#ifndef PAGES_H
#define PAGES_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_db.h"

#define PAGES_STRIDE 64

/* The key of the talk a page starts from, and how many talks of the page's run to skip. */
typedef struct page_anchor {
    char date[16]; /* YYYY-MM-DD */
    int64_t id;
    int64_t skip; /* fewer than PAGES_STRIDE */
} page_anchor;

/* The anchor of everyone's talks at offset (>= PAGES_STRIDE): true and *out, or false when
 * there is none to use (no such offset, a date too long to keep, a database error), and the
 * caller reads with OFFSET as before. */
bool pages_anchor(tp_db *db, int64_t offset, page_anchor *out);
/* How many talks there are (everyone's), or -1 on a database error. */
int64_t pages_total(tp_db *db);

#endif
