/* markdown: our own HTML renderer on md4c's md_parse() callbacks, for comments (SPEC §4). */
#include "markdown.h"

#include <md4c.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html_tokens.h"
#include "tp_utf8.h"

/* Design notes
 *
 * Why not md_html(): md4c-html 0.4.8 writes javascript:, vbscript: and data: targets through,
 * entity-encoded ones included, and has no hook to stop it (DESIGN §7). So md4c only parses here;
 * every byte of HTML comes from this file, and the invariant is:
 *
 *   every '<' we write starts one of <p> <h1> <h2> <h3> <blockquote> <ul> <ol> <li> <pre> <code>
 *   <em> <strong> <b> <i> <abbr> <acronym> <a href="…" rel="nofollow ugc noopener"> (<a>, <abbr>
 *   and <acronym> may also carry a title="…") or their closers; every other byte of text,
 *   attribute or not, goes through escape() (& < > " ', and control bytes but \t \n \f \r
 *   become U+FFFD).
 *
 * - Parser flags: MD_FLAG_PERMISSIVEAUTOLINKS, MD_FLAG_STRIKETHROUGH. Never MD_FLAG_TABLES: md4c
 *   0.4.8 turns a 36 KB table into 100 MB of HTML.
 * - Raw HTML (inline, and HTML blocks) is parsed by html_tokens.c and written again by us: a tag
 *   of the allow-list opens where its content model lets it (block tags only in an HTML block,
 *   <li> only in a raw <ul>/<ol>, no <a> inside a link), with only href (same rules as Markdown
 *   links, rel added) and title (<a>, <abbr>, <acronym>); <br> becomes "\n" as a hard break does.
 *   Any other tag is dropped and its text kept, <script> and <style> included (their content is
 *   escaped text, so nothing runs); comments, <?…?>, <!…> and CDATA vanish; a '<' that starts no
 *   complete tag is text. A closer closes the raw element it names and those opened after it,
 *   never a Markdown one; a stray closer is dropped; what is left open closes with its block.
 * - Elements we do not keep lose their tag and keep their text: h4-h6 become <p>, ~~del~~ is
 *   plain text, an image becomes its alt text, a hard break becomes "\n", <hr> vanishes. A block
 *   dropped this way writes "\n" so that its text does not run into its neighbours'.
 * - Links: md4c hands the href with entity-encoded parts marked MD_TEXT_ENTITY. We decode them
 *   (a link whose entity we cannot decode is refused), refuse any control byte or whitespace, and
 *   keep the link only if it starts with http://, https:// or mailto: in any case (the scheme is
 *   written lower-case). A refused link keeps its text. There is no title attribute.
 * - Limits: the source is capped (md4c 0.4.8 has quadratic paths, and reference definitions can
 *   amplify 35 KB into 25 MB), the HTML is capped while it is written (the render aborts and out
 *   is restored), and at most DEPTH_MAX blocks and spans are open at once; deeper ones keep only
 *   their text, so "> " x 8000 stays small.
 * - Whatever md4c does: md4c 0.4.8 can open emphasis spans it never closes and close ones it never
 *   opened, and reads one byte past its input (the fuzzer found all three). So we keep our own
 *   stack of open elements and close what is left when md_parse() returns, parse a copy of the
 *   source that ends in "\n\0", and refuse a render if md4c ever hands us text running past it.
 * - Deterministic: no locale, no time, no global state; the same bytes in give the same bytes out.
 */

#define DEPTH_MAX   32
#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* What an element may hold, for the raw HTML tags that may open directly inside it. */
typedef enum holds { HOLDS_PHRASING, HOLDS_FLOW, HOLDS_LI } holds;

/* A tag raw HTML may open: its name, what it needs its parent to hold, and what it holds. */
typedef struct raw_tag {
    const char *name, *close;
    holds needs, holds;
    bool title; /* keeps a title attribute */
} raw_tag;

/* An element md4c or raw HTML opened and has not closed yet. */
typedef struct frame {
    const char *close;  /* what closing it writes: its end tag, "\n" or "" */
    const raw_tag *tag; /* the raw HTML tag it is, NULL for Markdown's */
    holds holds;        /* what raw HTML may open directly inside it */
    bool block, image, anchor;
} frame;

