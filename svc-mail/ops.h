/* ops: svc-mail's operations (the unsubscribe pages' questions) and its background loop. */
#ifndef MAIL_OPS_H
#define MAIL_OPS_H

#include "tp_svc.h"

extern const tp_op_fn mail_ops[TP_OP_COUNT];

/* Reads the mail settings, the key and the templates; the service's start hook. */
int mail_start(char *err, size_t errlen);
/* Receives events, catches up from the outbox and flushes the queue until stopping. */
void mail_loop(struct tp_db *db, const atomic_bool *stopping);

#endif
