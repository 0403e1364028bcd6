/*
 * The key tables' large arrays (analyzer/agg/hugearr.h): an array keeps
 * its bytes as it grows from malloc into a mapping of its own and on
 * through moves; what it gains is zero when asked; a large one starts at
 * a 2 MiB boundary and, where the kernel has transparent huge pages, is
 * backed by them once touched.
 */

#define _GNU_SOURCE

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugearr.h"

#define MIB  ((size_t) 1 << 20)

/* Fills p[from..to) with a pattern of the offset. */
static void
fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        p[i] = (unsigned char) (i * 7 + i / 4099);
    }
}

static size_t
first_bad(const unsigned char *p, size_t to)
{
    for (size_t i = 0; i < to; i++) {
        if (p[i] != (unsigned char) (i * 7 + i / 4099)) {
            return i;
        }
    }

    return to;
}

static size_t
first_nonzero(const unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (p[i] != 0) {
            return i;
        }
    }

    return to;
}

Test(hugearr, grows_from_malloc_into_a_mapping_and_keeps_every_byte)
{
    static const size_t  sizes[] = {
        100, 64 * 1024, RS_HUGEARR_MIN - 1, RS_HUGEARR_MIN, 3 * MIB + 5,
        4 * MIB, 9 * MIB + 123, 17 * MIB,
    };
    void    *p = NULL;
    size_t   old = 0, i;

    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        cr_assert_eq(rs_hugearr_resize(&p, old, sizes[i], 0), 0);
        cr_assert_not_null(p);
        cr_assert_eq(first_bad(p, old), old, "step %zu", i);
        if (sizes[i] >= RS_HUGEARR_MIN) {
            cr_assert_eq((uintptr_t) p & (2 * MIB - 1), 0,
                         "%zu bytes at %p", sizes[i], p);
        }
        fill(p, old, sizes[i]);
        old = sizes[i];
    }

    cr_assert_eq(first_bad(p, old), old);

    /* shorter, back into malloc on the way */
    cr_assert_eq(rs_hugearr_resize(&p, old, 5 * MIB, 0), 0);
    cr_assert_eq(first_bad(p, 5 * MIB), 5 * MIB);
    cr_assert_eq(rs_hugearr_resize(&p, 5 * MIB, 1000, 0), 0);
    cr_assert_eq(first_bad(p, 1000), 1000);

    rs_hugearr_free(p, 1000);
}

Test(hugearr, what_an_array_gains_is_zero_when_asked)
{
    unsigned char  *p = NULL;

    /* new, in malloc and in a mapping (calloc's use: a hash table) */
    cr_assert_eq(rs_hugearr_resize((void **) &p, 0, 4096, 1), 0);
    cr_assert_eq(first_nonzero(p, 0, 4096), 4096);
    memset(p, 0xab, 4096);

    cr_assert_eq(rs_hugearr_resize((void **) &p, 4096, 8192, 1), 0);
    cr_assert_eq(p[4095], 0xab);
    cr_assert_eq(first_nonzero(p, 4096, 8192), 8192);
    rs_hugearr_free(p, 8192);

    p = NULL;
    cr_assert_eq(rs_hugearr_resize((void **) &p, 0, 6 * MIB, 1), 0);
    cr_assert_eq(first_nonzero(p, 0, 6 * MIB), 6 * MIB);
    memset(p, 0xcd, 6 * MIB);

    /* shorter, then longer within the same 2 MiB: the bytes past the
       shorter length were written, and must read zero again */
    cr_assert_eq(rs_hugearr_resize((void **) &p, 6 * MIB, 5 * MIB + 1, 1),
                 0);
    cr_assert_eq(rs_hugearr_resize((void **) &p, 5 * MIB + 1, 6 * MIB, 1),
                 0);
    cr_assert_eq(p[5 * MIB], 0xcd);
    cr_assert_eq(first_nonzero(p, 5 * MIB + 1, 6 * MIB), 6 * MIB);

    /* and into a longer mapping */
    cr_assert_eq(rs_hugearr_resize((void **) &p, 6 * MIB, 11 * MIB, 1), 0);
    cr_assert_eq(p[5 * MIB], 0xcd);
    cr_assert_eq(first_nonzero(p, 6 * MIB, 11 * MIB), 11 * MIB);
    rs_hugearr_free(p, 11 * MIB);
}

/* The kernel's setting: "always [madvise] never" names it in brackets. */
static int
thp_enabled(void)
{
    char   line[256] = "";
    FILE  *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

    if (f == NULL) {
        return 0;
    }
    if (fgets(line, sizeof(line), f) == NULL) {
        line[0] = '\0';
    }
    fclose(f);

    return strstr(line, "[never]") == NULL && strchr(line, '[') != NULL;
}

/* AnonHugePages of the mapping that holds p, in KiB (/proc/self/smaps). */
static long
huge_kib(const void *p)
{
    char       line[512];
    long       kib = -1;
    int        in = 0;
    uintptr_t  a = (uintptr_t) p, lo, hi;
    FILE      *f = fopen("/proc/self/smaps", "r");

    cr_assert_not_null(f);

    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2
            && strchr(line, ':') != NULL && line[0] != ' ')
        {
            in = a >= lo && a < hi;
            continue;
        }
        if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) {
            break;
        }
    }

    fclose(f);

    return kib;
}

Test(hugearr, a_large_array_is_backed_by_huge_pages_where_the_kernel_has_them)
{
    void  *p = NULL;

    if (!thp_enabled()) {
        cr_skip_test("transparent huge pages are off here"
                     " (/sys/kernel/mm/transparent_hugepage/enabled)");
    }

    cr_assert_eq(rs_hugearr_resize(&p, 0, 8 * MIB, 0), 0);
    memset(p, 1, 8 * MIB);

    /* grown by a move: the pages stay huge */
    cr_assert_eq(rs_hugearr_resize(&p, 8 * MIB, 12 * MIB, 0), 0);
    cr_assert_gt(huge_kib(p), 0, "no huge page backs the array");
    cr_assert_eq(((unsigned char *) p)[8 * MIB - 1], 1);

    rs_hugearr_free(p, 12 * MIB);
}
