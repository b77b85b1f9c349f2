/* tp_embed: recognises slides and video from a pasted URL or embed code and builds the iframe
 * URL itself.
 *
 * Design notes. The invariant: every embed_url is a constant https prefix from one provider row
 * followed only by ids that passed a strict character set ([A-Za-z0-9_-], digits, hex), so
 * embed_url always starts with that row's frame-src host and passes tp_url_is_http; url is
 * either built the same way or is a whole URL that passed tp_url_is_http. Pasted HTML is only
 * scanned, never copied: a small bounded tokenizer reads tags and the attributes src, href and
 * data-id, and every other attribute (onload, srcdoc, style, ...) and all text is skipped.
 * One table (PROVIDERS) gives recognition order, titles and the CSP frame-src list.
 * Limits: ids are matched by shape, not looked up, so a well-formed id of a deleted video still
 * embeds; an embed code yields at most MAX_CANDIDATES URLs (the rest are ignored); only the
 * "&amp;" entity is decoded in attribute values. */
#include "tp_embed.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tp_utf8.h"

typedef struct view {
    const char *p;
    size_t n;
} view;

/* A URL that passed tp_url_is_http, split into the parts providers look at. */
typedef struct url_parts {
    view all;
    char host[TP_URL_MAX + 1]; /* lower-cased, brackets kept for IPv6 */
    view path;                 /* from the '/' after the host up to '?' or '#', may be empty */
    view query;                /* after '?' up to '#', may be empty */
} url_parts;

/* ---- small helpers over views ---- */

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static bool is_lower_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_id_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-';
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool view_eq(view v, const char *lit)
{
    return v.p && v.n == strlen(lit) && memcmp(v.p, lit, v.n) == 0;
}

static bool view_eq_nocase(view v, const char *lit)
{
    if (!v.p || v.n != strlen(lit)) return false;
    for (size_t i = 0; i < v.n; i++)
        if (lower((unsigned char)v.p[i]) != (unsigned char)lit[i]) return false;
    return true;
}

/* True when v is min..max characters, all in the set. */
static bool view_all(view v, bool (*in_set)(unsigned char), size_t min, size_t max)
{
    if (!v.p || v.n < min || v.n > max) return false;
    for (size_t i = 0; i < v.n; i++)
        if (!in_set((unsigned char)v.p[i])) return false;
    return true;
}

static view trim(view v)
{
    while (v.n && is_space((unsigned char)v.p[0])) v.p++, v.n--;
    while (v.n && is_space((unsigned char)v.p[v.n - 1])) v.n--;
    return v;
}

/* Splits a path into its segments after the leading '/' (a final '/' adds none). Fills up to
 * max and returns how many there are, which may be more than max. */
static size_t path_segments(view path, view *seg, size_t max)
{
    size_t count = 0, i = 0;
    if (path.n == 0) return 0;
    i = 1; /* path.p[0] == '/' */
    while (i < path.n) {
        size_t start = i;
        while (i < path.n && path.p[i] != '/') i++;
        if (count < max) seg[count] = (view){path.p + start, i - start};
        count++;
        i++; /* the '/' */
    }
    return count;
}

/* The value of the first key=value pair named key in a query, without percent-decoding. */
static bool query_get(view q, const char *key, view *val)
{
    size_t i = 0;
    while (i < q.n) {
        size_t start = i;
        while (i < q.n && q.p[i] != '&') i++;
        view pair = {q.p + start, i - start};
        const char *eq = memchr(pair.p, '=', pair.n);
        view k = {pair.p, eq ? (size_t)(eq - pair.p) : pair.n};
        if (view_eq(k, key)) {
            *val = eq ? (view){eq + 1, pair.n - k.n - 1} : (view){pair.p + pair.n, 0};
            return true;
        }
        i++;
    }
    return false;
}

/* ---- URLs ---- */

