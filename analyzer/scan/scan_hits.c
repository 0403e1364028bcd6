/*
 * scan_hits.c - the literal search on the decoding thread (see
 * scan_hits.h).
 */

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hits.h"

struct rs_hits {
    const rg_prescan     *ps;
    rg_format             format;

    /* the decoding thread's */
    char                 *carry;        /* a line cut by a block's end */
    size_t                carry_len;
    uint64_t              carry_off;
    int                   started;
    int                   stopped;

    /* the queue: v[i % RS_HITS_QUEUE] for head <= i < tail */
    uint64_t             *v;
    _Atomic uint64_t      tail;         /* the decoder's */
    _Atomic uint64_t      head;         /* the scanner's */
    _Atomic uint64_t      from;         /* searched from this offset */
    _Atomic uint64_t      to;           /* up to here; 0: nothing yet */
};


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
    h->carry = malloc(RS_HITS_CARRY);
    if (h->v == NULL || h->carry == NULL) {
        rs_hits_free(h);
        return NULL;
    }

    h->ps = ps;
    h->format = format;
    atomic_init(&h->tail, 0);
    atomic_init(&h->head, 0);
    atomic_init(&h->from, 0);
    atomic_init(&h->to, 0);

    return h;
}


void
rs_hits_free(rs_hits *h)
{
    if (h != NULL) {
        free(h->v);
        free(h->carry);
        free(h);
    }
}


/*
 * Searches the block's whole lines, those of the line the last block cut
 * first, and publishes how far every line is searched.  Blocks come in
 * order without gaps (reader.h); the first one seen may start inside a
 * line, which is left to the scanner.
 */
void
rs_hits_block(void *ctx, const char *data, size_t len, uint64_t off)
{
    rs_hits     *h = ctx;
    const char  *nl, *end = data + len, *p = data;

    if (h->stopped || len == 0) {
        return;
    }

    if (!h->started) {
        if (off > 0) {
            nl = memchr(data, '\n', len);
            if (nl == NULL) {
                return;
            }
            p = nl + 1;
        }
        atomic_store_explicit(&h->from, off + (uint64_t) (p - data),
                              memory_order_relaxed);
        h->started = 1;
    }

    if (h->carry_len > 0) {
        nl = memchr(p, '\n', (size_t) (end - p));

        if (rs_hits_carry(h, p, nl != NULL ? (size_t) (nl + 1 - p)
                                           : (size_t) (end - p)) != 0)
        {
            return;
        }

        if (nl == NULL) {
            return;                 /* the line goes on in the next block */
        }

        if (rs_hits_lines(h, h->carry, h->carry_len, h->carry_off) != 0) {
            return;
        }

        p = nl + 1;
        h->carry_off += h->carry_len;
        h->carry_len = 0;
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

    /* every line before the carry is searched and its hit queued */
    atomic_store_explicit(&h->to, h->carry_off, memory_order_release);

    if (p < end) {
        (void) rs_hits_carry(h, p, (size_t) (end - p));
    }
}


/* Appends to the carry; -1 (searching stopped) when it would overflow. */
static int
rs_hits_carry(rs_hits *h, const char *p, size_t len)
{
    if (h->carry_len + len > RS_HITS_CARRY) {
        h->stopped = 1;
        return -1;
    }

    memcpy(h->carry + h->carry_len, p, len);
    h->carry_len += len;

    return 0;
}


/*
 * Queues the first hit of every line of p[0..len) (whole lines) holding
 * a literal: the search stops at the first literal, and starts again at
 * the next line.  -1 (searching stopped) when the queue is full.
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
            h->stopped = 1;
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
    uint64_t  to, from, head, tail, v;

    to = atomic_load_explicit(&h->to, memory_order_acquire);
    from = atomic_load_explicit(&h->from, memory_order_relaxed);

    if (to == 0 || off < from || off + len > to) {
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
