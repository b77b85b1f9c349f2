/* tp_arena: allocation in blocks (see tp_arena.h). */
#include "tp_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#include "tp_buf.h"

struct tp_arena_block {
    tp_arena_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char bytes[];
};

void tp_arena_init(tp_arena *a, size_t first)
{
    a->blocks = NULL;
    a->first = first;
    a->used = 0;
}

void *tp_arena_alloc(tp_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) abort(); /* no caller asks for this much: the rounding below stays safe */
    n = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    tp_arena_block *b = a->blocks;
    if (!b || b->size - b->used < n) {
        size_t usual = !b && a->first ? a->first : TP_ARENA_BLOCK;
        size_t size = n > usual ? n : usual;
        b = tp_xmalloc(sizeof *b + size);
        b->used = 0;
        b->size = size;
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->bytes + b->used;
    b->used += n;
    a->used += n;
    return p;
}

void tp_arena_free(tp_arena *a)
{
    for (tp_arena_block *b = a->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->blocks = NULL;
    a->used = 0;
}