typedef struct render {
    tp_buf *out;
    size_t start;    /* out->len before we wrote anything */
    bool failed;     /* the output cap was reached, or md4c handed us bytes past the source */
    const char *src; /* our copy of the source (see markdown_render) */
    size_t src_len;
    frame *open; /* open elements, innermost last; past DEPTH_MAX they write no tags */
    size_t n_open, cap_open;
    unsigned image;   /* open images: inside one, only text is written */
    unsigned anchors; /* open <a>: no link opens inside one */
    tp_buf url;       /* scratch: the decoded href of the link being opened */
    tp_buf raw;       /* raw HTML md4c handed us and we have not written yet (see flush_raw) */
} render;

/* When s[0..n) starts inside the source but runs past its end (md4c 0.4.8 has done that, with a
 * size computed from a read past the end), marks the render failed and returns true: refused
 * rather than read. Text md4c supplies itself ("\n", U+FFFD) lies wholly outside the source. */
static bool refuse_if_overrun(render *r, const char *s, size_t n)
{
    uintptr_t p = (uintptr_t)s, beg = (uintptr_t)r->src, end = beg + r->src_len;
    if (p < beg || p >= end || n <= end - p) return false;
    r->failed = true;
    return true;
}

static int status(const render *r)
{
    return r->failed ? -1 : 0;
}

/* Every write goes through here, so the output cap holds whatever the input. */
static void emit(render *r, const char *s, size_t n)
{
    if (r->failed || n == 0) return;
    if (n > MARKDOWN_OUTPUT_MAX - (r->out->len - r->start)) {
        r->failed = true;
        return;
    }
    tp_buf_append(r->out, s, n);
}

static void emits(render *r, const char *s)
{
    emit(r, s, strlen(s));
}

/* What a text byte becomes when it cannot be written as itself: the five HTML specials, and
 * control bytes other than whitespace (md4c passes NUL through raw inside code spans). */
static const char *escape_of(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\t':
    case '\n':
    case '\f':
    case '\r':
        return NULL;
    default:
        return (unsigned char)c < 0x20 || c == 0x7F ? REPLACEMENT : NULL;
    }
}

static void escape(render *r, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = escape_of(s[i]);
        if (!e) continue;
        emit(r, s + run, i - run);
        emits(r, e);
        run = i + 1;
    }
    emit(r, s + run, n - run);
}

/* ---- Entities ----------------------------------------------------------------------------- */

/* The named entities we decode: the common typographic ones, and the ASCII punctuation names a
 * URL could be disguised with. md4c accepts any &[A-Za-z][A-Za-z0-9]{1,47}; as an entity; an
 * unknown name stays literal text, and refuses a link whose href holds it. */
