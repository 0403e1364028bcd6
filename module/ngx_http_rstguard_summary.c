
/*
 * Copyright (C) rstguard authors
 *
 * Honest summaries (module/README.md): per worker, per (log, class, key)
 * the lines held back and passed, the first and last time, one sample.
 * Written on the timer, on reload and on exit, at the level of the lines
 * they stand for and through the error-log chain those lines were headed
 * to, in the strict grammar of core/rg_summary.h, and only when something
 * was held (or would have been, under rstguard_dry_run).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"
#include "rg_summary.h"


/* a worker keeps at most this many entries; a full table is written early */
#define NGX_HTTP_RSTGUARD_SUMMARY_MAX     4096
/* bytes of the sample kept per entry; the line cuts it further if needed */
#define NGX_HTTP_RSTGUARD_SAMPLE_MAX      512
/* room for the summary inside nginx's 2048-byte line, after its prefix */
#define NGX_HTTP_RSTGUARD_SUMMARY_LINE    (NGX_MAX_ERROR_STR - 128)


typedef struct {
    ngx_rbtree_node_t               node;       /* key: crc32 of identity */
    ngx_queue_t                     queue;

    /* identity: log, class, level, dry run, chain, key */
    ngx_uint_t                      log;
    rg_class                        cls;
    ngx_uint_t                      level;
    ngx_uint_t                      dry_run;
    ngx_log_t                      *chain;

    uint64_t                        suppressed;
    uint64_t                        passed;
    u_char                          first[RG_SUMMARY_TIME_LEN];
    u_char                          last[RG_SUMMARY_TIME_LEN];
    ngx_uint_t                      sample_held;  /* sample is a held line */
    size_t                          sample_len;
    u_char                          sample[NGX_HTTP_RSTGUARD_SAMPLE_MAX];

    size_t                          key_len;
    u_char                         *key;        /* stored after the entry */
} ngx_http_rstguard_summary_entry_t;


struct ngx_http_rstguard_summary_s {
    ngx_rbtree_t                    rbtree;
    ngx_rbtree_node_t               sentinel;
    ngx_queue_t                     queue;
    ngx_uint_t                      entries;
    time_t                          window_start;
    ngx_event_t                     timer;
    ngx_http_rstguard_main_conf_t  *rmcf;
    ngx_log_t                      *http_log;
    ngx_uint_t                      emitting;
};


static ngx_int_t ngx_http_rstguard_summary_cmp(
    ngx_http_rstguard_summary_entry_t *a,
    ngx_http_rstguard_summary_entry_t *b);
static ngx_http_rstguard_summary_entry_t *ngx_http_rstguard_summary_lookup(
    ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *probe);
static ngx_http_rstguard_summary_entry_t *ngx_http_rstguard_summary_add(
    ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *probe);
static void ngx_http_rstguard_summary_set_sample(
    ngx_http_rstguard_summary_entry_t *e, ngx_str_t *sample);
static void ngx_http_rstguard_summary_flush(ngx_http_rstguard_summary_t *sum);
static void ngx_http_rstguard_summary_write(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *e, time_t window);
static void ngx_http_rstguard_summary_timer(ngx_event_t *ev);
static void ngx_http_rstguard_summary_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);


void
ngx_http_rstguard_summary_note(ngx_http_rstguard_main_conf_t *rmcf,
    ngx_uint_t log, rg_class cls, ngx_str_t *key, ngx_uint_t held,
    ngx_uint_t level, ngx_log_t *chain, ngx_str_t *sample)
{
    ngx_http_rstguard_summary_t        *sum;
    ngx_http_rstguard_summary_entry_t  *e, probe;

    sum = rmcf->summary;

    if (sum == NULL || sum->emitting || cls < 0 || cls >= RG_CLASS_COUNT) {
        return;
    }

    probe.log = log;
    probe.cls = cls;
    probe.level = level;
    probe.dry_run = (held == NGX_HTTP_RSTGUARD_NOTE_DRY_RUN);
    probe.chain = (chain != NULL) ? chain : sum->http_log;
    probe.key_len = key->len;
    probe.key = key->data;
    probe.node.key = ngx_crc32_short(key->data, key->len);

    e = ngx_http_rstguard_summary_lookup(sum, &probe);

    if (e == NULL) {
        e = ngx_http_rstguard_summary_add(sum, &probe);
        if (e == NULL) {
            return;
        }
    }

    ngx_memcpy(e->last, ngx_cached_err_log_time.data, RG_SUMMARY_TIME_LEN);

    if (held == NGX_HTTP_RSTGUARD_NOTE_PASSED) {
        e->passed++;

    } else {
        e->suppressed++;
    }

    if (sample != NULL
        && (e->sample_len == 0
            || (held != NGX_HTTP_RSTGUARD_NOTE_PASSED && !e->sample_held)))
    {
        ngx_http_rstguard_summary_set_sample(e, sample);
        e->sample_held = (held != NGX_HTTP_RSTGUARD_NOTE_PASSED);
    }
}


