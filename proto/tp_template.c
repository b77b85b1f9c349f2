/* tp_template: compiles Mustache-subset templates into chunk arrays once, renders them from
 * msgpack.
 *
 * Design notes
 *  - A template is its source (copied once) plus a flat array of chunks. Text chunks and names
 *    point into the source by offset, so compiling allocates only the two growing arrays, and
 *    rendering allocates nothing but the output buffer's growth. A section chunk stores `end`, the
 *    index just past its body: the body is chunks[i+1 .. end), so skipping a false section is one
 *    assignment, and sections never need an end chunk.
 *  - Every error a template can have is found by tpl_add / tpl_link; rendering cannot fail. The
 *    render-time bounds are the nesting the compiler admits (TPL_MAX_NESTING sections per
 *    template) times the partial depth (TPL_MAX_PARTIAL_DEPTH), so C-stack use is bounded too;
 *    the partial expansion budget (TPL_MAX_PARTIAL_EXPANSIONS) bounds the time a recursive
 *    partial can take, since depth alone still allows 2^32 expansions of one included twice.
 *  - The context stack is a linked list of frames on the C stack, innermost first; a name's first
 *    segment is looked for in each frame that is a map, and the rest of its segments only below
 *    the first match (the spec's rule: a broken chain is a miss, never a fall-back). Map lookup is
 *    linear, comparing length then bytes: our maps are small.
 *  - Standalone lines are removed at compile time. Indentation of standalone partials is compiled
 *    too: the spec defines it as "prefix every line of the partial's source", so the compiler
 *    marks each chunk that begins a source line that survives (`indent_before`), and the renderer
 *    writes the current indent there and after every newline inside a text chunk that is not its
 *    last byte. The current indent is a range of pieces, one per enclosing standalone partial; an
 *    inline partial starts an empty range. Interpolated values are never indented (spec).
 *  - Limits said plainly: map lookup is O(keys); template lookup by name is a linear scan with
 *    strcmp (a few dozen templates); escaping reserves 6 bytes per input byte before writing;
 *    doubles go through snprintf, and so follow LC_NUMERIC (the gateway never calls setlocale). */
#include "tp_template.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "tp_fmt.h"
#include "tp_msg.h"

enum chunk_kind {
    CK_TEXT,     /* src[off .. off+len) */
    CK_VAR,      /* escaped value of the name */
    CK_RAW,      /* raw value of the name (a *_html name) */
    CK_SECTION,  /* body chunks[i+1 .. end) */
    CK_INVERTED, /* body chunks[i+1 .. end) */
    CK_PARTIAL,  /* template set->t[partial], with indentation src[ind_off .. +ind_len) */
};

typedef struct segment {
    uint32_t off, len; /* one segment of a dotted name, in the source */
    /* Where in its map this name was last found: the maps a template reads have the same keys in
     * the same order every time (a list's items, a page's own), so looking there first finds most
     * names at the first comparison. Only a hint, so renders on several threads may race on it. */
    _Atomic uint32_t hint;
} segment;

typedef struct chunk {
    uint8_t kind;
    bool indent_before; /* this chunk begins a source line: write the current indent first */
    bool standalone;    /* CK_PARTIAL: the tag stood alone on its line */
    uint32_t off, len;  /* CK_TEXT: the bytes; others: the name as written (for messages) */
    uint32_t seg, nseg; /* the name's segments in tmpl.segs; nseg == 0 is the implicit iterator */
    uint32_t end;       /* CK_SECTION, CK_INVERTED: index just past the body */
    uint32_t ind_off, ind_len;
    int32_t partial; /* CK_PARTIAL: index in the set after tpl_link, else -1 */
} chunk;

typedef struct tmpl {
    char *name;
    char *label; /* what error messages call it: the name, or the file's path */
    char *src;
    uint32_t len;
    chunk *chunks;
    uint32_t nchunks, chunks_cap;
    segment *segs;
    uint32_t nsegs, segs_cap;
} tmpl;

struct tpl_set {
    tmpl *t;
    size_t n, cap;
};

/* ---- errors ---- */

/* How much of a name a message quotes. */
#define SHOWN(n) (int)((n) > 64 ? 64 : (n))

