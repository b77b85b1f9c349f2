/* ops: the table of svc-auth's operations. */
#ifndef AUTH_OPS_H
#define AUTH_OPS_H

#include "tp_svc.h"

extern const tp_op_fn auth_ops[TP_OP_COUNT];

#endif
