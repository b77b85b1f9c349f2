/* transfer: svc-talks' side of talksctl export, import and import-flask — its talks, paged
 * (tp_transfer.h). */
#ifndef TALKS_TRANSFER_H
#define TALKS_TRANSFER_H

#include "tp_svc.h"

tp_err transfer_export(tp_call *c); /* talks.export */
tp_err transfer_import(tp_call *c); /* talks.import */

#endif
