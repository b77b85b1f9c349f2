/* form: parsers for what browsers send (form bodies, query strings, cookies, auth headers). */
#include "form.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "tp_utf8.h"

/* Every parser here reads only s[0..len): inputs come straight from the network and are not
 * NUL-terminated. Lengths are checked against the limits in form.h before anything is copied,
 * so memory use is bounded by the limits, not by the size of the input. */

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- application/x-www-form-urlencoded ---- */

/* Decodes p[0..n) into a fresh NUL-terminated copy of at most max bytes. The copy is sized by
 * min(n, max), since decoding never makes a piece longer. */
static enum form_err decode_component(const char *p, size_t n, size_t max, char **out,
                                      size_t *out_len)
{
    size_t room = n < max ? n : max;
    char *d = tp_xmalloc(room + 1);
    size_t dn = 0;
    enum form_err err = FORM_OK;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 1 < n ? hex_value((unsigned char)p[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value((unsigned char)p[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                err = FORM_BAD_ENCODING;
                break;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0') { /* raw or escaped: it would cut the NUL-terminated copy short */
            err = FORM_BAD_ENCODING;
            break;
        }
        if (dn == room) {
            err = FORM_FIELD_TOO_LONG;
            break;
        }
        d[dn++] = (char)c;
    }
    if (err == FORM_OK && !tp_utf8_valid(d, dn)) err = FORM_BAD_UTF8;
    if (err != FORM_OK) {
        free(d);
        return err;
    }
    d[dn] = '\0';
    *out = d;
    *out_len = dn;
    return FORM_OK;
}

static bool named_in(const char *name, const char *const *names)
{
    for (; names && *names; names++)
        if (strcmp(name, *names) == 0) return true;
    return false;
}

static enum form_err parse(const char *s, size_t len, const char *const *lenient, form *out)
{
    form f = {NULL, 0};
    size_t cap = 0;
    enum form_err err = FORM_OK;
    size_t pos = 0;

    assert(s || len == 0);
    while (pos < len) {
        const char *piece = s + pos;
        const char *amp = memchr(piece, '&', len - pos);
        size_t piece_len = amp ? (size_t)(amp - piece) : len - pos;
        pos += piece_len + 1; /* may step one past len at the end; the loop test stops it */
        if (piece_len == 0) continue;

        if (f.count == FORM_MAX_FIELDS) {
            err = FORM_TOO_MANY_FIELDS;
            break;
        }
        const char *eq = memchr(piece, '=', piece_len);
        size_t name_len = eq ? (size_t)(eq - piece) : piece_len;
        const char *value = eq ? eq + 1 : piece + piece_len;
        size_t value_len = piece_len - name_len - (eq ? 1 : 0);

        form_field fld;
        err = decode_component(piece, name_len, FORM_MAX_NAME, &fld.name, &fld.name_len);
        if (err != FORM_OK) break;
        err = decode_component(value, value_len, FORM_MAX_VALUE, &fld.value, &fld.value_len);
        if (err != FORM_OK && named_in(fld.name, lenient)) {
            err = FORM_OK;
            fld.value = tp_xstrndup("", 0);
            fld.value_len = 0;
        }
        if (err != FORM_OK) {
            free(fld.name);
            break;
        }
        if (f.count == cap) {
            cap = cap ? cap * 2 : 8; /* never past FORM_MAX_FIELDS: 8 doubles to 64 */
            f.fields = tp_xrealloc(f.fields, cap * sizeof f.fields[0]);
        }
        f.fields[f.count++] = fld;
    }
    if (err != FORM_OK) {
        form_free(&f);
        out->fields = NULL;
        out->count = 0;
        return err;
    }
    *out = f;
    return FORM_OK;
}

enum form_err form_parse(const char *s, size_t len, form *out)
{
    return parse(s, len, NULL, out);
}

enum form_err form_parse_query(const char *s, size_t len, const char *const *lenient, form *out)
{
    return parse(s, len, lenient, out);
}

void form_free(form *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->count; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    f->fields = NULL;
    f->count = 0;
}

const char *form_get(const form *f, const char *name)
{
    if (!f || !name) return NULL;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->fields[i].name, name) == 0) return f->fields[i].value;
    return NULL;
}

bool form_has(const form *f, const char *name)
{
    return form_get(f, name) != NULL;
}

const char *form_err_message(enum form_err e)
{
#define FORM_ERR_TEXT(name, text) [name] = text,
    static const char *const text[] = {FORM_ERR_LIST(FORM_ERR_TEXT)};
#undef FORM_ERR_TEXT
    if ((size_t)e >= sizeof text / sizeof text[0]) return "The form data is malformed.";
    return text[e];
}

/* ---- Cookie header ---- */

/* RFC 6265 cookie-octet: printable ASCII but space, '"', ',', ';' and '\'. */
static bool is_cookie_octet(unsigned char c)
{
    return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
}

bool cookie_find(const char *hdr, size_t len, const char *name, const char **val, size_t *val_len)
{
    if (!hdr || !name || !*name || len > COOKIE_MAX_HDR) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)hdr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
    }
    size_t want = strlen(name);
    size_t pos = 0;
    while (pos < len) {
        const char *p = hdr + pos;
        const char *semi = memchr(p, ';', len - pos);
        size_t n = semi ? (size_t)(semi - p) : len - pos;
        pos += n + 1;

        while (n && is_ows(*p)) p++, n--;
        while (n && is_ows(p[n - 1])) n--;
        const char *eq = memchr(p, '=', n);
        if (!eq) continue; /* empty piece, or a nameless cookie some browsers send */
        size_t name_len = (size_t)(eq - p);
        while (name_len && is_ows(p[name_len - 1])) name_len--;
        if (name_len != want || memcmp(p, name, want) != 0) continue;

        const char *v = eq + 1;
        size_t vn = n - (size_t)(v - p);
        while (vn && is_ows(*v)) v++, vn--;
        if (vn && *v == '"') {
            if (vn < 2 || v[vn - 1] != '"') return false;
            v++;
            vn -= 2;
        }
        for (size_t i = 0; i < vn; i++)
            if (!is_cookie_octet((unsigned char)v[i])) return false;
        *val = v;
        *val_len = vn;
        return true;
    }
    return false;
}

