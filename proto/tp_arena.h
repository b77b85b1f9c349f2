/* tp_arena: memory handed out in order and freed all at once, for the values of one message or
 * one page (tp_msg.h, tp_w_tree.h): a bump of a pointer per allocation instead of a malloc, and
 * one free per block of them. Allocation failure is fatal, as with tp_xmalloc. */
#ifndef TP_ARENA_H
#define TP_ARENA_H

#include <stddef.h>

typedef struct tp_arena_block tp_arena_block;

typedef struct tp_arena {
    tp_arena_block *blocks; /* the newest first */
    size_t first;           /* the first block's size */
    size_t used;            /* bytes handed out since the last tp_arena_free */
} tp_arena;

/* A block holds a talk page's values (about 20 kB) or a bus reply of a page of talks; larger
 * allocations get a block of their own size. */
#define TP_ARENA_BLOCK (32 * 1024)

/* An empty arena whose first block has first bytes (TP_ARENA_BLOCK, or less for a use known to be
 * small: a request of a few hundred bytes need not touch 32 kB); 0 is TP_ARENA_BLOCK, so an
 * arena that is all zero bytes is an empty one. */
void tp_arena_init(tp_arena *a, size_t first);
/* n bytes, aligned for any type, until tp_arena_free. */
void *tp_arena_alloc(tp_arena *a, size_t n);
void tp_arena_free(tp_arena *a);

#endif
