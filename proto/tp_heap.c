/* tp_heap: malloc's trim and mapping thresholds (see tp_heap.h). */
#include "tp_heap.h"

#include <malloc.h>

void tp_heap_keep_freed(void)
{
    mallopt(M_MMAP_THRESHOLD, TP_HEAP_MMAP_FROM);
    mallopt(M_TRIM_THRESHOLD, TP_HEAP_KEEP);
}
