/* Unit tests for svc-mail/message.c: whatever is typed into a field, the message keeps exactly
 * its headers, one logical line each, and every text decodes back to what was given. */
#include "message.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"

#define MAX_HEADERS 32

/* A built message split the way a mail reader would: header names and unfolded values. */
typedef struct parsed {
    int count;
    char *name[MAX_HEADERS];
    char *value[MAX_HEADERS];
    const char *body;
    size_t longest_line; /* header lines, CRLF excluded */
    int bad_line_ends;   /* a CR or LF that is not part of a CRLF, anywhere in the message */
} parsed;

static int count_bad_line_ends(const char *s, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && (i + 1 >= n || s[i + 1] != '\n')) bad++;
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) bad++;
        if (s[i] == '\0') bad++;
    }
    return bad;
}

/* 0 when the header block is well formed: each physical line ends in CRLF, a line starting with
 * a space or tab continues the previous header, every other line is "Name: value". */
static int parse(const tp_buf *msg, parsed *p)
{
    memset(p, 0, sizeof *p);
    p->bad_line_ends = count_bad_line_ends(msg->data, msg->len);
    const char *s = msg->data, *end = strstr(s, "\r\n\r\n");
    if (!end) return -1;
    p->body = end + 4;
    while (s <= end) {
        const char *eol = strstr(s, "\r\n");
        size_t n = (size_t)(eol - s);
        if (n > p->longest_line) p->longest_line = n;
        if (s[0] == ' ' || s[0] == '\t') {
            if (p->count == 0) return -1;
            char *v = p->value[p->count - 1];
            size_t old = strlen(v);
            v = realloc(v, old + n + 1);
            memcpy(v + old, s, n);
            v[old + n] = '\0';
            p->value[p->count - 1] = v;
        } else {
            const char *colon = memchr(s, ':', n);
            if (!colon || colon == s || p->count == MAX_HEADERS) return -1;
            for (const char *c = s; c < colon; c++)
                if (*c <= ' ' || *c > '~') return -1;
            p->name[p->count] = strndup(s, (size_t)(colon - s));
            const char *v = colon + 1;
            if (*v == ' ') v++;
            p->value[p->count] = strndup(v, (size_t)(eol - v));
            p->count++;
        }
        s = eol + 2;
    }
    return 0;
}

static void parsed_free(parsed *p)
{
    for (int i = 0; i < p->count; i++) {
        free(p->name[i]);
        free(p->value[i]);
    }
}

static const char *header(const parsed *p, const char *name)
{
    for (int i = 0; i < p->count; i++)
        if (strcasecmp(p->name[i], name) == 0) return p->value[i];
    return NULL;
}

/* True when the header names are exactly want (NULL-terminated), each once, in any order. */
static bool names_are(const parsed *p, const char *const *want)
{
    int n = 0;
    for (; want[n]; n++) {
        int seen = 0;
        for (int i = 0; i < p->count; i++) seen += strcasecmp(p->name[i], want[n]) == 0;
        if (seen != 1) {
            fprintf(stderr, "  header %s seen %d times\n", want[n], seen);
            return false;
        }
    }
    if (n != p->count) {
        for (int i = 0; i < p->count; i++) fprintf(stderr, "  header: %s\n", p->name[i]);
        return false;
    }
    return true;
}

static void base64_decode(tp_buf *out, const char *b64, size_t n)
{
    size_t cap = n / 4 * 3 + 3, len = 0;
    tp_buf_reserve(out, cap);
    if (sodium_base642bin((unsigned char *)out->data + out->len, cap, b64, n, "\r\n", &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        abort();
    out->len += len;
    out->data[out->len] = '\0';
}

/* An unfolded header value as a reader shows it: encoded-words decoded, the white space between
 * two of them dropped (RFC 2047 §6.2). Returns a malloc'd string. */
static char *decode_words(const char *v)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "");
    bool after_word = false;
    while (*v) {
        if (strncmp(v, "=?UTF-8?B?", 10) == 0) {
            const char *b = v + 10, *e = strstr(b, "?=");
            if (!e) abort();
            if (e - v > 75) fprintf(stderr, "  encoded-word longer than 75\n"), abort();
            base64_decode(&out, b, (size_t)(e - b));
            v = e + 2;
            after_word = true;
            continue;
        }
        size_t ws = strspn(v, " ");
        if (after_word && ws && strncmp(v + ws, "=?UTF-8?B?", 10) == 0) {
            v += ws;
            continue;
        }
        tp_buf_putc(&out, *v++);
        after_word = false;
    }
    return tp_buf_take(&out, NULL);
}

