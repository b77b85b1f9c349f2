/* tp_heap: how much freed memory each process keeps instead of handing it back to the kernel.
 *
 * Design notes: glibc's malloc gives the free memory at the top of a heap back to the kernel as
 * soon as there is more than M_TRIM_THRESHOLD of it (128 KiB to start with, sliding up to twice
 * the largest block it has mapped and unmapped), and a busy process frees in bursts: the
 * gateway's heap swings by several MiB as its 64 connections' pages are built, held until their
 * sockets take them, and freed (a talk page alone is some 150 KiB of temporaries: the template
 * tree's arena blocks, the HTML, the replies). Each swing was trimmed, and the next pages took
 * the memory back one minor fault a page at a time: 5 to 7 faults per uncached talk page with ten
 * comments (the gateway's CPU on it 190 us against 72 without them), 11 per timeline page after
 * a run of talk pages (perf: in the HTML buffer and the tree, on the heap just above where it had
 * been cut back). So every process keeps up to TP_HEAP_KEEP free at the top of each heap (8 MiB
 * still left 5 faults per timeline page; 16 MiB none); a block of TP_HEAP_MMAP_FROM or more
 * still gets its own mapping and goes back as soon as it is freed. Setting either value stops
 * glibc from sliding both, so both are set. Under AddressSanitizer (the test builds) its
 * own allocator is in use and this changes nothing; bench/run.py reports the stack's minor faults
 * per request. */
#ifndef TP_HEAP_H
#define TP_HEAP_H

#include <stdbool.h>

#define TP_HEAP_KEEP      (16 * 1024 * 1024)
#define TP_HEAP_MMAP_FROM (1024 * 1024)

/* Once, at the start of main, before any thread. An operator's own glibc.malloc.trim_threshold
 * or glibc.malloc.mmap_threshold in GLIBC_TUNABLES is left in force (neither is set then). */
void tp_heap_keep_freed(void);
/* Whether tunables (GLIBC_TUNABLES's value, or NULL) sets either threshold. */
bool tp_heap_tuned_by_operator(const char *tunables);

#endif
