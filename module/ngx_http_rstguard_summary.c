
/*
 * Copyright (C) rstguard authors
 *
 * Summaries v3 (module/README.md), server-wide and bounded.  The counts
 * live in the zone (held.c).  The first count kept in an idle zone starts
 * an interval (the zone's next_summary); every worker that counts a line
 * arms its timer for the interval's end, if it is not armed already.  At
 * the end the first worker to see it due becomes the writer (under the
 * lock), takes every count out of the zone, ends the interval and writes,
 * per (error-log chain, log, class), at most rstguard_summary_keys lines
 * for the keys that held the most back and one key="*" line for all
 * others.  Timers that find no interval running lapse: a worker that sees
 * no abort has no timer at all, so nginx's timer tree stays as small as
 * without the module.  A worker starting while an interval runs (one
 * respawned after a kill -9, or after a reload) arms at once.  Exiting
 * workers (reload, stop) write what is left at once.  The lines go through
 * the chain the held lines were headed to, at their level raised to the
 * chain's own, so that no file of the chain drops them; the error-log
 * filter passes them untouched.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"
#include "rg_summary.h"


/* room for a line inside nginx's 2048-byte buffer, after its prefix */
#define NGX_HTTP_RSTGUARD_SUMMARY_LINE    (NGX_MAX_ERROR_STR - 128)


/* one key line (or the key="*" line) as taken out of the zone */
typedef struct {
    ngx_http_rstguard_held_t        held;
    ngx_uint_t                      keys;       /* keys with held > 0 */
    ngx_uint_t                      dry_keys;   /* keys with dry > 0 */
    size_t                          key_len;
    u_char                          key[NGX_HTTP_RSTGUARD_MAX_KEY];
} ngx_http_rstguard_line_t;


/* one (chain, log, class) as taken out of the zone */
typedef struct {
    ngx_uint_t                      chain;
    ngx_uint_t                      log;
    rg_class                        cls;
    ngx_uint_t                      level;
    ngx_uint_t                      ntop;
    ngx_http_rstguard_node_t      **top;        /* while locked */
    ngx_http_rstguard_line_t       *lines;      /* ntop key lines, then "*" */
    size_t                          sample_len;
    u_char                          sample[NGX_HTTP_RSTGUARD_SAMPLE_MAX];
} ngx_http_rstguard_taken_t;


/* what one alert check found for one (log, class) */
typedef struct {
    uint64_t                        seen;
    uint64_t                        top_count;
    ngx_http_rstguard_node_t       *top;        /* while locked */
    size_t                          key_len;
    u_char                          key[NGX_HTTP_RSTGUARD_MAX_KEY];
    size_t                          upstream_len;
    u_char                          upstream[NGX_HTTP_RSTGUARD_UPSTREAM_MAX];
} ngx_http_rstguard_storm_t;


/* everything one writer takes out of one zone */
typedef struct {
    ngx_pool_t                     *pool;
    ngx_http_rstguard_zone_t       *zone;
    ngx_uint_t                      keys;       /* rstguard_summary_keys */
    time_t                          window;
    uint64_t                        alert_window;   /* ms; 0: no check */
    ngx_http_rstguard_taken_t     **taken;      /* by group index */
    ngx_http_rstguard_storm_t       storms[NGX_HTTP_RSTGUARD_NLOGS]
                                          [RG_CLASS_COUNT];
} ngx_http_rstguard_harvest_t;


struct ngx_http_rstguard_summary_s {
    ngx_event_t                     timer;
    ngx_http_rstguard_main_conf_t  *rmcf;
    ngx_log_t                      *http_log;
    ngx_uint_t                      emitting;
};


#define ngx_http_rstguard_group_index(chain, log, cls)                       \
    (((chain) * NGX_HTTP_RSTGUARD_NLOGS + (log)) * RG_CLASS_COUNT + (cls))

#define NGX_HTTP_RSTGUARD_NGROUPS                                            \
    (NGX_HTTP_RSTGUARD_MAX_CHAINS * NGX_HTTP_RSTGUARD_NLOGS * RG_CLASS_COUNT)


static uint64_t ngx_http_rstguard_summary_zone(
    ngx_http_rstguard_summary_t *sum, ngx_http_rstguard_zone_t *zone,
    ngx_uint_t force);