static bool url_split(const char *s, size_t n, url_parts *u)
{
    if (!tp_url_is_http(s, n)) return false;
    u->all = (view){s, n};
    size_t i = s[4] == ':' ? 7 : 8; /* after "http://" or "https://" */
    size_t h = i;
    if (s[i] == '[') {
        while (s[i] != ']') i++; /* tp_url_is_http saw the ']' */
        i++;
    } else {
        while (i < n && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#') i++;
    }
    for (size_t k = h; k < i; k++) u->host[k - h] = (char)lower((unsigned char)s[k]);
    u->host[i - h] = '\0';
    while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') i++; /* the port */
    size_t p = i;
    while (i < n && s[i] != '?' && s[i] != '#') i++;
    u->path = (view){s + p, i - p};
    u->query = (view){s + i, 0};
    if (i < n && s[i] == '?') {
        size_t q = ++i;
        while (i < n && s[i] != '#') i++;
        u->query = (view){s + q, i - q};
    }
    return true;
}

static bool host_is(const url_parts *u, const char *host)
{
    return strcmp(u->host, host) == 0;
}

/* The host is domain itself or one label under it ("www.", "de.", ...). */
static bool host_is_or_under(const url_parts *u, const char *domain)
{
    size_t hn = strlen(u->host), dn = strlen(domain);
    if (hn == dn) return strcmp(u->host, domain) == 0;
    if (hn < dn + 2 || u->host[hn - dn - 1] != '.' || strcmp(u->host + hn - dn, domain) != 0)
        return false;
    return memchr(u->host, '.', hn - dn - 1) == NULL;
}

/* Writes a built URL; the parts are constants and validated ids, so it always fits. */
static void build(char *dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void build(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(dst, TP_URL_MAX + 1, fmt, ap);
    va_end(ap);
    assert(len > 0 && len <= TP_URL_MAX);
    (void)len; /* only asserted: the formats and id lengths bound it */
}

/* The URL as given, shown as a link. */
static bool link_only(const url_parts *u, tp_embed *out)
{
    memcpy(out->url, u->all.p, u->all.n);
    out->url[u->all.n] = '\0';
    out->embed_url[0] = '\0';
    return true;
}

/* ---- providers: each match returns false when the URL is not theirs, else fills url and
 * embed_url (or only url when it cannot be embedded) ---- */

/* A YouTube time: "90", "90s", "1m30s", "1h2m3s". Returns seconds, 0 when absent or odd. */
static long youtube_seconds(view v)
{
    long long total = 0, num = 0;
    bool have = false;
    if (!v.p || v.n == 0 || v.n > 12) return 0;
    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (is_digit(c)) {
            num = num * 10 + (c - '0');
            have = true;
        } else if ((c == 'h' || c == 'm' || c == 's') && have) {
            total += num * (c == 'h' ? 3600 : c == 'm' ? 60 : 1);
            num = 0;
            have = false;
        } else {
            return 0;
        }
    }
    total += num;
    return total > 0 && total <= 1000000 ? (long)total : 0;
}

static bool youtube_match(const url_parts *u, tp_embed *out)
{
    bool short_host = host_is(u, "youtu.be");
    bool nocookie = host_is(u, "youtube-nocookie.com") || host_is(u, "www.youtube-nocookie.com");
    bool main_host =
        host_is(u, "youtube.com") || host_is(u, "www.youtube.com") || host_is(u, "m.youtube.com");
    if (!short_host && !nocookie && !main_host) return false;

    view seg[2], id = {0};
    size_t ns = path_segments(u->path, seg, 2);
    if (short_host && ns == 1)
        id = seg[0];
    else if (main_host && ns == 1 && view_eq(seg[0], "watch"))
        query_get(u->query, "v", &id);
    else if (ns == 2 && (view_eq(seg[0], "embed") ||
                         (main_host && (view_eq(seg[0], "shorts") || view_eq(seg[0], "live") ||
                                        view_eq(seg[0], "v")))))
        id = seg[1];
    /* "videoseries" (a playlist player) has the shape of an id but is not one. */
    if (!view_all(id, is_id_char, 11, 11) || view_eq(id, "videoseries")) return link_only(u, out);

    view t = {0};
    long start = 0;
    if (query_get(u->query, "t", &t) || query_get(u->query, "start", &t))
        start = youtube_seconds(t);
    const int w = (int)id.n;
    if (start) {
        build(out->url, "https://www.youtube.com/watch?v=%.*s&t=%lds", w, id.p, start);
        build(out->embed_url, "https://www.youtube-nocookie.com/embed/%.*s?start=%ld", w, id.p,
              start);
    } else {
        build(out->url, "https://www.youtube.com/watch?v=%.*s", w, id.p);
        build(out->embed_url, "https://www.youtube-nocookie.com/embed/%.*s", w, id.p);
    }
    return true;
}

static bool vimeo_match(const url_parts *u, tp_embed *out)
{
    bool player = host_is(u, "player.vimeo.com");
    if (!player && !host_is(u, "vimeo.com") && !host_is(u, "www.vimeo.com")) return false;

    view seg[3], num = {0}, hash = {0};
    size_t ns = path_segments(u->path, seg, 3);
    if (player && ns == 2 && view_eq(seg[0], "video")) {
        num = seg[1];
        query_get(u->query, "h", &hash);
    } else if (!player && (ns == 1 || ns == 2)) {
        num = seg[0];
        if (ns == 2) hash = seg[1];
    }
    /* An unlisted video needs its hash; one that is there but odd is not dropped silently. */
    if (!view_all(num, is_digit, 1, 12) || (hash.p && !view_all(hash, is_lower_hex, 6, 32)))
        return link_only(u, out);

    const int w = (int)num.n, hw = (int)hash.n;
    if (hash.p) {
        build(out->url, "https://vimeo.com/%.*s/%.*s", w, num.p, hw, hash.p);
        build(out->embed_url, "https://player.vimeo.com/video/%.*s?h=%.*s&dnt=1", w, num.p, hw,
              hash.p);
    } else {
        build(out->url, "https://vimeo.com/%.*s", w, num.p);
        build(out->embed_url, "https://player.vimeo.com/video/%.*s?dnt=1", w, num.p);
    }
    return true;
}

static bool speakerdeck_match(const url_parts *u, tp_embed *out)
{
    if (!host_is(u, "speakerdeck.com") && !host_is(u, "www.speakerdeck.com")) return false;
    view seg[2];
    size_t ns = path_segments(u->path, seg, 2);
    /* A deck page (/user/slug) names no player id; finding it needs a request to Speaker Deck. */
    if (ns != 2 || !view_eq(seg[0], "player") || !view_all(seg[1], is_hex, 32, 32))
        return link_only(u, out);
    char id[33];
    for (size_t i = 0; i < 32; i++) id[i] = (char)lower((unsigned char)seg[1].p[i]);
    id[32] = '\0';
    build(out->embed_url, "https://speakerdeck.com/player/%s", id);
    build(out->url, "https://speakerdeck.com/player/%s", id);
    return true;
}

static bool slideshare_match(const url_parts *u, tp_embed *out)
{
    if (!host_is_or_under(u, "slideshare.net")) return false;
    view seg[5];
    size_t ns = path_segments(u->path, seg, 5);
    if (ns != 4 || !view_eq(seg[0], "slideshow") || !view_eq(seg[1], "embed_code") ||
        !view_eq(seg[2], "key") || !view_all(seg[3], is_alnum, 4, 32))
        return link_only(u, out);
    const int w = (int)seg[3].n;
    build(out->embed_url, "https://www.slideshare.net/slideshow/embed_code/key/%.*s", w, seg[3].p);
    build(out->url, "https://www.slideshare.net/slideshow/embed_code/key/%.*s", w, seg[3].p);
    return true;
}

static bool googleslides_match(const url_parts *u, tp_embed *out)
{
    view seg[4];
    size_t ns = path_segments(u->path, seg, 4);
    if (!host_is(u, "docs.google.com") || ns < 1 || !view_eq(seg[0], "presentation"))
        return false; /* another Google Docs file is a plain link */
    bool published = ns >= 4 && view_eq(seg[1], "d") && view_eq(seg[2], "e");
    view id = published ? seg[3] : ns >= 3 && view_eq(seg[1], "d") ? seg[2] : (view){0};
    if (!view_all(id, is_id_char, 20, 128)) return link_only(u, out);
    const int w = (int)id.n;
    if (published) {
        build(out->url, "https://docs.google.com/presentation/d/e/%.*s/pub", w, id.p);
        build(out->embed_url, "https://docs.google.com/presentation/d/e/%.*s/embed", w, id.p);
    } else {
        build(out->url, "https://docs.google.com/presentation/d/%.*s/", w, id.p);
        build(out->embed_url, "https://docs.google.com/presentation/d/%.*s/embed", w, id.p);
    }
    return true;
}

/* Notist's player is /<user>/<id>/embed, which its script embed (<p data-notist="user/id">, also
 * what its oEmbed answers) names; a deck page is shown as a link until svc-talks asks Notist's
 * oEmbed endpoint (the id is not always the page's second segment on a speaker's own domain). */
static bool notist_match(const url_parts *u, tp_embed *out)
{
    if (!host_is(u, "noti.st") && !host_is(u, "www.noti.st")) return false;
    view seg[4];
    size_t ns = path_segments(u->path, seg, 4);
    if (ns != 3 || !view_all(seg[0], is_id_char, 1, 64) || !view_all(seg[1], is_id_char, 1, 32) ||
        !view_eq(seg[2], "embed"))
        return link_only(u, out);
    const int wu = (int)seg[0].n, wi = (int)seg[1].n;
    build(out->embed_url, "https://noti.st/%.*s/%.*s/embed", wu, seg[0].p, wi, seg[1].p);
    build(out->url, "https://noti.st/%.*s/%.*s", wu, seg[0].p, wi, seg[1].p);
    return true;
}

/* A PDF on any other host: our CSP cannot allow arbitrary frame hosts, so it is a link. */
static bool pdf_match(const url_parts *u, tp_embed *out)
{
    view p = u->path;
    if (p.n < 4 || !view_eq_nocase((view){p.p + p.n - 4, 4}, ".pdf")) return false;
    return link_only(u, out);
}

static bool link_match(const url_parts *u, tp_embed *out)
{
    return link_only(u, out);
}

/* Every provider in the order a URL is tried (pdf and link come last and link takes any URL):
 * X(name, title, frame-src piece). The piece is " https://host" with its leading space, so the
 * pieces concatenate into the CSP list, or "" for a provider only ever shown as a link. The
 * match function is <name>_match. */
#define PROVIDERS(X)                                                                               \
    X(youtube, "YouTube", " https://www.youtube-nocookie.com")                                     \
    X(vimeo, "Vimeo", " https://player.vimeo.com")                                                 \
    X(speakerdeck, "Speaker Deck", " https://speakerdeck.com")                                     \
    X(slideshare, "SlideShare", " https://www.slideshare.net")                                     \
    X(googleslides, "Google Slides", " https://docs.google.com")                                   \
    X(notist, "Notist", " https://noti.st")                                                        \
    X(pdf, "PDF", "")                                                                              \
    X(link, "Link", "")

typedef struct provider {
    const char *name, *title, *frame;
    bool (*match)(const url_parts *u, tp_embed *out);
} provider;

#define PROVIDER_ROW(name, title, frame) {#name, title, frame, name##_match},
static const provider providers[] = {PROVIDERS(PROVIDER_ROW)};
#define PROVIDER_FRAME(name, title, frame) frame
static const char frame_src[] = "" PROVIDERS(PROVIDER_FRAME);

const char *tp_embed_frame_src(void)
{
    return frame_src[0] == ' ' ? frame_src + 1 : frame_src;
}

const char *tp_embed_provider_title(const char *name)
{
    for (size_t i = 0; name && i < sizeof providers / sizeof providers[0]; i++)
        if (strcmp(providers[i].name, name) == 0) return providers[i].title;
    return "Link";
}

/* embed_url points into the provider's own frame host: "https://host/..." exactly. */
static bool embed_in_frame_host(const provider *pr, const char *embed_url)
{
    size_t k = strlen(pr->frame);
    return k > 1 && strncmp(embed_url, pr->frame + 1, k - 1) == 0 && embed_url[k - 1] == '/';
}

enum { RANK_LINK, RANK_PROVIDER_LINK, RANK_EMBED };

/* Fills out from the URL s[0..n). Returns its rank, or -1 when s is no http(s) URL. */
static int classify(const char *s, size_t n, tp_embed *out)
{
    url_parts u;
    if (!url_split(s, n, &u)) return -1;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
        const provider *pr = &providers[i];
        if (!pr->match(&u, out)) continue;
        snprintf(out->provider, sizeof out->provider, "%s", pr->name);
        assert(tp_url_is_http(out->url, strlen(out->url)));
        assert(!out->embed_url[0] || (tp_url_is_http(out->embed_url, strlen(out->embed_url)) &&
                                      embed_in_frame_host(pr, out->embed_url)));
        if (out->embed_url[0]) return RANK_EMBED;
        return strcmp(pr->name, "link") == 0 ? RANK_LINK : RANK_PROVIDER_LINK;
    }
    assert(!"link_match takes every URL");
    return -1;
}

