/*
 * rgt_tmp.c - a test's own scratch directory (see rgt_tmp.h).
 */

#define _GNU_SOURCE             /* nftw */

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rgt_tmp.h"


int
rgt_tmp_make(char *dir, size_t size, const char *name)
{
    const char  *tmp = getenv("TMPDIR");
    int          n;

    n = snprintf(dir, size, "%s/rgt-%s.XXXXXX",
                 tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name);
    if (n <= 0 || (size_t) n >= size) {
        fprintf(stderr, "rgt_tmp_make: TMPDIR is too long: %s\n", tmp);
        return -1;
    }

    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "rgt_tmp_make: %s: %s\n", dir, strerror(errno));
        return -1;
    }

    return 0;
}


static int
rgt_tmp_unlink(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
    (void) st;
    (void) type;
    (void) ftw;

    return remove(path);
}


int
rgt_tmp_remove(const char *dir)
{
    if (getenv("RGT_KEEP") != NULL || dir[0] == '\0') {
        return 0;
    }

    /* depth first: a directory's files go before it */
    return nftw(dir, rgt_tmp_unlink, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
