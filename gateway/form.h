/* form: parsers for what browsers send (form bodies, query strings, cookies, auth headers). */
#ifndef FORM_H
#define FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "tp_buf.h"

/* Every input below is hostile: a pointer and a length, never assumed NUL-terminated, and every
 * count and size is capped by one of these limits. */
#define FORM_MAX_FIELDS 64    /* fields per form or query string */
#define FORM_MAX_VALUE  65536 /* decoded bytes per value */
#define FORM_MAX_NAME   256   /* decoded bytes per field name */
#define COOKIE_MAX_HDR  4096  /* bytes in a Cookie header */
#define LOCAL_PATH_MAX  512   /* bytes in a `next` redirect target */
#define BASIC_MAX_CRED  1024  /* decoded bytes of "email:password" */
#define BEARER_MAX_TOK  256   /* bytes in a bearer token */

/* One list gives the error codes and the text shown on a 400 page. */
#define FORM_ERR_LIST(X)                                                                           \
    X(FORM_OK, "No error.")                                                                        \
    X(FORM_BAD_ENCODING, "The form data is not properly encoded.")                                 \
    X(FORM_BAD_UTF8, "The form data is not valid UTF-8 text.")                                     \
    X(FORM_TOO_MANY_FIELDS, "The form has too many fields.")                                       \
    X(FORM_FIELD_TOO_LONG, "A form field is too long.")

#define FORM_ERR_ENUM(name, text) name,
enum form_err { FORM_ERR_LIST(FORM_ERR_ENUM) };
#undef FORM_ERR_ENUM

typedef struct form_field {
    char *name; /* NUL-terminated decoded copies, owned by the form */
    char *value;
    size_t name_len, value_len;
} form_field;

typedef struct form {
    form_field *fields;
    size_t count;
} form;

/* Parses application/x-www-form-urlencoded, also used for query strings: '&'-separated pieces,
 * '+' is a space, %XX is a byte. Empty pieces ("a=1&&b=2") are skipped; a piece without '=' is a
 * name with an empty value. Decoded names and values must be valid UTF-8 without NUL; a bad %
 * escape or a NUL is FORM_BAD_ENCODING. At most FORM_MAX_FIELDS fields, FORM_MAX_NAME bytes per
 * name and FORM_MAX_VALUE bytes per value. On success the caller frees *out with form_free(); on
 * error *out is left empty (nothing to free, though form_free() is harmless). */
enum form_err form_parse(const char *s, size_t len, form *out);
/* The same for a query string, except that a value of a field named in `lenient` (a list ending
 * in NULL) that cannot be decoded (a bad % escape, a NUL, invalid UTF-8, over FORM_MAX_VALUE
 * bytes) is kept as "" rather than failing the whole query: the router passes "page" and "q",
 * since a bad ?page= is the first page and an odd search is the search form, never an error
 * (SPEC §4). Anything else wrong, in such a field's name too, fails as above. */
enum form_err form_parse_query(const char *s, size_t len, const char *const *lenient, form *out);
void form_free(form *f);
/* The first value of field `name`, or NULL when there is none. */
const char *form_get(const form *f, const char *name);
bool form_has(const form *f, const char *name);
/* Human text for a 400 page; never NULL. */
const char *form_err_message(enum form_err e);

/* Finds the value of cookie `name` (first match) in a Cookie header value "a=1; b=2", without
 * decoding; surrounding double quotes are removed. *val points into hdr. False when the cookie
 * is absent, when the header is over COOKIE_MAX_HDR bytes or holds control characters, or when
 * the matched value is not made of RFC 6265 cookie-octets. Pieces without '=' are skipped. */
bool cookie_find(const char *hdr, size_t len, const char *name, const char **val, size_t *val_len);

/* ?page=N: a plain positive decimal (digits only); anything else, NULL included, is page 1.
 * Values above max_page (≥ 1), however many digits they have, clamp to max_page (SPEC: an
 * out-of-range page is the last page). */
int form_page_number(const char *s, int max_page);

/* True when s[0..len) is safe as a `next` redirect target: a local path starting with a single
 * '/' (not "//" nor "/\"), at most LOCAL_PATH_MAX bytes, valid UTF-8, no space, control
 * character or backslash, and no % escape that is malformed or hides one of those. */
bool form_is_local_path(const char *s, size_t len);

/* Appends s[0..len) to out, percent-encoding all but the unreserved characters A-Z a-z 0-9 - . _ ~
 * (so it suits both a query value and a path segment). */
void form_url_encode(tp_buf *out, const char *s, size_t len);

/* Authorization header value "Basic base64(email:password)" (scheme case-insensitive). On success
 * *user and *password are NUL-terminated copies the caller frees with free(). False, with both
 * set to NULL, on any malformation: another scheme, bad base64 or padding, no colon, empty user,
 * more than BASIC_MAX_CRED decoded bytes, invalid UTF-8 or a NUL. */
bool http_basic_parse(const char *hdr, size_t len, char **user, char **password);
/* Authorization header value "Bearer <token>" (scheme case-insensitive): *tok points into hdr.
 * The token is 1..BEARER_MAX_TOK characters of [A-Za-z0-9._~+/-] followed by optional '='. */
bool http_bearer_parse(const char *hdr, size_t len, const char **tok, size_t *tok_len);

#endif
