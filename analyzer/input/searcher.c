/*
 * searcher.c - line splitting over one bounded buffer (see searcher.h).
 */

#include <stdlib.h>
#include <string.h>

#include "searcher.h"

/* 128 KiB a read: the kernel copies a file's pages into the buffer and
   the scan reads them right after, so the buffer should stay in the
   core's cache (2 MiB L2 here, shared with the aggregate's tables);
   1 MiB reads took 5-7% more time on a 1 GB error log, 64 KiB no less */
#define RS_SEARCH_CHUNK  (128 * 1024)
#define RS_SEARCH_BUF    (RS_SEARCH_CHUNK + RS_LINE_CAP)
#define RS_PEEK_MAX      (64 * 1024)
#define RS_SEARCH_REFILL (16 * 1024)

struct rs_searcher {
    rs_reader  *reader;
    char       *buf;            /* RS_SEARCH_BUF bytes */
    size_t      start;          /* first unconsumed byte */
    size_t      end;            /* end of valid data */
    int         eof;
    int         failed;
    uint64_t    lineno;
    uint64_t    taken;          /* bytes read from the reader */
};


static int rs_searcher_fill(rs_searcher *s);
static int rs_searcher_long_line(rs_searcher *s, rs_line *line);
static void rs_searcher_emit(rs_searcher *s, rs_line *line, size_t len,
    size_t bytes);


rs_searcher *
rs_searcher_create(rs_reader *r)
{
    rs_searcher  *s;

    s = calloc(1, sizeof(rs_searcher));
    if (s == NULL) {
        return NULL;
    }

    s->buf = malloc(RS_SEARCH_BUF);
    if (s->buf == NULL) {
        free(s);
        return NULL;
    }

    rs_searcher_reset(s, r);

    return s;
}


void
rs_searcher_destroy(rs_searcher *s)
{
    if (s != NULL) {
        free(s->buf);
        free(s);
    }
}


void
rs_searcher_reset(rs_searcher *s, rs_reader *r)
{
    s->reader = r;
    s->start = 0;
    s->end = 0;
    s->eof = 0;
    s->failed = 0;
    s->lineno = 0;
    s->taken = 0;
}


/*
 * Moves the unconsumed tail to the front and reads more after it.
 * Returns 1 when bytes were added, 0 at the end, -1 on a read error.
 */
static int
rs_searcher_fill(rs_searcher *s)
{
    ssize_t  n;

    if (s->eof || s->failed) {
        return 0;
    }

    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }

    if (s->end == RS_SEARCH_BUF) {
        return 1;
    }

    n = rs_reader_read(s->reader, s->buf + s->end, RS_SEARCH_BUF - s->end);

    if (n < 0) {
        s->failed = 1;
        return -1;
    }

    if (n == 0) {
        s->eof = 1;
        return 0;
    }

    s->end += (size_t) n;
    s->taken += (uint64_t) n;

    return 1;
}


/* A line found whole in the buffer; one longer than RS_LINE_CAP is cut
   as rs_searcher_long_line cuts it, wherever the reads or blocks put
   its ends. */
static void
rs_searcher_emit(rs_searcher *s, rs_line *line, size_t len, size_t bytes)
{
    line->p = s->buf + s->start;
    line->bytes = bytes;
    line->lineno = ++s->lineno;
    line->truncated = len > RS_LINE_CAP;

    if (line->truncated) {
        len = RS_LINE_CAP;

    } else if (len > 0 && line->p[len - 1] == '\r') {
        len--;
    }

    line->len = len;
    s->start += bytes;
}


int
rs_searcher_next(rs_searcher *s, rs_line *line)
{
    char   *nl;
    size_t  avail;
    int     rc;

    for ( ;; ) {
        avail = s->end - s->start;
        nl = memchr(s->buf + s->start, '\n', avail);

        if (nl != NULL) {
            avail = (size_t) (nl - (s->buf + s->start));
            rs_searcher_emit(s, line, avail, avail + 1);
            return 1;
        }

        if (avail >= RS_LINE_CAP) {
            return rs_searcher_long_line(s, line);
        }

        rc = rs_searcher_fill(s);

        if (rc > 0) {
            continue;
        }

        if (avail > 0) {
            /* the last line has no newline, or the input broke mid-line */
            rs_searcher_emit(s, line, avail, avail);
            return 1;
        }

        return s->failed ? -1 : 0;
    }
}


/*
 * A line of RS_LINE_CAP bytes or more: keep its first RS_LINE_CAP bytes at
 * the front of the buffer and read the rest into the space behind them,
 * counting it, until the newline.
 */
static int
rs_searcher_long_line(rs_searcher *s, rs_line *line)
{
    uint64_t  bytes;
    char     *nl;
    size_t    tail;
    ssize_t   n;

    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }

    bytes = s->end;                 /* counted so far, all of buf */
    s->end = RS_LINE_CAP;

    for ( ;; ) {
        n = s->eof || s->failed ? 0
            : rs_reader_read(s->reader, s->buf + RS_LINE_CAP,
                             RS_SEARCH_CHUNK);

        if (n <= 0) {
            if (n < 0) {
                s->failed = 1;
            }
            s->eof = 1;
            tail = 0;
            break;
        }

        s->taken += (uint64_t) n;
        nl = memchr(s->buf + RS_LINE_CAP, '\n', (size_t) n);

        if (nl != NULL) {
            tail = (size_t) (nl - (s->buf + RS_LINE_CAP)) + 1;
            bytes += tail;
            /* keep what follows the newline for the next lines */
            memmove(s->buf + RS_LINE_CAP, nl + 1, (size_t) n - tail);
            s->end = RS_LINE_CAP + (size_t) n - tail;
            break;
        }

        bytes += (uint64_t) n;
    }

    line->p = s->buf;
    line->len = RS_LINE_CAP;
    line->bytes = bytes;
    line->lineno = ++s->lineno;
    line->truncated = 1;
    s->start = RS_LINE_CAP;

    return 1;
}


int
rs_searcher_lines(rs_searcher *s, const char **p, size_t *len)
{
    const char  *nl;

    /* read on when little is left (what is left moves to the front of
       the buffer: a copy, kept small) */
    if (s->end - s->start < RS_SEARCH_REFILL) {
        if (rs_searcher_fill(s) < 0) {
            *len = 0;
            return 0;
        }
    }

    *p = s->buf + s->start;
    nl = memrchr(*p, '\n', s->end - s->start);
    *len = nl != NULL ? (size_t) (nl + 1 - *p) : 0;

    return *len > 0;
}


uint64_t
rs_searcher_offset(const rs_searcher *s, const char *p)
{
    return s->taken - (uint64_t) (s->buf + s->end - p);
}


void
rs_searcher_skip(rs_searcher *s, size_t bytes, uint64_t lines)
{
    s->start += bytes;
    s->lineno += lines;
}


int
rs_searcher_peek(rs_searcher *s, const char **p, size_t *len)
{
    while (s->end - s->start < RS_PEEK_MAX && !s->eof && !s->failed) {
        if (rs_searcher_fill(s) <= 0) {
            break;
        }
    }

    *p = s->buf + s->start;
    *len = s->end - s->start;
    if (*len > RS_PEEK_MAX) {
        *len = RS_PEEK_MAX;
    }

    return 0;
}