/* ---- embed codes ---- */

#define MAX_CANDIDATES 16

typedef struct candidates {
    tp_embed found[MAX_CANDIDATES];
    int rank[MAX_CANDIDATES];
    size_t n;
} candidates;

/* An attribute value as a URL in buf[0..*len): white space trimmed, "&amp;" decoded (embed
 * codes escape '&' in their src), and a protocol-relative "//host/..." made https. False when
 * it is too long to be a URL we accept. */
static bool attr_url(view value, char buf[TP_URL_MAX + 1], size_t *len)
{
    size_t k = 0;
    value = trim(value);
    if (value.n >= 2 && value.p[0] == '/' && value.p[1] == '/') {
        memcpy(buf, "https:", 6);
        k = 6;
    }
    for (size_t i = 0; i < value.n; i++) {
        if (k == TP_URL_MAX) return false;
        buf[k++] = value.p[i];
        if (value.p[i] == '&' && value.n - i >= 5 && memcmp(value.p + i, "&amp;", 5) == 0) i += 4;
    }
    buf[k] = '\0';
    *len = k;
    return true;
}

static void add_candidate(candidates *c, view value)
{
    char buf[TP_URL_MAX + 1];
    size_t len;
    if (c->n == MAX_CANDIDATES || !attr_url(value, buf, &len)) return;
    int rank = classify(buf, len, &c->found[c->n]);
    if (rank >= 0) c->rank[c->n++] = rank;
}