static ngx_int_t ngx_http_rstguard_summary_take(
    ngx_http_rstguard_harvest_t *hv, ngx_http_rstguard_zone_t *zone);
static ngx_http_rstguard_taken_t *ngx_http_rstguard_summary_taken(
    ngx_http_rstguard_harvest_t *hv, ngx_uint_t chain, ngx_uint_t log,
    rg_class cls);
static void ngx_http_rstguard_summary_rank(ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_taken_t *t, ngx_http_rstguard_node_t *node);
static void ngx_http_rstguard_summary_fold(ngx_http_rstguard_line_t *star,
    ngx_http_rstguard_held_t *h);
static void ngx_http_rstguard_summary_copy_key(ngx_http_rstguard_line_t *line,
    ngx_http_rstguard_node_t *node);
static void ngx_http_rstguard_summary_take_storms(
    ngx_http_rstguard_harvest_t *hv, ngx_http_rstguard_shctx_t *sh);
static void ngx_http_rstguard_summary_write_taken(
    ngx_http_rstguard_summary_t *sum, ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_taken_t *t);
static void ngx_http_rstguard_summary_write_line(
    ngx_http_rstguard_summary_t *sum, ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_taken_t *t, ngx_http_rstguard_line_t *line,
    ngx_uint_t star, ngx_uint_t dry);
static void ngx_http_rstguard_summary_write_storms(
    ngx_http_rstguard_summary_t *sum, ngx_http_rstguard_harvest_t *hv);
static ngx_log_t *ngx_http_rstguard_summary_log(
    ngx_http_rstguard_summary_t *sum, ngx_uint_t chain, ngx_uint_t *level);
static void ngx_http_rstguard_summary_time(time_t t, u_char *buf);
static uint64_t ngx_http_rstguard_summary_now(void);
static void ngx_http_rstguard_summary_timer(ngx_event_t *ev);
static void ngx_http_rstguard_summary_add_timer(
    ngx_http_rstguard_summary_t *sum, uint64_t next);


ngx_uint_t
ngx_http_rstguard_summary_chain(ngx_http_rstguard_main_conf_t *rmcf,
    ngx_log_t *head)
{
    ngx_uint_t    i;
    ngx_log_t   **chains;
    ngx_array_t  *a;

    if (head == NULL || rmcf->errlog == NULL) {
        return 0;
    }

    a = ngx_http_rstguard_errlog_chains(rmcf->errlog);
    if (a == NULL) {
        return 0;
    }

    chains = a->elts;

    /* the same configuration gives every worker the same numbers */
    for (i = 0; i < a->nelts && i + 1 < NGX_HTTP_RSTGUARD_MAX_CHAINS; i++) {
        if (chains[i] == head) {
            return i + 1;
        }
    }

    return 0;
}


ngx_uint_t
ngx_http_rstguard_summary_emitting(ngx_http_rstguard_main_conf_t *rmcf)
{
    return rmcf->summary != NULL && rmcf->summary->emitting;
}


/*
 * One zone: elects this worker as the interval's writer (or, with force,
 * takes whatever is left), takes the counts out under the lock, ends the
 * interval, writes them unlocked.  Returns the ms until the zone's running
 * interval ends, 0 when none runs (nothing is pending: the timer may
 * lapse).
 */
