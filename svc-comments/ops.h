/* ops: the table of svc-comments' operations. */
#ifndef COMMENTS_OPS_H
#define COMMENTS_OPS_H

#include "tp_svc.h"

extern const tp_op comments_ops[];
extern const size_t comments_nops;

/* Reads COMMENT_RATE_PER_MINUTE; the service's start hook. */
int comments_ops_init(char *err, size_t errlen);

#endif
