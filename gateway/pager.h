/* pager: the one pager every paginated page shows (timeline, speaker pages, search, a talk's
 * comments, moderation) — previous / next arrows labelled for the list's order, and page
 * numbers: the first, the last (a jump to the end of a long list) and two either side of the
 * current one, with a gap mark where numbers are left out. templates/pager.mustache draws it. */
#ifndef PAGER_H
#define PAGER_H

#include <stdint.h>

#include "tp_msg.h"

/* What the arrows say: the previous page (page - 1) is on the left, the next on the right, so
 * a list's order decides the words (newest first: "← Newer", "Older →"). */
typedef struct pager_labels {
    const char *prev, *next, *aria; /* aria: the nav's accessible name */
} pager_labels;

extern const pager_labels pager_newest_first, pager_oldest_first, pager_comments, pager_ranked;

/* Writes key: {aria_label, prev_url, prev_label, next_url, next_label, numbers: [{number, url,
 * current, gap}]}, every field present (nil when absent, so a template never finds a name of the
 * page around it), or nil when there is one page. Links are base (page 1) or base?page=N (&page=
 * when base has a query), then fragment ("" or "#comments"). */
void pager_write(tp_w *w, const char *key, const char *base, const char *fragment, int64_t page,
                 int64_t pages, const pager_labels *labels);

#endif