static const struct {
    const char *name;
    uint32_t cp;
} named_entities[] = {
    {"AElig", 198},   {"Auml", 196},    {"Hat", 94},     {"NewLine", 10}, {"Ouml", 214},
    {"Tab", 9},       {"Uuml", 220},    {"aacute", 225}, {"acute", 180},  {"aelig", 230},
    {"agrave", 224},  {"amp", 38},      {"apos", 39},    {"aring", 229},  {"ast", 42},
    {"auml", 228},    {"bsol", 92},     {"bull", 8226},  {"ccedil", 231}, {"cent", 162},
    {"colon", 58},    {"comma", 44},    {"commat", 64},  {"copy", 169},   {"darr", 8595},
    {"dash", 8208},   {"deg", 176},     {"divide", 247}, {"dollar", 36},  {"eacute", 233},
    {"ecirc", 234},   {"egrave", 232},  {"emsp", 8195},  {"ensp", 8194},  {"equals", 61},
    {"euro", 8364},   {"excl", 33},     {"frac12", 189}, {"frac14", 188}, {"frac34", 190},
    {"ge", 8805},     {"grave", 96},    {"gt", 62},      {"harr", 8596},  {"hellip", 8230},
    {"hyphen", 8208}, {"iacute", 237},  {"iexcl", 161},  {"infin", 8734}, {"iquest", 191},
    {"larr", 8592},   {"laquo", 171},   {"lbrace", 123}, {"lbrack", 91},  {"lcub", 123},
    {"ldquo", 8220},  {"le", 8804},     {"lowbar", 95},  {"lpar", 40},    {"lsqb", 91},
    {"lsquo", 8216},  {"lt", 60},       {"mdash", 8212}, {"micro", 181},  {"midast", 42},
    {"middot", 183},  {"nbsp", 160},    {"ndash", 8211}, {"ne", 8800},    {"ntilde", 241},
    {"num", 35},      {"oacute", 243},  {"ouml", 246},   {"para", 182},   {"percnt", 37},
    {"period", 46},   {"plus", 43},     {"plusmn", 177}, {"pound", 163},  {"quest", 63},
    {"quot", 34},     {"raquo", 187},   {"rarr", 8594},  {"rbrace", 125}, {"rbrack", 93},
    {"rcub", 125},    {"rdquo", 8221},  {"reg", 174},    {"rpar", 41},    {"rsqb", 93},
    {"rsquo", 8217},  {"sect", 167},    {"semi", 59},    {"shy", 173},    {"sol", 47},
    {"szlig", 223},   {"thinsp", 8201}, {"times", 215},  {"trade", 8482}, {"uacute", 250},
    {"uarr", 8593},   {"uuml", 252},    {"verbar", 124}, {"vert", 124},   {"yen", 165},
    {"zwj", 8205},    {"zwnj", 8204},
};

#define CP_INVALID 0x110000u /* what a numeric reference past U+10FFFF decodes to */

/* Decodes one entity as md4c delimits it ("&…;"). Returns false when it is not one we know.
 * A numeric reference always decodes; it may give 0, a surrogate or CP_INVALID, which the caller
 * judges. */
static bool entity_decode(const char *s, size_t n, uint32_t *cp)
{
    if (n < 3 || s[0] != '&' || s[n - 1] != ';') return false;
    const char *p = s + 1, *end = s + n - 1;
    if (*p != '#') {
        size_t len = (size_t)(end - p);
        for (size_t i = 0; i < sizeof named_entities / sizeof named_entities[0]; i++) {
            if (strlen(named_entities[i].name) == len &&
                memcmp(named_entities[i].name, p, len) == 0) {
                *cp = named_entities[i].cp;
                return true;
            }
        }
        return false;
    }
    p++;
    unsigned base = 10;
    if (p < end && (*p == 'x' || *p == 'X')) {
        base = 16;
        p++;
    }
    if (p == end) return false;
    uint32_t v = 0;
    for (; p < end; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return false;
        v = v * base + d;
        if (v > CP_INVALID) v = CP_INVALID; /* saturate: md4c allows 7 digits, no wrap-around */
    }
    *cp = v;
    return true;
}

