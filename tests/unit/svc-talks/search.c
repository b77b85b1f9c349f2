/* Unit tests for svc-talks/search.c: whatever is typed becomes an FTS5 query of quoted words. */
#include "search.h"

#include <string.h>

#include "check.h"

/* The MATCH expression for q, and how many words it holds. */
static int query(const char *q, tp_buf *out)
{
    return search_query((tp_str){q, strlen(q)}, out);
}

static void words_are_quoted_and_the_last_is_a_prefix(void)
{
    tp_buf b = TP_BUF_INIT;
    CHECK(query("Fearless  concurrency", &b) == 2);
    CHECK_STR_EQ(b.data, "\"Fearless\" \"concurrency\"*");
    tp_buf_free(&b);
}

static void the_query_language_is_only_words(void)
{
    tp_buf b = TP_BUF_INIT;
    CHECK(query("NEAR(\"a\" b) OR title:c* AND ^d -e", &b) == 9);
    CHECK_STR_EQ(b.data, "\"NEAR\" \"a\" \"b\" \"OR\" \"title\" \"c\" \"AND\" \"d\" \"e\"*");
    tp_buf_free(&b);
}

static void punctuation_alone_is_nothing_to_search(void)
{
    tp_buf b = TP_BUF_INIT;
    for (const char *q = "\"*():^-'\\!%"; *q; q++) {
        char one[2] = {*q, 0};
        CHECK(query(one, &b) == 0);
        CHECK_STR_EQ(b.data, "");
    }
    CHECK(query("", &b) == 0);
    tp_buf_free(&b);
}

static void non_ascii_is_kept_whole(void)
{
    tp_buf b = TP_BUF_INIT;
    CHECK(query("naïve 日本語", &b) == 2);
    CHECK_STR_EQ(b.data, "\"naïve\" \"日本語\"*");
    tp_buf_free(&b);
}

static void only_the_first_words_count(void)
{
    tp_buf b = TP_BUF_INIT;
    char many[4000] = "";
    for (int i = 0; i < 1000; i++) strcat(many, "w ");
    CHECK(query(many, &b) == SEARCH_WORDS_MAX);
    CHECK(strlen(b.data) == SEARCH_WORDS_MAX * 4 - 1 + 1); /* "w" and a space each, then '*' */
    tp_buf_free(&b);
}

static const check_case cases[] = {
    CASE(words_are_quoted_and_the_last_is_a_prefix),
    CASE(the_query_language_is_only_words),
    CASE(punctuation_alone_is_nothing_to_search),
    CASE(non_ascii_is_kept_whole),
    CASE(only_the_first_words_count),
};

CHECK_MAIN("search", cases)
