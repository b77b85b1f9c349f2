/* pager: see pager.h. */
#include "pager.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const pager_labels pager_newest_first = {"← Newer", "Older →", "Pages"};
const pager_labels pager_oldest_first = {"← Older", "Newer →", "Pages"};
const pager_labels pager_comments = {"← Older comments", "Newer comments →", "Comment pages"};
const pager_labels pager_ranked = {"← Previous", "Next →", "Pages"};

#define PAGER_AROUND 2 /* numbers shown either side of the current page */

static void url_of(char *url, size_t size, const char *base, const char *fragment, int64_t n)
{
    if (n == 1)
        snprintf(url, size, "%s%s", base, fragment);
    else
        snprintf(url, size, "%s%cpage=%" PRId64 "%s", base, strchr(base, '?') ? '&' : '?', n,
                 fragment);
}

static void write_link(tp_w *w, const char *key, const char *base, const char *fragment, int64_t n,
                       bool exists)
{
    char url[1100];
    if (!exists) {
        tp_w_key(w, key);
        tp_w_nil(w);
        return;
    }
    url_of(url, sizeof url, base, fragment, n);
    tp_w_kstr(w, key, url);
}

static void write_number(tp_w *w, const char *base, const char *fragment, int64_t n, bool current,
                         bool gap)
{
    tp_w_map_begin(w);
    tp_w_kint(w, "number", n);
    write_link(w, "url", base, fragment, n, !current && !gap);
    tp_w_kbool(w, "current", current);
    tp_w_kbool(w, "gap", gap);
    tp_w_map_end(w);
}

void pager_write(tp_w *w, const char *key, const char *base, const char *fragment, int64_t page,
                 int64_t pages, const pager_labels *labels)
{
    tp_w_key(w, key);
    if (pages <= 1) {
        tp_w_nil(w);
        return;
    }
    if (page < 1) page = 1;
    if (page > pages) page = pages;
    tp_w_map_begin(w);
    tp_w_kstr(w, "aria_label", labels->aria);
    tp_w_kstr(w, "prev_label", labels->prev);
    tp_w_kstr(w, "next_label", labels->next);
    write_link(w, "prev_url", base, fragment, page - 1, page > 1);
    write_link(w, "next_url", base, fragment, page + 1, page < pages);
    tp_w_key(w, "numbers");
    tp_w_array_begin(w);
    int64_t from = page - PAGER_AROUND > 1 ? page - PAGER_AROUND : 1;
    int64_t to = page + PAGER_AROUND < pages ? page + PAGER_AROUND : pages;
    if (from > 1) write_number(w, base, fragment, 1, false, false);
    if (from > 2) write_number(w, base, fragment, 0, false, true);
    for (int64_t n = from; n <= to; n++) write_number(w, base, fragment, n, n == page, false);
    if (to < pages - 1) write_number(w, base, fragment, 0, false, true);
    if (to < pages) write_number(w, base, fragment, pages, false, false);
    tp_w_array_end(w);
    tp_w_map_end(w);
}
