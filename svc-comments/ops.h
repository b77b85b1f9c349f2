/* ops: the table of svc-comments' operations. */
#ifndef COMMENTS_OPS_H
#define COMMENTS_OPS_H

#include "tp_svc.h"

extern const tp_op_fn comments_ops[TP_OP_COUNT];

/* Reads COMMENT_RATE_PER_MINUTE; the service's start hook. */
int comments_ops_init(char *err, size_t errlen);

#endif
