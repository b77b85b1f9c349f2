/* Unit tests for svc-talks/oembed_answer.c: what is kept of a provider's oEmbed answer. */
#include "oembed_answer.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

#define DECK_HEX "0123456789abcdef0123456789abcdef"

/* The page as tp_embed reads it (a link of its provider), then the answer read into it. */
static bool answer(const char *provider, const char *page_url, const char *body, tp_embed *page)
{
    if (tp_embed_parse(page_url, strlen(page_url), page, NULL, 0) != 0) return false;
    CHECK_STR_EQ(page->provider, provider);
    CHECK_STR_EQ(page->embed_url, "");
    return oembed_answer_player(provider, body, strlen(body), page);
}

static void each_providers_iframe_becomes_its_player_and_the_page_stays_the_link(void)
{
    tp_embed e;
    /* Speaker Deck writes a protocol-relative src. */
    CHECK(answer("speakerdeck", "https://speakerdeck.com/someone/a-talk",
                 "{\"type\":\"rich\",\"version\":\"1.0\",\"title\":\"A talk\",\"html\":"
                 "\"<iframe id=\\\"talk_frame_1\\\" class=\\\"speakerdeck-iframe\\\" "
                 "src=\\\"//speakerdeck.com/player/" DECK_HEX
                 "\\\" onload=\\\"x()\\\"></iframe>\"}",
                 &e));
    CHECK_STR_EQ(e.embed_url, "https://speakerdeck.com/player/" DECK_HEX);
    CHECK_STR_EQ(e.url, "https://speakerdeck.com/someone/a-talk");

    CHECK(
        answer("slideshare", "https://www.slideshare.net/someone/a-deck",
               "{\"html\":\"<iframe src=\\\"https://www.slideshare.net/slideshow/embed_code/key/"
               "AbC123xyz\\\" width=\\\"427\\\"></iframe>\",\"thumbnail_url\":\"https://x/y.jpg\"}",
               &e));
    CHECK_STR_EQ(e.embed_url, "https://www.slideshare.net/slideshow/embed_code/key/AbC123xyz");
    CHECK_STR_EQ(e.url, "https://www.slideshare.net/someone/a-deck");

    /* Notist answers its script embed, whose data-notist names the deck. */
    CHECK(answer("notist", "https://noti.st/akrabat/3fdyeY/capturing-light",
                 "{\"html\":\"<p data-notist=\\\"akrabat/3fdyeY\\\">View <a "
                 "href=\\\"https://noti.st/akrabat/3fdyeY\\\">Capturing Light</a> on "
                 "Notist.</p><script async src=\\\"https://on.notist.cloud/embed/002.js\\\">"
                 "</script>\"}",
                 &e));
    CHECK_STR_EQ(e.embed_url, "https://noti.st/akrabat/3fdyeY/embed");
    CHECK_STR_EQ(e.url, "https://noti.st/akrabat/3fdyeY/capturing-light");
}

static void a_player_off_the_providers_table_is_not_kept(void)
{
    static const char *const bodies[] = {
        /* another host */
        "{\"html\":\"<iframe src=\\\"https://evil.example/player/" DECK_HEX "\\\"></iframe>\"}",
        /* a known provider, but not the one asked */
        "{\"html\":\"<iframe src=\\\"https://www.youtube.com/embed/dQw4w9WgXcQ\\\"></iframe>\"}",
        /* the right host, not a player */
        "{\"html\":\"<iframe src=\\\"https://speakerdeck.com/someone/other\\\"></iframe>\"}",
        /* http, a javascript: URL, srcdoc */
        "{\"html\":\"<iframe src=\\\"javascript:alert(1)\\\"></iframe>\"}",
        "{\"html\":\"<iframe srcdoc=\\\"<script>alert(1)</script>\\\"></iframe>\"}",
        /* no html, html not text, a url only, not JSON, not a map, trailing bytes, empty */
        "{\"type\":\"rich\",\"url\":\"https://speakerdeck.com/player/" DECK_HEX "\"}",
        "{\"html\":42}",
        "<html>Moved</html>",
        "[\"<iframe src=\\\"https://speakerdeck.com/player/" DECK_HEX "\\\"></iframe>\"]",
        "{\"html\":\"<iframe src=\\\"https://speakerdeck.com/player/" DECK_HEX "\\\">\"} x",
        "",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        tp_embed e;
        if (answer("speakerdeck", "https://speakerdeck.com/someone/a-talk", bodies[i], &e)) {
            fprintf(stderr, "    kept %s from %s\n", e.embed_url, bodies[i]);
            CHECK(!"an answer off the table was kept");
        }
        CHECK_STR_EQ(e.embed_url, "");
        CHECK_STR_EQ(e.url, "https://speakerdeck.com/someone/a-talk");
    }
}

static const check_case cases[] = {
    CASE(each_providers_iframe_becomes_its_player_and_the_page_stays_the_link),
    CASE(a_player_off_the_providers_table_is_not_kept),
};

CHECK_MAIN("oembed_answer", cases)