static uint64_t
ngx_http_rstguard_summary_zone(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_zone_t *zone, ngx_uint_t force)
{
    uint64_t                      now, next, wait;
    ngx_uint_t                    i;
    ngx_http_rstguard_harvest_t   hv;
    ngx_http_rstguard_shctx_t    *sh;

    sh = zone->sh;

    if (sh == NULL) {
        return 0;
    }

    now = ngx_http_rstguard_summary_now();

    /* most looks find the zone idle or the interval running: no lock */
    if (!force) {
        next = sh->next_summary;

        if (next == 0 || now < next) {
            return (next == 0) ? 0 : next - now;
        }
    }

    ngx_memzero(&hv, sizeof(ngx_http_rstguard_harvest_t));

    hv.zone = zone;
    hv.keys = sum->rmcf->summary_keys;
    hv.pool = ngx_create_pool(16384, ngx_cycle->log);
    if (hv.pool == NULL) {
        return force ? 0 : zone->interval;
    }

    hv.taken = ngx_pcalloc(hv.pool, NGX_HTTP_RSTGUARD_NGROUPS
                                    * sizeof(ngx_http_rstguard_taken_t *));
    if (hv.taken == NULL) {
        ngx_destroy_pool(hv.pool);
        return force ? 0 : zone->interval;
    }

    ngx_shmtx_lock(&zone->shpool->mutex);

    next = sh->next_summary;

    if (!force && (next == 0 || now < next)) {
        /* another worker was elected meanwhile */
        ngx_shmtx_unlock(&zone->shpool->mutex);
        ngx_destroy_pool(hv.pool);
        return (next == 0) ? 0 : next - now;
    }

    if (!force && sum->rmcf->alert_rate && now > sh->alert_start) {
        /* elected: nobody else writes this interval */
        hv.alert_window = now - sh->alert_start;
        sh->alert_start = now;
    }

    hv.window = ngx_time() - sh->window_start;
    if (hv.window < 1) {
        hv.window = 1;
    }

    wait = 0;

    if (ngx_http_rstguard_summary_take(&hv, zone) == NGX_OK) {
        sh->window_start = ngx_time();

        /*
         * Everything is taken: idle until the next count.  An exiting
         * worker leaves a running interval to the others only for its
         * alert check (summaries written at exit do not alert).
         */
        if (!force || !sum->rmcf->alert_rate) {
            sh->next_summary = 0;
        }

    } else if (!force) {
        /* no memory: the counts wait for the next interval */
        sh->next_summary = now + zone->interval;
        wait = zone->interval;
    }

    ngx_shmtx_unlock(&zone->shpool->mutex);

    /* written unlocked: error-log lines meanwhile decide as usual */
    sum->emitting = 1;

    for (i = 0; i < NGX_HTTP_RSTGUARD_NGROUPS; i++) {
        if (hv.taken[i] != NULL) {
            ngx_http_rstguard_summary_write_taken(sum, &hv, hv.taken[i]);
        }
    }

    if (hv.alert_window) {
        ngx_http_rstguard_summary_write_storms(sum, &hv);
    }

    sum->emitting = 0;

    ngx_destroy_pool(hv.pool);

    return wait;
}


/*
 * Called locked: ranks every key with counts into its group's top lines
 * (the rest folds into key="*"), copies the named keys, empties the zone's
 * counts.  On NGX_ERROR (no memory) nothing was taken: the counts wait for
 * the next interval.
 */
static ngx_int_t
ngx_http_rstguard_summary_take(ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_zone_t *zone)
{
    uint64_t                     total;
    ngx_uint_t                   c, l, k, i;
    ngx_queue_t                 *q;
    ngx_http_rstguard_node_t    *node;
    ngx_http_rstguard_group_t   *g;
    ngx_http_rstguard_taken_t   *t;
    ngx_http_rstguard_shctx_t   *sh;
    ngx_http_rstguard_storm_t   *st;

    sh = zone->sh;

    /* first pass: make every group's taken record, so no allocation fails
       halfway through emptying the zone */
    for (c = 0; c < NGX_HTTP_RSTGUARD_MAX_CHAINS; c++) {
        for (l = 0; l < NGX_HTTP_RSTGUARD_NLOGS; l++) {
            for (k = 0; k < RG_CLASS_COUNT; k++) {
                if (sh->groups[c][l][k] != NULL
                    && ngx_http_rstguard_summary_taken(hv, c, l, k) == NULL)
                {
                    return NGX_ERROR;
                }
            }
        }
    }

    for (q = ngx_queue_head(&sh->pending);
         q != ngx_queue_sentinel(&sh->pending);
         q = ngx_queue_next(q))
    {
        node = ngx_queue_data(q, ngx_http_rstguard_node_t, pending);

        t = hv->taken[ngx_http_rstguard_group_index(node->chain, node->log,
                                                    node->cls)];
        if (t == NULL) {
            /* a node is counted only once its group exists */
            continue;
        }

        ngx_http_rstguard_summary_rank(hv, t, node);

        if (hv->alert_window) {
            st = &hv->storms[node->log][node->cls];
            total = node->held.held + node->held.dry + node->held.passed;

            if (total > st->top_count) {
                st->top_count = total;
                st->top = node;
            }
        }
    }

    for (i = 0; i < NGX_HTTP_RSTGUARD_NGROUPS; i++) {
        t = hv->taken[i];
        if (t == NULL) {
            continue;
        }

        for (k = 0; k < t->ntop; k++) {
            ngx_http_rstguard_summary_copy_key(&t->lines[k], t->top[k]);
        }

        g = sh->groups[t->chain][t->log][t->cls];

        ngx_http_rstguard_summary_fold(&t->lines[t->ntop], &g->other);
        t->lines[t->ntop].keys += g->other_keys;
        t->lines[t->ntop].dry_keys += g->other_dry_keys;

        t->level = g->level;
        t->sample_len = g->sample_len;
        ngx_memcpy(t->sample, g->sample, g->sample_len);

        ngx_memzero(&g->other, sizeof(ngx_http_rstguard_held_t));
        g->other_keys = 0;
        g->other_dry_keys = 0;
        g->level = 0;
        g->sample_len = 0;
        g->sample_held = 0;
    }

    if (hv->alert_window) {
        ngx_http_rstguard_summary_take_storms(hv, sh);
    }

    while (!ngx_queue_empty(&sh->pending)) {
        q = ngx_queue_head(&sh->pending);
        node = ngx_queue_data(q, ngx_http_rstguard_node_t, pending);

        ngx_queue_remove(q);
        ngx_memzero(&node->held, sizeof(ngx_http_rstguard_held_t));
    }

    return NGX_OK;
}


