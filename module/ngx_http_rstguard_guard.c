
/*
 * Copyright (C) rstguard authors
 *
 * The per-rule cost guard of the error-log filter.  Every PCRE2 call is
 * bounded (match, depth and heap limits), but a rule whose pattern
 * backtracks catastrophically on lines a client can provoke costs its full
 * bound on every such line, in the request path of every worker.  So a
 * rule that hits a limit on NGX_HTTP_RSTGUARD_GUARD_HITS lines within one
 * window of rstguard_summary_interval (windows aligned on the clock, so
 * every worker agrees on them) is switched off in this worker's matcher
 * for the rest of the window, and one [alert] naming it is written for the
 * whole server: the first worker to switch it off in that window claims
 * the alert in the zone with a compare-and-set, and counts it
 * (rules_switched_off in rstguard_status).  The access-log side runs no
 * regex, so it needs no guard.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"


/* a rule hitting limits on this many lines in a window is switched off */
#define NGX_HTTP_RSTGUARD_GUARD_HITS  5


static void ngx_http_rstguard_guard_window(ngx_http_rstguard_guard_t *g,
    rg_matcher *m);
static void ngx_http_rstguard_guard_off(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m, ngx_uint_t i);
static ngx_uint_t ngx_http_rstguard_guard_claim(
    ngx_http_rstguard_zone_t *zone, ngx_uint_t window, ngx_uint_t i);


ngx_int_t
ngx_http_rstguard_guard_init(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m, ngx_log_t *log)
{
    ngx_uint_t  n, i;

    n = rg_ruleset_count(rmcf->rules);

    g->n = n;
    g->noff = 0;
    g->window = 0;
    g->until = 0;
    g->seconds = rmcf->summary_interval / 1000;

    if (g->seconds == 0) {
        g->seconds = 1;
    }

    g->last = ngx_alloc((n ? n : 1) * sizeof(uint64_t), log);
    if (g->last == NULL) {
        return NGX_ERROR;
    }

    g->hits = ngx_alloc((n ? n : 1) * sizeof(ngx_uint_t), log);
    if (g->hits == NULL) {
        ngx_free(g->last);
        g->last = NULL;
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        g->last[i] = rg_matcher_rule_limit_hits(m, i);
        g->hits[i] = 0;
    }

    return NGX_OK;
}


void
ngx_http_rstguard_guard_free(ngx_http_rstguard_guard_t *g)
{
    if (g->last != NULL) {
        ngx_free(g->last);
        ngx_free(g->hits);
        g->last = NULL;
        g->hits = NULL;
    }

    g->n = 0;
    g->noff = 0;
}


/*
 * Called before a line is matched while some rule is off: at the end of
 * the window every rule is switched back on.
 */
void
ngx_http_rstguard_guard_tick(ngx_http_rstguard_guard_t *g, rg_matcher *m)
{
    if (ngx_time() >= g->until) {
        ngx_http_rstguard_guard_window(g, m);
    }
}


/*
 * Called after a line whose match hit a PCRE2 limit: adds each rule's new
 * hits to its window and switches off the rules that reached the bound.
 * Runs only on a hit, which costs far more than this loop.
 */
void
ngx_http_rstguard_guard_hits(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m)
{
    uint64_t    now;
    ngx_uint_t  i;

    if (g->last == NULL) {
        return;
    }

    if (ngx_time() >= g->until) {
        ngx_http_rstguard_guard_window(g, m);
    }

    for (i = 0; i < g->n; i++) {
        now = rg_matcher_rule_limit_hits(m, i);

        if (now == g->last[i]) {
            continue;
        }

        g->hits[i] += (ngx_uint_t) (now - g->last[i]);
        g->last[i] = now;

        if (g->hits[i] >= NGX_HTTP_RSTGUARD_GUARD_HITS
            && !rg_matcher_rule_is_off(m, i))
        {
            ngx_http_rstguard_guard_off(g, rmcf, m, i);
        }
    }
}


/* A new window: every rule back on, every count from zero. */
static void
ngx_http_rstguard_guard_window(ngx_http_rstguard_guard_t *g, rg_matcher *m)
{
    time_t      now;
    ngx_uint_t  i;

    now = ngx_time();

    g->window = (ngx_uint_t) (now / (time_t) g->seconds);
    g->until = (time_t) (g->window + 1) * (time_t) g->seconds;

    for (i = 0; i < g->n; i++) {
        g->hits[i] = 0;

        if (g->noff && rg_matcher_rule_is_off(m, i)) {
            (void) rg_matcher_rule_off(m, i, 0);
        }
    }

    g->noff = 0;
}


static void
ngx_http_rstguard_guard_off(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m, ngx_uint_t i)
{
    const char  *id;

    if (rg_matcher_rule_off(m, i, 1) != 0) {
        return;
    }

    g->noff++;

    if (!ngx_http_rstguard_guard_claim(rmcf->zone, g->window, i)) {
        /* another worker switched it off in this window and said so */
        return;
    }

    id = rg_rule_id(rg_ruleset_rule(rmcf->rules, i));

    /* re-entrant in the writer: passed as is */
    ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                  "rstguard: rule \"%s\" hit PCRE2's limits on %ui lines, "
                  "switched off until the end of this %uis window",
                  id, g->hits[i], g->seconds);
}


/*
 * One alert per (rule, window) for the whole server.  A slot of the zone
 * holds a used bit, the window's low 15 bits and the rule's low 16 bits
 * of an alert written.  A rule starts at its own slot and probes on past
 * slots taken by other rules in this window; the first worker to
 * compare-and-set a slot that is not this window's wins, one that finds
 * its own pair stays silent.  Workers probe in the same order, so exactly
 * one writes the alert.  When every slot holds this window (more bad rules
 * at once than slots) the alert is written anyway.
 */
static ngx_uint_t
ngx_http_rstguard_guard_claim(ngx_http_rstguard_zone_t *zone,
    ngx_uint_t window, ngx_uint_t i)
{
    ngx_uint_t                  k, s;
    ngx_atomic_uint_t           mine, old, now;
    ngx_http_rstguard_shctx_t  *sh;

    sh = zone->sh;

    if (sh == NULL) {
        return 1;
    }

    now = 0x80000000 | ((window & 0x7fff) << 16);
    mine = now | (i & 0xffff);

    for (k = 0; k < NGX_HTTP_RSTGUARD_GUARD_SLOTS; k++) {
        s = (i + k) % NGX_HTTP_RSTGUARD_GUARD_SLOTS;

        for ( ;; ) {
            old = sh->guard[s];

            if (old == mine) {
                return 0;
            }

            if ((old & 0xffff0000) == now) {
                /* another rule's alert of this window: the next slot */
                break;
            }

            if (ngx_atomic_cmp_set(&sh->guard[s], old, mine)) {
                (void) ngx_atomic_fetch_add(&sh->counters.rules_off, 1);
                return 1;
            }
        }
    }

    (void) ngx_atomic_fetch_add(&sh->counters.rules_off, 1);

    return 1;
}
