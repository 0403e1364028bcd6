/*
 * buckets.h - the per-(log, class, key) leaky buckets of `rstscan simulate`.
 *
 * The module keeps its key buckets in a shared-memory zone the way
 * limit_req keeps its nodes (module/ngx_http_rstguard_zone.c): an rbtree
 * plus an LRU queue, where creating a node first expires up to two entries
 * from the LRU tail that have been unused for 60 s and have drained, and a
 * full zone force-evicts the tail.
 * A bucket that was expired and comes back starts fresh (excess 0), which
 * can decide later events differently from one that was kept, so the
 * replay has to expire exactly when the module does.  This table does the
 * same, with a cap on entries instead of a zone size in bytes.
 */

#ifndef RS_BUCKETS_H
#define RS_BUCKETS_H

#include <stddef.h>
#include <stdint.h>

#include "rg_class.h"
#include "rg_limiter.h"

typedef struct rs_buckets  rs_buckets;

/* Unused this long (and drained) before a node may be expired, as limit_req. */
#define RS_BUCKET_EXPIRE_MS  60000

/*
 * Creates a table of at most max_entries buckets, all under the limit lim
 * (the per-key rate and burst).  NULL when out of memory.
 */
rs_buckets *rs_buckets_create(size_t max_entries, const rg_limit *lim);

/*
 * Finds the bucket of (log, cls, key) and marks it most recently used, or
 * creates a fresh one after expiring idle ones.  now_ms is the time of the
 * event being decided.  NULL when out of memory.
 */
rg_bucket *rs_buckets_get(rs_buckets *t, unsigned log, rg_class cls,
    const char *key, size_t len, uint64_t now_ms);

size_t rs_buckets_count(const rs_buckets *t);
size_t rs_buckets_peak(const rs_buckets *t);

/* Live buckets removed because the table was full (not idle expiry). */
uint64_t rs_buckets_forced(const rs_buckets *t);

void rs_buckets_free(rs_buckets *t);

#endif /* RS_BUCKETS_H */