static bool cp_is_scalar(uint32_t cp)
{
    return cp != 0 && cp < CP_INVALID && !(cp >= 0xD800 && cp <= 0xDFFF);
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* An entity in text: decoded (CommonMark turns 0, surrogates and out-of-range numbers into
 * U+FFFD; we do the same for control characters), or written as typed when we don't know it. */
static void text_entity(render *r, const char *s, size_t n)
{
    uint32_t cp;
    if (!entity_decode(s, n, &cp)) {
        escape(r, s, n);
        return;
    }
    bool control = (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F);
    if (!cp_is_scalar(cp) || control) {
        emits(r, REPLACEMENT);
        return;
    }
    char u[4];
    escape(r, u, utf8_encode(cp, u));
}

/* ---- Links -------------------------------------------------------------------------------- */

static const char *const allowed_schemes[] = {"http://", "https://", "mailto:"};

/* ASCII-only and locale-free, unlike strncasecmp(). `lower` is already lower-case. */
static bool starts_with_ascii_nocase(const char *s, size_t n, const char *lower)
{
    size_t len = strlen(lower);
    if (n < len) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}

/* The allowed scheme the decoded URL in r->url starts with (its length in *scheme_len), or
 * NULL when the link must lose its <a>. */
static const char *url_allowed(const render *r, size_t *scheme_len)
{
    const tp_buf *u = &r->url;
    /* Browsers drop tabs and newlines anywhere in a URL and strip leading C0 and spaces: refuse
     * all of them rather than guess which scheme a browser would see. */
    for (size_t i = 0; i < u->len; i++) {
        unsigned char c = (unsigned char)u->data[i];
        if (c <= 0x20 || c == 0x7F) return NULL;
    }
    for (size_t k = 0; k < sizeof allowed_schemes / sizeof allowed_schemes[0]; k++) {
        const char *scheme = allowed_schemes[k];
        if (starts_with_ascii_nocase(u->data, u->len, scheme)) {
            *scheme_len = strlen(scheme);
            return scheme;
        }
    }
    return NULL;
}

/* Appends the entity s[0..n) to r->url decoded; false when it is not one we know or does not
 * decode to a character. */
static bool url_entity(render *r, const char *s, size_t n)
{
    uint32_t cp;
    char enc[4];
    if (!entity_decode(s, n, &cp) || !cp_is_scalar(cp)) return false;
    tp_buf_append(&r->url, enc, utf8_encode(cp, enc));
    return true;
}

/* Decodes a Markdown link's href into r->url and returns url_allowed()'s answer. */
static const char *href_allowed(render *r, const MD_ATTRIBUTE *href, size_t *scheme_len)
{
    tp_buf *u = &r->url;
    tp_buf_reset(u);
    if (refuse_if_overrun(r, href->text, href->size)) return NULL;
    for (unsigned i = 0; href->substr_offsets[i] < href->size; i++) {
        const char *s = href->text + href->substr_offsets[i];
        size_t n = href->substr_offsets[i + 1] - href->substr_offsets[i];
        switch (href->substr_types[i]) {
        case MD_TEXT_NORMAL:
            tp_buf_append(u, s, n);
            break;
        case MD_TEXT_ENTITY:
            if (!url_entity(r, s, n)) return NULL;
            break;
        default:
            return NULL; /* NUL bytes, or a kind md4c may add one day */
        }
    }
    return url_allowed(r, scheme_len);
}

/* The same for a raw <a>'s href value, whose entities we find ourselves. */
static const char *raw_href_allowed(render *r, const char *s, size_t n, size_t *scheme_len)
{
    tp_buf_reset(&r->url);
    for (size_t i = 0; i < n;) {
        size_t len = html_entity_len(s + i, n - i);
        if (len) {
            if (!url_entity(r, s + i, len)) return NULL;
            i += len;
        } else {
            tp_buf_putc(&r->url, s[i++]);
        }
    }
    return url_allowed(r, scheme_len);
}

/* Writes the link's opening up to its href's closing quote; the caller writes the rest. */
static void write_href(render *r, const char *scheme, size_t scheme_len)
{
    emits(r, "<a href=\"");
    emits(r, scheme); /* lower-case, whatever case was typed */
    escape(r, r->url.data + scheme_len, r->url.len - scheme_len);
}

/* ---- Open elements ------------------------------------------------------------------------ */

/* Opens an element: writes `open` and remembers f (what closing it writes among it). */
static void push_frame(render *r, const char *open, frame f)
{
    if (r->n_open == r->cap_open) {
        r->cap_open = r->cap_open ? 2 * r->cap_open : 64;
        r->open = tp_xrealloc(r->open, r->cap_open * sizeof *r->open);
    }
    emits(r, open);
    r->open[r->n_open++] = f;
    if (f.image) r->image++;
    if (f.anchor) r->anchors++;
}

/* A Markdown element. */
static void push(render *r, bool block, bool image, const char *open, const char *close)
{
    push_frame(r, open, (frame){.close = close, .block = block, .image = image});
}

static void pop(render *r)
{
    frame f = r->open[--r->n_open];
    if (f.image) r->image--;
    if (f.anchor) r->anchors--;
    emits(r, f.close);
}

/* Past DEPTH_MAX an element keeps its text but writes no tag; a block writes "\n" instead so
 * its text stays apart from the text before it. */
static bool too_deep(const render *r)
{
    return r->n_open >= DEPTH_MAX;
}

/* ---- Raw HTML ----------------------------------------------------------------------------- */

static const raw_tag raw_tags[] = {
    {"a", "</a>", HOLDS_PHRASING, HOLDS_PHRASING, true},
    {"abbr", "</abbr>", HOLDS_PHRASING, HOLDS_PHRASING, true},
    {"acronym", "</acronym>", HOLDS_PHRASING, HOLDS_PHRASING, true},
    {"b", "</b>", HOLDS_PHRASING, HOLDS_PHRASING, false},
    {"code", "</code>", HOLDS_PHRASING, HOLDS_PHRASING, false},
    {"em", "</em>", HOLDS_PHRASING, HOLDS_PHRASING, false},
    {"i", "</i>", HOLDS_PHRASING, HOLDS_PHRASING, false},
    {"strong", "</strong>", HOLDS_PHRASING, HOLDS_PHRASING, false},
    {"blockquote", "</blockquote>\n", HOLDS_FLOW, HOLDS_FLOW, false},
    {"h1", "</h1>\n", HOLDS_FLOW, HOLDS_PHRASING, false},
    {"h2", "</h2>\n", HOLDS_FLOW, HOLDS_PHRASING, false},
    {"h3", "</h3>\n", HOLDS_FLOW, HOLDS_PHRASING, false},
    {"ol", "</ol>\n", HOLDS_FLOW, HOLDS_LI, false},
    {"p", "</p>\n", HOLDS_FLOW, HOLDS_PHRASING, false},
    {"pre", "</pre>\n", HOLDS_FLOW, HOLDS_PHRASING, false},
    {"ul", "</ul>\n", HOLDS_FLOW, HOLDS_LI, false},
    {"li", "</li>\n", HOLDS_LI, HOLDS_FLOW, false},
};
#define RAW_A (&raw_tags[0])

/* Text of raw HTML: unlike Markdown text, its character references are ours to find. */
static void raw_text(render *r, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        size_t len = s[i] == '&' ? html_entity_len(s + i, n - i) : 0;
        if (!len) {
            i++;
            continue;
        }
        escape(r, s + run, i - run);
        text_entity(r, s + i, len);
        i += len;
        run = i;
    }
    escape(r, s + run, n - run);
}