static char *crlf(const char *s)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "");
    for (; *s; s++) {
        if (*s == '\n') tp_buf_putc(&out, '\r');
        tp_buf_putc(&out, *s);
    }
    return tp_buf_take(&out, NULL);
}

static mail_message base_message(void)
{
    if (sodium_init() < 0) abort();
    return (mail_message){
        .from_name = "Talks",
        .from_addr = "talks@talks.example",
        .to_name = "Ada Lovelace",
        .to_addr = "ada@example.org",
        .subject = "New comment on Fearless C",
        .text = "Hello,\n\nSomeone commented.\n",
        .html = NULL,
        .unsubscribe_url = NULL,
        .message_id_domain = "talks.example",
        .date = 1700000000,
    };
}

/* Writes "Subject: " + text, then checks every line fits in 76 and it decodes back to want. */
static void check_header_round_trip(const char *text, const char *want)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "Subject: ");
    mail_header_text(&out, text);
    tp_buf_puts(&out, "\r\n\r\n");
    parsed p;
    CHECK(parse(&out, &p) == 0);
    CHECK(p.count == 1);
    CHECK(p.longest_line <= 76);
    CHECK(p.bad_line_ends == 0);
    char *got = decode_words(header(&p, "Subject"));
    CHECK(strcmp(got, want) == 0);
    if (strcmp(got, want) != 0) fprintf(stderr, "  got %.200s\n  want %.200s\n", got, want);
    free(got);
    parsed_free(&p);
    tp_buf_free(&out);
}

static char *repeat(const char *unit, size_t times)
{
    tp_buf b = TP_BUF_INIT;
    tp_buf_puts(&b, "");
    for (size_t i = 0; i < times; i++) tp_buf_puts(&b, unit);
    return tp_buf_take(&b, NULL);
}

static void plain_ascii_header_text_is_written_as_is(void)
{
    tp_buf out = TP_BUF_INIT;
    mail_header_text(&out, "Fearless C for everyone");
    CHECK_STR_EQ(out.data, "Fearless C for everyone");
    tp_buf_free(&out);
}

static void header_text_round_trips_ascii_utf8_and_long_text(void)
{
    check_header_round_trip("Fearless C for everyone", "Fearless C for everyone");
    check_header_round_trip("C: a talk, with \"quotes\" (and more)",
                            "C: a talk, with \"quotes\" (and more)");
    check_header_round_trip("=?UTF-8?B?SGk=?= is not decoded", "=?UTF-8?B?SGk=?= is not decoded");
    check_header_round_trip("Ünïcödé — 日本語のトーク 🎉", "Ünïcödé — 日本語のトーク 🎉");
    char *words = repeat("word ", 1000);
    words[strlen(words) - 1] = '\0'; /* a long plain title folds at its spaces */
    check_header_round_trip(words, words);
    char *ascii = repeat("a", 5000);
    check_header_round_trip(ascii, ascii);
    char *accents = repeat("é", 2500);
    check_header_round_trip(accents, accents);
    char *mixed = repeat("x🎉日", 1700); /* 5100 characters of 1, 4 and 3 bytes */
    check_header_round_trip(mixed, mixed);
    free(words);
    free(ascii);
    free(accents);
    free(mixed);
}

static void header_text_turns_controls_into_spaces_and_bad_utf8_into_replacement(void)
{
    check_header_round_trip("a\r\nb\tc\x7f"
                            "d",
                            "a  b c d");
    check_header_round_trip("bad \xff\xc3 end", "bad \xef\xbf\xbd\xef\xbf\xbd end");
    check_header_round_trip("c1 \xc2\x85 control", "c1   control");
}

static void header_text_folds_from_the_current_column(void)
{
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "X-Previous: 1\r\n");
    tp_buf_puts(&out, "X-Very-Long-Header-Name-That-Leaves-Almost-No-Room-On-Its-Line-At-All: ");
    mail_header_text(&out, "été");
    tp_buf_puts(&out, "\r\n\r\n");
    parsed p;
    CHECK(parse(&out, &p) == 0);
    CHECK(p.count == 2);
    CHECK(p.longest_line <= 76);
    parsed_free(&p);
    tp_buf_free(&out);
}

