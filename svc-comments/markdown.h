/* markdown: turns a comment's Markdown into the small, safe HTML subset of SPEC §4. */
#ifndef COMMENTS_MARKDOWN_H
#define COMMENTS_MARKDOWN_H

#include <stddef.h>

#include "tp_buf.h"

#define MARKDOWN_SOURCE_MAX (16 * 1024)  /* bytes of Markdown we render */
#define MARKDOWN_OUTPUT_MAX (256 * 1024) /* bytes of HTML it may produce */

/* Appends the safe HTML for src[0..n) to out. 0, or -1 (out unchanged) when src is longer than
 * MARKDOWN_SOURCE_MAX, is not valid UTF-8, or the HTML would pass MARKDOWN_OUTPUT_MAX.
 * Deterministic: the same input always gives the same bytes (the live preview must equal what is
 * stored). The HTML holds only the tags a abbr acronym b blockquote code em i li ol pre strong ul
 * h1 h2 h3 p; the only attributes are an <a>'s href (http://, https:// or mailto:) and
 * rel="nofollow ugc noopener", and a title on <a>, <abbr> and <acronym>. Raw HTML in src keeps
 * the tags of that list (with those attributes) and loses every other tag but not its text. */
int markdown_render(const char *src, size_t n, tp_buf *out);

#endif
