/*
 * hugearr.h - the key tables' large arrays, in memory the kernel may back
 * with 2 MiB pages.
 *
 * A key table is a few arrays of several MiB each, grown as keys come and
 * read at random (a slot, a key, its cells).  In 4 KiB pages every new
 * page is a fault, and every lookup a likely TLB miss; on a virtual
 * machine a fault costs microseconds, and a scan of 1 GB took some 15,000
 * of them.  An array of RS_HUGEARR_MIN bytes or more is therefore its own
 * mapping, aligned to 2 MiB and advised MADV_HUGEPAGE, and grows by
 * moving its pages (mremap), never by copying.  A smaller one stays with
 * malloc.  Where the kernel gives no huge pages (transparent huge pages
 * off), the mapping is one of 4 KiB pages, as malloc's would be.
 *
 * The memory it costs over malloc is the untouched rest of an array's
 * last 2 MiB page: under 2 MiB an array.
 *
 * The caller keeps each array's size in bytes: both functions take it.
 */

#ifndef RS_HUGEARR_H
#define RS_HUGEARR_H

#include <stddef.h>

#define RS_HUGEARR_MIN  (1u << 20)

/*
 * Resizes *p from `old` bytes to `size` (old 0: a new array, NULL *p).
 * The first min(old, size) bytes are kept; the bytes after them are zero
 * when `zero`, undefined otherwise.  0, or -1 with *p unchanged when out
 * of memory.
 */
int rs_hugearr_resize(void **p, size_t old, size_t size, int zero);

/* Frees an array of `size` bytes (as last resized); NULL is nothing. */
void rs_hugearr_free(void *p, size_t size);

#endif /* RS_HUGEARR_H */