static ngx_http_rstguard_taken_t *
ngx_http_rstguard_summary_taken(ngx_http_rstguard_harvest_t *hv,
    ngx_uint_t chain, ngx_uint_t log, rg_class cls)
{
    ngx_uint_t                  i;
    ngx_http_rstguard_taken_t  *t;

    i = ngx_http_rstguard_group_index(chain, log, cls);

    if (hv->taken[i] != NULL) {
        return hv->taken[i];
    }

    t = ngx_pcalloc(hv->pool, sizeof(ngx_http_rstguard_taken_t));
    if (t == NULL) {
        return NULL;
    }

    t->top = ngx_pcalloc(hv->pool,
                         (hv->keys + 1) * sizeof(ngx_http_rstguard_node_t *));
    t->lines = ngx_pcalloc(hv->pool,
                           (hv->keys + 1) * sizeof(ngx_http_rstguard_line_t));
    if (t->top == NULL || t->lines == NULL) {
        return NULL;
    }

    t->chain = chain;
    t->log = log;
    t->cls = cls;

    hv->taken[i] = t;

    return t;
}


/*
 * Keeps t->top sorted by what was held back (dry run included), at most
 * hv->keys long; a key that does not make it, or is pushed out, folds
 * into the key="*" line.  Keys that held nothing back are not summarised.
 */
static void
ngx_http_rstguard_summary_rank(ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_taken_t *t, ngx_http_rstguard_node_t *node)
{
    uint64_t                   n;
    ngx_uint_t                 i;
    ngx_http_rstguard_line_t  *star;
    ngx_http_rstguard_node_t  *out;

    n = node->held.held + node->held.dry;

    if (n == 0) {
        return;
    }

    star = &t->lines[hv->keys];

    if (t->ntop == hv->keys
        && (hv->keys == 0
            || n <= t->top[hv->keys - 1]->held.held
                    + t->top[hv->keys - 1]->held.dry))
    {
        ngx_http_rstguard_summary_fold(star, &node->held);
        star->keys += (node->held.held > 0);
        star->dry_keys += (node->held.dry > 0);
        return;
    }

    if (t->ntop == hv->keys) {
        out = t->top[--t->ntop];
        ngx_http_rstguard_summary_fold(star, &out->held);
        star->keys += (out->held.held > 0);
        star->dry_keys += (out->held.dry > 0);
    }

    for (i = t->ntop;
         i > 0 && t->top[i - 1]->held.held + t->top[i - 1]->held.dry < n;
         i--)
    {
        t->top[i] = t->top[i - 1];
    }

    t->top[i] = node;
    t->ntop++;
}