static ngx_http_rstguard_summary_entry_t *
ngx_http_rstguard_summary_add(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *probe)
{
    ngx_http_rstguard_summary_entry_t  *e;

    if (sum->entries >= NGX_HTTP_RSTGUARD_SUMMARY_MAX) {
        /* never drop a count: write what we have and start afresh */
        ngx_http_rstguard_summary_flush(sum);
    }

    e = ngx_alloc(sizeof(ngx_http_rstguard_summary_entry_t) + probe->key_len,
                  ngx_cycle->log);
    if (e == NULL) {
        return NULL;
    }

    *e = *probe;
    e->key = (u_char *) (e + 1);
    ngx_memcpy(e->key, probe->key, probe->key_len);
    e->suppressed = 0;
    e->passed = 0;
    e->sample_held = 0;
    e->sample_len = 0;
    ngx_memcpy(e->first, ngx_cached_err_log_time.data, RG_SUMMARY_TIME_LEN);

    ngx_rbtree_insert(&sum->rbtree, &e->node);
    ngx_queue_insert_tail(&sum->queue, &e->queue);
    sum->entries++;

    return e;
}


/* A total order on entries: the hash first, then every identity field. */
static ngx_int_t
ngx_http_rstguard_summary_cmp(ngx_http_rstguard_summary_entry_t *a,
    ngx_http_rstguard_summary_entry_t *b)
{
    if (a->node.key != b->node.key) {
        return (a->node.key < b->node.key) ? -1 : 1;
    }

    if (a->log != b->log) {
        return (a->log < b->log) ? -1 : 1;
    }

    if (a->cls != b->cls) {
        return (a->cls < b->cls) ? -1 : 1;
    }

    if (a->level != b->level) {
        return (a->level < b->level) ? -1 : 1;
    }

    if (a->dry_run != b->dry_run) {
        return (a->dry_run < b->dry_run) ? -1 : 1;
    }

    if (a->chain != b->chain) {
        return ((uintptr_t) a->chain < (uintptr_t) b->chain) ? -1 : 1;
    }

    if (a->key_len != b->key_len) {
        return (a->key_len < b->key_len) ? -1 : 1;
    }

    return ngx_memcmp(a->key, b->key, a->key_len);
}