static const char *const single_part_headers[] = {"Date",
                                                  "From",
                                                  "To",
                                                  "Subject",
                                                  "Message-ID",
                                                  "MIME-Version",
                                                  "Content-Type",
                                                  "Content-Transfer-Encoding",
                                                  "Auto-Submitted",
                                                  NULL};

static void injected_names_and_subjects_add_no_header(void)
{
    char *long_title = repeat("Bcc: x@y\r\n", 500);
    const char *subjects[] = {"Hi\r\nBcc: victim@example.com\r\n\r\nbody", "Hi\nBcc: v@e.com",
                              "Hi\rBcc: v@e.com", "Hi\0Bcc: v@e.com", long_title};
    const char *names[] = {"Eve\r\nBcc: x@y", "Eve\nTo: x@y", "Eve\r\n\r\n", "\"Eve\" <eve@x>, x@y",
                           long_title};
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
        mail_message m = base_message();
        m.subject = subjects[i];
        m.from_name = names[i];
        m.to_name = names[(i + 1) % 5];
        tp_buf out = TP_BUF_INIT;
        CHECK(mail_message_build(&m, &out) == 0);
        parsed p;
        CHECK(parse(&out, &p) == 0);
        CHECK(names_are(&p, single_part_headers));
        CHECK(p.longest_line <= 76);
        CHECK(p.bad_line_ends == 0);
        const char *from = header(&p, "From");
        CHECK(from && strstr(from, " <talks@talks.example>") != NULL);
        CHECK(from && strchr(from, '\r') == NULL && strchr(from, '\n') == NULL);
        parsed_free(&p);
        tp_buf_free(&out);
    }
    free(long_title);
}

static void names_with_quotes_and_commas_are_encoded(void)
{
    mail_message m = base_message();
    m.from_name = "Doe, John \"JD\"";
    m.to_name = "Zoë <Admin>";
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == 0);
    parsed p;
    CHECK(parse(&out, &p) == 0);
    const char *from = header(&p, "From"), *to = header(&p, "To");
    CHECK(from && strncmp(from, "=?UTF-8?B?", 10) == 0);
    CHECK(to && strncmp(to, "=?UTF-8?B?", 10) == 0);
    char *f = decode_words(from), *t = decode_words(to);
    CHECK_STR_EQ(f, "Doe, John \"JD\" <talks@talks.example>");
    CHECK_STR_EQ(t, "Zoë <Admin> <ada@example.org>");
    free(f);
    free(t);
    parsed_free(&p);
    tp_buf_free(&out);
}

static void plain_names_and_no_names_are_written_plainly(void)
{
    mail_message m = base_message();
    m.to_name = NULL;
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == 0);
    parsed p;
    CHECK(parse(&out, &p) == 0);
    CHECK_STR_EQ(header(&p, "From"), "Talks <talks@talks.example>");
    CHECK_STR_EQ(header(&p, "To"), "ada@example.org");
    CHECK_STR_EQ(header(&p, "Subject"), "New comment on Fearless C");
    CHECK_STR_EQ(header(&p, "MIME-Version"), "1.0");
    CHECK_STR_EQ(header(&p, "Auto-Submitted"), "auto-generated");
    CHECK_STR_EQ(header(&p, "Content-Type"), "text/plain; charset=utf-8");
    CHECK_STR_EQ(header(&p, "Content-Transfer-Encoding"), "base64");
    parsed_free(&p);
    tp_buf_free(&out);
}

static void the_date_header_is_rfc5322_in_utc(void)
{
    const struct {
        int64_t t;
        const char *want;
    } cases[] = {{0, "Thu, 01 Jan 1970 00:00:00 +0000"},
                 {1700000000, "Tue, 14 Nov 2023 22:13:20 +0000"},
                 {1709164800, "Thu, 29 Feb 2024 00:00:00 +0000"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mail_message m = base_message();
        m.date = cases[i].t;
        tp_buf out = TP_BUF_INIT;
        CHECK(mail_message_build(&m, &out) == 0);
        parsed p;
        CHECK(parse(&out, &p) == 0);
        CHECK_STR_EQ(header(&p, "Date"), cases[i].want);
        parsed_free(&p);
        tp_buf_free(&out);
    }
    mail_message m = base_message();
    m.date = INT64_MAX;
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == -1);
    tp_buf_free(&out);
}

