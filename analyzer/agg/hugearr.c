/*
 * hugearr.c - large arrays in mappings advised for 2 MiB pages (see
 * hugearr.h).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hugearr.h"

#define RS_HUGE_PAGE  ((size_t) 2 << 20)


static size_t
rs_map_len(size_t size)
{
    return (size + RS_HUGE_PAGE - 1) & ~(RS_HUGE_PAGE - 1);
}


/*
 * len bytes (a multiple of 2 MiB) at a 2 MiB boundary, where a huge page
 * can back each 2 MiB: mapped 2 MiB longer, the ends cut off.  The advice
 * may fail (no transparent huge pages): the mapping is good all the same.
 */
static void *
rs_map_aligned(size_t len)
{
    char    *p;
    size_t   head;

    p = mmap(NULL, len + RS_HUGE_PAGE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }

    head = (RS_HUGE_PAGE - ((uintptr_t) p & (RS_HUGE_PAGE - 1)))
           & (RS_HUGE_PAGE - 1);
    if (head > 0) {
        (void) munmap(p, head);
    }
    (void) munmap(p + head + len, RS_HUGE_PAGE - head);

    p += head;
    (void) madvise(p, len, MADV_HUGEPAGE);

    return p;
}


int
rs_hugearr_resize(void **p, size_t old, size_t size, int zero)
{
    void    *q;
    size_t   olen, nlen;

    if (size < RS_HUGEARR_MIN) {
        if (old >= RS_HUGEARR_MIN) {
            q = malloc(size > 0 ? size : 1);
            if (q == NULL) {
                return -1;
            }
            memcpy(q, *p, size);
            (void) munmap(*p, rs_map_len(old));
            *p = q;
            return 0;
        }

        q = realloc(*p, size > 0 ? size : 1);
        if (q == NULL) {
            return -1;
        }
        if (zero && size > old) {
            memset((char *) q + old, 0, size - old);
        }
        *p = q;
        return 0;
    }

    nlen = rs_map_len(size);

    if (old < RS_HUGEARR_MIN) {
        /* out of malloc: the one copy an array ever takes */
        q = rs_map_aligned(nlen);
        if (q == NULL) {
            return -1;
        }
        if (old > 0) {
            memcpy(q, *p, old);
        }
        free(*p);
        *p = q;
        return 0;
    }

    if (zero && size > old) {
        memset((char *) *p + old, 0, (size < rs_map_len(old) ? size
                                      : rs_map_len(old)) - old);
    }

    olen = rs_map_len(old);
    if (nlen == olen) {
        return 0;
    }

    if (nlen < olen) {
        (void) munmap((char *) *p + nlen, olen - nlen);
        return 0;
    }

    /*
     * Longer: the pages move to a new aligned place (the page tables, not
     * the bytes; a 2 MiB page stays one) and the rest comes new and zero.
     * The mapping moved keeps its advice.
     */
    q = rs_map_aligned(nlen);
    if (q == NULL) {
        return -1;
    }
    if (mremap(*p, olen, nlen, MREMAP_MAYMOVE | MREMAP_FIXED, q)
        == MAP_FAILED)
    {
        (void) munmap(q, nlen);
        return -1;
    }

    *p = q;

    return 0;
}


void
rs_hugearr_free(void *p, size_t size)
{
    if (p == NULL) {
        return;
    }

    if (size >= RS_HUGEARR_MIN) {
        (void) munmap(p, rs_map_len(size));
    } else {
        free(p);
    }
}