static void line_col(const char *src, uint32_t off, unsigned *line, unsigned *col)
{
    unsigned l = 1, c = 1;
    for (uint32_t i = 0; i < off; i++) {
        if (src[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* "label:line:col: message" for a position in t's source. */
static int fail_at(const tmpl *t, uint32_t off, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail_at(const tmpl *t, uint32_t off, char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return -1;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line, col;
    line_col(t->src, off, &line, &col);
    set_err(err, errlen, "%s:%u:%u: %s", t->label, line, col, msg);
    return -1;
}

/* ---- compiling ---- */

typedef struct parser {
    tmpl *t;
    char *err;
    size_t errlen;
    uint32_t open[TPL_MAX_NESTING]; /* chunk index of each open section, outermost first */
    uint32_t open_at[TPL_MAX_NESTING];
    int depth;
    bool pending_indent; /* at the start of a source line no chunk has begun yet */
} parser;

static chunk *add_chunk(parser *p, enum chunk_kind kind)
{
    tmpl *t = p->t;
    if (t->nchunks == t->chunks_cap) {
        t->chunks_cap = t->chunks_cap ? t->chunks_cap * 2 : 16;
        t->chunks = tp_xrealloc(t->chunks, t->chunks_cap * sizeof *t->chunks);
    }
    chunk *c = &t->chunks[t->nchunks++];
    memset(c, 0, sizeof *c);
    c->kind = (uint8_t)kind;
    c->partial = -1;
    c->indent_before = p->pending_indent;
    p->pending_indent = false;
    return c;
}

static void add_text(parser *p, uint32_t from, uint32_t to)
{
    if (from >= to) return;
    chunk *c = add_chunk(p, CK_TEXT);
    c->off = from;
    c->len = to - from;
    p->pending_indent = p->t->src[to - 1] == '\n';
}

static bool is_name_byte(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Splits the name src[off .. off+len) into segments; "." is the implicit iterator (no segment).
 * -1 when it is not a name. */
static int add_name(tmpl *t, chunk *c, uint32_t off, uint32_t len)
{
    c->off = off;
    c->len = len;
    c->seg = t->nsegs;
    c->nseg = 0;
    const char *s = t->src + off;
    if (len == 1 && s[0] == '.') return 0;
    uint32_t start = 0;
    for (uint32_t i = 0; i <= len; i++) {
        if (i < len && is_name_byte(s[i])) continue;
        if (i < len && s[i] != '.') return -1;
        if (i == start) return -1; /* empty segment: "", "a..b", ".a", "a." */
        if (t->nsegs == t->segs_cap) {
            t->segs_cap = t->segs_cap ? t->segs_cap * 2 : 16;
            t->segs = tp_xrealloc(t->segs, t->segs_cap * sizeof *t->segs);
        }
        t->segs[t->nsegs++] = (segment){off + start, i - start, 0};
        c->nseg++;
        start = i + 1;
    }
    return 0;
}

static bool ends_in_html(const tmpl *t, const chunk *c)
{
    if (c->nseg == 0) return false;
    const segment *last = &t->segs[c->seg + c->nseg - 1];
    return last->len >= 5 && memcmp(t->src + last->off + last->len - 5, "_html", 5) == 0;
}

static const char *find2(const char *s, uint32_t from, uint32_t len, const char *pat, size_t n)
{
    if (from >= len) return NULL;
    return memmem(s + from, len - from, pat, n);
}

/* If the tag src[start .. end) stands alone on its line, sets *line_from (where the line's
 * indentation begins) and *next (just past the line's newline, or the end) and returns true. */
static bool standalone(const tmpl *t, uint32_t start, uint32_t end, uint32_t *line_from,
                       uint32_t *next)
{
    const char *s = t->src;
    uint32_t a = start;
    while (a > 0 && (s[a - 1] == ' ' || s[a - 1] == '\t')) a--;
    if (a > 0 && s[a - 1] != '\n') return false;
    uint32_t b = end;
    while (b < t->len && (s[b] == ' ' || s[b] == '\t')) b++;
    if (b == t->len) {
        *next = b;
    } else if (s[b] == '\n') {
        *next = b + 1;
    } else if (s[b] == '\r' && b + 1 < t->len && s[b + 1] == '\n') {
        *next = b + 2;
    } else {
        return false;
    }
    *line_from = a;
    return true;
}

static int compile(parser *p)
{
    tmpl *t = p->t;
    const char *s = t->src;
    uint32_t text_from = 0;
    p->pending_indent = true;
    for (;;) {
        const char *open = find2(s, text_from, t->len, "{{", 2);
        if (!open) {
            add_text(p, text_from, t->len);
            break;
        }
        uint32_t tag = (uint32_t)(open - s);
        uint32_t body = tag + 2;
        char sigil = body < t->len ? s[body] : '\0';
        const char *close;
        uint32_t close_len = 2;
        if (sigil == '{') {
            close = find2(s, body + 1, t->len, "}}}", 3);
            close_len = 3;
        } else {
            close = find2(s, body, t->len, "}}", 2);
        }
        if (!close) return fail_at(t, tag, p->err, p->errlen, "unclosed tag");
        uint32_t tag_end = (uint32_t)(close - s) + close_len;

        /* The tag's content without its sigil and padding. */
        uint32_t name_from = body, name_to = (uint32_t)(close - s);
        if (sigil && strchr("{&#^/!>=<$", sigil)) name_from++;
        if (sigil == '=')
            return fail_at(t, tag, p->err, p->errlen, "set-delimiter tags are not supported");
        if (sigil == '<' || sigil == '$')
            return fail_at(t, tag, p->err, p->errlen, "template inheritance is not supported");
        while (name_from < name_to && is_space(s[name_from])) name_from++;
        while (name_to > name_from && is_space(s[name_to - 1])) name_to--;
        uint32_t name_len = name_to - name_from;

        bool may_stand_alone = sigil && strchr("#^/!>", sigil);
        uint32_t line_from = 0, next = tag_end;
        bool alone = may_stand_alone && standalone(t, tag, tag_end, &line_from, &next);
        add_text(p, text_from, alone ? line_from : tag);
        text_from = alone ? next : tag_end;

        switch (sigil) {
        case '!':
            break;
        case '#':
        case '^': {
            if (p->depth == TPL_MAX_NESTING)
                return fail_at(t, tag, p->err, p->errlen, "sections nested deeper than %d",
                               TPL_MAX_NESTING);
            if (alone) p->pending_indent = false; /* the line is gone */
            chunk *c = add_chunk(p, sigil == '#' ? CK_SECTION : CK_INVERTED);
            if (add_name(t, c, name_from, name_len) < 0)
                return fail_at(t, tag, p->err, p->errlen, "invalid section name '%.*s'",
                               SHOWN(name_len), s + name_from);
            p->open[p->depth] = t->nchunks - 1;
            p->open_at[p->depth] = tag;
            p->depth++;
            break;
        }
        case '/': {
            if (p->depth == 0)
                return fail_at(t, tag, p->err, p->errlen, "'{{/%.*s}}' closes no section",
                               SHOWN(name_len), s + name_from);
            chunk *o = &t->chunks[p->open[p->depth - 1]];
            if (o->len != name_len || memcmp(s + o->off, s + name_from, name_len) != 0) {
                unsigned line, col;
                line_col(s, p->open_at[p->depth - 1], &line, &col);
                return fail_at(t, tag, p->err, p->errlen,
                               "'{{/%.*s}}' closes section '%.*s' opened at %u:%u", SHOWN(name_len),
                               s + name_from, SHOWN(o->len), s + o->off, line, col);
            }
            /* An inline end tag at the start of a line: that line's indent is in the body. */
            if (!alone && p->pending_indent) add_chunk(p, CK_TEXT);
            p->depth--;
            t->chunks[p->open[p->depth]].end = t->nchunks;
            break;
        }
        case '>': {
            if (alone) p->pending_indent = false;
            chunk *c = add_chunk(p, CK_PARTIAL);
            c->off = name_from;
            c->len = name_len;
            bool ok = name_len > 0;
            for (uint32_t i = 0; i < name_len; i++)
                ok = ok && (is_name_byte(s[name_from + i]) || s[name_from + i] == '.');
            if (!ok)
                return fail_at(t, tag, p->err, p->errlen, "invalid partial name '%.*s'",
                               SHOWN(name_len), s + name_from);
            c->standalone = alone;
            if (alone) {
                c->ind_off = line_from;
                c->ind_len = tag - line_from;
            }
            break;
        }
        default: {
            bool raw = sigil == '{' || sigil == '&';
            chunk *c = add_chunk(p, raw ? CK_RAW : CK_VAR);
            if (add_name(t, c, name_from, name_len) < 0)
                return fail_at(t, tag, p->err, p->errlen, "invalid name '%.*s'", SHOWN(name_len),
                               s + name_from);
            if (raw && !ends_in_html(t, c))
                return fail_at(t, tag, p->err, p->errlen,
                               "raw tag on '%.*s': only names ending in _html may be unescaped",
                               SHOWN(name_len), s + name_from);
            break;
        }
        }
        if (alone) p->pending_indent = true;
    }
    if (p->depth > 0) {
        const chunk *o = &t->chunks[p->open[p->depth - 1]];
        return fail_at(t, p->open_at[p->depth - 1], p->err, p->errlen, "unclosed section '%.*s'",
                       SHOWN(o->len), s + o->off);
    }
    return 0;
}

static void tmpl_free(tmpl *t)
{
    free(t->name);
    free(t->label);
    free(t->src);
    free(t->chunks);
    free(t->segs);
}

static const tmpl *find_tmpl(const tpl_set *set, const char *name, size_t len)
{
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->t[i].name) == len && memcmp(set->t[i].name, name, len) == 0)
            return &set->t[i];
    return NULL;
}

static int add_labelled(tpl_set *set, const char *name, const char *label, const char *src,
                        size_t len, char *err, size_t errlen)
{
    if (find_tmpl(set, name, strlen(name))) {
        set_err(err, errlen, "%s: a template named '%s' is already loaded", label, name);
        return -1;
    }
    if (len > TPL_MAX_SOURCE) {
        set_err(err, errlen, "%s: larger than %u bytes", label, TPL_MAX_SOURCE);
        return -1;
    }
    tmpl t = {.name = tp_xstrdup(name),
              .label = tp_xstrdup(label),
              .src = tp_xstrndup(src, len),
              .len = (uint32_t)len};
    parser p = {.t = &t, .err = err, .errlen = errlen};
    if (compile(&p) < 0) {
        tmpl_free(&t);
        return -1;
    }
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 16;
        set->t = tp_xrealloc(set->t, set->cap * sizeof *set->t);
    }
    set->t[set->n++] = t;
    return 0;
}

tpl_set *tpl_set_new(void)
{
    return tp_xcalloc(1, sizeof(tpl_set));
}

int tpl_add(tpl_set *set, const char *name, const char *src, size_t len, char *err, size_t errlen)
{
    return add_labelled(set, name, name, src, len, err, errlen);
}

int tpl_link(tpl_set *set, char *err, size_t errlen)
{
    for (size_t i = 0; i < set->n; i++) {
        tmpl *t = &set->t[i];
        for (uint32_t k = 0; k < t->nchunks; k++) {
            chunk *c = &t->chunks[k];
            if (c->kind != CK_PARTIAL) continue;
            const tmpl *target = find_tmpl(set, t->src + c->off, c->len);
            uint32_t tag = c->off; /* back over "{{>" and padding to the tag's start */
            while (tag > 1 && !(t->src[tag - 2] == '{' && t->src[tag - 1] == '{')) tag--;
            if (!target)
                return fail_at(t, tag - 2, err, errlen, "missing partial '%.*s'", SHOWN(c->len),
                               t->src + c->off);
            c->partial = (int32_t)(target - set->t);
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole regular file of at most TPL_MAX_SOURCE bytes. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    tp_buf b = TP_BUF_INIT;
    char block[8192];
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0) {
        tp_buf_append(&b, block, n);
        if (b.len > TPL_MAX_SOURCE) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad || b.len > TPL_MAX_SOURCE) {
        set_err(err, errlen, "%s: %s", path, bad ? "read error" : "template too large");
        tp_buf_free(&b);
        return NULL;
    }
    return tp_buf_take(&b, len);
}

tpl_set *tpl_load_dir(const char *dir, char *err, size_t errlen)
{
    static const char ext[] = ".mustache";
    const size_t ext_len = sizeof ext - 1;
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    char **files = NULL;
    size_t nfiles = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= ext_len || strcmp(e->d_name + n - ext_len, ext) != 0) continue;
        if (nfiles == cap) {
            cap = cap ? cap * 2 : 32;
            files = tp_xrealloc(files, cap * sizeof *files);
        }
        files[nfiles++] = tp_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(files, nfiles, sizeof *files, by_name);

    tpl_set *set = tpl_set_new();
    int rc = 0;
    tp_buf path = TP_BUF_INIT;
    for (size_t i = 0; i < nfiles && rc == 0; i++) {
        tp_buf_reset(&path);
        tp_buf_printf(&path, "%s/%s", dir, files[i]);
        struct stat st;
        if (stat(path.data, &st) < 0 || !S_ISREG(st.st_mode)) continue;
        size_t len;
        char *src = read_file(path.data, &len, err, errlen);
        if (!src) {
            rc = -1;
            break;
        }
        files[i][strlen(files[i]) - ext_len] = '\0';
        rc = add_labelled(set, files[i], path.data, src, len, err, errlen);
        free(src);
    }
    tp_buf_free(&path);
    for (size_t i = 0; i < nfiles; i++) free(files[i]);
    free(files);
    if (rc == 0) rc = tpl_link(set, err, errlen);
    if (rc < 0) {
        tpl_free(set);
        return NULL;
    }
    return set;
}

bool tpl_has(const tpl_set *set, const char *name)
{
    return find_tmpl(set, name, strlen(name)) != NULL;
}

void tpl_free(tpl_set *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) tmpl_free(&set->t[i]);
    free(set->t);
    free(set);
}

/* ---- rendering ---- */

typedef struct frame {
    const msgpack_object *obj;
    const struct frame *up; /* the enclosing context, NULL below the bottom */
} frame;

typedef struct indent_piece {
    const char *p;
    uint32_t n;
} indent_piece;

typedef struct render_state {
    const tpl_set *set;
    tp_buf *out;
    unsigned depth;           /* partials being expanded */
    unsigned long expansions; /* partials expanded so far in this render */
    unsigned ind_lo, ind_hi;  /* the current indent is indent[ind_lo .. ind_hi) */
    indent_piece indent[TPL_MAX_PARTIAL_DEPTH];
} render_state;

/* The value of the name seg in the map o, or NULL: looked for at its hint first. */
static const msgpack_object *map_get(const msgpack_object *o, const tmpl *t, segment *seg)
{
    if (o->type != MSGPACK_OBJECT_MAP) return NULL;
    const char *key = t->src + seg->off;
    const msgpack_object_kv *kv = o->via.map.ptr;
    uint32_t size = o->via.map.size, hint = atomic_load_explicit(&seg->hint, memory_order_relaxed);
    if (hint < size && tp_key_is(&kv[hint].key, key, seg->len)) return &kv[hint].val;
    for (uint32_t i = 0; i < size; i++) {
        if (tp_key_is(&kv[i].key, key, seg->len)) {
            atomic_store_explicit(&seg->hint, i, memory_order_relaxed);
            return &kv[i].val;
        }
    }
    return NULL;
}

static const msgpack_object *lookup(const tmpl *t, const chunk *c, const frame *top)
{
    if (c->nseg == 0) return top->obj;
    segment *seg = &t->segs[c->seg];
    const msgpack_object *v = NULL;
    for (const frame *f = top; f && !v; f = f->up) v = map_get(f->obj, t, seg);
    for (uint32_t i = 1; v && i < c->nseg; i++) v = map_get(v, t, &seg[i]);
    return v;
}

static bool truthy(const msgpack_object *v)
{
    if (!v) return false;
    switch (v->type) {
    case MSGPACK_OBJECT_NIL:
        return false;
    case MSGPACK_OBJECT_BOOLEAN:
        return v->via.boolean;
    case MSGPACK_OBJECT_STR:
        return v->via.str.size > 0;
    case MSGPACK_OBJECT_BIN:
        return v->via.bin.size > 0;
    case MSGPACK_OBJECT_ARRAY:
        return v->via.array.size > 0;
    default:
        return true;
    }
}

/* The bytes put_escaped rewrites: a table, so the common run of plain text is one test a byte. */
static const bool needs_escape[256] = {
    ['&'] = true, ['<'] = true, ['>'] = true, ['"'] = true, ['\''] = true};

/* The first byte of s[i..n) that put_escaped rewrites, or n. Sixteen bytes at a time where SSE2
 * is (every x86-64): a page's text is mostly plain, and the table's test a byte was a tenth of
 * a timeline page's work in the gateway. */
static size_t next_special(const char *s, size_t i, size_t n)
{
#ifdef __SSE2__
    const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
                  quot = _mm_set1_epi8('"'), apos = _mm_set1_epi8('\'');
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i hit = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(v, lt)),
            _mm_or_si128(_mm_cmpeq_epi8(v, gt),
                         _mm_or_si128(_mm_cmpeq_epi8(v, quot), _mm_cmpeq_epi8(v, apos))));
        unsigned bits = (unsigned)_mm_movemask_epi8(hit);
        if (bits) return i + (size_t)__builtin_ctz(bits);
    }
