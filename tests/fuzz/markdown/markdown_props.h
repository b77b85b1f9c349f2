/* markdown_props: the promises of markdown_render()'s HTML, checked by its unit test and fuzzer. */
#ifndef MARKDOWN_PROPS_H
#define MARKDOWN_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "tp_utf8.h"

/* The tags SPEC §4 allows, none with attributes but <a>, <abbr> and <acronym>. */
static const char *const markdown_props_tags[] = {
    "a",  "abbr", "acronym", "b",  "blockquote", "code", "em", "i", "li",
    "ol", "pre",  "strong",  "ul", "h1",         "h2",   "h3", "p"};

static bool markdown_props_at(const char *s, size_t n, size_t i, const char *lit)
{
    size_t len = strlen(lit);
    return n - i >= len && memcmp(s + i, lit, len) == 0;
}

/* The length of the allowed tag name at s[i..) followed by '>', or 0. */
static size_t markdown_props_tag(const char *s, size_t n, size_t i, const char **name)
{
    for (size_t k = 0; k < sizeof markdown_props_tags / sizeof markdown_props_tags[0]; k++) {
        size_t len = strlen(markdown_props_tags[k]);
        if (n - i > len && memcmp(s + i, markdown_props_tags[k], len) == 0 && s[i + len] == '>') {
            *name = markdown_props_tags[k];
            return len;
        }
    }
    return 0;
}

/* The escapes the renderer writes; any other '&' is a bug. */
static size_t markdown_props_escape(const char *s, size_t n, size_t i)
{
    static const char *const escapes[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (size_t k = 0; k < sizeof escapes / sizeof escapes[0]; k++)
        if (markdown_props_at(s, n, i, escapes[k])) return strlen(escapes[k]);
    return 0;
}

/* The length of ` title="…"` at html[i..), 0 when there is none, or (size_t)-1 when its value
 * holds a quote, an angle bracket, a control byte but \t \n \f \r, or an & not ours. */
static size_t markdown_props_title(const char *html, size_t n, size_t i)
{
    if (!markdown_props_at(html, n, i, " title=\"")) return 0;
    size_t end = i + strlen(" title=\"");
    while (end < n && html[end] != '"') {
        unsigned char b = (unsigned char)html[end];
        if ((b < 0x20 && !strchr("\t\n\f\r", b)) || b == 0x7F || b == '<' || b == '>' ||
            b == '\'' || (b == '&' && !markdown_props_escape(html, n, end)))
            return (size_t)-1;
        end++;
    }
    return end == n ? (size_t)-1 : end + 1 - i;
}

/* The length of <abbr title="…"> or <acronym title="…"> at html[i..), 0 when there is none, or
 * (size_t)-1 when the title is bad or other attributes follow. */
static size_t markdown_props_titled(const char *html, size_t n, size_t i, const char **name)
{
    for (size_t k = 1; k <= 2; k++) {
        const char *tag = markdown_props_tags[k];
        size_t len = strlen(tag);
        if (n - i <= len + 1 || html[i + 1 + len] != ' ' || memcmp(html + i + 1, tag, len) != 0)
            continue;
        size_t title = markdown_props_title(html, n, i + 1 + len);
        if (title == 0 || title == (size_t)-1) return (size_t)-1;
        if (!markdown_props_at(html, n, i + 1 + len + title, ">")) return (size_t)-1;
        *name = tag;
        return 1 + len + title + 1;
    }
    return 0;
}

/* NULL when html[0..n) keeps every promise, else what it breaks:
 * - valid UTF-8; every '<' starts an allowed tag or its closer, and they nest properly;
 * - no '>', '"' or '\'' outside a tag, every '&' is one of our five escapes, no control byte
 *   but \t \n \f \r (NUL included);
 * - the only attributes are <a href="…"( title="…")? rel="nofollow ugc noopener">,
 *   <abbr title="…"> and <acronym title="…">, the href starting with http://, https:// or
 *   mailto: and holding no space, control byte, quote or angle bracket, a title no quote, angle
 *   bracket or control byte (so no "on…" attribute can exist anywhere). */
static const char *markdown_props_violation(const char *html, size_t n)
{
    const char *open[128];
    size_t depth = 0;
    if (!tp_utf8_valid(html, n)) return "not valid UTF-8";
    for (size_t i = 0; i < n;) {
        char c = html[i];
        if (c == '>' || c == '"' || c == '\'') return "unescaped > \" or ' in text";
        if (c == '&') {
            size_t len = markdown_props_escape(html, n, i);
            if (!len) return "& that is not one of our escapes";
            i += len;
            continue;
        }
        if (((unsigned char)c < 0x20 && !strchr("\t\n\f\r", c)) || c == 0x7F)
            return "control byte in text";
        if (c != '<') {
            i++;
            continue;
        }
        const char *name;
        if (markdown_props_at(html, n, i, "</")) {
            size_t len = markdown_props_tag(html, n, i + 2, &name);
            if (!len) return "closer of a tag not allowed";
            if (depth == 0 || open[depth - 1] != name) return "closer does not match";
            depth--;
            i += 2 + len + 1;
            continue;
        }
        if (markdown_props_at(html, n, i, "<a href=\"")) {
            size_t v = i + strlen("<a href=\""), end = v;
            while (end < n && html[end] != '"') {
                unsigned char b = (unsigned char)html[end];
                if (b <= 0x20 || b == 0x7F || b == '<' || b == '>' || b == '\'')
                    return "space, control, quote or bracket in href";
                if (b == '&' && !markdown_props_escape(html, n, end)) return "bad & in href";
                end++;
            }
            if (end == n) return "unterminated href";
            if (!markdown_props_at(html, end, v, "http://") &&
                !markdown_props_at(html, end, v, "https://") &&
                !markdown_props_at(html, end, v, "mailto:"))
                return "href without http://, https:// or mailto:";
            size_t title = markdown_props_title(html, n, end + 1);
            if (title == (size_t)-1) return "bad title";
            end += title;
            if (!markdown_props_at(html, n, end, "\" rel=\"nofollow ugc noopener\">"))
                return "<a> with other attributes";
            if (depth == sizeof open / sizeof open[0]) return "tags nest too deep";
            open[depth++] = markdown_props_tags[0];
            i = end + strlen("\" rel=\"nofollow ugc noopener\">");
            continue;
        }
        size_t len = markdown_props_titled(html, n, i, &name);
        if (len == (size_t)-1) return "<abbr> or <acronym> with a bad title";
        if (!len) {
            len = markdown_props_tag(html, n, i + 1, &name);
            if (!len || name == markdown_props_tags[0]) return "< that starts no allowed tag";
            len += 2;
        }
        if (depth == sizeof open / sizeof open[0]) return "tags nest too deep";
        open[depth++] = name;
        i += len;
    }
    return depth == 0 ? NULL : "tag left open";
}

#endif