/* The attributes of one tag that may name a URL; the first of each counts, as in browsers. */
typedef struct tag {
    view name;
    view src, href, data_id, data_notist; /* p == NULL when absent */
} tag;

/* Reads the tag whose '<' is at s[*pos]. Returns false when the input ends inside it. */
static bool read_tag(const char *s, size_t n, size_t *pos, tag *t)
{
    size_t i = *pos + 1;
    memset(t, 0, sizeof *t);
    while (i < n && (is_alnum((unsigned char)s[i]) || s[i] == '-')) i++;
    t->name = (view){s + *pos + 1, i - *pos - 1};
    for (;;) {
        while (i < n && (is_space((unsigned char)s[i]) || s[i] == '/')) i++;
        if (i >= n) return false;
        if (s[i] == '>') {
            *pos = i + 1;
            return true;
        }
        size_t a = i++; /* a name's first character may even be '=' */
        while (i < n && !is_space((unsigned char)s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
            i++;
        view name = {s + a, i - a}, value = {0};
        while (i < n && is_space((unsigned char)s[i])) i++;
        if (i < n && s[i] == '=') {
            i++;
            while (i < n && is_space((unsigned char)s[i])) i++;
            if (i >= n) return false;
            if (s[i] == '"' || s[i] == '\'') {
                const char *end = memchr(s + i + 1, s[i], n - i - 1);
                if (!end) return false;
                value = (view){s + i + 1, (size_t)(end - (s + i + 1))};
                i = (size_t)(end - s) + 1;
            } else {
                size_t b = i;
                while (i < n && !is_space((unsigned char)s[i]) && s[i] != '>') i++;
                value = (view){s + b, i - b};
            }
        } else {
            value = (view){s + i, 0}; /* present without a value */
        }
        if (view_eq_nocase(name, "src") && !t->src.p) t->src = value;
        if (view_eq_nocase(name, "href") && !t->href.p) t->href = value;
        if (view_eq_nocase(name, "data-id") && !t->data_id.p) t->data_id = value;
        if (view_eq_nocase(name, "data-notist") && !t->data_notist.p) t->data_notist = value;
    }
}

/* Finds needle in s[from..n) ignoring ASCII case; returns its offset or n. */
static size_t find_nocase(const char *s, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= n; i++)
        if (view_eq_nocase((view){s + i, k}, needle)) return i;
    return n;
}

static void collect_from_tag(candidates *c, const tag *t)
{
    if (view_eq_nocase(t->name, "iframe") && t->src.p) add_candidate(c, t->src);
    if (view_eq_nocase(t->name, "a") && t->href.p) add_candidate(c, t->href);
    /* Speaker Deck's script embed: <script class="speakerdeck-embed" data-id="HEX"
     * src="//speakerdeck.com/assets/embed.js">. The script is never run; its id picks the
     * player we frame, and speakerdeck_match checks the id again. */
    if (view_eq_nocase(t->name, "script") && t->src.p && t->data_id.p) {
        char src[TP_URL_MAX + 1];
        size_t len;
        url_parts u;
        view id = trim(t->data_id);
        if (attr_url(t->src, src, &len) && url_split(src, len, &u) &&
            (host_is(&u, "speakerdeck.com") || host_is(&u, "www.speakerdeck.com")) &&
            view_all(id, is_hex, 32, 32)) {
            char player[64];
            int n = snprintf(player, sizeof player, "https://speakerdeck.com/player/%.*s",
                             (int)id.n, id.p);
            add_candidate(c, (view){player, (size_t)n});
        }
    }
    /* Notist's script embed: <p data-notist="user/id">. Its player is that deck's /embed page;
     * anything else there is ignored, not made a link. */
    view deck = trim(t->data_notist);
    const char *slash = deck.p ? memchr(deck.p, '/', deck.n) : NULL;
    if (slash && view_all((view){deck.p, (size_t)(slash - deck.p)}, is_id_char, 1, 64) &&
        view_all((view){slash + 1, deck.n - (size_t)(slash - deck.p) - 1}, is_id_char, 1, 32)) {
        char player[128];
        int n = snprintf(player, sizeof player, "https://noti.st/%.*s/embed", (int)deck.n, deck.p);
        add_candidate(c, (view){player, (size_t)n});
    }
}

/* Scans an embed code for candidate URLs in document order. Comments are skipped, and so is
 * the content of script and style elements (raw text to a browser, not markup). */
static void collect(const char *s, size_t n, candidates *c)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] != '<') {
            i++;
        } else if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
            i = find_nocase(s, n, i + 4, "-->");
            if (i == n) return;
            i += 3;
        } else if (i + 1 < n && is_alnum((unsigned char)s[i + 1])) {
            tag t;
            if (!read_tag(s, n, &i, &t)) return;
            collect_from_tag(c, &t);
            if (view_eq_nocase(t.name, "script")) i = find_nocase(s, n, i, "</script");
            if (view_eq_nocase(t.name, "style")) i = find_nocase(s, n, i, "</style");
        } else {
            i++;
        }
    }
}

