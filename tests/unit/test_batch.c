/*
 * Record batches (analyzer/agg/batch.c): copies of the records' strings, a
 * flush tried from RS_BATCH_RECORDS records on only while the shared
 * aggregate's lock is free, a flush that waits at RS_BATCH_MAX, and the
 * spare batches a split's chunks reuse.
 */

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "batch.h"


static rs_batch  b;


/* A client_reset record of `bytes` from client 10.<net>.<i> (text in
   client[32]). */
static void
record(rs_record *r, char *client, int net, int i, uint64_t bytes)
{
    memset(r, 0, sizeof(*r));
    r->cls = RG_CLASS_CLIENT_RESET;
    r->seen = 1;
    r->bytes = bytes;
    r->client.len = (size_t) snprintf(client, 32, "10.%d.%d.%d", net,
                                      i / 256 % 256, i % 256);
    r->client.p = client;
}


static void
add(rs_agg *a, pthread_mutex_t *lock, int i)
{
    char       client[32];
    rs_record  r;

    record(&r, client, 0, i, 100);
    cr_assert_eq(rs_batch_add(&b, &r, a, lock), 0);

    /* the batch holds its own copy of the key */
    memset(client, 'x', sizeof(client));
}


Test(batch, a_held_lock_defers_the_flush_until_the_batch_is_full)
{
    pthread_mutex_t  lock = PTHREAD_MUTEX_INITIALIZER;
    rs_agg           a;
    int              i;

    rs_agg_init(&a);
    rs_batch_init(&b);

    /* another thread holds the aggregate: records pile up */
    cr_assert_eq(pthread_mutex_lock(&lock), 0);
    for (i = 0; i < RS_BATCH_MAX; i++) {
        add(&a, &lock, i);
    }
    cr_assert_eq(b.n, RS_BATCH_MAX);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, 0);

    /* it lets go: the next record flushes everything held */
    cr_assert_eq(pthread_mutex_unlock(&lock), 0);
    add(&a, &lock, i++);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, RS_BATCH_MAX);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].bytes, 100 * RS_BATCH_MAX);
    cr_assert_eq(a.keys[RS_DIM_CLIENT].n, RS_BATCH_MAX);
    cr_assert_eq(memcmp(rs_keytab_text(&a.keys[RS_DIM_CLIENT],
                                       &a.keys[RS_DIM_CLIENT].keys[0]),
                        "10.0.0.0", 8), 0);

    /* free lock: tried and taken once RS_BATCH_RECORDS are held */
    while (b.n < RS_BATCH_RECORDS) {
        add(&a, &lock, i++);
    }
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, RS_BATCH_MAX);
    add(&a, &lock, i++);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count,
                 RS_BATCH_MAX + RS_BATCH_RECORDS);

    /* unshared: a flush every RS_BATCH_RECORDS, the rest at the end */
    cr_assert_eq(rs_batch_flush(&b, &a, NULL), 0);
    cr_assert_eq(b.n, 0);
    for (i = 0; i < RS_BATCH_RECORDS + 10; i++) {
        add(&a, NULL, i);
    }
    cr_assert_eq(b.n, 10);
    cr_assert_eq(rs_batch_flush(&b, &a, NULL), 0);
    cr_assert_eq(b.n, 0);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count,
                 RS_BATCH_MAX + RS_BATCH_RECORDS + 1 + RS_BATCH_RECORDS + 10);

    rs_agg_free(&a);
}


/* Held when full: the flush waits for the lock rather than drop a record. */
static void *
release_later(void *arg)
{
    usleep(100 * 1000);
    pthread_mutex_unlock(arg);
    return NULL;
}


Test(batch, a_full_batch_waits_for_the_lock)
{
    pthread_mutex_t  lock;
    pthread_t        tid;
    rs_agg           a;
    int              i;

    cr_assert_eq(pthread_mutex_init(&lock, NULL), 0);
    rs_agg_init(&a);
    rs_batch_init(&b);

    /* an error-checking lock is not needed: the thread below unlocks the
       default mutex this thread locked, which glibc allows */
    cr_assert_eq(pthread_mutex_lock(&lock), 0);
    for (i = 0; i < RS_BATCH_MAX; i++) {
        add(&a, &lock, i);
    }
    cr_assert_eq(pthread_create(&tid, NULL, release_later, &lock), 0);

    add(&a, &lock, i);      /* waits for release_later */
    cr_assert_eq(b.n, 1);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, RS_BATCH_MAX);

    cr_assert_eq(pthread_join(tid, NULL), 0);
    cr_assert_eq(rs_batch_flush(&b, &a, &lock), 0);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, RS_BATCH_MAX + 1);

    pthread_mutex_destroy(&lock);
    rs_agg_free(&a);
}


