/* reset: password reset mails. The gateway asks svc-mail (mail.password_reset) for every reset
 * request, whatever the address; svc-mail asks svc-auth through the relay for a reset link
 * (auth.reset_token, which also throttles) and, when an account has that address, hands the link
 * to the mail loop, which queues it and sends it at once rather than with the next batch.
 *
 * Design notes: the request does the same work whether or not the account exists — one relay
 * call, one write in auth.db, and a hand-off to memory — so neither the page nor its timing tells
 * them apart (the queue's write, and its fsync, happen on the mail loop's thread). The cost is a
 * window of at most one loop turn (250 ms) in which a link lives only in memory: a crash then
 * loses that mail, and the visitor asks again, as they would for a mail that never came. Once
 * queued, a reset mail is retried like any other, and its link is wiped from mail.db when sent. */
#ifndef MAIL_RESET_H
#define MAIL_RESET_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "tp_buf.h"
#include "tp_svc.h"

/* The queue's kind of a reset mail. */
#define RESET_KIND "reset"

/* The op: {email, addr} → ok (whether or not the account exists), or throttled. */
tp_err reset_op(tp_call *c);
/* Queues the links handed over since the last call (mail loop only); how many, or -1 (they are
 * kept for the next call). */
int reset_queue_pending(tp_db *db);
/* Writes a reset mail's subject and text for row q (its body holds the link's token), and the
 * context of its HTML template, "mail_reset", into html_ctx (initialised here; free it). */
void reset_write(const queued *q, const char *public_url, char *subject, size_t subject_len,
                 tp_buf *text, tp_w *html_ctx);

#endif