static void message_ids_are_random_under_the_given_domain(void)
{
    mail_message m = base_message();
    tp_buf a = TP_BUF_INIT, b = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &a) == 0);
    m.message_id_domain = "[::1]:8080"; /* not a host name: the sender's domain is used */
    m.from_addr = "talks@sender.example";
    CHECK(mail_message_build(&m, &b) == 0);
    tp_buf c = TP_BUF_INIT;
    m.message_id_domain = "talks.example:8080/base"; /* a public URL after its "://" */
    CHECK(mail_message_build(&m, &c) == 0);
    CHECK(strstr(c.data, "@talks.example>\r\n") != NULL);
    tp_buf_free(&c);
    parsed pa, pb;
    CHECK(parse(&a, &pa) == 0 && parse(&b, &pb) == 0);
    const char *ia = header(&pa, "Message-ID"), *ib = header(&pb, "Message-ID");
    CHECK(ia && ia[0] == '<' && strlen(ia) == 1 + 32 + strlen("@talks.example>"));
    CHECK(ia && strstr(ia, "@talks.example>") != NULL);
    CHECK(ib && strstr(ib, "@sender.example>") != NULL);
    CHECK(ia && ib && strcmp(ia, ib) != 0);
    parsed_free(&pa);
    parsed_free(&pb);
    tp_buf_free(&a);
    tp_buf_free(&b);
}

/* A mail sent again after a crash carries the id it was given, so clients drop the copy; an id
 * that could break the header is replaced by a random one. */
static void a_given_message_id_is_kept_and_a_bad_one_replaced(void)
{
    mail_message m = base_message();
    m.message_id = "talks.12-14.3";
    tp_buf a = TP_BUF_INIT, b = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &a) == 0 && mail_message_build(&m, &b) == 0);
    tp_buf_putc(&a, '\0');
    tp_buf_putc(&b, '\0');
    CHECK(strstr(a.data, "\r\nMessage-ID: <talks.12-14.3@talks.example>\r\n") != NULL);
    CHECK(strstr(b.data, "\r\nMessage-ID: <talks.12-14.3@talks.example>\r\n") != NULL);
    tp_buf_free(&a);
    m.message_id = "x>\r\nBcc: eve@example.com";
    CHECK(mail_message_build(&m, &a) == 0);
    tp_buf_putc(&a, '\0');
    CHECK(strstr(a.data, "Bcc") == NULL && strstr(a.data, "Message-ID: <x") == NULL);
    tp_buf_free(&a);
    tp_buf_free(&b);
}

