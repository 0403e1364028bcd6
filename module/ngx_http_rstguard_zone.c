/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard_zone.c: the shared-memory limiter.  A slab pool holds
 * an rbtree of buckets, one per (log, key, class), kept in LRU order like
 * limit_req's nodes, plus one global bucket per (log, class) and the
 * counters.  The arithmetic is core/rg_limiter.h, so `rstscan simulate`
 * replays exactly what the module decided.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"


/* an idle bucket is expired opportunistically after this long */
#define NGX_HTTP_RSTGUARD_IDLE     60000


static ngx_int_t ngx_http_rstguard_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_rstguard_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_int_t ngx_http_rstguard_node_cmp(ngx_rbtree_node_t *a,
    ngx_rbtree_node_t *b);
static ngx_http_rstguard_node_t *ngx_http_rstguard_lookup(
    ngx_http_rstguard_zone_t *zone, ngx_uint_t log, rg_class cls,
    ngx_str_t *key, ngx_uint_t *evicted);
static ngx_uint_t ngx_http_rstguard_expire(ngx_http_rstguard_zone_t *zone,
    ngx_uint_t force);
static void ngx_http_rstguard_count(ngx_http_rstguard_zone_t *zone,
    ngx_uint_t log, rg_class cls, ngx_int_t rc, ngx_uint_t flags);


ngx_int_t
ngx_http_rstguard_decide(ngx_http_rstguard_main_conf_t *rmcf, ngx_uint_t log,
    rg_class cls, ngx_str_t *key, ngx_uint_t flags,
    ngx_http_rstguard_note_t *note)
{
    return ngx_http_rstguard_zone_decide(rmcf->zone, log, cls, key, flags,
                                         note);
}


ngx_int_t
ngx_http_rstguard_zone_decide(ngx_http_rstguard_zone_t *zone, ngx_uint_t log,
    rg_class cls, ngx_str_t *key, ngx_uint_t flags,
    ngx_http_rstguard_note_t *note)
{
    ngx_int_t                    rc;
    ngx_uint_t                   evicted, alert;
    rg_verdict                   verdict;
    ngx_http_rstguard_node_t    *node;
    ngx_http_rstguard_group_t   *group;
    ngx_http_rstguard_shctx_t   *sh;

    if (zone == NULL || zone->sh == NULL || cls < 0 || cls >= RG_CLASS_COUNT
        || log >= NGX_HTTP_RSTGUARD_NLOGS)
    {
        return NGX_OK;
    }

    sh = zone->sh;

    if ((flags & NGX_HTTP_RSTGUARD_UNLIMITED)
        || ((flags & NGX_HTTP_RSTGUARD_FOLLOW_HELD) && note == NULL))
    {
        /* counted only: no budget is charged */
        rc = (flags & NGX_HTTP_RSTGUARD_FOLLOW_HELD) ? NGX_DECLINED : NGX_OK;
        ngx_http_rstguard_count(zone, log, cls, rc, flags);

        if (zone->summary != NULL) {
            /* rstguard_alert counts it: an interval must run */
            ngx_http_rstguard_summary_counted(zone, cls, flags);
        }

        return rc;
    }

    if (flags & NGX_HTTP_RSTGUARD_TRYLOCK) {
        if (!ngx_shmtx_trylock(&zone->shpool->mutex)) {
            (void) ngx_atomic_fetch_add(&sh->counters.contended[log], 1);
            return NGX_BUSY;
        }

    } else {
        ngx_shmtx_lock(&zone->shpool->mutex);
    }

    evicted = 0;
    alert = 0;
    group = NULL;

    if (note != NULL) {
        /* before the bucket: making the group may evict buckets */
        group = ngx_http_rstguard_held_group(zone, note->chain, log, cls);
    }

    node = (note == NULL || group != NULL)
           ? ngx_http_rstguard_lookup(zone, log, cls, key, &evicted)
           : NULL;

    if (node == NULL) {
        /* not even one bucket fits: never fail, let the line through */
        rc = NGX_OK;

    } else {
        if (flags & NGX_HTTP_RSTGUARD_FOLLOW_HELD) {
            /* held as the line it follows was, and summarised: no charge */
            rc = NGX_DECLINED;

        } else {
            verdict = rg_limiter_decide(&node->bucket, &zone->key_limit,
                                        &sh->global[log][cls],
                                        &zone->global_limit,
                                        (uint64_t) ngx_current_msec);

            rc = (verdict == RG_PASS) ? NGX_OK : NGX_DECLINED;
        }

        if (group != NULL) {
            ngx_http_rstguard_held_note(zone, node, group, rc, flags, note);
        }
    }

    /* a count is kept: the summaries' interval runs until it is written */
    ngx_http_rstguard_summary_start(zone);

    /*
     * Another worker's cached clock may be ahead of ours: a negative
     * difference is "not yet", never a wrapped huge one.
     */
    if ((evicted || node == NULL)
        && (sh->last_alert == 0
            || (ngx_msec_int_t) (ngx_current_msec - sh->last_alert)
               >= (ngx_msec_int_t) zone->interval))
    {
        sh->last_alert = ngx_current_msec ? ngx_current_msec : 1;
        alert = 1;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    ngx_http_rstguard_count(zone, log, cls, rc, flags);

    if (zone->summary != NULL) {
        /* only an abort gets here: ordinary requests never see the timer */
        ngx_http_rstguard_summary_arm(zone);
    }

    if (alert) {
        /* logged unlocked: the error-log side may be the caller */
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "rstguard zone \"%V\" is full, the oldest entries "
                      "are evicted (%uA so far)",
                      &zone->name, sh->counters.evictions);
    }

    return rc;
}