#endif
    while (i < n && !needs_escape[(unsigned char)s[i]]) i++;
    return i;
}

/* Escapes into room reserved once for the worst case (every byte becomes "&quot;"); plain runs
 * are copied whole. */
static void put_escaped(tp_buf *out, const char *s, size_t n)
{
    tp_buf_reserve(out, n * 6);
    char *w = out->data + out->len;
    size_t plain = 0; /* start of the current run of plain bytes */
    for (size_t i = next_special(s, 0, n); i < n; i = next_special(s, plain, n)) {
        if (i > plain) memcpy(w, s + plain, i - plain);
        w += i - plain;
        plain = i + 1;
        switch (s[i]) {
        case '&':
            memcpy(w, "&amp;", 5);
            w += 5;
            break;
        case '<':
            memcpy(w, "&lt;", 4);
            w += 4;
            break;
        case '>':
            memcpy(w, "&gt;", 4);
            w += 4;
            break;
        case '"':
            memcpy(w, "&quot;", 6);
            w += 6;
            break;
        default: /* '\'' */
            memcpy(w, "&#39;", 5);
            w += 5;
        }
    }
    if (n > plain) memcpy(w, s + plain, n - plain); /* s may be NULL when n is 0 */
    w += n - plain;
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
}

void tpl_escape(tp_buf *out, const char *s, size_t n)
{
    put_escaped(out, s, n);
}

