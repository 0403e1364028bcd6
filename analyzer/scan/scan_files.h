/*
 * scan_files.h - every input of a run, each counted into an aggregate and
 * an observer context of its own, committed to the run's in the order
 * given.
 *
 * Two things need an input's counts kept apart until it ends:
 *
 * - gzip read once.  A member's damage shows only at its end (the
 *   checksum), after what it decoded was counted.  Checking each member
 *   before counting it inflates everything twice; instead a regular gzip
 *   file is inflated once, unchecked, and in the rare case a member proves
 *   damaged the input's own aggregate and context are dropped and the file
 *   is read again, checked (reader.h, rs_reader_open_once): nothing of the
 *   damaged member is counted, every member before it is.
 *
 * - -j over several inputs.  Up to -j workers take the inputs in turn, one
 *   each; whoever finishes the input next in order commits it and every
 *   finished one after it.  A large plain file is read alone, cut into
 *   chunks for every thread (scan_split.h), between the runs of other
 *   inputs.  Commits run in the
 *   order given whatever finished first, so the report is the same for
 *   every -j.
 *
 * The first commit moves the input's tables into the run's (rs_agg_take):
 * a run of one input merges nothing.  For main.c.
 */

#ifndef RS_SCAN_FILES_H
#define RS_SCAN_FILES_H

#include <stddef.h>

#include "agg.h"
#include "scan.h"

/* Called once per input, in order, right after its commit: f is its entry
   in the run's aggregate, failed whether it could not be read to its end. */
typedef void (*rs_files_done_fn)(void *ctx, const rs_file *f, int failed);

/*
 * Scans paths[0..n) (cfg->threads workers at most) into run and cfg's
 * observer context.  Without observe_fork and observe_free the inputs are
 * read by one worker, in order, each checked before it is counted.
 * Returns 0, 1 when an input failed, -1 with err set when nothing could
 * be started (out of memory, an invalid layout).
 */
int rs_scan_files(const rs_scan_config *cfg, rs_agg *run,
    const char *const *paths, size_t n, rs_files_done_fn done, void *done_ctx,
    char *err, size_t errlen);

#endif /* RS_SCAN_FILES_H */