/* A held record's key, for the chunk tests below. */
static void
add_held(rs_batch **hb, rs_held *h, rs_agg *a, int i)
{
    char       client[32];
    rs_record  r;

    record(&r, client, 1, i, 1);
    cr_assert_eq(rs_batch_add_held(hb, &r, a, NULL, h), 0);
}


/*
 * A chunk's held batches go to the split's spares when released, and the
 * next chunk holds those same batches instead of new ones; beyond
 * RS_BATCH_SPARE they are freed.  The records arrive whole, in order.
 */
Test(batch, released_batches_are_held_again_by_the_next_chunk)
{
    rs_batch_spare   spare;
    rs_held          h1, h2;
    rs_batch        *hb, *first[RS_BATCH_SPARE + 2];
    rs_agg           a;
    size_t           i, n = RS_BATCH_SPARE + 2, j;
    int              k = 0;

    memset(&spare, 0, sizeof(spare));
    memset(&h1, 0, sizeof(h1));
    memset(&h2, 0, sizeof(h2));
    h1.spare = &spare;
    h2.spare = &spare;
    rs_agg_init(&a);

    hb = malloc(sizeof(rs_batch));
    cr_assert_not_null(hb);
    rs_batch_init(hb);

    /* chunk 1 fills n batches while it may not add them */
    for (i = 0; i < n; i++) {
        for (j = 0; j < RS_BATCH_MAX; j++) {
            add_held(&hb, &h1, &a, k++);
        }
        cr_assert_eq(rs_batch_flush_held(&hb, &a, NULL, &h1), 0);
    }
    cr_assert_eq(h1.n, n);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, 0);
    for (i = 0; i < n; i++) {
        first[i] = h1.v[i];
    }

    /* its turn: every record in, in order; RS_BATCH_SPARE batches kept */
    cr_assert_eq(rs_held_release(&h1, &a), 0);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count, n * RS_BATCH_MAX);
    cr_assert_eq(a.keys[RS_DIM_CLIENT].n, n * RS_BATCH_MAX);
    cr_assert_eq(memcmp(rs_keytab_text(&a.keys[RS_DIM_CLIENT],
                                       &a.keys[RS_DIM_CLIENT].keys[0]),
                        "10.1.0.0", 8), 0);
    cr_assert_eq(spare.n, RS_BATCH_SPARE);

    /* chunk 2 holds batches from the spares: no new ones while any is left */
    for (i = 0; i < RS_BATCH_SPARE; i++) {
        for (j = 0; j < RS_BATCH_MAX; j++) {
            add_held(&hb, &h2, &a, k++);
        }
        cr_assert_eq(rs_batch_flush_held(&hb, &a, NULL, &h2), 0);
    }
    cr_assert_eq(spare.n, 0);

    /* the first batch held was in hand before; each flush since took the
       spare given last (chunk 1's first batches, newest first), and the
       one in hand now is chunk 1's first */
    cr_assert_eq(h2.n, RS_BATCH_SPARE);
    for (i = 1; i < RS_BATCH_SPARE; i++) {
        cr_assert_eq(h2.v[i], first[RS_BATCH_SPARE - i], "held %zu", i);
    }
    cr_assert_eq(hb, first[0]);

    /* a reused batch starts empty: chunk 2's records, none of chunk 1's */
    cr_assert_eq(rs_held_release(&h2, &a), 0);
    cr_assert_eq(a.cls[RG_CLASS_CLIENT_RESET].count,
                 (n + RS_BATCH_SPARE) * RS_BATCH_MAX);
    cr_assert_eq(a.keys[RS_DIM_CLIENT].n, (n + RS_BATCH_SPARE) * RS_BATCH_MAX);

    free(hb);
    rs_held_free(&h1);
    rs_held_free(&h2);
    rs_batch_spare_free(&spare);
    cr_assert_eq(spare.n, 0);
    rs_agg_free(&a);
}