static void
ngx_http_rstguard_summary_fold(ngx_http_rstguard_line_t *star,
    ngx_http_rstguard_held_t *h)
{
    if (h->first == 0) {
        return;
    }

    star->held.held += h->held;
    star->held.dry += h->dry;
    star->held.passed += h->passed;

    if (star->held.first == 0 || h->first < star->held.first) {
        star->held.first = h->first;
    }

    if (h->last > star->held.last) {
        star->held.last = h->last;
    }
}


static void
ngx_http_rstguard_summary_copy_key(ngx_http_rstguard_line_t *line,
    ngx_http_rstguard_node_t *node)
{
    line->held = node->held;
    line->keys = (node->held.held > 0);
    line->dry_keys = (node->held.dry > 0);
    line->key_len = ngx_min(node->len, NGX_HTTP_RSTGUARD_MAX_KEY);
    ngx_memcpy(line->key, node->data, line->key_len);
}


/* called locked: the lines seen, the top key and upstream per (log, class) */
static void
ngx_http_rstguard_summary_take_storms(ngx_http_rstguard_harvest_t *hv,
    ngx_http_rstguard_shctx_t *sh)
{
    uint64_t                       best;
    ngx_uint_t                     l, k, i;
    ngx_atomic_uint_t              seen;
    ngx_http_rstguard_storm_t     *st;
    ngx_http_rstguard_upstream_t  *u;

    for (l = 0; l < NGX_HTTP_RSTGUARD_NLOGS; l++) {
        for (k = 0; k < RG_CLASS_COUNT; k++) {
            st = &hv->storms[l][k];

            /* lines counted meanwhile stay for the next check */
            seen = sh->counters.window_seen[l][k];
            (void) ngx_atomic_fetch_add(&sh->counters.window_seen[l][k],
                                        -(ngx_atomic_int_t) seen);
            st->seen = seen;

            if (st->top != NULL) {
                st->key_len = ngx_min(st->top->len,
                                      NGX_HTTP_RSTGUARD_MAX_KEY);
                ngx_memcpy(st->key, st->top->data, st->key_len);
                st->top = NULL;
            }

            u = sh->upstreams[l][k];
            best = 0;

            for (i = 0; i < NGX_HTTP_RSTGUARD_UPSTREAMS; i++) {
                if (u[i].count > best) {
                    best = u[i].count;
                    st->upstream_len = u[i].len;
                    ngx_memcpy(st->upstream, u[i].data, u[i].len);
                }
            }

            ngx_memzero(u, NGX_HTTP_RSTGUARD_UPSTREAMS
                           * sizeof(ngx_http_rstguard_upstream_t));
        }
    }
}


static void
ngx_http_rstguard_summary_write_taken(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_harvest_t *hv, ngx_http_rstguard_taken_t *t)
{
    ngx_uint_t                 k, dry;
    ngx_http_rstguard_line_t  *line;

    for (k = 0; k <= t->ntop; k++) {
        line = (k < t->ntop) ? &t->lines[k] : &t->lines[hv->keys];

        for (dry = 0; dry < 2; dry++) {
            if ((dry ? line->held.dry : line->held.held) > 0) {
                ngx_http_rstguard_summary_write_line(sum, hv, t, line,
                                                     k == t->ntop, dry);
            }
        }
    }
}


