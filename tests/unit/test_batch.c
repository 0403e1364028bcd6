/*
 * Record batches (analyzer/agg/batch.c): copies of the records' strings, a
 * flush tried from RS_BATCH_RECORDS records on only while the shared
 * aggregate's lock is free, and a flush that waits at RS_BATCH_MAX.
 */

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "batch.h"


static rs_batch  b;


static void
add(rs_agg *a, pthread_mutex_t *lock, int i)
{
    char       client[32];
    rs_record  r;

    memset(&r, 0, sizeof(r));
    r.cls = RG_CLASS_CLIENT_RESET;
    r.seen = 1;
    r.bytes = 100;
    r.client.len = (size_t) snprintf(client, sizeof(client), "10.0.%d.%d",
                                     i / 256 % 256, i % 256);
    r.client.p = client;
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
