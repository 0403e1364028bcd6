
/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard_held.c: the summaries' counts, kept in the zone (so a
 * worker killed with -9 loses none of them) and noted in the same critical
 * section as the decision.  Each bucket counts what its key held back,
 * would have held (dry run) and passed this interval; each (chain, log,
 * class) group keeps a sample, the most severe level held back, and the
 * counts of keys evicted before they were summarised.  summary.c's elected
 * writer takes them all at the end of each interval.  Every function here
 * is called with the zone locked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"


static void ngx_http_rstguard_held_add(ngx_http_rstguard_held_t *to,
    ngx_http_rstguard_held_t *from);
static void ngx_http_rstguard_held_upstream(ngx_http_rstguard_shctx_t *sh,
    ngx_uint_t log, rg_class cls, ngx_str_t *addr);


ngx_http_rstguard_group_t *
ngx_http_rstguard_held_group(ngx_http_rstguard_zone_t *zone, ngx_uint_t chain,
    ngx_uint_t log, rg_class cls)
{
    ngx_http_rstguard_group_t   *g, **gp;

    if (chain >= NGX_HTTP_RSTGUARD_MAX_CHAINS) {
        chain = 0;
    }

    gp = &zone->sh->groups[chain][log][cls];

    if (*gp != NULL) {
        return *gp;
    }

    /* a group lives as long as the zone: made once, emptied each interval */
    for ( ;; ) {
        g = ngx_slab_calloc_locked(zone->shpool,
                                   sizeof(ngx_http_rstguard_group_t));
        if (g != NULL) {
            break;
        }

        if (ngx_http_rstguard_zone_evict(zone) == 0) {
            return NULL;
        }
    }

    *gp = g;

    return g;
}


void
ngx_http_rstguard_held_note(ngx_http_rstguard_zone_t *zone,
    ngx_http_rstguard_node_t *node, ngx_http_rstguard_group_t *group,
    ngx_int_t rc, ngx_uint_t flags, ngx_http_rstguard_note_t *note)
{
    size_t                     n;
    time_t                     now;
    ngx_str_t                 *sample;
    ngx_uint_t                 held, chain;
    ngx_http_rstguard_held_t  *h;

    now = ngx_time();
    h = &node->held;
    held = (rc != NGX_OK);

    chain = (note->chain < NGX_HTTP_RSTGUARD_MAX_CHAINS) ? note->chain : 0;

    if (h->first == 0) {
        /* its first line this interval: the writer will find it */
        h->first = now;
        node->chain = (u_char) chain;
        ngx_queue_insert_tail(&zone->sh->pending, &node->pending);
    }

    h->last = now;

    if (!held) {
        h->passed++;

    } else if (flags & NGX_HTTP_RSTGUARD_DRY_RUN) {
        h->dry++;

    } else {
        h->held++;
    }

    if (held && (group->level == 0 || note->level < group->level)) {
        group->level = note->level;
    }

    /* a held line makes the better sample: it is what the reader lacks */
    sample = note->sample;

    if (sample != NULL
        && (group->sample_len == 0 || (held && !group->sample_held)))
    {
        n = ngx_min(sample->len, NGX_HTTP_RSTGUARD_SAMPLE_MAX);

        /* the trailing newline of a log line is not part of the sample */
        while (n > 0 && (sample->data[n - 1] == LF
                         || sample->data[n - 1] == CR))
        {
            n--;
        }

        ngx_memcpy(group->sample, sample->data, n);
        group->sample_len = n;
        group->sample_held = held;
    }

    if (note->upstream != NULL && note->upstream->len > 0) {
        ngx_http_rstguard_held_upstream(zone->sh, node->log,
                                        (rg_class) node->cls, note->upstream);
    }
}


void
ngx_http_rstguard_held_fold(ngx_http_rstguard_zone_t *zone,
    ngx_http_rstguard_node_t *node)
{
    ngx_http_rstguard_group_t  *g;

    if (node->held.first == 0) {
        return;
    }

    g = zone->sh->groups[node->chain][node->log][node->cls];

    /* a node is counted only once its group exists, so g is never NULL */
    if (g != NULL) {
        if (node->held.held > 0) {
            g->other_keys++;
        }

        if (node->held.dry > 0) {
            g->other_dry_keys++;
        }

        ngx_http_rstguard_held_add(&g->other, &node->held);
    }

    ngx_queue_remove(&node->pending);
    ngx_memzero(&node->held, sizeof(ngx_http_rstguard_held_t));
}


static void
ngx_http_rstguard_held_add(ngx_http_rstguard_held_t *to,
    ngx_http_rstguard_held_t *from)
{
    to->held += from->held;
    to->dry += from->dry;
    to->passed += from->passed;

    if (to->first == 0 || (from->first != 0 && from->first < to->first)) {
        to->first = from->first;
    }

    if (from->last > to->last) {
        to->last = from->last;
    }
}


/*
 * The most frequent upstream addresses of a (log, class), approximately
 * (Misra-Gries with a few slots): an alert names the top one.
 */
static void
ngx_http_rstguard_held_upstream(ngx_http_rstguard_shctx_t *sh, ngx_uint_t log,
    rg_class cls, ngx_str_t *addr)
{
    size_t                         len;
    ngx_uint_t                     i;
    ngx_http_rstguard_upstream_t  *u, *free;

    u = sh->upstreams[log][cls];
    len = ngx_min(addr->len, NGX_HTTP_RSTGUARD_UPSTREAM_MAX);
    free = NULL;

    for (i = 0; i < NGX_HTTP_RSTGUARD_UPSTREAMS; i++) {
        if (u[i].count > 0 && u[i].len == len
            && ngx_memcmp(u[i].data, addr->data, len) == 0)
        {
            u[i].count++;
            return;
        }

        if (u[i].count == 0 && free == NULL) {
            free = &u[i];
        }
    }

    if (free != NULL) {
        free->count = 1;
        free->len = len;
        ngx_memcpy(free->data, addr->data, len);
        return;
    }

    for (i = 0; i < NGX_HTTP_RSTGUARD_UPSTREAMS; i++) {
        u[i].count--;
    }
}
