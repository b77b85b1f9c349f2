/* flush: sending what the queue holds. Every MAIL_FLUSH_SECONDS the due notifications are
 * grouped per recipient, talk and kind — at most one mail per recipient per talk per flush —
 * and sent over one SMTP connection, one mail at a time, each between two small transactions:
 * before it, one more attempt is recorded (due again after the backoff, as if it failed); after
 * the server accepted it, it is marked sent. A failed one is tried again later, each time waiting
 * twice as long (at most an hour).
 *
 * What is promised (the design notes in flush.c say how):
 * - nothing is lost: a notification is done only once marked sent, after the server's 250;
 * - nothing is sent twice, except the one mail in flight when svc-mail died (kill -9, power cut)
 *   after the server accepted it and before its mark was committed: that one mail goes once more
 *   after the restart. Never more than that one;
 * - while mail.db cannot be written (disk full, read-only), no mail goes out. */
#ifndef MAIL_FLUSH_H
#define MAIL_FLUSH_H

#include "smtp.h"
#include "tp_db.h"
#include "tp_template.h"

typedef struct flush_config {
    const char *public_url; /* absolute, no trailing slash */
    const char *sender;     /* MAIL_SENDER */
    long flush_seconds;
    const tpl_set *templates;
    mail_sender *out;
    /* Send only what is due of this kind (reset mails, at once); NULL: every kind. */
    const char *only_kind;
} flush_config;

/* Sends what is due; returns how many mails were sent, or -1 when mail.db could not be read or
 * written (the flush stopped there; see flush.c). Not thread-safe: svc-mail's one background
 * thread is its only caller, since it holds what it sent and could not record yet. */
int flush_due(tp_db *db, const flush_config *cfg);

#endif
