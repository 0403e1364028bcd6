/*
 * rgt_tmp.h - a test's own scratch directory.
 *
 * Every suite that writes files makes one directory per test (Criterion
 * runs each test in its own process, so a suite's static path is that
 * test's) and removes it with all it holds afterwards, without a shell.
 */

#ifndef RGT_TMP_H
#define RGT_TMP_H

#include <stddef.h>

/* Room for a path made here: the suites' path buffers are sized for it
   (a longer $TMPDIR fails rgt_tmp_make, not a later snprintf). */
#define RGT_TMP_DIR_MAX  80

/*
 * Makes $TMPDIR/rgt-NAME.XXXXXX (/tmp without TMPDIR) and puts its path in
 * dir.  Returns 0, or -1 (said on stderr) when it cannot, or when the path
 * would not fit in size bytes.  No Criterion here: the test tools link
 * this library too.
 */
int rgt_tmp_make(char *dir, size_t size, const char *name);

/*
 * Removes dir and everything below it (symbolic links are removed, not
 * followed); nothing when RGT_KEEP is set, to look at what a test left.
 * Returns 0, or -1 when something could not be removed.
 */
int rgt_tmp_remove(const char *dir);

#endif /* RGT_TMP_H */
