/* tp_arena: memory handed out in order and freed all at once, for the values of one message or
 * one page (tp_msg.h, tp_w_tree.h): a bump of a pointer per allocation instead of a malloc, and
 * one free per block of them. Allocation failure is fatal, as with tp_xmalloc. */
#ifndef TP_ARENA_H
#define TP_ARENA_H

#include <stddef.h>

typedef struct tp_arena_block tp_arena_block;

typedef struct tp_arena {
    tp_arena_block *blocks; /* the newest first */
} tp_arena;

#define TP_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL                                                                                       \
    }

/* n bytes, aligned for any type, until tp_arena_free. */
void *tp_arena_alloc(tp_arena *a, size_t n);
void tp_arena_free(tp_arena *a);

#endif
