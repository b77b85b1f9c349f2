/* transfer: svc-auth's side of talksctl export, import and import-flask — its users, with their
 * password hashes, paged (tp_transfer.h). */
#ifndef AUTH_TRANSFER_H
#define AUTH_TRANSFER_H

#include "tp_svc.h"

tp_err transfer_export(tp_call *c); /* auth.export */
tp_err transfer_import(tp_call *c); /* auth.import */

#endif
