/*
 * scan_split.h - one large plain file scanned by several threads (-j).
 *
 * The file is cut into chunks of about RS_SPLIT_CHUNK bytes, each starting
 * at a record; the workers (-j, at most one per chunk) take them in turn,
 * each with its own scanner (matcher, parser: the per-line work runs on
 * every core), into the one aggregate (batch.h: the keys are held once,
 * not once per thread).  Each
 * chunk has its own observer context (findings), joined into the run's in
 * file order, so what observers keep of "the first one seen" is what one
 * thread would keep: the output is the same for every -j.  Taking chunks
 * rather than a share each keeps every core busy to the end when one is
 * slowed down.  For scan.c only.
 */

#ifndef RS_SCAN_SPLIT_H
#define RS_SCAN_SPLIT_H

#include <pthread.h>
#include <stdint.h>

#include "batch.h"
#include "scan.h"

/* Files smaller than this are not worth a thread. */
#define RS_SPLIT_MIN     (8u << 20)
/* The size of a chunk, at most this many of them (larger beyond), and how
   far ahead of the joins a worker may go (observer contexts held). */
#define RS_SPLIT_CHUNK       (32u << 20)
#define RS_SPLIT_CHUNKS_MAX  256
#define RS_SPLIT_AHEAD       4
/* How far past a chunk's nominal start a record start is looked for. */
#define RS_SPLIT_SEEK    (16u << 20)
#define RS_SPLIT_WINDOW  65536

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
/* ... held back in h until the chunks before are in (NULL: never). */
void rs_scanner_set_held(rs_scanner *sc, rs_held *h);
const rs_scan_config *rs_scanner_config(rs_scanner *sc);

/* The access-log layout the scanner reads its input with (NULL: combined):
   the chunks' threads read a file with it. */
const char *rs_scanner_layout(rs_scanner *sc);
rg_format rs_scanner_format(rs_scanner *sc);
rs_file *rs_scanner_file(rs_scanner *sc);

#endif /* RS_SCAN_SPLIT_H */
