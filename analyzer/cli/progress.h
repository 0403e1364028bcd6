/*
 * progress.h - the progress line of a long scan, on stderr.
 *
 * Only when the stream is a terminal (a redirected or piped stderr gets
 * nothing), only once a scan has run for a second, and at most five times
 * a second.  The line shows bytes read, the rate and, when the total is
 * known (regular files; compressed bytes for gzip), the share done and the
 * time left.  rs_progress_done() erases it so the report starts clean.
 */

#ifndef RS_PROGRESS_H
#define RS_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct rs_progress  rs_progress;

/* A clock in milliseconds; tests pass their own. */
typedef uint64_t (*rs_clock_fn)(void);

/*
 * A progress line on out, or NULL when out is not a terminal (or memory
 * is short): every other call accepts NULL and does nothing.  total is
 * the bytes expected, 0 when unknown.  clock may be NULL (monotonic).
 */
rs_progress *rs_progress_create(FILE *out, uint64_t total, rs_clock_fn clock);

/* done is the bytes read so far, across every input. */
void rs_progress_update(rs_progress *p, uint64_t done);

/*
 * Adds bytes read to the running total and redraws (rs_scan_config's
 * progress callback, ctx the rs_progress): safe from several threads;
 * a thread that finds another drawing skips the drawing.
 */
void rs_progress_add(void *ctx, uint64_t bytes);

/* Erases the line for a message; the next update draws it again. */
void rs_progress_clear(rs_progress *p);

/* Erases the line (if one was shown) and frees p. */
void rs_progress_done(rs_progress *p);

/* "1.5 GiB" and the like, for the line; returns buf. */
char *rs_progress_bytes(uint64_t n, char *buf, size_t size);

#endif /* RS_PROGRESS_H */
