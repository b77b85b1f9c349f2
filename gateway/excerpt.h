/* excerpt: a search hit's excerpt made ready for pages and the API. svc-talks marks each matched
 * word between U+E000 and U+E001 (store.h there); here the text is escaped first and only then
 * are the marks made into <mark> and </mark>, so nothing in a talk's text can become markup, and
 * marks that do not pair (a speaker may type those characters too) are dropped or closed: the
 * HTML is always well formed. */
#ifndef EXCERPT_H
#define EXCERPT_H

#include "tp_msg.h"

/* Writes "excerpt" (the text without the marks) and "excerpt_html" into an open map, from the
 * hit's "excerpt" (valid UTF-8: it passed its reply shape). */
void excerpt_write(tp_w *w, const msgpack_object *hit);

#endif
