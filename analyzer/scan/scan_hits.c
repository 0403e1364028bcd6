/*
 * scan_hits.c - the literal search on the decoding thread (see
 * scan_hits.h).
 */

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hits.h"

typedef struct {
    uint64_t              from;
    _Atomic uint64_t      to;           /* grows while the range is open */
} rs_hits_range;

struct rs_hits {
    const rg_prescan     *ps;
    rg_format             format;

    /* the decoding thread's */
    char                 *carry;        /* a line cut by a block's end */
    size_t                carry_len;
    uint64_t              carry_off;
    int                   open;         /* the last range grows */

    /* the hits: v[i % RS_HITS_QUEUE] for head <= i < tail */
    uint64_t             *v;
    _Atomic uint64_t      tail;         /* the decoder's */
    _Atomic uint64_t      head;         /* the scanner's */

    /* the lines searched: ranges r[i % RS_HITS_RANGES] for rhead <= i <
       rtail, in order and never adjacent */
    rs_hits_range        *r;
    _Atomic uint64_t      rtail;        /* the decoder's */
    _Atomic uint64_t      rhead;        /* the scanner's */
};


static int rs_hits_open(rs_hits *h, uint64_t from);
static rs_hits_range *rs_hits_last(rs_hits *h);
static int rs_hits_lines(rs_hits *h, const char *p, size_t len,
    uint64_t off);
static int rs_hits_carry(rs_hits *h, const char *p, size_t len);


rs_hits *
rs_hits_create(const rg_prescan *ps, rg_format format)
{
    rs_hits  *h;

    if (!rg_prescan_in_lines(ps, format)) {
        return NULL;
    }

    h = calloc(1, sizeof(rs_hits));
    if (h == NULL) {
        return NULL;
    }

    h->v = malloc(RS_HITS_QUEUE * sizeof(uint64_t));
    h->r = calloc(RS_HITS_RANGES, sizeof(rs_hits_range));
    h->carry = malloc(RS_HITS_CARRY);
    if (h->v == NULL || h->r == NULL || h->carry == NULL) {
        rs_hits_free(h);
        return NULL;
    }

    h->ps = ps;
    h->format = format;
    atomic_init(&h->tail, 0);
    atomic_init(&h->head, 0);
    atomic_init(&h->rtail, 0);
    atomic_init(&h->rhead, 0);

    return h;
}


void
rs_hits_free(rs_hits *h)
{
    if (h != NULL) {
        free(h->v);
        free(h->r);
        free(h->carry);
        free(h);
    }
}


/*
 * Searches the block's whole lines, those of the line the last block cut
 * first, and publishes how far every line is searched.  Blocks come in
 * order without gaps (reader.h).  A block is left to the scanner when it
 * has fewer than RS_HITS_AHEAD blocks to read, and with it the line the
 * block before cut: the range searched ends before that line, and the
 * next one starts at the first whole line of the next block searched (the
 * first block seen may start inside a line too).
 */
void
rs_hits_block(void *ctx, const char *data, size_t len, uint64_t off,
    unsigned ahead)
{
    rs_hits        *h = ctx;
    rs_hits_range  *rg;
    const char     *nl, *end = data + len, *p = data;

    if (len == 0) {
        return;
    }

    if (ahead < RS_HITS_AHEAD) {
        h->open = 0;
        return;
    }

    if (!h->open) {
        if (off > 0) {
            nl = memchr(data, '\n', len);
            if (nl == NULL) {
                return;
            }
            p = nl + 1;
        }

        if (rs_hits_open(h, off + (uint64_t) (p - data)) != 0) {
            return;
        }
    }

    rg = rs_hits_last(h);

    if (h->carry_len > 0) {
        nl = memchr(p, '\n', (size_t) (end - p));

        if (rs_hits_carry(h, p, nl != NULL ? (size_t) (nl + 1 - p)
                                           : (size_t) (end - p)) != 0)
        {
            /* a line too long to carry is the scanner's; the next range
               opens after it */
            if (nl == NULL
                || rs_hits_open(h, off + (uint64_t) (nl + 1 - data)) != 0)
            {
                return;
            }

            rg = rs_hits_last(h);
            p = nl + 1;

        } else if (nl == NULL) {
            return;                 /* the line goes on in the next block */

        } else {
            if (rs_hits_lines(h, h->carry, h->carry_len, h->carry_off) != 0) {
                return;
            }

            p = nl + 1;
            h->carry_len = 0;
        }
    }

    nl = p < end ? memrchr(p, '\n', (size_t) (end - p)) : NULL;

    if (nl != NULL) {
        if (rs_hits_lines(h, p, (size_t) (nl + 1 - p),
                          off + (uint64_t) (p - data)) != 0)
        {
            return;
        }
        p = nl + 1;
    }

    h->carry_off = off + (uint64_t) (p - data);

    /* every line of the range before the carry is searched and its hit
       queued */
    atomic_store_explicit(&rg->to, h->carry_off, memory_order_release);

    if (p < end) {
        (void) rs_hits_carry(h, p, (size_t) (end - p));
    }
}


