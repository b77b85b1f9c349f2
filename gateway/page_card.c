/* page_card: GET /talk/<id>/card.png — the talk's picture for shared links (og:image), drawn
 * from its title, speaker, venue and date (og_card.h). An unknown talk is the 404 page, and so
 * is every talk when the gateway has no fonts to draw with. Cards change only when the talk or
 * its speaker's name does, so browsers and link previewers may keep one for an hour. */
#include "og_card.h"
#include "pages.h"
#include "render.h"
#include "talk_fetch.h"

static void on_talk(gw_ctx *ctx, const msgpack_object *talk, const msgpack_object *author)
{
    og_card_text t = {{"", 0}, {"", 0}, {"", 0}, {"", 0}};
    tp_buf png = TP_BUF_INIT;
    /* The reply passed its shape check (reply.c): these are there and valid UTF-8. */
    tp_get_str(talk, "title", 65536, &t.title);
    tp_get_str(talk, "venue", 65536, &t.venue);
    tp_get_str(talk, "date", 65536, &t.date);
    if (author) tp_get_str(author, "name", 65536, &t.speaker);
    if (og_card_png(&t, &png) != 0) {
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
