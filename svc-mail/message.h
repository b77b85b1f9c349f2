/* message: builds one RFC 5322 / MIME message from typed fields, so that nothing a person typed
 * (a talk title, a display name) can add a header, end one early or make a line too long.
 *
 * Every header that carries free text goes through mail_header_text (RFC 2047 encoded-words,
 * folded); addresses, the Message-ID domain and the unsubscribe URL are checked, never encoded,
 * and a bad one refuses the whole message. Bodies are base64, 76 characters a line.
 * randombytes_buf needs sodium_init() to have run (tp_svc_main does it). */
#ifndef MAIL_MESSAGE_H
#define MAIL_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "tp_buf.h"

#define MAIL_ADDRESS_MAX 254 /* RFC 5321 path limit, angle brackets excluded */

typedef struct mail_message {
    const char *from_name; /* display name, any UTF-8 (e.g. "Talks"); may be NULL */
    const char *from_addr; /* MAIL_SENDER */
    const char *to_name;   /* may be NULL */
    const char *to_addr;   /* the recipient */
    const char *subject;   /* any UTF-8, may contain anything a user typed; NULL = "" */
    const char *text;      /* text/plain body, UTF-8, LF line ends; NULL = "" */
    const char *html;      /* text/html body, UTF-8 (already escaped by the caller), or NULL */
    const char *unsubscribe_url;   /* absolute https/http URL, or NULL */
    const char *message_id_domain; /* host of the public URL; anything from ':' or '/' on is
                                      ignored; from_addr's domain when NULL or not a host name */
    /* The Message-ID's local part, so that a mail sent again (svc-mail killed between the
     * server's answer and its record) carries the same one and mail clients drop the copy:
     * letters, digits, '.' and '-', at most 64; random when NULL or anything else. */
    const char *message_id;
    int64_t date; /* unix time for the Date header */
} mail_message;

/* Appends the whole RFC 5322 message (CRLF line ends) to out. -1 (out untouched) when an address
 * is not a plain addr-spec (see mail_address_valid), the unsubscribe URL is not one tp_url_is_http
 * accepts, or date is outside years 1900-9999; 0 otherwise. Headers: Date, From, To, Subject,
 * Message-ID, MIME-Version, Auto-Submitted, Content-Type, Content-Transfer-Encoding (single part
 * only), and List-Unsubscribe + List-Unsubscribe-Post (RFC 8058 one-click) when unsubscribe_url is
 * set. With html the body is multipart/alternative (text, then html) under a random boundary.
 * Bodies: LF becomes CRLF (MIME canonical text form), then base64. */
int mail_message_build(const mail_message *m, tp_buf *out);

/* Appends text for an unstructured header or a display name, continuing the line that out
 * currently ends with (its column decides where to fold; every line stays within 76 chars):
 * as is, folded at spaces, when it is printable ASCII words separated by single spaces, without
 * RFC 5322 specials ()<>[]:;@\,." and without "=?"; otherwise as RFC 2047 encoded-words
 * (=?UTF-8?B?...?=, at most 45 bytes of text each, split between characters), one per line.
 * Before encoding, control characters (C0, DEL) become spaces and invalid UTF-8 becomes U+FFFD,
 * so what a reader decodes is always one line of valid text. */
void mail_header_text(tp_buf *out, const char *text);

/* True for a plain ASCII addr-spec: dot-atom local part (RFC 5322 atext, at most 64 chars) '@'
 * a host name (letters, digits, '-' in dot-separated labels), at most MAIL_ADDRESS_MAX in all.
 * Limits: quoted local parts, domain literals and non-ASCII (SMTPUTF8) addresses are refused, even
 * though tp_text_email lets some of them into accounts; such a recipient cannot be mailed. */
bool mail_address_valid(const char *addr);

#endif
