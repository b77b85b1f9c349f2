/* transfer: svc-comments' side of talksctl export, import and import-flask — its comments with
 * their state, paged (tp_transfer.h). */
#ifndef COMMENTS_TRANSFER_H
#define COMMENTS_TRANSFER_H

#include "tp_svc.h"

tp_err transfer_export(tp_call *c); /* comments.export */
tp_err transfer_import(tp_call *c); /* comments.import */

#endif