/* The first candidate of the highest rank. When its page URL is only its player URL and the
 * snippet also links a page of the same provider (SlideShare puts the deck's title link under
 * its iframe), that page becomes the link. */
static bool pick(candidates *c, tp_embed *out)
{
    size_t best = 0;
    if (c->n == 0) return false;
    for (size_t i = 1; i < c->n; i++)
        if (c->rank[i] > c->rank[best]) best = i;
    *out = c->found[best];
    if (c->rank[best] != RANK_EMBED || strcmp(out->url, out->embed_url) != 0) return true;
    for (size_t i = 0; i < c->n; i++) {
        if (c->rank[i] == RANK_PROVIDER_LINK && strcmp(c->found[i].provider, out->provider) == 0) {
            memcpy(out->url, c->found[i].url, sizeof out->url);
            break;
        }
    }
    return true;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    if (err && errlen) snprintf(err, errlen, "%s", msg);
    return -1;
}

int tp_embed_parse(const char *in, size_t n, tp_embed *out, char *err, size_t errlen)
{
    static const char bad_url[] =
        "Enter an http or https URL, or an embed code from a supported site.";
    memset(out, 0, sizeof *out);
    if (err && errlen) err[0] = '\0';
    if (n > TP_EMBED_INPUT_MAX)
        return fail(err, errlen, "Paste at most 4096 bytes: a URL or an embed code.");
    if (n == 0 || !in) return 1;
    if (!tp_utf8_text(in, n)) return fail(err, errlen, bad_url);
    view v = trim((view){in, n});
    if (v.n == 0) return 1;

    if (v.p[0] != '<') return classify(v.p, v.n, out) >= 0 ? 0 : fail(err, errlen, bad_url);

    candidates c; /* about 17 kB: embed codes are rare, and this keeps the parse allocation-free */
    c.n = 0;
    collect(v.p, v.n, &c);
    if (!pick(&c, out))
        return fail(err, errlen,
                    "That embed code has no http or https URL we can use. Paste the address of "
                    "the slides or video instead.");
    return 0;
}
