/* smtp: hands built messages to an SMTP server through libcurl, or, without SMTP_URL, writes
 * each one as an .eml file so development needs no mail server. */
#ifndef MAIL_SMTP_H
#define MAIL_SMTP_H

#include <stddef.h>

#include "tp_buf.h"

typedef struct mail_sender mail_sender; /* one reused libcurl handle (one connection per flush) */

/* url: SMTP_URL (smtp:// — STARTTLS when the server offers it — or smtps://; libcurl is loaded
 * then, tp_curl.h); NULL or "" means: write .eml files into eml_dir instead (created, mode 0700,
 * if missing). username and password
 * are used when username is set (not ""). NULL with a reason in err on a bad URL scheme or an
 * unusable eml_dir. The sender copies every string. */
mail_sender *mail_sender_new(const char *url, const char *username, const char *password,
                             const char *eml_dir, char *err, size_t errlen);

/* Sends one built message to one recipient (envelope MAIL FROM / RCPT TO from the addresses,
 * which must pass mail_address_valid). 0 only when the server accepted it (250 after DATA), or
 * the .eml file (<unix time>-<random>.eml, exactly the message bytes) was written and fsynced
 * under a temporary name, then renamed into place and the directory fsynced. -1 with a reason in
 * err otherwise; the reason has the server's reply code when there was one (5xx: permanent).
 * Blocks for at most 10 s connecting and 30 s in all. */
int mail_sender_send(mail_sender *s, const char *from_addr, const char *to_addr,
                     const tp_buf *message, char *err, size_t errlen);

/* Ends the connection (QUIT); the next send reconnects. Call after each flush. */
void mail_sender_close_connection(mail_sender *s);

/* Closes the connection and wipes the password. NULL is fine. */
void mail_sender_free(mail_sender *s);

#endif