static void list_unsubscribe_is_present_only_with_a_url(void)
{
    static const char *const with_url[] = {"Date",
                                           "From",
                                           "To",
                                           "Subject",
                                           "Message-ID",
                                           "MIME-Version",
                                           "Content-Type",
                                           "Content-Transfer-Encoding",
                                           "Auto-Submitted",
                                           "List-Unsubscribe",
                                           "List-Unsubscribe-Post",
                                           NULL};
    mail_message m = base_message();
    m.unsubscribe_url = "https://talks.example/unsubscribe?t=abc_DEF-123";
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == 0);
    parsed p;
    CHECK(parse(&out, &p) == 0);
    CHECK(names_are(&p, with_url));
    CHECK_STR_EQ(header(&p, "List-Unsubscribe"),
                 "<https://talks.example/unsubscribe?t=abc_DEF-123>");
    CHECK_STR_EQ(header(&p, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    parsed_free(&p);
    tp_buf_free(&out);

    char *long_url = repeat("x", 300);
    tp_buf url = TP_BUF_INIT;
    tp_buf_printf(&url, "https://talks.example/u/%s", long_url);
    m.unsubscribe_url = url.data;
    CHECK(mail_message_build(&m, &out) == 0);
    CHECK(parse(&out, &p) == 0);
    CHECK(names_are(&p, with_url));
    const char *v = header(&p, "List-Unsubscribe");
    CHECK(v && v[0] == ' ' && v[1] == '<' && strstr(v, long_url) != NULL); /* folded after ':' */
    parsed_free(&p);
    tp_buf_free(&out);
    tp_buf_free(&url);
    free(long_url);

    m.unsubscribe_url = NULL;
    CHECK(mail_message_build(&m, &out) == 0);
    CHECK(parse(&out, &p) == 0);
    CHECK(names_are(&p, single_part_headers));
    parsed_free(&p);
    tp_buf_free(&out);
}

/* The base64 between a part's blank line and its end, decoded. */
static char *decode_part(const char *part_start, const char *part_end)
{
    const char *blank = strstr(part_start, "\r\n\r\n");
    if (!blank || blank > part_end) return NULL;
    tp_buf out = TP_BUF_INIT;
    tp_buf_puts(&out, "");
    const char *b = blank + 4;
    for (const char *l = b; l < part_end;) {
        const char *eol = strstr(l, "\r\n");
        if (eol - l > 76) fprintf(stderr, "  body line longer than 76\n"), abort();
        l = eol + 2;
    }
    base64_decode(&out, b, (size_t)(part_end - b));
    return tp_buf_take(&out, NULL);
}

static void bodies_decode_back_to_the_input(void)
{
    static const char *const multipart_headers[] = {
        "Date",         "From",           "To", "Subject", "Message-ID", "MIME-Version",
        "Content-Type", "Auto-Submitted", NULL};
    char *long_line = repeat("Ünïcödé ", 400);
    tp_buf text = TP_BUF_INIT;
    tp_buf_printf(&text, "Hello Ada,\n.\n..leading dots\nFrom the start\n%s\n\nBye\n", long_line);
    const char *html = "<p>Hello <b>Ada</b> &amp; 日本</p>\n<p>.</p>\n";
    mail_message m = base_message();
    m.text = text.data;
    m.html = html;
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == 0);
    parsed p;
    CHECK(parse(&out, &p) == 0);
    CHECK(names_are(&p, multipart_headers));
    CHECK(p.bad_line_ends == 0);
    const char *ct = header(&p, "Content-Type");
    const char *q = ct ? strstr(ct, "boundary=\"") : NULL;
    CHECK(ct && strncmp(ct, "multipart/alternative;", 22) == 0 && q);
    if (!q) abort();
    char boundary[64], delim[72], close_delim[72];
    snprintf(boundary, sizeof boundary, "%.*s", (int)strcspn(q + 10, "\""), q + 10);
    snprintf(delim, sizeof delim, "--%s\r\n", boundary);
    snprintf(close_delim, sizeof close_delim, "--%s--\r\n", boundary);

    const char *first = strstr(p.body, delim);
    const char *second = first ? strstr(first + strlen(delim), delim) : NULL;
    const char *last = second ? strstr(second, close_delim) : NULL;
    CHECK(first && second && last && strcmp(last, close_delim) == 0);
    if (!last) abort();
    CHECK(strncmp(first + strlen(delim), "Content-Type: text/plain; charset=utf-8\r\n", 41) == 0);
    CHECK(strncmp(second + strlen(delim), "Content-Type: text/html; charset=utf-8\r\n", 40) == 0);
    char *got_text = decode_part(first, second), *got_html = decode_part(second, last);
    char *want_text = crlf(text.data), *want_html = crlf(html);
    CHECK(got_text && strcmp(got_text, want_text) == 0);
    CHECK(got_html && strcmp(got_html, want_html) == 0);
    free(got_text);
    free(got_html);
    free(want_text);
    free(want_html);
    parsed_free(&p);
    tp_buf_free(&out);

    m.html = NULL;
    CHECK(mail_message_build(&m, &out) == 0);
    CHECK(parse(&out, &p) == 0);
    got_text = decode_part(out.data, out.data + out.len);
    want_text = crlf(text.data);
    CHECK(got_text && strcmp(got_text, want_text) == 0);
    free(got_text);
    free(want_text);
    parsed_free(&p);
    tp_buf_free(&out);
    tp_buf_free(&text);
    free(long_line);
}

/* What XML forbids (a speaker named "Ada\x01\uFFFF") never reaches a part: the HTML stays
 * parsable whatever a user typed. */
static void bodies_hold_only_what_xml_allows(void)
{
    mail_message m = base_message();
    m.text = "Ada\x01 \xef\xbf\xbf wrote";
    m.html = "<p>Ada\x01 \xef\xbf\xbe wrote</p>";
    tp_buf out = TP_BUF_INIT;
    CHECK(mail_message_build(&m, &out) == 0);
    tp_buf_putc(&out, '\0');
    const char *text_part = strstr(out.data, "Content-Type: text/plain");
    const char *html_part = strstr(out.data, "Content-Type: text/html");
    const char *text_end = text_part ? strstr(text_part, "\r\n--") : NULL;
    const char *html_end = html_part ? strstr(html_part, "\r\n--") : NULL;
    CHECK(text_end && html_end);
    if (!text_end || !html_end) abort();
    char *got_text = decode_part(text_part, text_end + 2);
    char *got_html = decode_part(html_part, html_end + 2);
    CHECK(got_text && strcmp(got_text, "Ada  \xef\xbf\xbd wrote") == 0);
    CHECK(got_html && strcmp(got_html, "<p>Ada  \xef\xbf\xbd wrote</p>") == 0);
    free(got_text);
    free(got_html);
    tp_buf_free(&out);
}

