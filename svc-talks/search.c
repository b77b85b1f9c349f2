/* search: the visitor's words as a safe FTS5 query (see search.h). */
#include "search.h"

#include "tp_config.h"

/* The most matches ranked by relevance, and counted: TALKS_SEARCH_RANK_MAX and
 * TALKS_SEARCH_COUNT_MAX (search.h). */
static long rank_max, count_max;

static bool word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

int search_query(tp_str q, tp_buf *out)
{
    int words = 0;
    size_t i = 0;
    tp_buf_reset(out);
    while (i < q.n && words < SEARCH_WORDS_MAX) {
        while (i < q.n && !word_byte((unsigned char)q.p[i])) i++;
        size_t start = i;
        while (i < q.n && word_byte((unsigned char)q.p[i])) i++;
        if (i == start) break;
        /* No quote can be inside: a word holds no ASCII punctuation. */
        if (words++) tp_buf_putc(out, ' ');
        tp_buf_putc(out, '"');
        tp_buf_append(out, q.p + start, i - start);
        tp_buf_putc(out, '"');
    }
    if (words) tp_buf_putc(out, '*'); /* the last word is a prefix */
    tp_buf_putc(out, '\0');
    return words;
}

int search_start(char *err, size_t errlen)
{
    return tp_config_int(TALKS_SEARCH_RANK_MAX, 0, 1000000, &rank_max, err, errlen) ||
                   tp_config_int(TALKS_SEARCH_COUNT_MAX, 1, 1000000, &count_max, err, errlen)
               ? -1
               : 0;
}

bool search_ranked(int64_t total)
{
    return total <= rank_max;
}

int64_t search_count_limit(void)
{
    return (rank_max > count_max ? rank_max : count_max) + 1;
}
