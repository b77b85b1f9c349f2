/* message: one notification as RFC 5322 + MIME text, safe whatever a person typed into it.
 *
 * Design notes: the invariant is "every byte from a field lands either in a checked token
 * (address, host name, URL) or inside an encoded-word or a base64 body". Checked tokens cannot
 * hold CR, LF, NUL, space or '<>"'; encoded-words and base64 hold only [A-Za-z0-9+/=?_-]. So no
 * field can end a header line, start a new header or a body early, whatever its bytes, and every
 * line we write (but a very long address or URL) stays within 76 characters. */
#include "message.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tp_url.h"
#include "tp_utf8.h"

#define LINE_MAX_CHARS 76
#define WORD_PREFIX    "=?UTF-8?B?"
#define WORD_SUFFIX    "?="
#define WORD_OVERHEAD  12 /* strlen(WORD_PREFIX) + strlen(WORD_SUFFIX) */
#define WORD_B64_MAX   60 /* so an encoded-word is at most 72 chars, within RFC 2047's 75 */
#define PLAIN_WORD_MAX 60 /* a longer ASCII word is encoded, so it can be split */
#define BODY_CHUNK     57 /* bytes per base64 body line: 76 characters */

/* Characters on the line out currently ends with. */
static size_t current_column(const tp_buf *out)
{
    size_t i = out->len;
    while (i > 0 && out->data[i - 1] != '\n') i--;
    return out->len - i;
}

static void fold(tp_buf *out)
{
    tp_buf_puts(out, "\r\n ");
}

/* Printable ASCII words separated by single spaces, no specials, no "=?": text a reader sees the
 * same whether or not it is decoded, and that folds at its spaces. */
static bool is_plain(const char *s)
{
    size_t n = strlen(s), word = 0;
    if (n == 0) return true;
    if (s[0] == ' ' || s[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            if (s[i + 1] == ' ') return false;
            word = 0;
            continue;
        }
        if (c < 0x21 || c > 0x7e || strchr("()<>[]:;@\\,.\"", c)) return false;
        if (c == '=' && s[i + 1] == '?') return false;
        if (++word > PLAIN_WORD_MAX) return false;
    }
    return true;
}

static void put_plain(tp_buf *out, const char *s)
{
    size_t col = current_column(out);
    bool first = true;
    while (*s) {
        size_t n = strcspn(s, " ");
        if (first) {
            if (col > 1 && col + n > LINE_MAX_CHARS) {
                fold(out);
                col = 1;
            }
        } else if (col + 1 + n > LINE_MAX_CHARS) {
            fold(out);
            col = 1;
        } else {
            tp_buf_putc(out, ' ');
            col++;
        }
        tp_buf_append(out, s, n);
        col += n;
        first = false;
        s += n;
        if (*s == ' ') s++;
    }
}

/* Valid UTF-8 with controls turned into spaces and each bad byte into U+FFFD. */
static void sanitize(tp_buf *clean, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            tp_buf_putc(clean, c < 0x20 || c == 0x7f ? ' ' : (char)c);
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (len && len <= n - i && tp_utf8_valid(s + i, len)) {
            bool c1_control = len == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0;
            if (c1_control)
                tp_buf_putc(clean, ' ');
            else
                tp_buf_append(clean, s + i, len);
            i += len;
        } else {
            tp_buf_puts(clean, "\xef\xbf\xbd");
            i++;
        }
    }
}

static void put_encoded(tp_buf *out, const char *text)
{
    tp_buf clean = TP_BUF_INIT;
    sanitize(&clean, text);
    size_t col = current_column(out), pos = 0;
    bool first = true;
    while (pos < clean.len) {
        if (!first) {
            fold(out);
            col = 1;
        }
        size_t room =
            col + WORD_OVERHEAD < LINE_MAX_CHARS ? LINE_MAX_CHARS - col - WORD_OVERHEAD : 0;
        if (room < 8) { /* not even one 4-byte character fits after the header name */
            fold(out);
            col = 1;
            room = LINE_MAX_CHARS - 1 - WORD_OVERHEAD;
        }
        if (room > WORD_B64_MAX) room = WORD_B64_MAX;
        size_t take = room / 4 * 3;
        if (take >= clean.len - pos) {
            take = clean.len - pos;
        } else {
            /* Split between characters: an encoded-word must hold whole characters. */
            while (take > 0 && ((unsigned char)clean.data[pos + take] & 0xc0) == 0x80) take--;
        }
        char b64[WORD_B64_MAX + 1];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)clean.data + pos, take,
                          sodium_base64_VARIANT_ORIGINAL);
        tp_buf_printf(out, WORD_PREFIX "%s" WORD_SUFFIX, b64);
        col += WORD_OVERHEAD + strlen(b64);
        pos += take;
        first = false;
    }
    tp_buf_free(&clean);
}

void mail_header_text(tp_buf *out, const char *text)
{
    if (!text) return;
    if (is_plain(text))
        put_plain(out, text);
    else
        put_encoded(out, text);
}

/* Dot-separated labels of letters, digits and '-' (not at a label's ends), 1..63 each. */
static bool host_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > 253) return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-') return false;
            label = 0;
            continue;
        }
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && label > 0)) return false;
        if (++label > 63) return false;
    }
    return label > 0 && s[n - 1] != '-';
}

