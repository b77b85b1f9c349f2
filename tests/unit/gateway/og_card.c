/* Unit tests for gateway/og_card.c: a talk's PNG card for og:image. */
#include "og_card.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"

static tp_str str(const char *s)
{
    return (tp_str){s, strlen(s)};
}

static uint32_t be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* A PNG of OG_CARD_WIDTH × OG_CARD_HEIGHT: the signature, then IHDR with the size. */
static void check_png(const tp_buf *png)
{
    CHECK(png->len > 1000);
    CHECK(png->len >= 24 && memcmp(png->data, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK(png->len >= 24 && memcmp(png->data + 12, "IHDR", 4) == 0);
    CHECK(png->len >= 24 && be32(png->data + 16) == OG_CARD_WIDTH);
    CHECK(png->len >= 24 && be32(png->data + 20) == OG_CARD_HEIGHT);
}

static void a_talk_is_a_png_of_the_og_size(void)
{
    CHECK(og_card_init());
    tp_buf png = TP_BUF_INIT;
    og_card_text t = {str("Fearless C"), str("Ann Example"), str("FOSDEM"), str("2024-02-03")};
    CHECK(og_card_png(&t, &png) == 0);
    check_png(&png);
    tp_buf_free(&png);
    og_card_free();
}

static void long_odd_or_empty_text_still_draws_quickly(void)
{
    CHECK(og_card_init());
    char title[600] = "", venue[600] = "";
    for (int i = 0; i < 40; i++) strcat(title, "Wörd 🎤 ");
    for (int i = 0; i < 120; i++) strcat(venue, "\xe2\x80\x94"); /* no space anywhere */
    const og_card_text cases[] = {
        {str(title), str(venue), str(venue), str("not a date")},
        {str(venue), str(""), str(""), str("")},
        {str("   "), str(" "), str(""), str("2024-13-40")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_buf png = TP_BUF_INIT;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        CHECK(og_card_png(&cases[i], &png) == 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        fprintf(stderr, "    card %zu: %zu bytes in %.1f ms\n", i, png.len, ms);
        check_png(&png);
        tp_buf_free(&png);
    }
    og_card_free();
}

static void without_fonts_there_is_no_card(void)
{
    tp_buf png = TP_BUF_INIT;
    og_card_text t = {str("x"), str(""), str(""), str("")};
    CHECK(!og_card_ready());
    CHECK(og_card_png(&t, &png) == -1 && png.len == 0);
}

static const check_case cases[] = {
    CASE(a_talk_is_a_png_of_the_og_size),
    CASE(long_odd_or_empty_text_still_draws_quickly),
    CASE(without_fonts_there_is_no_card),
};

CHECK_MAIN("og_card", cases)