static void put_int(tp_buf *out, const msgpack_object *v)
{
    char s[TP_FMT_INT_SIZE];
    size_t n = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? tp_fmt_u64(s, v->via.u64)
                                                          : tp_fmt_i64(s, v->via.i64);
    tp_buf_append(out, s, n);
}

/* The shortest of a few precisions that reads back as the same value. */
static void put_double(tp_buf *out, double d, bool single)
{
    char s[40];
    int lo = single ? 6 : 15, hi = single ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        double back = strtod(s, NULL);
        if (single ? (float)back == (float)d : back == d) break;
    }
    tp_buf_puts(out, s);
}

static void put_value(tp_buf *out, const msgpack_object *v, bool escape)
{
    if (!v) return;
    switch (v->type) {
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: {
        /* str and bin share one layout in msgpack_object's union */
        const char *p = v->type == MSGPACK_OBJECT_STR ? v->via.str.ptr : v->via.bin.ptr;
        uint32_t n = v->type == MSGPACK_OBJECT_STR ? v->via.str.size : v->via.bin.size;
        if (escape)
            put_escaped(out, p, n);
        else
            tp_buf_append(out, p, n);
        break;
    }
    case MSGPACK_OBJECT_BOOLEAN:
        tp_buf_puts(out, v->via.boolean ? "true" : "false");
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        put_int(out, v);
        break;
    case MSGPACK_OBJECT_FLOAT32:
        put_double(out, v->via.f64, true);
        break;
    case MSGPACK_OBJECT_FLOAT64:
        put_double(out, v->via.f64, false);
        break;
    default: /* nil, array, map, ext: nothing */
        break;
    }
}

