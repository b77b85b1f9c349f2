/* ops: the table of svc-talks' operations. */
#ifndef TALKS_OPS_H
#define TALKS_OPS_H

#include "tp_svc.h"

extern const tp_op_fn talks_ops[TP_OP_COUNT];

#endif
