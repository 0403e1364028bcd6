/*
 * searcher.h - splits what a reader hands out into lines.
 *
 * The searcher owns the one input buffer of a scan.  It hands out lines
 * without their terminator (LF, or CRLF: the CR is dropped from the text but
 * counted in `bytes`).  A line longer than RS_LINE_CAP is handed out as its
 * first RS_LINE_CAP bytes with `truncated` set while the rest is read and
 * counted, never stored: memory stays bounded whatever the line length.
 * NUL bytes and invalid UTF-8 are ordinary bytes here; parsers decide.
 * Record folding (Java stack traces) sits one layer up, in the scan loop.
 */

#ifndef RS_SEARCHER_H
#define RS_SEARCHER_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"

#define RS_LINE_CAP  (64 * 1024)

typedef struct {
    const char  *p;             /* valid until the next rs_searcher_next */
    size_t       len;           /* at most RS_LINE_CAP */
    uint64_t     bytes;         /* physical bytes, terminator included */
    uint64_t     lineno;        /* 1-based */
    unsigned     truncated:1;   /* longer than RS_LINE_CAP */
} rs_line;

typedef struct rs_searcher  rs_searcher;

/* The searcher reads from r but does not own it; NULL when out of memory. */
rs_searcher *rs_searcher_create(rs_reader *r);
void rs_searcher_destroy(rs_searcher *s);

/*
 * The searcher starts over on r (line numbers too), keeping its buffer: a
 * thread scanning chunk after chunk of one file reuses one buffer, not a
 * fresh allocation whose pages fault in again for every chunk.
 */
void rs_searcher_reset(rs_searcher *s, rs_reader *r);

/*
 * The next line: 1, 0 at the end, -1 when the reader failed (every byte it
 * decoded before that has been handed out as lines first).
 */
int rs_searcher_next(rs_searcher *s, rs_line *line);

/*
 * The whole lines read ahead, p[0..len) ending in a newline, for a caller
 * that handles many lines at once: 1, or 0 (len 0) when no whole line is
 * buffered (rs_searcher_next then reads on, or reports the end or the
 * error).  Nothing is consumed until rs_searcher_skip(s, bytes, lines)
 * with bytes the length of the lines handled (whole lines only).
 */
int rs_searcher_lines(rs_searcher *s, const char **p, size_t *len);
void rs_searcher_skip(rs_searcher *s, size_t bytes, uint64_t lines);

/* Where p (in what rs_searcher_lines gave) is in the reader's output. */
uint64_t rs_searcher_offset(const rs_searcher *s, const char *p);

/*
 * The first bytes of the input (up to 64 KiB, fewer at the end), without
 * consuming them: for format detection.
 */
int rs_searcher_peek(rs_searcher *s, const char **p, size_t *len);

#endif /* RS_SEARCHER_H */
