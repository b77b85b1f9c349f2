/* oembed_answer: the player URL from an oEmbed answer (see oembed_answer.h). */
#include "oembed_answer.h"

#include <string.h>

#include "tp_json.h"
#include "tp_msg.h"

bool oembed_answer_player(const char *provider, const char *body, size_t n, tp_embed *page)
{
    tp_buf packed = TP_BUF_INIT;
    tp_msg msg;
    tp_str html;
    tp_embed player;
    bool ok = json_to_msgpack(body, n, &packed, NULL, 0) == 0 &&
              tp_msg_parse(&msg, packed.data, packed.len) == 0;
    tp_buf_free(&packed);
    if (!ok) return false;
    /* Anything else of the answer (title, thumbnail, sizes) is not needed and not kept. */
    ok = tp_get_str(msg.root, "html", TP_EMBED_INPUT_MAX, &html) == 0 &&
         tp_embed_parse(html.p, html.n, &player, NULL, 0) == 0 &&
         strcmp(player.provider, provider) == 0 && player.embed_url[0];
    if (ok) memcpy(page->embed_url, player.embed_url, sizeof page->embed_url);
    tp_msg_free(&msg);
    return ok;
}
