/*
 * scan_split.h - one large plain file scanned by two threads.
 *
 * The file is cut before the first record after its middle; each half is
 * scanned by its own scanner (matcher, parser: the per-line work runs on
 * both cores) into the one aggregate, under a mutex (aborts are a few
 * percent of the lines, so it is rarely contended, and the keys are held
 * once, not once per thread).  For scan.c only.
 */

#ifndef RS_SCAN_SPLIT_H
#define RS_SCAN_SPLIT_H

#include <pthread.h>
#include <stdint.h>

#include "scan.h"

/* Files smaller than this are not worth a thread. */
#define RS_SPLIT_MIN     (8u << 20)
/* How far past the middle a record start is looked for. */
#define RS_SPLIT_SEEK    (16u << 20)
#define RS_SPLIT_WINDOW  65536
/* A file whose head has this percentage of aborts or more stays on one
   thread (scan.c, rs_scan_abort_heavy) */
#define RS_SPLIT_MAX_ABORTS  25

/* Scans path (size bytes, format already chosen) into sc's aggregate. */
void rs_scan_split(rs_scanner *sc, const char *path, uint64_t size);

/* Scans bytes [off, off + len) of path into sc, counting lines in file. */
int rs_scan_range(rs_scanner *sc, rs_file *file, const char *path,
    rg_format format, uint64_t off, uint64_t len);

/* Whether line[0..len) starts a timed record of the scanner's format. */
int rs_scan_starts_record(rs_scanner *sc, const char *line, size_t len);

rs_agg *rs_scanner_agg(rs_scanner *sc);

/* Record batches go to the aggregate under lock (NULL: not shared). */
void rs_scanner_set_lock(rs_scanner *sc, pthread_mutex_t *lock);
const rs_scan_config *rs_scanner_config(rs_scanner *sc);
rg_format rs_scanner_format(rs_scanner *sc);
rs_file *rs_scanner_file(rs_scanner *sc);

#endif /* RS_SCAN_SPLIT_H */
