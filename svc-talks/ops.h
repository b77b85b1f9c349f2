/* ops: the table of svc-talks' operations. */
#ifndef TALKS_OPS_H
#define TALKS_OPS_H

#include "tp_svc.h"

extern const tp_op talks_ops[];
extern const size_t talks_nops;

#endif