static ngx_http_rstguard_summary_entry_t *
ngx_http_rstguard_summary_lookup(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *probe)
{
    ngx_int_t           rc;
    ngx_rbtree_node_t  *node, *sentinel;

    node = sum->rbtree.root;
    sentinel = sum->rbtree.sentinel;

    while (node != sentinel) {
        rc = ngx_http_rstguard_summary_cmp(probe,
                                 (ngx_http_rstguard_summary_entry_t *) node);
        if (rc == 0) {
            return (ngx_http_rstguard_summary_entry_t *) node;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_rstguard_summary_set_sample(ngx_http_rstguard_summary_entry_t *e,
    ngx_str_t *sample)
{
    size_t  n;

    n = ngx_min(sample->len, NGX_HTTP_RSTGUARD_SAMPLE_MAX);

    /* the trailing newline of a log line is not part of the sample */
    while (n > 0 && (sample->data[n - 1] == LF || sample->data[n - 1] == CR)) {
        n--;
    }

    ngx_memcpy(e->sample, sample->data, n);
    e->sample_len = n;
}


ngx_uint_t
ngx_http_rstguard_summary_emitting(ngx_http_rstguard_main_conf_t *rmcf)
{
    return rmcf->summary != NULL && rmcf->summary->emitting;
}


/* Writes every entry that held something back and empties the table. */
static void
ngx_http_rstguard_summary_flush(ngx_http_rstguard_summary_t *sum)
{
    time_t                              window;
    ngx_queue_t                        *q;
    ngx_http_rstguard_summary_entry_t  *e;

    window = ngx_time() - sum->window_start;
    if (window < 1) {
        window = 1;
    }

    sum->emitting = 1;

    while (!ngx_queue_empty(&sum->queue)) {
        q = ngx_queue_head(&sum->queue);
        e = ngx_queue_data(q, ngx_http_rstguard_summary_entry_t, queue);

        if (e->suppressed > 0) {
            ngx_http_rstguard_summary_write(sum, e, window);
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&sum->rbtree, &e->node);
        ngx_free(e);
    }

    sum->emitting = 0;
    sum->entries = 0;
    sum->window_start = ngx_time();
}


static void
ngx_http_rstguard_summary_write(ngx_http_rstguard_summary_t *sum,
    ngx_http_rstguard_summary_entry_t *e, time_t window)
{
    u_char      buf[NGX_HTTP_RSTGUARD_SUMMARY_LINE];
    size_t      n;
    rg_summary  s;

    s.log = (e->log == NGX_HTTP_RSTGUARD_LOG_ACCESS) ? RG_SUMMARY_LOG_ACCESS
                                                     : RG_SUMMARY_LOG_ERROR;
    s.cls = e->cls;
    s.key.p = (const char *) e->key;
    s.key.len = e->key_len;
    s.suppressed = e->suppressed;
    s.passed = e->passed;
    s.window = (uint64_t) window;
    s.first.p = (const char *) e->first;
    s.first.len = RG_SUMMARY_TIME_LEN;
    s.last.p = (const char *) e->last;
    s.last.len = RG_SUMMARY_TIME_LEN;
    s.keys = 1;
    s.worker = 0;
    s.version = 3;
    s.dry_run = (int) e->dry_run;
    s.sample.p = (const char *) e->sample;
    s.sample.len = e->sample_len;

    n = rg_summary_format((char *) buf, sizeof(buf), &s);

    if (n == 0) {
        /* only a key too long for a line gets here */
        ngx_log_error(NGX_LOG_ALERT, e->chain, 0,
                      "rstguard: summary of %uL lines does not fit a line",
                      e->suppressed);
        return;
    }

    ngx_log_error(e->level, e->chain, 0, "%*s", n, buf);
}


static void
ngx_http_rstguard_summary_timer(ngx_event_t *ev)
{
    ngx_http_rstguard_summary_t  *sum = ev->data;

    ngx_http_rstguard_summary_flush(sum);

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(ev, sum->rmcf->summary_interval);
    }
}


ngx_int_t
ngx_http_rstguard_summary_init_process(ngx_cycle_t *cycle)
{
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

    ngx_rbtree_init(&sum->rbtree, &sum->sentinel,
                    ngx_http_rstguard_summary_insert);
    ngx_queue_init(&sum->queue);
    sum->window_start = ngx_time();
    sum->rmcf = rmcf;
    sum->http_log = ngx_http_rstguard_http_error_log(cycle);

    sum->timer.handler = ngx_http_rstguard_summary_timer;
    sum->timer.data = sum;
    sum->timer.log = cycle->log;
    /* a pending summary must not keep a worker from exiting */
    sum->timer.cancelable = 1;

    if (rmcf->summary_interval > 0) {
        ngx_add_timer(&sum->timer, rmcf->summary_interval);
    }

    rmcf->summary = sum;

    return NGX_OK;
}


void
ngx_http_rstguard_summary_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rstguard_module);

    if (rmcf == NULL || rmcf->summary == NULL) {
        return;
    }

    ngx_http_rstguard_summary_flush(rmcf->summary);

    if (rmcf->summary->timer.timer_set) {
        ngx_del_timer(&rmcf->summary->timer);
    }

    /* nothing may be noted once the table is gone */
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


static void
ngx_http_rstguard_summary_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t  **p;

    for ( ;; ) {
        p = (ngx_http_rstguard_summary_cmp(
                 (ngx_http_rstguard_summary_entry_t *) node,
                 (ngx_http_rstguard_summary_entry_t *) temp) < 0)
            ? &temp->left : &temp->right;

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