/* ---- ?page=N ---- */

int form_page_number(const char *s, int max_page)
{
    assert(max_page >= 1);
    if (max_page < 1) max_page = 1;
    if (!s || !*s) return 1;
    int n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 1;
        int digit = *s - '0';
        /* Past int it stays INT_MAX: beyond any page, so the last. */
        n = n > (INT_MAX - digit) / 10 ? INT_MAX : n * 10 + digit;
    }
    if (n < 1) return 1;
    return n > max_page ? max_page : n;
}

/* ---- `next` redirect targets ---- */

/* A scheme needs a ':' before the first '/', so requiring s[0] == '/' rules every scheme out;
 * what is left is the scheme-relative "//host" and "/\host" (browsers read '\' as '/'), and
 * characters a browser strips before parsing (tab, CR, LF), which could rebuild a "//". Percent
 * escapes are checked too, in case a later hop decodes them. */
static bool is_unsafe_path_byte(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '\\';
}

bool form_is_local_path(const char *s, size_t len)
{
    if (!s || len == 0 || len > LOCAL_PATH_MAX) return false;
    if (s[0] != '/') return false;
    if (len > 1 && (s[1] == '/' || s[1] == '\\')) return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unsafe_path_byte(c)) return false;
        if (c != '%') continue;
        int hi = i + 1 < len ? hex_value((unsigned char)s[i + 1]) : -1;
        int lo = i + 2 < len ? hex_value((unsigned char)s[i + 2]) : -1;
        if (hi < 0 || lo < 0) return false;
        unsigned char d = (unsigned char)(hi << 4 | lo);
        if (is_unsafe_path_byte(d)) return false;
        if (i == 1 && d == '/') return false; /* "/%2F..." decodes to "//..." */
        i += 2;
    }
    return tp_utf8_valid(s, len);
}

/* ---- percent-encoding ---- */

static bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void form_url_encode(tp_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len <= SIZE_MAX / 3) tp_buf_reserve(out, len * 3);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c)) {
            tp_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            tp_buf_append(out, esc, sizeof esc);
        }
    }
}

/* ---- Authorization header ---- */

/* Matches "<scheme> <credentials>" (scheme case-insensitive, one or more spaces between, optional
 * whitespace around) and returns the credentials, or NULL. */
static const char *auth_credentials(const char *hdr, size_t len, const char *scheme,
                                    size_t *cred_len)
{
    size_t sn = strlen(scheme);
    while (len && is_ows(*hdr)) hdr++, len--;
    while (len && is_ows(hdr[len - 1])) len--;
    if (len <= sn || strncasecmp(hdr, scheme, sn) != 0 || !is_ows(hdr[sn])) return NULL;
    size_t i = sn;
    while (i < len && is_ows(hdr[i])) i++;
    if (i == len) return NULL;
    *cred_len = len - i;
    return hdr + i;
}

bool http_basic_parse(const char *hdr, size_t len, char **user, char **password)
{
    *user = NULL;
    *password = NULL;
    if (!hdr) return false;
    size_t b64_len;
    const char *b64 = auth_credentials(hdr, len, "Basic", &b64_len);
    if (!b64) return false;
    /* Checked before decoding so an oversized header costs nothing; the decoder would stop at
     * sizeof bin anyway. */
    if (b64_len > sodium_base64_ENCODED_LEN(BASIC_MAX_CRED, sodium_base64_VARIANT_ORIGINAL) - 1)
        return false;

    unsigned char bin[BASIC_MAX_CRED];
    size_t bin_len = 0;
    const char *end = NULL;
    bool ok = sodium_base642bin(bin, sizeof bin, b64, b64_len, NULL, &bin_len, &end,
                                sodium_base64_VARIANT_ORIGINAL) == 0 &&
              end == b64 + b64_len; /* the decoder stops quietly at the first foreign byte */
    const unsigned char *colon = ok ? memchr(bin, ':', bin_len) : NULL;
    ok = ok && colon && colon != bin && !memchr(bin, '\0', bin_len) &&
         tp_utf8_valid((const char *)bin, bin_len);
    if (ok) {
        size_t user_len = (size_t)(colon - bin);
        *user = tp_xstrndup((const char *)bin, user_len);
        *password = tp_xstrndup((const char *)colon + 1, bin_len - user_len - 1);
    }
    sodium_memzero(bin, sizeof bin); /* it held a password */
    return ok;
}

static bool is_bearer_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool http_bearer_parse(const char *hdr, size_t len, const char **tok, size_t *tok_len)
{
    if (!hdr) return false;
    size_t n;
    const char *t = auth_credentials(hdr, len, "Bearer", &n);
    if (!t || n > BEARER_MAX_TOK) return false;
    size_t i = 0;
    while (i < n && is_bearer_char((unsigned char)t[i])) i++;
    if (i == 0) return false;
    while (i < n && t[i] == '=') i++; /* b64token: padding only at the end */
    if (i != n) return false;
    *tok = t;
    *tok_len = n;
    return true;
}
