/*
 * batch.c - records added to a shared aggregate in batches (see batch.h).
 */

#include <string.h>

#include "batch.h"


static rg_str rs_batch_copy(rs_batch *b, rg_str s);


void
rs_batch_init(rs_batch *b)
{
    b->n = 0;
    b->tlen = 0;
}


int
rs_batch_add(rs_batch *b, const rs_record *r, rs_agg *a,
    pthread_mutex_t *lock)
{
    rs_record  *c;
    size_t      need;
    int         rc = 0;

    /* keys are cut at RS_KEY_MAX in the tables: no more is copied */
    need = 3 * RS_KEY_MAX;

    if (b->n == RS_BATCH_MAX || b->tlen + need > RS_BATCH_TEXT) {
        if (rs_batch_flush(b, a, lock) != 0) {
            return -1;
        }

    } else if (b->n >= RS_BATCH_RECORDS && b->n % 64 == 0
               && (lock == NULL || pthread_mutex_trylock(lock) == 0))
    {
        /* the lock was free: taken, so the flush does not take it */
        if (rs_batch_flush(b, a, NULL) != 0) {
            rc = -1;
        }

        if (lock != NULL) {
            pthread_mutex_unlock(lock);
        }

        if (rc != 0) {
            return rc;
        }
    }

    c = &b->rec[b->n++];
    *c = *r;
    c->client = rs_batch_copy(b, r->client);
    c->uri = rs_batch_copy(b, r->uri);
    c->upstream = rs_batch_copy(b, r->upstream);

    /* hashed here, not under the aggregate's lock */
    rs_record_hash(c);

    return 0;
}


int
rs_batch_flush(rs_batch *b, rs_agg *a, pthread_mutex_t *lock)
{
    int  rc;

    if (b->n == 0) {
        return 0;
    }

    if (lock != NULL) {
        pthread_mutex_lock(lock);
    }

    rc = rs_agg_records(a, b->rec, b->n);

    if (lock != NULL) {
        pthread_mutex_unlock(lock);
    }

    b->n = 0;
    b->tlen = 0;

    return rc;
}


static rg_str
rs_batch_copy(rs_batch *b, rg_str s)
{
    rg_str  c;

    if (s.p == NULL) {
        return s;
    }

    c.len = s.len < RS_KEY_MAX ? s.len : RS_KEY_MAX;
    c.p = b->text + b->tlen;
    memcpy(b->text + b->tlen, s.p, c.len);
    b->tlen += c.len;

    return c;
}