static const raw_tag *raw_tag_named(const html_token *t)
{
    for (size_t k = 0; k < sizeof raw_tags / sizeof raw_tags[0]; k++)
        if (html_name_is(t->name, t->name_len, raw_tags[k].name)) return &raw_tags[k];
    return NULL;
}

/* Whether the tag may open here: the innermost element must hold what it needs, so that the
 * browser builds the tree we wrote (a <p> inside a Markdown paragraph would close it). */
static bool raw_tag_fits(const render *r, const raw_tag *tag)
{
    if (too_deep(r) || r->image > 0 || (tag == RAW_A && r->anchors > 0)) return false;
    const frame *parent = &r->open[r->n_open - 1]; /* the document's frame at least */
    return tag->needs == HOLDS_PHRASING || parent->holds == tag->needs;
}

/* The first attribute named `name` of the start tag t, if any. */
static bool raw_attr(const html_token *t, const char *name, html_attr *a)
{
    size_t pos = 0;
    while (html_next_attr(t, &pos, a))
        if (html_name_is(a->name, a->name_len, name)) return true;
    return false;
}

static void raw_start(render *r, const html_token *t)
{
    if (html_name_is(t->name, t->name_len, "br")) {
        emits(r, "\n"); /* as a Markdown hard break */
        return;
    }
    const raw_tag *tag = raw_tag_named(t);
    if (!tag || !raw_tag_fits(r, tag)) return; /* dropped; its text follows as text */
    html_attr href, title;
    if (tag == RAW_A) {
        size_t scheme_len;
        const char *scheme = raw_attr(t, "href", &href)
                                 ? raw_href_allowed(r, href.value, href.value_len, &scheme_len)
                                 : NULL;
        if (!scheme) return;
        write_href(r, scheme, scheme_len);
        emits(r, "\"");
    } else {
        emits(r, "<");
        emits(r, tag->name);
    }
    if (tag->title && raw_attr(t, "title", &title)) {
        emits(r, " title=\"");
        raw_text(r, title.value, title.value_len);
        emits(r, "\"");
    }
    frame f = {.close = tag->close, .tag = tag, .holds = tag->holds, .anchor = tag == RAW_A};
    push_frame(r, tag == RAW_A ? " rel=\"nofollow ugc noopener\">" : ">", f);
}