/*
 * Opens a range at `from`, the start of a line, after nothing or a line
 * not searched.  -1 when the scanner is far behind: it has not read the
 * ranges before, or half the queue of hits is still to read.
 */
static int
rs_hits_open(rs_hits *h, uint64_t from)
{
    rs_hits_range  *rg;
    uint64_t        rtail;

    rtail = atomic_load_explicit(&h->rtail, memory_order_relaxed);
    if (rtail - atomic_load_explicit(&h->rhead, memory_order_acquire)
            == RS_HITS_RANGES
        || atomic_load_explicit(&h->tail, memory_order_relaxed)
           - atomic_load_explicit(&h->head, memory_order_acquire)
           > RS_HITS_QUEUE / 2)
    {
        return -1;
    }

    rg = &h->r[rtail % RS_HITS_RANGES];
    rg->from = from;
    atomic_store_explicit(&rg->to, from, memory_order_relaxed);
    atomic_store_explicit(&h->rtail, rtail + 1, memory_order_release);

    h->open = 1;
    h->carry_len = 0;

    return 0;
}


/* The range opened last (the decoder's own: rtail moves only here). */
static rs_hits_range *
rs_hits_last(rs_hits *h)
{
    return &h->r[(atomic_load_explicit(&h->rtail, memory_order_relaxed) - 1)
                 % RS_HITS_RANGES];
}


/*
 * Appends to the carry.  A line longer than the carry closes the range
 * (-1).
 */
static int
rs_hits_carry(rs_hits *h, const char *p, size_t len)
{
    if (h->carry_len + len > RS_HITS_CARRY) {
        h->open = 0;
        return -1;
    }

    memcpy(h->carry + h->carry_len, p, len);
    h->carry_len += len;

    return 0;
}


/*
 * Queues the first hit of every line of p[0..len) (whole lines) holding
 * a literal: the search stops at the first literal, and starts again at
 * the next line.  -1 when the queue is full: that closes the range.
 */
static int
rs_hits_lines(rs_hits *h, const char *p, size_t len, uint64_t off)
{
    const char  *q = p, *end = p + len, *nl;
    uint64_t     tail, head;
    size_t       i;

    tail = atomic_load_explicit(&h->tail, memory_order_relaxed);

    while (q < end) {
        i = rg_prescan_find(h->ps, h->format, q, (size_t) (end - q));
        if (i == (size_t) (end - q)) {
            break;
        }

        head = atomic_load_explicit(&h->head, memory_order_acquire);
        if (tail - head == RS_HITS_QUEUE) {
            h->open = 0;
            atomic_store_explicit(&h->tail, tail, memory_order_release);
            return -1;
        }

        h->v[tail % RS_HITS_QUEUE] = off + (uint64_t) (q - p) + i;
        tail++;

        nl = memchr(q + i, '\n', (size_t) (end - q) - i);
        q = nl != NULL ? nl + 1 : end;
    }

    atomic_store_explicit(&h->tail, tail, memory_order_release);

    return 0;
}


int
rs_hits_find(rs_hits *h, uint64_t off, size_t len, size_t *hit)
{
    rs_hits_range  *rg;
    uint64_t        rhead, rtail, to, head, tail, v;

    rtail = atomic_load_explicit(&h->rtail, memory_order_acquire);
    rhead = atomic_load_explicit(&h->rhead, memory_order_relaxed);

    if (rhead == rtail) {
        return 0;
    }

    /* the ranges closed before the window are behind the scanner; the
       last one may still grow */
    for ( ;; ) {
        rg = &h->r[rhead % RS_HITS_RANGES];
        to = atomic_load_explicit(&rg->to, memory_order_acquire);
        if (to > off || rhead + 1 == rtail) {
            break;
        }
        rhead++;
    }

    atomic_store_explicit(&h->rhead, rhead, memory_order_release);

    if (off < rg->from || off + len > to) {
        return 0;
    }

    head = atomic_load_explicit(&h->head, memory_order_relaxed);
    tail = atomic_load_explicit(&h->tail, memory_order_acquire);

    /* the hits of lines before the window are behind the scanner */
    while (head < tail && h->v[head % RS_HITS_QUEUE] < off) {
        head++;
    }

    atomic_store_explicit(&h->head, head, memory_order_release);

    v = head < tail ? h->v[head % RS_HITS_QUEUE] : UINT64_MAX;
    *hit = v < off + len ? (size_t) (v - off) : len;

    return 1;
}
