/* tp_w_tree: a tp_w's values as a msgpack_object tree (see tp_w_tree.h). */
#include "tp_w_tree.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tp_arena.h"
#include "tp_buf.h"
#include "tp_msg.h"

struct tp_w_tree {
    tp_arena arena;
    msgpack_object *stack; /* values whose container has not closed yet */
    size_t top, cap;
    size_t opened_at[TP_W_MAX_DEPTH]; /* where each open container's entries begin on the stack */
    int depth;
};

tp_w_tree *tp_w_tree_new(void)
{
    return tp_xcalloc(1, sizeof(tp_w_tree));
}

void tp_w_tree_free(tp_w_tree *t)
{
    if (!t) return;
    tp_arena_free(&t->arena);
    free(t->stack);
    free(t);
}

void tp_w_tree_value(tp_w_tree *t, msgpack_object o)
{
    if (t->top == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->stack = tp_xrealloc(t->stack, t->cap * sizeof *t->stack);
    }
    t->stack[t->top++] = o;
}

void tp_w_tree_bytes(tp_w_tree *t, msgpack_object_type type, const void *p, size_t n)
{
    assert(n <= UINT32_MAX);
    char *copy = n ? tp_arena_alloc(&t->arena, n) : NULL;
    if (n) memcpy(copy, p, n);
    msgpack_object o = {.type = type};
    /* str and bin share one layout in msgpack_object's union */
    o.via.str.size = (uint32_t)n;
    o.via.str.ptr = copy ? copy : "";
    tp_w_tree_value(t, o);
}

void tp_w_tree_open(tp_w_tree *t)
{
    assert(t->depth < TP_W_MAX_DEPTH);
    t->opened_at[t->depth++] = t->top;
}

void tp_w_tree_close(tp_w_tree *t, bool is_map)
{
    assert(t->depth > 0);
    size_t from = t->opened_at[--t->depth], n = t->top - from;
    msgpack_object o = {.type = is_map ? MSGPACK_OBJECT_MAP : MSGPACK_OBJECT_ARRAY};
    if (is_map) {
        assert(n % 2 == 0);
        msgpack_object_kv *kv = n ? tp_arena_alloc(&t->arena, n / 2 * sizeof *kv) : NULL;
        for (size_t i = 0; i < n / 2; i++) {
            kv[i].key = t->stack[from + 2 * i];
            kv[i].val = t->stack[from + 2 * i + 1];
        }
        o.via.map.size = (uint32_t)(n / 2);
        o.via.map.ptr = kv;
    } else {
        msgpack_object *items = n ? tp_arena_alloc(&t->arena, n * sizeof *items) : NULL;
        if (n) memcpy(items, t->stack + from, n * sizeof *items);
        o.via.array.size = (uint32_t)n;
        o.via.array.ptr = items;
    }
    t->top = from;
    tp_w_tree_value(t, o);
}

const msgpack_object *tp_w_tree_root(const tp_w_tree *t)
{
    return t->depth == 0 && t->top == 1 ? &t->stack[0] : NULL;
}