static void
ngx_http_rstguard_summary_write_line(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_harvest_t *hv, ngx_http_rstguard_taken_t *t,
    ngx_http_rstguard_line_t *line, ngx_uint_t star, ngx_uint_t dry)
{
    u_char      buf[NGX_HTTP_RSTGUARD_SUMMARY_LINE];
    u_char      first[RG_SUMMARY_TIME_LEN], last[RG_SUMMARY_TIME_LEN];
    size_t      n;
    ngx_log_t  *log;
    ngx_uint_t  level;
    rg_summary  s;

    ngx_memzero(&s, sizeof(rg_summary));

    ngx_http_rstguard_summary_time(line->held.first, first);
    ngx_http_rstguard_summary_time(line->held.last, last);

    s.version = 3;
    s.log = (t->log == NGX_HTTP_RSTGUARD_LOG_ACCESS) ? RG_SUMMARY_LOG_ACCESS
                                                     : RG_SUMMARY_LOG_ERROR;
    s.cls = t->cls;

    if (star) {
        s.key.p = RG_SUMMARY_OTHER_KEYS;
        s.key.len = sizeof(RG_SUMMARY_OTHER_KEYS) - 1;

    } else {
        s.key.p = (const char *) line->key;
        s.key.len = line->key_len;
    }

    s.keys = dry ? line->dry_keys : line->keys;
    s.suppressed = dry ? line->held.dry : line->held.held;

    /* passed goes with the real line; with the dry one when it is alone */
    s.passed = (!dry || line->held.held == 0) ? line->held.passed : 0;
    s.window = (uint64_t) hv->window;
    s.first.p = (const char *) first;
    s.first.len = RG_SUMMARY_TIME_LEN;
    s.last.p = (const char *) last;
    s.last.len = RG_SUMMARY_TIME_LEN;
    s.dry_run = (int) dry;
    s.sample.p = (const char *) t->sample;
    s.sample.len = t->sample_len;

    n = rg_summary_format((char *) buf, sizeof(buf), &s);

    level = t->level ? t->level : NGX_LOG_INFO;
    log = ngx_http_rstguard_summary_log(sum, t->chain, &level);

    if (n == 0) {
        /* cannot happen: key and sample are cut to fit */
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "rstguard: summary of %uL lines does not fit a line",
                      s.suppressed);
        return;
    }

    ngx_log_error(level, log, 0, "%*s", n, buf);
}


/* one alert per class: the log where the class ran fastest */
static void
ngx_http_rstguard_summary_write_storms(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_harvest_t *hv)
{
    u_char                          buf[NGX_HTTP_RSTGUARD_SUMMARY_LINE];
    size_t                          n;
    uint64_t                        rate;
    rg_alert                        a;
    ngx_uint_t                      k, l;
    ngx_http_rstguard_taken_t      *t;
    ngx_http_rstguard_storm_t      *st;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = sum->rmcf;

    for (k = 0; k < RG_CLASS_COUNT; k++) {

        if (rg_class_side((rg_class) k) != RG_SIDE_CLIENT) {
            continue;
        }

        l = (hv->storms[NGX_HTTP_RSTGUARD_LOG_ERROR][k].seen
             > hv->storms[NGX_HTTP_RSTGUARD_LOG_ACCESS][k].seen)
            ? NGX_HTTP_RSTGUARD_LOG_ERROR : NGX_HTTP_RSTGUARD_LOG_ACCESS;

        st = &hv->storms[l][k];

        /* milli-events per second, as the limit is */
        rate = st->seen * 1000000 / hv->alert_window;

        if (rate <= rmcf->alert_rate) {
            continue;
        }

        ngx_memzero(&a, sizeof(rg_alert));

        a.log = (l == NGX_HTTP_RSTGUARD_LOG_ACCESS) ? RG_SUMMARY_LOG_ACCESS
                                                    : RG_SUMMARY_LOG_ERROR;
        a.cls = (rg_class) k;
        a.rate_centi = rate / 10;
        a.limit = rmcf->alert_num;
        a.limit_unit = (char) rmcf->alert_unit;
        a.window = (hv->alert_window + 500) / 1000;
        a.top_key.p = (const char *) st->key;
        a.top_key.len = st->key_len;
        a.top_upstream.p = (const char *) st->upstream;
        a.top_upstream.len = st->upstream_len;

        /* the sample of the http-level group, else of any chain's */
        t = NULL;

        for (n = 0; n < NGX_HTTP_RSTGUARD_MAX_CHAINS && t == NULL; n++) {
            t = hv->taken[ngx_http_rstguard_group_index(n, l, k)];
        }

        if (t != NULL) {
            a.sample.p = (const char *) t->sample;
            a.sample.len = t->sample_len;
        }

        n = rg_alert_format((char *) buf, sizeof(buf), &a);
        if (n == 0) {
            continue;
        }

        (void) ngx_atomic_fetch_add(&hv->zone->sh->counters.alerts[k], 1);

        ngx_log_error(NGX_LOG_WARN, sum->http_log, 0, "%*s", n, buf);
    }
}


