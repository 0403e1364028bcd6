/*
 * pair.h - an HTTP/2 stream cancelled mid-response is one abort, written
 * by nginx as two error-log lines (rules/README.md, HTTP/2):
 *
 *   *7 client canceled stream 5 while sending response to client, ...
 *   *7 client prematurely closed connection while sending response to
 *      client, ... (the stream's fake connection, same *cid and request)
 *
 * The second line is absorbed by the first: counted once, as the cancel's
 * stream_canceled.  The rule, on text and position only: a "client
 * prematurely closed connection while sending response to client" line is
 * absorbed by the most recent cancel of the same *cid and request when
 * that cancel started at most RS_PAIR_WINDOW bytes before it in the same
 * input and has absorbed nothing yet: each cancel absorbs at most one
 * line.  Lines without a *cid are never paired; only lines inside
 * --since/--until take part.
 *
 * The state lives with the scanner of one input (pairs are found within
 * one file: a pair that a rotation or a shard cut splits counts twice, in
 * a direct run and in `merge` alike).  Because the window is in bytes, a
 * chunk of a file scanned by another thread rebuilds the state exactly by
 * reading the RS_PAIR_WINDOW bytes before its start (rs_pairs_note on
 * those lines, scan_split.c), so the split scan pairs what one thread
 * pairs.
 */

#ifndef RS_PAIR_H
#define RS_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* How far after its cancel a line may be absorbed, in bytes. */
#define RS_PAIR_WINDOW  65536
/* Cancels held: every cancel line in a window fits (each line is longer
   than 64 bytes). */
#define RS_PAIR_MAX     1024

typedef struct {
    uint64_t  cid;
    uint64_t  req;              /* hash of the request field */
    uint64_t  pos;              /* where its line starts */
    int       used;             /* absorbed a line already */
} rs_pair;

typedef struct {
    rs_pair   v[RS_PAIR_MAX];   /* a ring, oldest at head */
    size_t    head, n;
} rs_pairs;

void rs_pairs_reset(rs_pairs *p);

/*
 * Notes a parsed nginx error line that starts at pos: a cancel is held, a
 * close is looked up.  Returns 1 when the line is a close that a held
 * cancel absorbs (it is then no record of its own), else 0.
 */
int rs_pairs_note(rs_pairs *p, const rs_parsed *out, uint64_t pos);

#endif /* RS_PAIR_H */
