/*
 * batch.h - classified records held back by one thread and added to a
 * shared aggregate together.
 *
 * Two threads scanning chunks of one file share one aggregate (one copy of
 * the key tables: memory, not speed, is what a split must not double).
 * Taking its mutex once per record made the threads wait on each other
 * (futex sleeps were a quarter of the profile); a batch takes it once per
 * RS_BATCH_RECORDS records, and only when it is free: while the other
 * thread holds it (adding its own batch) records pile up, up to
 * RS_BATCH_MAX, and the thread goes on scanning instead of sleeping.  A
 * batch also lets the aggregate overlap the cache misses of many lookups
 * (rs_agg_records), so a scanner always batches, shared or not.  The
 * records' strings are copied into the batch, since the lines they point
 * into are gone by the flush.
 */

#ifndef RS_BATCH_H
#define RS_BATCH_H

#include <pthread.h>
#include <stddef.h>

#include "agg.h"

#define RS_BATCH_RECORDS  512             /* a flush is tried */
#define RS_BATCH_MAX      (4 * RS_BATCH_RECORDS)    /* a flush waits */
#define RS_BATCH_TEXT     (RS_BATCH_MAX * 128)

typedef struct {
    rs_record  rec[RS_BATCH_MAX];
    size_t     n;
    size_t     tlen;
    char       text[RS_BATCH_TEXT];
} rs_batch;

void rs_batch_init(rs_batch *b);

/*
 * Holds a copy of r, first adding what the batch holds to a (under lock):
 * from RS_BATCH_RECORDS records on when the lock is free, and waiting for
 * it when r would not fit.  Returns 0, -1 when out of memory (the records
 * already held are then lost for the aggregate, as with rs_agg_record).
 */
int rs_batch_add(rs_batch *b, const rs_record *r, rs_agg *a,
    pthread_mutex_t *lock);

/* Adds what the batch holds to a (under lock unless NULL) and empties
   it; -1 when out of memory. */
int rs_batch_flush(rs_batch *b, rs_agg *a, pthread_mutex_t *lock);

/*
 * The batches of one chunk of a split file (scan_split.h), held back
 * until every chunk before it is in the aggregate: the aggregate then
 * takes the records in file order whatever the threads do, so even its
 * bounded key tables (which drop the smallest keys when full, keytab.h)
 * end the same for every -j.  `live` (set under the aggregate's lock by
 * rs_held_release): the chunks before are in, batches go straight in.
 */
/*
 * Batches a split's chunks gave back, for the next chunk to hold (under
 * the aggregate's lock, like the rs_held that share it).  A batch is 548
 * KiB: malloc maps one afresh each time and the scanner faults it in page
 * by page, which cost the plain 1 GB error log about 5,000 of its 12,000
 * page faults.  At most RS_BATCH_SPARE are kept (4.4 MiB), all freed when
 * the split ends.
 */
#define RS_BATCH_SPARE  8

typedef struct {
    rs_batch  *v[RS_BATCH_SPARE];
    size_t     n;
} rs_batch_spare;

typedef struct {
    rs_batch        **v;
    size_t            n, cap;
    int               live;
    rs_batch_spare   *spare;    /* where released batches go; NULL: freed */
} rs_held;

/*
 * rs_batch_add and rs_batch_flush for a chunk: *b is handed to h whole
 * (and replaced by a new batch) while h is not live.  h NULL: as those.
 */
int rs_batch_add_held(rs_batch **b, const rs_record *r, rs_agg *a,
    pthread_mutex_t *lock, rs_held *h);
int rs_batch_flush_held(rs_batch **b, rs_agg *a, pthread_mutex_t *lock,
    rs_held *h);

/* Under the aggregate's lock: what h holds into a, in order (its batches
   to h->spare), and h live from now on; -1 when out of memory. */
int rs_held_release(rs_held *h, rs_agg *a);
void rs_held_free(rs_held *h);
void rs_batch_spare_free(rs_batch_spare *s);

#endif /* RS_BATCH_H */
