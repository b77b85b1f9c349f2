/* tp_template: the Mustache-subset engine of pages and mails; templates compile once at start,
 * render from msgpack data into a tp_buf.
 *
 * Supported: {{name}} (HTML-escaped: & < > " ' become &amp; &lt; &gt; &quot; &#39;), {{{name}}}
 * and {{& name}} (raw), dotted names (a.b.c), the implicit iterator {{.}}, sections {{#x}}…{{/x}},
 * inverted sections {{^x}}…{{/x}}, comments {{! … }}, partials {{> name}} with the indentation of
 * standalone partial tags, and the spec's standalone-line rules.
 *
 * Deviations from the Mustache spec, on purpose:
 *   - A raw tag is allowed only when the last segment of its name ends in "_html" (the values our
 *     sanitiser produced); any other raw tag, {{{.}}} included, is refused at load time.
 *   - The empty string is falsey (so is nil, false, an empty array and a missing key); every
 *     number, 0 and 0.0 included, is truthy; an empty map is truthy.
 *   - A missing partial is an error from tpl_link, not an empty string at render time.
 *   - Refused at load time with a position: set-delimiter tags {{=…=}}, the inheritance tags
 *     {{< }} {{$ }}, dynamic names {{>*x}}, unclosed tags and sections, mismatched section ends,
 *     sections nested deeper than TPL_MAX_NESTING, names with characters outside [A-Za-z0-9_-.].
 *     Lambdas cannot occur: msgpack data holds no functions.
 *   - Partials nest at most TPL_MAX_PARTIAL_DEPTH deep at render time, and one render expands
 *     at most TPL_MAX_PARTIAL_EXPANSIONS of them; past either limit a partial renders as nothing,
 *     so a self-referencing partial terminates quickly (even one that includes itself twice).
 *
 * Values render as: strings (and bin) as their bytes; integers exactly in decimal; doubles in the
 * shortest of %.15g/%.16g/%.17g that reads back exactly (1.21 → "1.21"); true/false as
 * "true"/"false"; nil, maps, arrays and ext as nothing.
 *
 * A tpl_set is immutable after tpl_link, so any number of threads may render from it at once. */
#ifndef TP_TEMPLATE_H
#define TP_TEMPLATE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>

#include "tp_buf.h"

#define TPL_MAX_NESTING            32     /* sections open at once in one template */
#define TPL_MAX_PARTIAL_DEPTH      32     /* partials expanded inside each other while rendering */
#define TPL_MAX_PARTIAL_EXPANSIONS 100000 /* partials expanded in all by one tpl_render */
#define TPL_MAX_SOURCE             (1u << 24) /* bytes in one template */

typedef struct tpl_set tpl_set;

/* An empty set; never NULL (allocation failure is fatal). */
tpl_set *tpl_set_new(void);

/* Compiles one template from src[0..len) (need not be NUL-terminated) under name, copying what it
 * keeps. Returns 0, or -1 with "name:line:col: message" in err (line and column count from 1,
 * columns in bytes); a name already in the set is an error too. */
int tpl_add(tpl_set *set, const char *name, const char *src, size_t len, char *err, size_t errlen);

/* Resolves every {{> partial}} of every template. Returns 0, or -1 with
 * "template:line:col: missing partial 'x'" in err. Call after the last tpl_add; until then an
 * unresolved partial renders as nothing. */
int tpl_link(tpl_set *set, char *err, size_t errlen);

/* Loads every regular *.mustache file in dir (name = file name without ".mustache"), in name
 * order, then links. Error positions name the file ("dir/page.mustache:3:7: ..."). Returns the
 * set, or NULL with a message in err on any error (unreadable dir or file, syntax, missing
 * partial). */
tpl_set *tpl_load_dir(const char *dir, char *err, size_t errlen);

/* Appends template name rendered with ctx (normally a msgpack map; NULL acts as an empty map) as
 * the bottom of the context stack. Returns 0, or -1 (out unchanged) if there is no such
 * template. Allocates nothing but out's growth. */
int tpl_render(const tpl_set *set, const char *name, const msgpack_object *ctx, tp_buf *out);

bool tpl_has(const tpl_set *set, const char *name);

/* Frees the set and everything compiled into it; NULL is allowed. */
void tpl_free(tpl_set *set);

/* Appends s[0..n) to out escaped as {{name}} escapes it (& < > " '), for the few _html values
 * the gateway builds from text (a search excerpt's <mark>s): one escaper for every page. */
void tpl_escape(tp_buf *out, const char *s, size_t n);

#endif
