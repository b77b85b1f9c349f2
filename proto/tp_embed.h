/* tp_embed: turns what a speaker pasted for slides or video (a URL or a provider's embed code)
 * into a provider name, a page URL to link to and an iframe URL we built ourselves. No pasted
 * HTML is ever kept or echoed. */
#ifndef TP_EMBED_H
#define TP_EMBED_H

#include <stddef.h>

#include "tp_url.h"

#define TP_EMBED_INPUT_MAX 4096 /* bytes of pasted URL or embed code */

typedef struct tp_embed {
    char provider[16];        /* "youtube", "vimeo", "speakerdeck", "slideshare", "googleslides",
                                 "notist", "pdf", or "link" */
    char url[TP_URL_MAX + 1]; /* canonical page URL to link to (passes tp_url_is_http) */
    char embed_url[TP_URL_MAX + 1]; /* https iframe src we built, "" when shown as a plain link */
} tp_embed;

/* Reads in[0..n) (not NUL-terminated; any bytes): a bare http(s) URL, white space around it
 * allowed, or an embed code (<iframe src>, Speaker Deck's <script data-id>, Notist's <p
 * data-notist>, <a href>) from which only URLs and ids are taken. Returns 0 with *out filled; 1
 * when the input is empty or only white space (no slides/video; *out is zeroed); -1 with a
 * message for the form in err[0..errlen) (always NUL-terminated when errlen > 0; *out is zeroed).
 * Recognised: YouTube, Vimeo, Speaker Deck, SlideShare, Google Slides, Notist (embedded); pages
 * we cannot resolve offline (a Speaker Deck, SlideShare or Notist deck page, a YouTube channel)
 * are shown as links of their provider (svc-talks asks the first three's oEmbed endpoints:
 * svc-talks/oembed.h); other URLs are "pdf" (path ends in .pdf) or "link".
 * When an embed code holds several URLs, the first that embeds wins, else the first of a known
 * provider, else the first URL. */
int tp_embed_parse(const char *in, size_t n, tp_embed *out, char *err, size_t errlen);

/* The CSP frame-src source list allowing exactly the hosts embed_url can point at, e.g.
 * "https://www.youtube-nocookie.com https://player.vimeo.com ...". A constant string. */
const char *tp_embed_frame_src(void);

/* Human name of a provider ("YouTube", "Speaker Deck", ...; "Link" for link and for any name
 * that is not a provider). */
const char *tp_embed_provider_title(const char *provider);

#endif
