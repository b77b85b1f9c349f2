/* og_card: a talk's picture for shared links (og:image): a PNG card with its title, speaker,
 * venue and date on the site's colours, drawn by the gateway itself (FreeType for the text,
 * zlib for the PNG's one compressed chunk), so a link preview needs nothing from another
 * origin.
 *
 * Design notes. Social sites take PNG or JPEG, not SVG, for og:image; 1200×630 is the size
 * they show large. The fonts are DejaVu Sans (Debian's fonts-dejavu-core), loaded once; without
 * them there is no card (og_card_ready false: no og:image, and the card's URL is a 404). The
 * title wraps over at most three lines and each other line is one, cut with "…". */
#ifndef OG_CARD_H
#define OG_CARD_H

#include <stdbool.h>

#include "tp_buf.h"
#include "tp_msg.h"

#define OG_CARD_WIDTH  1200
#define OG_CARD_HEIGHT 630

typedef struct og_card_text {
    tp_str title, speaker, venue, date; /* valid UTF-8; any may be empty */
} og_card_text;

/* Loads the fonts; false (and a warning logged) when they cannot be read. */
bool og_card_init(void);
bool og_card_ready(void);
void og_card_free(void);

/* Appends the card as a PNG to png. 0, or -1 when it cannot be drawn (not ready, no memory). */
int og_card_png(const og_card_text *t, tp_buf *png);

#endif