/* Closes the raw element t names and those opened inside it; never a Markdown element, so a
 * stray closer (or one crossing Markdown's structure) is dropped. */
static void raw_end(render *r, const html_token *t)
{
    const raw_tag *tag = raw_tag_named(t);
    size_t k = r->n_open;
    while (tag && k > 0 && r->open[k - 1].tag && r->open[k - 1].tag != tag) k--;
    if (!tag || k == 0 || r->open[k - 1].tag != tag) return;
    while (r->n_open >= k) pop(r);
}

/* md4c hands raw HTML over in pieces (a tag spanning lines comes line by line, an HTML block
 * line by line), so text_cb() collects consecutive pieces and every other callback writes them
 * first: tokenized whole, a tag split across lines is still one tag. */
static void flush_raw(render *r)
{
    const char *s = r->raw.data;
    size_t n = r->raw.len;
    html_token t;
    for (size_t len; (len = html_next_token(s, n, &t)) > 0; s += len, n -= len) {
        if (t.kind == HTML_TEXT)
            raw_text(r, t.s, t.n);
        else if (t.kind == HTML_START)
            raw_start(r, &t);
        else if (t.kind == HTML_END)
            raw_end(r, &t);
    }
    tp_buf_reset(&r->raw);
}

/* ---- md4c callbacks ----------------------------------------------------------------------- */

static int enter_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    render *r = ud;
    flush_raw(r);
    if (too_deep(r)) {
        push(r, true, false, "\n", "");
        return status(r);
    }
    switch (type) {
    case MD_BLOCK_DOC:
        push(r, true, false, "", "");
        break;
    case MD_BLOCK_QUOTE:
        push(r, true, false, "<blockquote>\n", "</blockquote>\n");
        break;
    case MD_BLOCK_UL:
        push(r, true, false, "<ul>\n", "</ul>\n");
        break;
    case MD_BLOCK_OL:
        push(r, true, false, "<ol>\n", "</ol>\n");
        break;
    case MD_BLOCK_LI:
        push(r, true, false, "<li>", "</li>\n");
        break;
    case MD_BLOCK_P:
        push(r, true, false, "<p>", "</p>\n");
        break;
    case MD_BLOCK_CODE:
        push(r, true, false, "<pre><code>", "</code></pre>\n");
        break;
    case MD_BLOCK_H:
        switch (((const MD_BLOCK_H_DETAIL *)detail)->level) {
        case 1:
            push(r, true, false, "<h1>", "</h1>\n");
            break;
        case 2:
            push(r, true, false, "<h2>", "</h2>\n");
            break;
        case 3:
            push(r, true, false, "<h3>", "</h3>\n");
            break;
        default:
            push(r, true, false, "<p>", "</p>\n");
            break;
        }
        break;
    case MD_BLOCK_HTML: /* its tags are written by flush_raw(), block tags included */
        push_frame(r, "", (frame){.close = "\n", .block = true, .holds = HOLDS_FLOW});
        break;
    default: /* hr, table parts (never enabled) */
        push(r, true, false, "", "\n");
        break;
    }
    return status(r);
}

/* md4c 0.4.8 does not always pair its span callbacks (some emphasis runs open spans that never
 * close, or close one of another type), so we never trust the type it names: leaving a block closes
 * every span still open inside it, and leaving a span closes the innermost span, if there is one.
 * Raw HTML elements inside it close first. The HTML stays well-formed whatever order the
 * callbacks come in. */
static int leave_block(MD_BLOCKTYPE type, void *detail, void *ud)
{
    (void)type, (void)detail;
    render *r = ud;
    flush_raw(r);
    while (r->n_open > 0) {
        bool block = r->open[r->n_open - 1].block;
        pop(r);
        if (block) break;
    }
    return status(r);
}

