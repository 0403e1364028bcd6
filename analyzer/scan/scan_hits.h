/*
 * scan_hits.h - the light path's search for the rules' literals, run on
 * the decoding thread of a compressed nginx error log.
 *
 * A gzip or zstd input is decoded by one thread and scanned by another
 * (reader.c); on an error log the scanning thread is the slower one, and
 * the decoder sleeps a third of the run.  The light path's search
 * (rg_prescan_find, a sixth of the scanning thread's time) depends on
 * each line alone when no literal holds a newline (rg_prescan_in_lines):
 * the line where it stops is the first line at or after the window's
 * start that holds a literal, and where in that line it stops is the
 * first literal from the line's start.  So the decoding thread searches
 * every block it decodes (rs_reader_on_block) and queues, for each line
 * holding a literal, what the search returns in it; the light path then
 * takes its answer from the queue (rs_hits_find) and searches itself
 * only where the decoder did not: the blocks decoded before the search
 * was set up, a line longer than the carry between two blocks, the last
 * line when no newline ends it, everything after the queue ran full.
 *
 * The search goes to the thread with time to spare: the decoder searches
 * a block only when the scanner has RS_HITS_AHEAD blocks or more left to
 * read (reader.h's `ahead`).  When the scanner waits for the decoder, the
 * decoder leaves the block to it, and starts again at the first whole
 * line of a later block.  The lines searched are a queue of ranges, one
 * for each run of searched blocks; with zstd's slower decoding the two
 * threads settle where both are busy, whichever core the machine slows.
 *
 * One producer (the decoding thread) and one consumer (the scanning
 * thread), without a lock: the producer publishes how far it searched
 * (release) after the hits before that point, the consumer reads it
 * (acquire) before them.
 */

#ifndef RS_SCAN_HITS_H
#define RS_SCAN_HITS_H

#include <stddef.h>
#include <stdint.h>

#include "rg_format.h"
#include "rg_prescan.h"

/* Hits queued ahead of the consumer, and the longest line carried from
   one block to the next; beyond either the decoder stops searching. */
#define RS_HITS_QUEUE  (1u << 16)
#define RS_HITS_CARRY  (128 * 1024)

/* Ranges of searched lines queued ahead of the consumer: beyond it the
   decoder leaves blocks to the scanner until one is read. */
#define RS_HITS_RANGES  1024

/* The decoder searches a block when the scanner has this many blocks or
   more left to read. */
#define RS_HITS_AHEAD  2

typedef struct rs_hits  rs_hits;

/* NULL when the format's literals may span lines, or out of memory. */
rs_hits *rs_hits_create(const rg_prescan *ps, rg_format format);
void rs_hits_free(rs_hits *h);

/* The decoding thread's part: an rs_block_fn (reader.h). */
void rs_hits_block(void *ctx, const char *data, size_t len, uint64_t off,
    unsigned ahead);

/*
 * The scanning thread's part, for whole lines p[0..len) at offset off of
 * the decoded input, in increasing order of off: 1 with *hit set to what
 * rg_prescan_find(ps, format, p, len) returns, when the decoder searched
 * all of them; 0 when the caller must search.
 */
int rs_hits_find(rs_hits *h, uint64_t off, size_t len, size_t *hit);

#endif /* RS_SCAN_HITS_H */
