/*
 * batch.c - records added to a shared aggregate in batches (see batch.h).
 */

#include <stdlib.h>
#include <string.h>

#include "batch.h"

/* keys are cut at RS_KEY_MAX in the tables: no more is copied */
#define RS_BATCH_NEED  (3 * RS_KEY_MAX)


static rg_str rs_batch_copy(rs_batch *b, rg_str s);
static void rs_batch_put(rs_batch *b, const rs_record *r);
static rs_batch *rs_batch_take(rs_held *h, pthread_mutex_t *lock);
static void rs_batch_give(rs_held *h, rs_batch *b);


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
    int  rc = 0;

    if (b->n == RS_BATCH_MAX || b->tlen + RS_BATCH_NEED > RS_BATCH_TEXT) {
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

    rs_batch_put(b, r);

    return 0;
}


/* A copy of r (its keys into the batch's text) at the batch's end. */
static void
rs_batch_put(rs_batch *b, const rs_record *r)
{
    rs_record  *c;

    c = &b->rec[b->n++];
    *c = *r;
    c->client = rs_batch_copy(b, r->client);
    c->uri = rs_batch_copy(b, r->uri);
    c->upstream = rs_batch_copy(b, r->upstream);

    /* hashed here, not under the aggregate's lock */
    rs_record_hash(c);
}


int
rs_batch_add_held(rs_batch **b, const rs_record *r, rs_agg *a,
    pthread_mutex_t *lock, rs_held *h)
{
    if (h == NULL || __atomic_load_n(&h->live, __ATOMIC_ACQUIRE)) {
        /* live stays set once set: the plain path, lock and all */
        return rs_batch_add(*b, r, a, lock);
    }

    if ((*b)->n == RS_BATCH_MAX
        || (*b)->tlen + RS_BATCH_NEED > RS_BATCH_TEXT)
    {
        if (rs_batch_flush_held(b, a, lock, h) != 0) {
            return -1;
        }
    }

    rs_batch_put(*b, r);

    return 0;
}


int
rs_batch_flush_held(rs_batch **b, rs_agg *a, pthread_mutex_t *lock,
    rs_held *h)
{
    rs_batch   *fresh, **v = NULL;
    int         rc = 0;

    if (h == NULL) {
        return rs_batch_flush(*b, a, lock);
    }

    if ((*b)->n == 0) {
        return 0;
    }

    fresh = rs_batch_take(h, lock);
    if (fresh == NULL) {
        return -1;
    }

    if (lock != NULL) {
        pthread_mutex_lock(lock);
    }

    if (h->live) {
        /* went live since the caller looked */
        rc = rs_agg_records(a, (*b)->rec, (*b)->n);
        rs_batch_init(*b);
        rs_batch_give(h, fresh);

    } else if (h->n == h->cap
               && (v = realloc(h->v, (h->cap ? 2 * h->cap : 8)
                                     * sizeof(rs_batch *))) == NULL)
    {
        rc = -1;
        rs_batch_give(h, fresh);

    } else {
        if (h->n == h->cap) {
            h->v = v;
            h->cap = h->cap ? 2 * h->cap : 8;
        }
        /* the batch itself is held (its records point into its text) */
        h->v[h->n++] = *b;
        *b = fresh;
    }

    if (lock != NULL) {
        pthread_mutex_unlock(lock);
    }

    return rc;
}


int
rs_held_release(rs_held *h, rs_agg *a)
{
    size_t  i;
    int     rc = 0;

    for (i = 0; i < h->n; i++) {
        if (rs_agg_records(a, h->v[i]->rec, h->v[i]->n) != 0) {
            rc = -1;
        }
        rs_batch_give(h, h->v[i]);
    }

    h->n = 0;
    __atomic_store_n(&h->live, 1, __ATOMIC_RELEASE);

    return rc;
}


void
rs_held_free(rs_held *h)
{
    size_t  i;

    for (i = 0; i < h->n; i++) {
        free(h->v[i]);
    }

    free(h->v);
    memset(h, 0, sizeof(rs_held));
}


void
rs_batch_spare_free(rs_batch_spare *s)
{
    while (s->n > 0) {
        free(s->v[--s->n]);
    }
}


/* An empty batch: a spare one (taken under lock) or a new one. */
static rs_batch *
rs_batch_take(rs_held *h, pthread_mutex_t *lock)
{
    rs_batch  *b = NULL;

    if (h->spare != NULL) {
        if (lock != NULL) {
            pthread_mutex_lock(lock);
        }
        if (h->spare->n > 0) {
            b = h->spare->v[--h->spare->n];
        }
        if (lock != NULL) {
            pthread_mutex_unlock(lock);
        }
    }

    if (b == NULL) {
        b = malloc(sizeof(rs_batch));
        if (b == NULL) {
            return NULL;
        }
    }

    rs_batch_init(b);

    return b;
}


/* Under the aggregate's lock: b, done with, to the spares or freed. */
static void
rs_batch_give(rs_held *h, rs_batch *b)
{
    if (h->spare != NULL && h->spare->n < RS_BATCH_SPARE) {
        h->spare->v[h->spare->n++] = b;
        return;
    }

    free(b);
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