static void put_indent(render_state *st)
{
    for (unsigned i = st->ind_lo; i < st->ind_hi; i++)
        tp_buf_append(st->out, st->indent[i].p, st->indent[i].n);
}

static void put_text(render_state *st, const char *s, uint32_t n)
{
    if (st->ind_lo == st->ind_hi) {
        tp_buf_append(st->out, s, n);
        return;
    }
    /* Indented partial: every newline but the chunk's last byte starts an indented line. */
    const char *end = s + n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *stop = nl ? nl + 1 : end;
        tp_buf_append(st->out, s, (size_t)(stop - s));
        s = stop;
        if (nl && s < end) put_indent(st);
    }
}

static void render_range(render_state *st, const tmpl *t, uint32_t i, uint32_t end,
                         const frame *top);

static void render_partial(render_state *st, const tmpl *t, const chunk *c, const frame *top)
{
    /* Past the depth limit or the expansion budget a partial renders as nothing: recursion
     * always terminates, and soon even when a partial includes itself more than once. */
    if (c->partial < 0 || st->depth >= TPL_MAX_PARTIAL_DEPTH ||
        st->expansions >= TPL_MAX_PARTIAL_EXPANSIONS)
        return;
    st->expansions++;
    const tmpl *p = &st->set->t[c->partial];
    unsigned lo = st->ind_lo, hi = st->ind_hi;
    if (!c->standalone) {
        st->ind_lo = hi; /* an inline partial is not indented */
    } else if (c->ind_len) {
        /* hi <= depth < TPL_MAX_PARTIAL_DEPTH: each expansion adds at most one piece */
        st->indent[hi] = (indent_piece){t->src + c->ind_off, c->ind_len};
        st->ind_hi = hi + 1;
    }
    st->depth++;
    render_range(st, p, 0, p->nchunks, top);
    st->depth--;
    st->ind_lo = lo;
    st->ind_hi = hi;
}

