/* page_card: GET /talk/<id>/card.png — the talk's picture for shared links (og:image), drawn
 * from its title, speaker, venue and date (og_card.h). An unknown talk is the 404 page, and so
 * is every talk when the gateway has no fonts to draw with. Cards change only when the talk or
 * its speaker's name does, so browsers and link previewers may keep one for an hour.
 *
 * Drawing a card takes 5-10 ms of the event loop, so the gateway keeps the cards it drew last,
 * keyed by a hash of the text drawn: a crawler asking for the same cards again costs a bus call
 * and a copy, and an edited talk draws a new card without anything to invalidate. */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "og_card.h"
#include "pages.h"
#include "render.h"
#include "talk_fetch.h"

#define CARD_CACHE_SLOTS 64 /* cards are 20-60 KB: at most a few MB */

typedef struct card_slot {
    unsigned char key[crypto_generichash_BYTES];
    tp_buf png; /* empty: the slot is free */
} card_slot;

/* Touched only on the loop thread, like every page. */
static card_slot card_cache[CARD_CACHE_SLOTS];

static void card_key(const og_card_text *t, unsigned char key[crypto_generichash_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, crypto_generichash_BYTES);
    const tp_str *parts[] = {&t->title, &t->speaker, &t->venue, &t->date};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        uint64_t n = parts[i]->n; /* the length first: "ab"+"c" and "a"+"bc" differ */
        crypto_generichash_update(&st, (const unsigned char *)&n, sizeof n);
        crypto_generichash_update(&st, (const unsigned char *)parts[i]->p, parts[i]->n);
    }
    crypto_generichash_final(&st, key, crypto_generichash_BYTES);
}

/* The card for t into png (empty on entry): from the cache, or drawn and kept. 0, or -1. */
static int card_png(const og_card_text *t, tp_buf *png)
{
    unsigned char key[crypto_generichash_BYTES];
    card_key(t, key);
    card_slot *slot = &card_cache[key[0] % CARD_CACHE_SLOTS];
    if (slot->png.len == 0 || memcmp(slot->key, key, sizeof key) != 0) {
        tp_buf drawn = TP_BUF_INIT;
        if (og_card_png(t, &drawn) != 0) {
            tp_buf_free(&drawn);
            return -1;
        }
        tp_buf_free(&slot->png);
        slot->png = drawn;
        memcpy(slot->key, key, sizeof key);
    }
    tp_buf_append(png, slot->png.data, slot->png.len);
    return 0;
}

static void on_talk(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    og_card_text t = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    tp_buf png = TP_BUF_INIT;
    /* The reply passed its shape check (reply.c): these are there and valid UTF-8. */
    tp_get_str(talk, "title", 65536, &t.title);
    tp_get_str(talk, "venue", 65536, &t.venue);
    tp_get_str(talk, "date", 65536, &t.date);
    if (author) tp_get_str(author, "name", 65536, &t.speaker);
    if (card_png(&t, &png) != 0) {
        tp_buf_free(&png);
        render_not_found(ctx);
        return;
    }
    render_send_cacheable(ctx, "image/png", "public, max-age=3600", &png);
}

void page_talk_card(gw_ctx *ctx)
{
    if (!og_card_ready()) {
        render_not_found(ctx);
        return;
    }
    talk_fetch_one(ctx, on_talk);
}
