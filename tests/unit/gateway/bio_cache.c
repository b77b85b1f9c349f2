/* Unit tests for gateway/bio_cache.c: which speaker pages are shown a remembered rendering of
 * their bio, and for how long. */
#include <stdio.h>
#include <string.h>

#include "../check.h"
#include "../../../gateway/bio_cache.h"
#include "lifetime.h"

static tp_str s(const char *text)
{
    return (tp_str){text, strlen(text)};
}

static void fresh_cache(long lifetime_ms)
{
    bio_cache_stop();
    bio_cache_start(lifetime_ms);
}

/* The remembered HTML of user_id's bio, or "" when none is. */
static const char *shown(int64_t user_id, const char *bio)
{
    static char got[2 * 64 * 1024 + 2];
    tp_str html;
    if (!bio_cache_get(user_id, s(bio), &html)) return "";
    snprintf(got, sizeof got, "%.*s", (int)html.n, html.p);
    return got;
}

static void a_bio_is_shown_as_it_was_rendered(void)
{
    fresh_cache(60000);
    CHECK_STR_EQ(shown(7, "I *like* parsers."), "");
    bio_cache_put(7, s("I *like* parsers."), s("<p>I <em>like</em> parsers.</p>\n"));
    CHECK_STR_EQ(shown(7, "I *like* parsers."), "<p>I <em>like</em> parsers.</p>\n");
}

static void an_edited_bio_is_not_answered_with_the_old_rendering(void)
{
    fresh_cache(60000);
    bio_cache_put(7, s("I *like* parsers."), s("<p>I <em>like</em> parsers.</p>\n"));
    CHECK_STR_EQ(shown(7, "I *love* parsers."), "");
    CHECK_STR_EQ(shown(7, "I *like* parsers"), "");   /* a prefix of it */
    CHECK_STR_EQ(shown(7, "I *like* parsers.!"), ""); /* longer */
    bio_cache_put(7, s("I *love* parsers."), s("<p>I <em>love</em> parsers.</p>\n"));
    CHECK_STR_EQ(shown(7, "I *love* parsers."), "<p>I <em>love</em> parsers.</p>\n");
    CHECK_STR_EQ(shown(7, "I *like* parsers."), "");
}

static void a_rendering_is_only_the_speakers_it_was_made_for(void)
{
    fresh_cache(60000);
    bio_cache_put(7, s("Same words."), s("<p>Same words.</p>\n"));
    CHECK_STR_EQ(shown(8, "Same words."), "");
    /* The account with the same slot replaces it, and is not answered with it. */
    bio_cache_put(7 + BIO_CACHE_SLOTS, s("Other words."), s("<p>Other words.</p>\n"));
    CHECK_STR_EQ(shown(7, "Same words."), "");
    CHECK_STR_EQ(shown(7 + BIO_CACHE_SLOTS, "Other words."), "<p>Other words.</p>\n");
}

static void a_rendering_ends_with_its_lifetime(void)
{
    fresh_cache(30);
    bio_cache_put(7, s("Brief."), s("<p>Brief.</p>\n"));
    CHECK_STR_EQ(shown(7, "Brief."), "<p>Brief.</p>\n");
    wait_ms(31);
    CHECK_STR_EQ(shown(7, "Brief."), "");
}

static void nothing_is_remembered_when_the_cache_is_off(void)
{
    fresh_cache(0);
    bio_cache_put(7, s("Kept?"), s("<p>Kept?</p>\n"));
    CHECK_STR_EQ(shown(7, "Kept?"), "");
}

/* Past the budget, slots are emptied in turn to make room: the bios rendered last are remembered,
 * the first placed go, and no more than the budget is held. */
static void a_full_cache_makes_room_for_the_bios_rendered_now(void)
{
    fresh_cache(60000);
    static char big[64 * 1024 + 1];
    memset(big, 'b', sizeof big - 1);
    int64_t fits = BIO_CACHE_BUDGET / (2 * (sizeof big - 1)), held = 0;
    for (int64_t id = 1; id <= fits + 1; id++) bio_cache_put(id, s(big), s(big));
    CHECK(strlen(shown(fits + 1, big)) == sizeof big - 1);
    CHECK(strlen(shown(2, big)) == sizeof big - 1);
    CHECK_STR_EQ(shown(1, big), "");
    for (int64_t id = 1; id <= fits + 1; id++) held += shown(id, big)[0] != '\0';
    CHECK(held == fits);
    bio_cache_stop();
}

static const check_case cases[] = {
    CASE(a_bio_is_shown_as_it_was_rendered),
    CASE(an_edited_bio_is_not_answered_with_the_old_rendering),
    CASE(a_rendering_is_only_the_speakers_it_was_made_for),
    CASE(a_rendering_ends_with_its_lifetime),
    CASE(nothing_is_remembered_when_the_cache_is_off),
    CASE(a_full_cache_makes_room_for_the_bios_rendered_now),
};

CHECK_MAIN("bio_cache", cases)