static void
ngx_http_rstguard_count(ngx_http_rstguard_zone_t *zone, ngx_uint_t log,
    rg_class cls, ngx_int_t rc, ngx_uint_t flags)
{
    ngx_http_rstguard_counters_t  *cnt;

    cnt = &zone->sh->counters;

    (void) ngx_atomic_fetch_add(&cnt->seen[log][cls], 1);
    (void) ngx_atomic_fetch_add(&cnt->window_seen[log][cls], 1);

    if (rc == NGX_OK) {
        (void) ngx_atomic_fetch_add(&cnt->passed[log][cls], 1);

    } else if (flags & NGX_HTTP_RSTGUARD_DRY_RUN) {
        (void) ngx_atomic_fetch_add(&cnt->dry_run[log][cls], 1);

    } else {
        (void) ngx_atomic_fetch_add(&cnt->suppressed[log][cls], 1);
    }
}


/* called locked; finds or creates the bucket and moves it to the LRU head */

static ngx_http_rstguard_node_t *
ngx_http_rstguard_lookup(ngx_http_rstguard_zone_t *zone, ngx_uint_t log,
    rg_class cls, ngx_str_t *key, ngx_uint_t *evicted)
{
    size_t                      size, len;
    uint32_t                    hash;
    u_char                      head[2];
    ngx_int_t                   rc;
    ngx_rbtree_node_t          *node, *sentinel;
    ngx_http_rstguard_node_t   *rn;
    ngx_http_rstguard_shctx_t  *sh;

    sh = zone->sh;
    len = ngx_min(key->len, NGX_HTTP_RSTGUARD_MAX_KEY);

    head[0] = (u_char) log;
    head[1] = (u_char) cls;

    ngx_crc32_init(hash);
    ngx_crc32_update(&hash, head, 2);
    ngx_crc32_update(&hash, key->data, len);
    ngx_crc32_final(hash);

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        rn = (ngx_http_rstguard_node_t *) &node->color;

        rc = (ngx_int_t) log - rn->log;
        if (rc == 0) {
            rc = (ngx_int_t) cls - rn->cls;
        }
        if (rc == 0) {
            rc = ngx_memn2cmp(key->data, rn->data, len, (size_t) rn->len);
        }

        if (rc == 0) {
            ngx_queue_remove(&rn->queue);
            ngx_queue_insert_head(&sh->queue, &rn->queue);
            return rn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    size = offsetof(ngx_rbtree_node_t, color)
           + offsetof(ngx_http_rstguard_node_t, data)
           + len;

    (void) ngx_http_rstguard_expire(zone, 0);

    node = ngx_slab_alloc_locked(zone->shpool, size);

    while (node == NULL) {
        if (ngx_http_rstguard_expire(zone, 1) == 0) {
            return NULL;
        }

        *evicted = 1;
        node = ngx_slab_alloc_locked(zone->shpool, size);
    }

    node->key = hash;

    rn = (ngx_http_rstguard_node_t *) &node->color;

    rn->log = (u_char) log;
    rn->cls = (u_char) cls;
    rn->chain = 0;
    rn->len = (u_short) len;
    ngx_memzero(&rn->bucket, sizeof(rg_bucket));
    ngx_memzero(&rn->held, sizeof(ngx_http_rstguard_held_t));
    ngx_memcpy(rn->data, key->data, len);

    ngx_rbtree_insert(&sh->rbtree, node);
    ngx_queue_insert_head(&sh->queue, &rn->queue);

    (void) ngx_atomic_fetch_add(&sh->counters.entries, 1);

    return rn;
}


ngx_uint_t
ngx_http_rstguard_zone_evict(ngx_http_rstguard_zone_t *zone)
{
    return ngx_http_rstguard_expire(zone, 1);
}


/*
 * Called locked.  Without force, removes up to two drained buckets idle for
 * a minute from the LRU tail (amortised expiry, as limit_req does).  With
 * force, evicts the oldest bucket whatever its state.  Returns the number
 * of buckets removed.
 */

static ngx_uint_t
ngx_http_rstguard_expire(ngx_http_rstguard_zone_t *zone, ngx_uint_t force)
{
    ngx_uint_t                  n;
    ngx_msec_t                  now;
    ngx_queue_t                *q;
    ngx_rbtree_node_t          *node;
    ngx_http_rstguard_node_t   *rn;
    ngx_http_rstguard_shctx_t  *sh;

    sh = zone->sh;
    now = ngx_current_msec;

    for (n = 0; n < 2; n++) {

        if (ngx_queue_empty(&sh->queue)) {
            break;
        }

        q = ngx_queue_last(&sh->queue);
        rn = ngx_queue_data(q, ngx_http_rstguard_node_t, queue);

        if (!force) {
            if (now - (ngx_msec_t) rn->bucket.last_ms
                < NGX_HTTP_RSTGUARD_IDLE
                || !rg_bucket_idle(&rn->bucket, &zone->key_limit,
                                   (uint64_t) now))
            {
                break;
            }
        }

        node = (ngx_rbtree_node_t *)
                   ((u_char *) rn - offsetof(ngx_rbtree_node_t, color));

        /* what it held this interval goes to its group's key="*" line */
        ngx_http_rstguard_held_fold(zone, rn);

        ngx_queue_remove(q);
        ngx_rbtree_delete(&sh->rbtree, node);
        ngx_slab_free_locked(zone->shpool, node);

        (void) ngx_atomic_fetch_add(&sh->counters.entries,
                                    (ngx_atomic_int_t) -1);

        if (force) {
            (void) ngx_atomic_fetch_add(&sh->counters.evictions, 1);
            return 1;
        }
    }

    return n;
}


static ngx_int_t
ngx_http_rstguard_node_cmp(ngx_rbtree_node_t *a, ngx_rbtree_node_t *b)
{
    ngx_int_t                  rc;
    ngx_http_rstguard_node_t  *ra, *rb;

    ra = (ngx_http_rstguard_node_t *) &a->color;
    rb = (ngx_http_rstguard_node_t *) &b->color;

    rc = (ngx_int_t) ra->log - rb->log;
    if (rc == 0) {
        rc = (ngx_int_t) ra->cls - rb->cls;
    }
    if (rc == 0) {
        rc = ngx_memn2cmp(ra->data, rb->data, (size_t) ra->len,
                          (size_t) rb->len);
    }

    return rc;
}


static void
ngx_http_rstguard_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t  **p;

    for ( ;; ) {

        if (node->key != temp->key) {
            p = (node->key < temp->key) ? &temp->left : &temp->right;

        } else {
            p = (ngx_http_rstguard_node_cmp(node, temp) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/*
 * On reload a zone of the same name and size keeps its mapping: the shared
 * part (buckets, counters) carries over, the limits come from the new
 * configuration.
 */

static ngx_int_t
ngx_http_rstguard_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_rstguard_zone_t  *octx = data;

    size_t                     len;
    ngx_http_rstguard_zone_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_calloc(ctx->shpool, sizeof(ngx_http_rstguard_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_rstguard_rbtree_insert_value);

    ngx_queue_init(&ctx->sh->queue);
    ngx_queue_init(&ctx->sh->pending);

    len = sizeof(" in rstguard zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in rstguard zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone evicts; the slab's own "no memory" line would be noise */
    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


ngx_http_rstguard_zone_t *
ngx_http_rstguard_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size)
{
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_rstguard_zone_t       *zone, **zp;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rstguard_module);

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_rstguard_zone_t));
    if (zone == NULL) {
        return NULL;
    }

    shm_zone = ngx_shared_memory_add(cf, name, size, &ngx_http_rstguard_module);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate rstguard zone \"%V\"", name);
        return NULL;
    }

    zone->shm_zone = shm_zone;
    zone->name = *name;

    shm_zone->init = ngx_http_rstguard_init_zone;
    shm_zone->data = zone;

    zp = ngx_array_push(&rmcf->zones);
    if (zp == NULL) {
        return NULL;
    }

    *zp = zone;

    return zone;
}