static void render_range(render_state *st, const tmpl *t, uint32_t i, uint32_t end,
                         const frame *top)
{
    while (i < end) {
        const chunk *c = &t->chunks[i];
        if (c->indent_before && st->ind_lo < st->ind_hi) put_indent(st);
        switch (c->kind) {
        case CK_TEXT:
            put_text(st, t->src + c->off, c->len);
            i++;
            break;
        case CK_VAR:
        case CK_RAW:
            put_value(st->out, lookup(t, c, top), c->kind == CK_VAR);
            i++;
            break;
        case CK_SECTION: {
            const msgpack_object *v = lookup(t, c, top);
            if (truthy(v) && v->type == MSGPACK_OBJECT_ARRAY) {
                for (uint32_t k = 0; k < v->via.array.size; k++) {
                    frame f = {&v->via.array.ptr[k], top};
                    render_range(st, t, i + 1, c->end, &f);
                }
            } else if (truthy(v)) {
                frame f = {v, top};
                render_range(st, t, i + 1, c->end, &f);
            }
            i = c->end;
            break;
        }
        case CK_INVERTED:
            if (!truthy(lookup(t, c, top))) render_range(st, t, i + 1, c->end, top);
            i = c->end;
            break;
        case CK_PARTIAL:
            render_partial(st, t, c, top);
            i++;
            break;
        }
    }
}

int tpl_render(const tpl_set *set, const char *name, const msgpack_object *ctx, tp_buf *out)
{
    const tmpl *t = find_tmpl(set, name, strlen(name));
    if (!t) return -1;
    static const msgpack_object empty = {.type = MSGPACK_OBJECT_NIL};
    render_state st = {.set = set, .out = out};
    frame bottom = {ctx ? ctx : &empty, NULL};
    render_range(&st, t, 0, t->nchunks, &bottom);
    return 0;
}
