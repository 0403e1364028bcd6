/*
 * rotate.c - the order a rotated set is read in (see rotate.h).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rg_str.h"
#include "rotate.h"

typedef struct {
    const char  *path;
    size_t       base_len;      /* the set's name: path[0..base_len) */
    int          kind;          /* 0 numeric, 1 dateext, 2 live */
    uint64_t     num;           /* the numeric suffix */
    const char  *date;          /* the dateext digits */
    size_t       date_len;
    size_t       group;         /* index of the set's first file */
    size_t       pos;           /* given position */
} rs_rot;


static void rs_rot_parse(rs_rot *r);
static int rs_rot_cmp(const void *a, const void *b);


/* Splits "x.log.3.gz" (or .zst), "x.log-20261121", "x.log" into set and
   suffix. */
static void
rs_rot_parse(rs_rot *r)
{
    const char  *p = r->path;
    size_t       len = strlen(p), i, digits;

    if (len > 3 && memcmp(p + len - 3, ".gz", 3) == 0) {
        len -= 3;
    } else if (len > 4 && memcmp(p + len - 4, ".zst", 4) == 0) {
        len -= 4;
    }

    r->base_len = len;
    r->kind = 2;

    for (i = len; i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9'; i--) {
        /* the trailing digits */
    }

    if (i < len && i > 1 && p[i - 1] == '.' && len - i <= 6) {
        r->kind = 0;
        r->base_len = i - 1;
        r->num = (uint64_t) rg_str_number((rg_str) { p + i, len - i });
        return;
    }

    /* "-20261121", "-2026112113", "-20261121-1700000000": a tail of
       digits and dashes that starts with a dash */
    for (i = len, digits = 0; i > 0; i--) {
        char  c = p[i - 1];

        if (c >= '0' && c <= '9') {
            digits++;
        } else if (c != '-') {
            break;
        }
    }

    while (i < len && p[i] == '-' && i + 1 < len && p[i + 1] == '-') {
        i++;
    }

    if (i < len && p[i] == '-' && digits >= 8) {
        r->kind = 1;
        r->base_len = i;
        r->date = p + i + 1;
        r->date_len = len - i - 1;
    }
}


static int
rs_rot_cmp(const void *a, const void *b)
{
    const rs_rot  *x = a, *y = b;
    int            c;

    if (x->group != y->group) {
        return x->group < y->group ? -1 : 1;
    }

    if (x->kind != y->kind) {
        return x->kind - y->kind;
    }

    if (x->kind == 0 && x->num != y->num) {
        return x->num > y->num ? -1 : 1;
    }

    if (x->kind == 1) {
        c = x->date_len != y->date_len
            ? (x->date_len < y->date_len ? -1 : 1)
            : memcmp(x->date, y->date, x->date_len);
        if (c != 0) {
            return c;
        }
    }

    return x->pos < y->pos ? -1 : x->pos > y->pos;
}


int
rs_rotate_order(const char **paths, size_t n)
{
    rs_rot  *r;
    size_t   i, j;

    r = calloc(n ? n : 1, sizeof(rs_rot));
    if (r == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        r[i].path = paths[i];
        r[i].pos = i;
        r[i].group = i;
        if (strcmp(paths[i], "-") != 0) {
            rs_rot_parse(&r[i]);
        } else {
            r[i].base_len = 1;
        }

        for (j = 0; j < i; j++) {
            if (r[j].base_len == r[i].base_len && strcmp(paths[i], "-") != 0
                && memcmp(r[j].path, r[i].path, r[i].base_len) == 0)
            {
                r[i].group = r[j].group;
                break;
            }
        }
    }

    qsort(r, n, sizeof(rs_rot), rs_rot_cmp);

    for (i = 0; i < n; i++) {
        paths[i] = r[i].path;
    }

    free(r);

    return 0;
}