static void bad_addresses_are_refused_and_nothing_is_written(void)
{
    const char *bad[] = {"",
                         "ada",
                         "@example.org",
                         "ada@",
                         "ada@@example.org",
                         "a da@example.org",
                         "ada@example.org\r\nBcc: x@y",
                         "ada@example.org\n",
                         "<ada@example.org>",
                         "\"ada\"@example.org",
                         "ada@example.org,eve@example.org",
                         "ada@example.org>",
                         "ada.@example.org",
                         ".ada@example.org",
                         "a..da@example.org",
                         "ada@example..org",
                         "ada@.example.org",
                         "ada@example.org.",
                         "ada@-example.org",
                         "ada@exa_mple.org",
                         "ada@[127.0.0.1]",
                         "zoë@example.org",
                         "ada\t@example.org",
                         "ada@exam\x7fple.org"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mail_message m = base_message();
        m.to_addr = bad[i];
        tp_buf out = TP_BUF_INIT;
        if (mail_message_build(&m, &out) != -1) fprintf(stderr, "  accepted to %s\n", bad[i]);
        CHECK(mail_message_build(&m, &out) == -1);
        CHECK(out.len == 0);
        m = base_message();
        m.from_addr = bad[i];
        CHECK(mail_message_build(&m, &out) == -1);
        CHECK(!mail_address_valid(bad[i]));
        tp_buf_free(&out);
    }
    char *long_local = repeat("a", 65);
    tp_buf addr = TP_BUF_INIT;
    tp_buf_printf(&addr, "%s@example.org", long_local);
    CHECK(!mail_address_valid(addr.data));
    CHECK(!mail_address_valid(NULL));
    tp_buf_free(&addr);
    free(long_local);

    const char *good[] = {"talks@localhost", "ada+talks@example.org", "o'brien@mail.example.ie",
                          "first.last@sub-domain.example.com", "x@127.0.0.1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) CHECK(mail_address_valid(good[i]));
}

static void unsafe_unsubscribe_urls_are_refused(void)
{
    const char *bad[] = {"javascript:alert(1)",
                         "https://talks.example/u\r\nBcc: x@y",
                         "https://talks.example/<u>",
                         "ftp://talks.example/u",
                         "/unsubscribe",
                         "https://user@talks.example/u"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mail_message m = base_message();
        m.unsubscribe_url = bad[i];
        tp_buf out = TP_BUF_INIT;
        CHECK(mail_message_build(&m, &out) == -1);
        CHECK(out.len == 0);
        tp_buf_free(&out);
    }
}

static const check_case cases[] = {
    {"plain_ascii_header_text_is_written_as_is", plain_ascii_header_text_is_written_as_is},
    {"header_text_round_trips_ascii_utf8_and_long_text",
     header_text_round_trips_ascii_utf8_and_long_text},
    {"header_text_turns_controls_into_spaces_and_bad_utf8_into_replacement",
     header_text_turns_controls_into_spaces_and_bad_utf8_into_replacement},
    {"header_text_folds_from_the_current_column", header_text_folds_from_the_current_column},
    {"injected_names_and_subjects_add_no_header", injected_names_and_subjects_add_no_header},
    {"names_with_quotes_and_commas_are_encoded", names_with_quotes_and_commas_are_encoded},
    {"plain_names_and_no_names_are_written_plainly", plain_names_and_no_names_are_written_plainly},
    {"the_date_header_is_rfc5322_in_utc", the_date_header_is_rfc5322_in_utc},
    {"message_ids_are_random_under_the_given_domain",
     message_ids_are_random_under_the_given_domain},
    {"a_given_message_id_is_kept_and_a_bad_one_replaced",
     a_given_message_id_is_kept_and_a_bad_one_replaced},
    {"list_unsubscribe_is_present_only_with_a_url", list_unsubscribe_is_present_only_with_a_url},
    {"bodies_decode_back_to_the_input", bodies_decode_back_to_the_input},
    {"bodies_hold_only_what_xml_allows", bodies_hold_only_what_xml_allows},
    {"bad_addresses_are_refused_and_nothing_is_written",
     bad_addresses_are_refused_and_nothing_is_written},
    {"unsafe_unsubscribe_urls_are_refused", unsafe_unsubscribe_urls_are_refused},
};

CHECK_MAIN("mail-message", cases)
