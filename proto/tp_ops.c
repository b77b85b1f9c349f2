/* tp_ops: the table of operations and roles (see tp_ops.h). */
#include "tp_ops.h"

#include <stdbool.h>
#include <string.h>

static const char *const role_names[TP_ROLE_COUNT] = {
#define TP_ROLE_ROW(name, wire) [name] = wire,
    TP_ROLES(TP_ROLE_ROW)
#undef TP_ROLE_ROW
};

static const struct {
    const char *name;
    size_t len; /* tp_op_by_name compares it first: the gateway looks up every call's op */
    enum tp_role owner;
    unsigned from;
} ops[TP_OP_COUNT] = {
#define TP_OP_ROW(id, wire, owner, from) [id] = {wire, sizeof wire - 1, owner, from},
    TP_OPS(TP_OP_ROW)
#undef TP_OP_ROW
};

const char *tp_role_name(enum tp_role r)
{
    return role_names[r];
}

static bool named(const char *name, const char *p, size_t n)
{
    return strlen(name) == n && memcmp(name, p, n) == 0;
}

int tp_role_by_name(const char *p, size_t n)
{
    for (int r = 0; r < TP_ROLE_COUNT; r++)
        if (named(role_names[r], p, n)) return r;
    return -1;
}

const char *tp_op_name(enum tp_op_id op)
{
    return ops[op].name;
}

enum tp_role tp_op_owner(enum tp_op_id op)
{
    return ops[op].owner;
}

unsigned tp_op_from(enum tp_op_id op)
{
    return ops[op].from;
}

int tp_op_by_name(const char *p, size_t n)
{
    for (int op = 0; op < TP_OP_COUNT; op++)
        if (ops[op].len == n && memcmp(ops[op].name, p, n) == 0) return op;
    return -1;
}

unsigned tp_ops_relay_callers(void)
{
    unsigned callers = 0;
    for (int op = 0; op < TP_OP_COUNT; op++)
        for (int r = 0; r < TP_ROLE_COUNT; r++)
            if (ops[op].from & TP_FROM_RELAY(r)) callers |= TP_ROLE_BIT(r);
    return callers;
}