/*
 * The chain's log, and the level raised so that every file of the chain
 * writes the line: nginx writes a line to a file only at or above that
 * file's level, and Debian's "error_log file;" is at error.
 */
static ngx_log_t *
ngx_http_rstguard_summary_log(ngx_http_rstguard_summary_t *sum,
    ngx_uint_t chain, ngx_uint_t *level)
{
    ngx_log_t    *head, *l, **chains;
    ngx_uint_t    file;
    ngx_array_t  *a;

    head = sum->http_log;

    if (chain > 0 && sum->rmcf->errlog != NULL) {
        a = ngx_http_rstguard_errlog_chains(sum->rmcf->errlog);

        if (a != NULL && chain - 1 < a->nelts) {
            chains = a->elts;
            head = chains[chain - 1];
        }
    }

    for (l = head; l != NULL; l = l->next) {
        /* "debug" is stored with the debug bits above the level */
        file = ngx_min(l->log_level, NGX_LOG_DEBUG);

        if (file >= NGX_LOG_EMERG && file < *level) {
            *level = file;
        }
    }

    return head;
}


/* nginx's error-log time, "YYYY/MM/DD HH:MM:SS", of a second */
static void
ngx_http_rstguard_summary_time(time_t t, u_char *buf)
{
    ngx_tm_t  tm;

    if (t == 0) {
        t = ngx_time();
    }

    ngx_localtime(t, &tm);

    (void) ngx_snprintf(buf, RG_SUMMARY_TIME_LEN,
                        "%4d/%02d/%02d %02d:%02d:%02d",
                        tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                        tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}


/* wall-clock ms: the same clock in every worker, unlike ngx_current_msec */
static uint64_t
ngx_http_rstguard_summary_now(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


/*
 * Called locked whenever a decision kept a count: the first count in an
 * idle zone starts its interval (and the alert window with it), so the
 * summary of a burst after a quiet spell comes one interval after its
 * first line, with window= that interval.
 */
void
ngx_http_rstguard_summary_start(ngx_http_rstguard_zone_t *zone)
{
    uint64_t                    now;
    ngx_http_rstguard_shctx_t  *sh;

    sh = zone->sh;

    if (sh->next_summary != 0) {
        return;
    }

    now = ngx_http_rstguard_summary_now();

    sh->next_summary = now + zone->interval;
    sh->alert_start = now;
    sh->window_start = ngx_time();
}


/*
 * After this worker counted a line in the zone (an abort: an ordinary
 * request never gets here): its timer runs until the interval ends.  A
 * timer already armed fires no later than that, as every interval is as
 * long and this one started last, and re-arms then.
 */
void
ngx_http_rstguard_summary_arm(ngx_http_rstguard_zone_t *zone)
{
    ngx_http_rstguard_summary_t  *sum = zone->summary;

    if (!sum->timer.timer_set) {
        ngx_http_rstguard_summary_add_timer(sum, zone->sh->next_summary);
    }
}


/*
 * A line counted without the lock (a class not limited here, the second
 * line of a passed HTTP/2 pair): no count is kept for the summaries, but
 * rstguard_alert counts client-side lines, so an interval must run.  The
 * error-log side only try-locks; if that fails the line waits in the
 * alert count for the next interval, which the next line starts.
 */
void
ngx_http_rstguard_summary_counted(ngx_http_rstguard_zone_t *zone,
    rg_class cls, ngx_uint_t flags)
{
    ngx_http_rstguard_shctx_t  *sh;

    if (zone->summary->rmcf->alert_rate == 0
        || rg_class_side(cls) != RG_SIDE_CLIENT)
    {
        return;
    }

    sh = zone->sh;

    if (sh->next_summary == 0) {
        if (flags & NGX_HTTP_RSTGUARD_TRYLOCK) {
            if (!ngx_shmtx_trylock(&zone->shpool->mutex)) {
                return;
            }

        } else {
            ngx_shmtx_lock(&zone->shpool->mutex);
        }

        ngx_http_rstguard_summary_start(zone);

        ngx_shmtx_unlock(&zone->shpool->mutex);
    }

    ngx_http_rstguard_summary_arm(zone);
}


static void
ngx_http_rstguard_summary_add_timer(ngx_http_rstguard_summary_t *sum,
    uint64_t next)
{
    uint64_t  now;

    now = ngx_http_rstguard_summary_now();

    /* an interval already over (its writer died): at once */
    ngx_add_timer(&sum->timer, (next > now) ? (ngx_msec_t) (next - now) : 1);
}


static void
ngx_http_rstguard_summary_timer(ngx_event_t *ev)
{
    uint64_t                      wait, w;
    ngx_uint_t                    i;
    ngx_http_rstguard_zone_t    **zones;
    ngx_http_rstguard_summary_t  *sum = ev->data;

    zones = sum->rmcf->zones.elts;
    wait = 0;

    for (i = 0; i < sum->rmcf->zones.nelts; i++) {
        w = ngx_http_rstguard_summary_zone(sum, zones[i], 0);

        if (w != 0 && (wait == 0 || w < wait)) {
            wait = w;
        }
    }

    /*
     * Only while an interval runs; an idle zone's next count arms the
     * timer of the worker that counts it.  A worker finishing its
     * connections after a reload still writes at the interval's end if it
     * lives that long (the timer is cancelable: it never delays the exit).
     */
    if (wait != 0 && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(ev, (ngx_msec_t) wait);
    }
}


ngx_int_t
ngx_http_rstguard_summary_init_process(ngx_cycle_t *cycle)
{
    uint64_t                        next;
    ngx_uint_t                      i;
    ngx_http_rstguard_zone_t      **zones;
    ngx_http_rstguard_summary_t    *sum;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rstguard_module);
    if (rmcf == NULL) {
        return NGX_OK;
    }

    sum = ngx_pcalloc(cycle->pool, sizeof(ngx_http_rstguard_summary_t));
    if (sum == NULL) {
        return NGX_ERROR;
    }

    sum->rmcf = rmcf;
    sum->http_log = ngx_http_rstguard_http_error_log(cycle);

    sum->timer.handler = ngx_http_rstguard_summary_timer;
    sum->timer.data = sum;
    sum->timer.log = cycle->log;
    /* a pending summary must not keep a worker from exiting */
    sum->timer.cancelable = 1;

    zones = rmcf->zones.elts;
    next = 0;

    for (i = 0; i < rmcf->zones.nelts; i++) {
        zones[i]->summary = sum;

        /*
         * An interval runs: counts are pending, and the worker that kept
         * them may be gone (killed with -9: this is its respawned
         * successor) or may be an old one after a reload.  The earliest
         * end; the handler re-arms for the others.
         */
        if (zones[i]->sh != NULL && zones[i]->sh->next_summary != 0
            && (next == 0 || zones[i]->sh->next_summary < next))
        {
            next = zones[i]->sh->next_summary;
        }
    }

    if (next != 0) {
        ngx_http_rstguard_summary_add_timer(sum, next);
    }

    rmcf->summary = sum;

    return NGX_OK;
}


void
ngx_http_rstguard_summary_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_http_rstguard_zone_t      **zones;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rstguard_module);

    if (rmcf == NULL || rmcf->summary == NULL) {
        return;
    }

    zones = rmcf->zones.elts;

    for (i = 0; i < rmcf->zones.nelts; i++) {
        (void) ngx_http_rstguard_summary_zone(rmcf->summary, zones[i], 1);
    }

    if (rmcf->summary->timer.timer_set) {
        ngx_del_timer(&rmcf->summary->timer);
    }

    for (i = 0; i < rmcf->zones.nelts; i++) {
        zones[i]->summary = NULL;
    }

    /* nothing may be decided once the writer is gone */
    rmcf->summary = NULL;
}


ngx_log_t *
ngx_http_rstguard_http_error_log(ngx_cycle_t *cycle)
{
    ngx_http_conf_ctx_t       *ctx;
    ngx_http_core_loc_conf_t  *clcf;

    ctx = (ngx_http_conf_ctx_t *) cycle->conf_ctx[ngx_http_module.index];

    if (ctx != NULL) {
        clcf = ctx->loc_conf[ngx_http_core_module.ctx_index];

        /* an http{} without error_log uses the main one, as its children do */
        if (clcf->error_log != NULL) {
            return clcf->error_log;
        }
    }

    return &cycle->new_log;
}
