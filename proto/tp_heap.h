/* tp_heap: how much freed memory each process keeps instead of handing it back to the kernel.
 *
 * Design notes: glibc's malloc gives the free memory at the top of a heap back to the kernel as
 * soon as there is more than M_TRIM_THRESHOLD of it (128 KiB to start with), and a busy process
 * frees in bursts: the gateway's heap swings by a few MiB as its 64 connections' pages are built
 * and sent (a talk page alone is some 150 KiB of temporaries: the template tree's arena blocks,
 * the HTML, the replies). Each swing was trimmed, and the next pages took every page back as a
 * minor fault: 5 to 7 a talk page with ten comments, and the gateway's CPU per uncached talk page
 * 190 us against 72 without them (perf: the faults were in the HTML buffer and the tree, on the
 * heap just above where it had been cut back). So every process keeps up to TP_HEAP_KEEP free at
 * the top of each heap (4 MiB still let some runs fault; 8 MiB none in ten); a block of
 * TP_HEAP_MMAP_FROM or more (svc-auth's 64 MiB Argon2id buffers) gets its own mapping and goes
 * back when freed. Setting either value stops glibc from sliding both with the sizes it sees, so
 * both are set. Under AddressSanitizer (the test builds) its own allocator is in use and this
 * changes nothing; bench/run.py reports the stack's minor faults per request. */
#ifndef TP_HEAP_H
#define TP_HEAP_H

#define TP_HEAP_KEEP      (8 * 1024 * 1024)
#define TP_HEAP_MMAP_FROM (1024 * 1024)

/* Once, at the start of main, before any thread. */
void tp_heap_keep_freed(void);

#endif
