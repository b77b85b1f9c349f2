/* html_tokens: a small, strict tokenizer for the raw HTML inside a comment's Markdown. */
#ifndef COMMENTS_HTML_TOKENS_H
#define COMMENTS_HTML_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum html_kind {
    HTML_TEXT,  /* text, '<' that starts no complete construct included */
    HTML_START, /* <name attr…> or <name …/> */
    HTML_END,   /* </name> */
    HTML_SKIP,  /* <!-- comment -->, <?…?>, <!DECLARATION …>, <![CDATA[…]]> */
} html_kind;

typedef struct html_token {
    html_kind kind;
    const char *s; /* the token's bytes: the text itself for HTML_TEXT */
    size_t n;
    const char *name; /* HTML_START and HTML_END: the tag name as typed */
    size_t name_len;
    const char *attrs; /* HTML_START: the bytes after the name, for html_next_attr() */
    size_t attrs_len;
} html_token;

typedef struct html_attr {
    const char *name, *value; /* value without its quotes; "" when the attribute has none */
    size_t name_len, value_len;
} html_attr;

/* Reads the token at s[0..n) into *t; returns its length, 0 when n is 0. Grammar (CommonMark's
 * raw HTML, which md4c also follows): a tag name is [A-Za-z][A-Za-z0-9-]*, an attribute name
 * [A-Za-z_:][A-Za-z0-9_.:-]*, a value is "…", '…' or unquoted without space " ' = < > `. */
size_t html_next_token(const char *s, size_t n, html_token *t);

/* Reads the next attribute of a start tag's attrs into *a, advancing *pos; false after the
 * last one. */
bool html_next_attr(const html_token *t, size_t *pos, html_attr *a);

/* The length of the character reference at s[0..n) as md4c delimits them (&name; &#123;
 * &#x1F;), or 0 when s does not start with one. */
size_t html_entity_len(const char *s, size_t n);

/* Whether s[0..n) is `lower` in any ASCII case (locale-free). */
bool html_name_is(const char *s, size_t n, const char *lower);

#endif
