/* tp_heap: malloc's trim and mapping thresholds (see tp_heap.h). */
#include "tp_heap.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

/* GLIBC_TUNABLES is name=value pairs separated by colons. */
static bool sets(const char *tunables, const char *name)
{
    size_t n = strlen(name);
    for (const char *pair = tunables; pair && *pair;) {
        if (strncmp(pair, name, n) == 0 && pair[n] == '=') return true;
        const char *colon = strchr(pair, ':');
        pair = colon ? colon + 1 : NULL;
    }
    return false;
}

bool tp_heap_tuned_by_operator(const char *tunables)
{
    return sets(tunables, "glibc.malloc.trim_threshold") ||
           sets(tunables, "glibc.malloc.mmap_threshold");
}

void tp_heap_keep_freed(void)
{
    if (tp_heap_tuned_by_operator(getenv("GLIBC_TUNABLES"))) return;
    mallopt(M_MMAP_THRESHOLD, TP_HEAP_MMAP_FROM);
    mallopt(M_TRIM_THRESHOLD, TP_HEAP_KEEP);
}
