/* html_tokens: a small, strict tokenizer for the raw HTML inside a comment's Markdown. It only
 * splits bytes into tokens; markdown.c decides what each becomes, and writes every byte itself.
 * Anything that is not a complete, well-formed construct is text, so a broken tag such as
 * "<b <i>" gives the text "<b " and the tag <i>. */
#include "html_tokens.h"

#include <string.h>

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* strchr() would also find the NUL that ends `set`. */
static bool in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static size_t skip_space(const char *s, size_t n, size_t i)
{
    while (i < n && is_space(s[i])) i++;
    return i;
}

/* The end of the tag name starting at s[i], or i when there is none. */
static size_t tag_name_end(const char *s, size_t n, size_t i)
{
    if (i >= n || !is_alpha(s[i])) return i;
    while (++i < n && (is_alnum(s[i]) || s[i] == '-')) continue;
    return i;
}

static size_t attr_name_end(const char *s, size_t n, size_t i)
{
    if (i >= n || !(is_alpha(s[i]) || s[i] == '_' || s[i] == ':')) return i;
    while (++i < n && (is_alnum(s[i]) || in_set(s[i], "_.:-"))) continue;
    return i;
}

/* Reads one attribute at s[i] (after the whitespace before it). Returns the index past it, or
 * 0 when there is no well-formed attribute there. */
static size_t attr_at(const char *s, size_t n, size_t i, html_attr *a)
{
    size_t name_end = attr_name_end(s, n, i);
    if (name_end == i) return 0;
    *a = (html_attr){.name = s + i, .name_len = name_end - i, .value = ""};
    size_t j = skip_space(s, n, name_end);
    if (j >= n || s[j] != '=') return name_end;
    j = skip_space(s, n, j + 1);
    if (j >= n) return 0;
    if (s[j] == '"' || s[j] == '\'') {
        const char *close = memchr(s + j + 1, s[j], n - j - 1);
        if (!close) return 0;
        a->value = s + j + 1;
        a->value_len = (size_t)(close - a->value);
        return (size_t)(close - s) + 1;
    }
    size_t k = j;
    while (k < n && !is_space(s[k]) && !in_set(s[k], "\"'=<>`")) k++;
    if (k == j) return 0;
    a->value = s + j;
    a->value_len = k - j;
    return k;
}

/* The length of a start tag at s (s[0] == '<'), or 0. */
static size_t start_tag(const char *s, size_t n, html_token *t)
{
    size_t i = tag_name_end(s, n, 1);
    if (i == 1) return 0;
    t->name = s + 1;
    t->name_len = i - 1;
    t->attrs = s + i;
    for (;;) {
        size_t j = skip_space(s, n, i);
        if (j < n && s[j] == '>') {
            t->attrs_len = j - (size_t)(t->attrs - s);
            return j + 1;
        }
        if (j + 1 < n && s[j] == '/' && s[j + 1] == '>') {
            t->attrs_len = j - (size_t)(t->attrs - s);
            return j + 2;
        }
        html_attr a;
        size_t k = j > i ? attr_at(s, n, j, &a) : 0; /* an attribute needs space before it */
        if (k == 0) return 0;
        i = k;
    }
}

static size_t end_tag(const char *s, size_t n, html_token *t)
{
    size_t i = tag_name_end(s, n, 2);
    if (i == 2) return 0;
    t->name = s + 2;
    t->name_len = i - 2;
    i = skip_space(s, n, i);
    return i < n && s[i] == '>' ? i + 1 : 0;
}

/* The length of s[0..n) up to and including the first `close` at or after `from`, or 0. */
static size_t through(const char *s, size_t n, size_t from, const char *close)
{
    size_t len = strlen(close);
    if (from > n) return 0;
    const char *p = memmem(s + from, n - from, close, len);
    return p ? (size_t)(p - s) + len : 0;
}

/* The length of a comment, processing instruction, declaration or CDATA section, or 0. */
static size_t skipped(const char *s, size_t n)
{
    if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
        if (n >= 5 && s[4] == '>') return 5; /* <!--> and <!---> are empty comments in HTML */
        if (n >= 6 && memcmp(s + 4, "->", 2) == 0) return 6;
        return through(s, n, 4, "-->");
    }
    if (n >= 9 && memcmp(s, "<![CDATA[", 9) == 0) return through(s, n, 9, "]]>");
    if (n >= 2 && s[1] == '?') return through(s, n, 2, "?>");
    if (n >= 3 && s[1] == '!' && is_alpha(s[2])) return through(s, n, 3, ">");
    return 0;
}

/* The length of the construct starting at s[0] == '<', or 0 when it is text. */
static size_t markup(const char *s, size_t n, html_token *t)
{
    size_t len;
    if ((len = skipped(s, n))) {
        t->kind = HTML_SKIP;
    } else if (n >= 2 && s[1] == '/' && (len = end_tag(s, n, t))) {
        t->kind = HTML_END;
    } else if ((len = start_tag(s, n, t))) {
        t->kind = HTML_START;
    }
    return len;
}

size_t html_next_token(const char *s, size_t n, html_token *t)
{
    *t = (html_token){.kind = HTML_TEXT, .s = s};
    if (n == 0) return 0;
    if (s[0] == '<') {
        size_t len = markup(s, n, t);
        if (len) {
            t->n = len;
            return len;
        }
        *t = (html_token){.kind = HTML_TEXT, .s = s};
    }
    size_t i = 1;
    for (;; i++) {
        const char *lt = memchr(s + i, '<', n - i);
        if (!lt) {
            i = n;
            break;
        }
        i = (size_t)(lt - s);
        html_token probe;
        if (markup(lt, n - i, &probe)) break;
    }
    t->n = i;
    return i;
}

bool html_next_attr(const html_token *t, size_t *pos, html_attr *a)
{
    size_t i = skip_space(t->attrs, t->attrs_len, *pos);
    if (i >= t->attrs_len) return false;
    size_t end = attr_at(t->attrs, t->attrs_len, i, a);
    if (end == 0) return false; /* cannot happen on a token start_tag() accepted */
    *pos = end;
    return true;
}

/* The index past the run of characters `ok` accepts at s[i..), at most `max` of them. */
static size_t run_end(const char *s, size_t n, size_t i, size_t max, bool (*ok)(char))
{
    size_t j = i;
    while (j < n && j - i < max && ok(s[j])) j++;
    return j;
}

size_t html_entity_len(const char *s, size_t n)
{
    if (n < 3 || s[0] != '&') return 0;
    size_t i, j;
    if (s[1] == '#' && (s[2] == 'x' || s[2] == 'X'))
        i = 3, j = run_end(s, n, i, 6, is_hex);
    else if (s[1] == '#')
        i = 2, j = run_end(s, n, i, 7, is_digit);
    else if (is_alpha(s[1]))
        i = 1, j = run_end(s, n, 2, 47, is_alnum); /* a letter, then 1 to 47 letters or digits */
    else
        return 0;
    return j > i + (i == 1) && j < n && s[j] == ';' ? j + 1 : 0;
}

bool html_name_is(const char *s, size_t n, const char *lower)
{
    if (strlen(lower) != n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lower[i]) return false;
    }
    return true;
}