bool mail_address_valid(const char *addr)
{
    if (!addr) return false;
    size_t n = strlen(addr);
    const char *at = strrchr(addr, '@');
    if (n > MAIL_ADDRESS_MAX || !at) return false;
    size_t local = (size_t)(at - addr);
    if (local == 0 || local > 64 || addr[0] == '.' || addr[local - 1] == '.') return false;
    for (size_t i = 0; i < local; i++) {
        char c = addr[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (c == '.' && addr[i + 1] == '.') return false;
        if (!alnum && c != '.' && !strchr("!#$%&'*+-/=?^_`{|}~", c)) return false;
    }
    return host_name_valid(at + 1, n - local - 1);
}

static void put_mailbox(tp_buf *out, const char *header, const char *name, const char *addr)
{
    tp_buf_printf(out, "%s: ", header);
    if (name && *name) {
        mail_header_text(out, name);
        if (current_column(out) + 3 + strlen(addr) > LINE_MAX_CHARS)
            fold(out);
        else
            tp_buf_putc(out, ' ');
        tp_buf_printf(out, "<%s>", addr);
    } else {
        tp_buf_puts(out, addr);
    }
    tp_buf_puts(out, "\r\n");
}

/* RFC 5322 date-time in UTC; false outside years 1900-9999. Names are spelt out so the locale
 * cannot change them. */
static bool format_date(int64_t unix_time, char out[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)unix_time;
    struct tm tm;
    if ((int64_t)t != unix_time || !gmtime_r(&t, &tm)) return false;
    if (tm.tm_year < 0 || tm.tm_year > 9999 - 1900) return false;
    snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return true;
}

static bool message_id_valid(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n <= 64 &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
}

/* The body with every line end made CRLF (MIME's canonical text form) and anything XML forbids
 * replaced (a name with U+FFFF must not break the HTML part), base64, 76 chars a line. */
static void put_base64_body(tp_buf *out, const char *text)
{
    tp_buf crlf = TP_BUF_INIT;
    for (const char *p = text; *p; p++) {
        if (*p == '\r' || *p == '\n') {
            tp_buf_puts(&crlf, "\r\n");
            if (p[0] == '\r' && p[1] == '\n') p++;
        } else {
            tp_buf_putc(&crlf, *p);
        }
    }
    tp_utf8_xml_safe(crlf.data, crlf.len);
    char line[LINE_MAX_CHARS + 1];
    for (size_t pos = 0; pos < crlf.len; pos += BODY_CHUNK) {
        size_t take = crlf.len - pos < BODY_CHUNK ? crlf.len - pos : BODY_CHUNK;
        sodium_bin2base64(line, sizeof line, (const unsigned char *)crlf.data + pos, take,
                          sodium_base64_VARIANT_ORIGINAL);
        tp_buf_printf(out, "%s\r\n", line);
    }
    tp_buf_free(&crlf);
}

static void put_part_headers(tp_buf *out, const char *type)
{
    tp_buf_printf(out,
                  "Content-Type: %s; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n",
                  type);
}

int mail_message_build(const mail_message *m, tp_buf *out)
{
    char date[40];
    if (!mail_address_valid(m->from_addr) || !mail_address_valid(m->to_addr)) return -1;
    if (m->unsubscribe_url && !tp_url_is_http(m->unsubscribe_url, strlen(m->unsubscribe_url)))
        return -1;
    /* The host of "host:port/path"; an IPv6 literal or odd characters: the sender's domain. */
    const char *domain = m->message_id_domain;
    size_t domain_len = domain ? strcspn(domain, ":/") : 0;
    if (!domain || !host_name_valid(domain, domain_len)) {
        domain = strrchr(m->from_addr, '@') + 1;
        domain_len = strlen(domain);
    }
    if (!format_date(m->date, date)) return -1;

    char id[65], boundary[25];
    if (m->message_id && message_id_valid(m->message_id))
        snprintf(id, sizeof id, "%s", m->message_id);
    else
        random_hex(id, 16);
    random_hex(boundary, 12);

    tp_buf_printf(out, "Date: %s\r\n", date);
    put_mailbox(out, "From", m->from_name, m->from_addr);
    put_mailbox(out, "To", m->to_name, m->to_addr);
    tp_buf_puts(out, "Subject: ");
    mail_header_text(out, m->subject ? m->subject : "");
    tp_buf_printf(out,
                  "\r\nMessage-ID: <%s@%.*s>\r\n"
                  "MIME-Version: 1.0\r\n"
                  "Auto-Submitted: auto-generated\r\n",
                  id, (int)domain_len, domain);
    if (m->unsubscribe_url) {
        /* Only FWS may fold before the '<'; a URL longer than a line stays one long line. */
        tp_buf_printf(out,
                      "List-Unsubscribe:%s<%s>\r\n"
                      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                      strlen(m->unsubscribe_url) + 20 > LINE_MAX_CHARS ? "\r\n " : " ",
                      m->unsubscribe_url);
    }
    const char *text = m->text ? m->text : "";
    if (!m->html) {
        put_part_headers(out, "text/plain");
        tp_buf_puts(out, "\r\n");
        put_base64_body(out, text);
        return 0;
    }
    /* "=_" cannot occur in base64, so the boundary cannot occur in a part. */
    tp_buf_printf(out,
                  "Content-Type: multipart/alternative;\r\n boundary=\"=_%s\"\r\n"
                  "\r\n--=_%s\r\n",
                  boundary, boundary);
    put_part_headers(out, "text/plain");
    tp_buf_puts(out, "\r\n");
    put_base64_body(out, text);
    tp_buf_printf(out, "--=_%s\r\n", boundary);
    put_part_headers(out, "text/html");
    tp_buf_puts(out, "\r\n");
    put_base64_body(out, m->html);
    tp_buf_printf(out, "--=_%s--\r\n", boundary);
    return 0;
}
