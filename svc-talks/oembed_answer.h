/* oembed_answer: what svc-talks keeps of a provider's oEmbed answer — only the player's URL, and
 * only when the provider table (tp_embed) makes it that same provider's iframe. */
#ifndef TALKS_OEMBED_ANSWER_H
#define TALKS_OEMBED_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "tp_embed.h"

/* Reads body[0..n) (strict JSON, a map) and takes its "html" (an embed code, read by
 * tp_embed_parse, which only scans src, href and ids). True when that names a player of
 * provider: page->embed_url is then set to it and page->url is kept; false leaves page as it
 * was (a link). */
bool oembed_answer_player(const char *provider, const char *body, size_t n, tp_embed *page);

#endif
