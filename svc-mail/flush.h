/* flush: sending what the queue holds. Every MAIL_FLUSH_SECONDS the due notifications are
 * grouped per recipient, talk and kind — at most one mail per recipient per talk per flush —
 * and sent over one SMTP connection. A group is marked sent only after the server accepted it;
 * a failed one is tried again later, each time waiting twice as long (at most an hour). */
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
} flush_config;

/* Sends what is due; returns how many mails were sent, or -1 when the queue cannot be read. */
int flush_due(tp_db *db, const flush_config *cfg);

#endif