static void open_link(render *r, const MD_SPAN_A_DETAIL *a)
{
    size_t scheme_len;
    const char *scheme = r->anchors ? NULL : href_allowed(r, &a->href, &scheme_len);
    if (!scheme) {
        push(r, false, false, "", "");
        return;
    }
    write_href(r, scheme, scheme_len);
    push_frame(r, "\" rel=\"nofollow ugc noopener\">", (frame){.close = "</a>", .anchor = true});
}

static int enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
    render *r = ud;
    flush_raw(r);
    if (too_deep(r) || r->image > 0 || type == MD_SPAN_IMG) {
        push(r, false, type == MD_SPAN_IMG, "", ""); /* an image's alt text is plain text */
        return status(r);
    }
    switch (type) {
    case MD_SPAN_EM:
        push(r, false, false, "<em>", "</em>");
        break;
    case MD_SPAN_STRONG:
        push(r, false, false, "<strong>", "</strong>");
        break;
    case MD_SPAN_CODE:
        push(r, false, false, "<code>", "</code>");
        break;
    case MD_SPAN_A:
        open_link(r, detail);
        break;
    default: /* ~~del~~ */
        push(r, false, false, "", "");
        break;
    }
    return status(r);
}

static int leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
    (void)type, (void)detail;
    render *r = ud;
    flush_raw(r);
    while (r->n_open > 0 && r->open[r->n_open - 1].tag) pop(r);
    if (r->n_open > 0 && !r->open[r->n_open - 1].block) pop(r);
    return status(r);
}

static int text_cb(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud)
{
    render *r = ud;
    if (refuse_if_overrun(r, text, size)) return status(r);
    if (type == MD_TEXT_HTML) {
        tp_buf_append(&r->raw, text, size);
        return status(r);
    }
    flush_raw(r);
    switch (type) {
    case MD_TEXT_NULLCHAR:
        emits(r, REPLACEMENT);
        break;
    case MD_TEXT_BR:
    case MD_TEXT_SOFTBR:
        emits(r, "\n");
        break;
    case MD_TEXT_ENTITY:
        text_entity(r, text, size);
        break;
    default: /* normal and code */
        escape(r, text, size);
        break;
    }
    return status(r);
}

int markdown_render(const char *src, size_t n, tp_buf *out)
{
    if (n == 0) src = "";
    if (n > MARKDOWN_SOURCE_MAX || !tp_utf8_valid(src, n)) return -1;
    /* md4c 0.4.8 reads the byte after its input when the last line ends inside a link: "[](j"
     * followed in memory by ')' became a link whose text ran past the end (found by the fuzzer).
     * So it parses a copy that ends in a newline, which Markdown ignores, then a NUL. */
    tp_buf copy = TP_BUF_INIT;
    tp_buf_append(&copy, src, n);
    if (n == 0 || src[n - 1] != '\n') tp_buf_putc(&copy, '\n');
    render r = {.out = out,
                .start = out->len,
                .src = copy.data,
                .src_len = copy.len,
                .url = TP_BUF_INIT,
                .raw = TP_BUF_INIT};
    const MD_PARSER parser = {
        .abi_version = 0,
        .flags = MD_FLAG_PERMISSIVEAUTOLINKS | MD_FLAG_STRIKETHROUGH,
        .enter_block = enter_block,
        .leave_block = leave_block,
        .enter_span = enter_span,
        .leave_span = leave_span,
        .text = text_cb,
    };
    int rc = md_parse(copy.data, (MD_SIZE)copy.len, &parser, &r);
    flush_raw(&r);
    while (r.n_open > 0) pop(&r); /* whatever md4c left open */
    free(r.open);
    tp_buf_free(&r.url);
    tp_buf_free(&r.raw);
    tp_buf_free(&copy);
    if (rc != 0 || r.failed) {
        out->len = r.start;
        if (out->data) out->data[out->len] = '\0';
        return -1;
    }
    tp_buf_reserve(out, 0); /* data is NUL-terminated even when nothing was written */
    return 0;
}
