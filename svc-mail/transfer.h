/* transfer: svc-mail's side of talksctl export, import and import-flask — who gets mail about
 * which talk (subscriptions), paged (tp_transfer.h). The queue is not moved: an import is
 * history, and a queued notification belongs to the site that queued it. */
#ifndef MAIL_TRANSFER_H
#define MAIL_TRANSFER_H

#include "tp_svc.h"

tp_err transfer_export(tp_call *c); /* mail.export */
tp_err transfer_import(tp_call *c); /* mail.import */

#endif
