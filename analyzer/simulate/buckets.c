/*
 * buckets.c - the key buckets of `rstscan simulate` (see buckets.h).
 *
 * uthash (Debian uthash-dev) is the hash; its out-of-memory handling is
 * switched to non-fatal so a failed insert is an error we return, never an
 * exit.  utlist's doubly linked list is the LRU queue: its head's prev is
 * the tail, so both ends are O(1) like nginx's ngx_queue_t.
 */

#include <stdlib.h>
#include <string.h>

#define HASH_NONFATAL_OOM  1
#define uthash_nonfatal_oom(obj)  (t->oom = 1)

#include <uthash.h>
#include <utlist.h>

#include "buckets.h"

/* keys longer than this are cut: far above any address or header value */
#define RS_BUCKET_KEY_MAX  1024

typedef struct rs_bucket_node  rs_bucket_node;

struct rs_bucket_node {
    UT_hash_handle   hh;
    rs_bucket_node  *prev, *next;       /* LRU queue, most recent first */
    rg_bucket        bucket;
    size_t           len;
    unsigned char    key[];             /* log, class, then the key bytes */
};

struct rs_buckets {
    rs_bucket_node  *hash;
    rs_bucket_node  *lru;
    rg_limit         limit;
    size_t           max, count, peak;
    uint64_t         forced;
    int              oom;
};


static void rs_buckets_expire(rs_buckets *t, int force, uint64_t now_ms);
static void rs_buckets_remove(rs_buckets *t, rs_bucket_node *n);


rs_buckets *
rs_buckets_create(size_t max_entries, const rg_limit *lim)
{
    rs_buckets  *t;

    t = calloc(1, sizeof(rs_buckets));
    if (t == NULL) {
        return NULL;
    }

    t->max = max_entries ? max_entries : 1;
    t->limit = *lim;

    return t;
}


rg_bucket *
rs_buckets_get(rs_buckets *t, unsigned log, rg_class cls, const char *key,
    size_t len, uint64_t now_ms)
{
    unsigned char    buf[RS_BUCKET_KEY_MAX + 2];
    rs_bucket_node  *n;

    if (len > RS_BUCKET_KEY_MAX) {
        len = RS_BUCKET_KEY_MAX;
    }

    buf[0] = (unsigned char) log;
    buf[1] = (unsigned char) cls;
    memcpy(buf + 2, key, len);
    len += 2;

    HASH_FIND(hh, t->hash, buf, len, n);

    if (n != NULL) {
        /* limit_req moves a found node to the queue head, held or not */
        DL_DELETE(t->lru, n);
        DL_PREPEND(t->lru, n);
        return &n->bucket;
    }

    rs_buckets_expire(t, 0, now_ms);

    if (t->count >= t->max) {
        /* the zone is full: limit_req evicts the oldest node by force */
        rs_buckets_expire(t, 1, now_ms);
    }

    n = calloc(1, sizeof(rs_bucket_node) + len);
    if (n == NULL) {
        return NULL;
    }

    memcpy(n->key, buf, len);
    n->len = len;

    t->oom = 0;
    HASH_ADD_KEYPTR(hh, t->hash, n->key, n->len, n);

    if (t->oom) {
        free(n);
        return NULL;
    }

    DL_PREPEND(t->lru, n);

    if (++t->count > t->peak) {
        t->peak = t->count;
    }

    return &n->bucket;
}


/*
 * The module's ngx_http_rstguard_expire(): without force, at most two
 * tail buckets go, each only if unused for 60 s and drained, stopping at
 * the first that is not; with force, the tail goes whatever its state.
 */
static void
rs_buckets_expire(rs_buckets *t, int force, uint64_t now_ms)
{
    int              n;
    rs_bucket_node  *tail;

    for (n = 0; n < 2; n++) {
        if (t->lru == NULL) {
            return;
        }

        tail = t->lru->prev;

        if (!force
            && (now_ms - tail->bucket.last_ms < RS_BUCKET_EXPIRE_MS
                || !rg_bucket_idle(&tail->bucket, &t->limit, now_ms)))
        {
            return;
        }

        rs_buckets_remove(t, tail);

        if (force) {
            t->forced++;
            return;
        }
    }
}


static void
rs_buckets_remove(rs_buckets *t, rs_bucket_node *n)
{
    DL_DELETE(t->lru, n);
    HASH_DELETE(hh, t->hash, n);
    free(n);
    t->count--;
}


size_t
rs_buckets_count(const rs_buckets *t)
{
    return t->count;
}


size_t
rs_buckets_peak(const rs_buckets *t)
{
    return t->peak;
}


uint64_t
rs_buckets_forced(const rs_buckets *t)
{
    return t->forced;
}


void
rs_buckets_free(rs_buckets *t)
{
    rs_bucket_node  *n, *tmp;

    if (t == NULL) {
        return;
    }

    HASH_ITER(hh, t->hash, n, tmp) {
        HASH_DELETE(hh, t->hash, n);
        free(n);
    }

    free(t);
}
