/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard_status.c: "rstguard_status;" answers the zone counters
 * as JSON (libjansson) or, with ?format=prometheus, in the text exposition
 * format.  The counters live in the zones, so every worker answers the same
 * and the numbers survive reloads.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_rstguard.h"


static const char  *ngx_http_rstguard_log_names[NGX_HTTP_RSTGUARD_NLOGS] = {
    "access", "error"
};


static json_t *ngx_http_rstguard_status_json(
    ngx_http_rstguard_main_conf_t *rmcf);
static json_t *ngx_http_rstguard_status_zone(ngx_http_rstguard_zone_t *zone);
static ngx_chain_t *ngx_http_rstguard_status_prometheus(ngx_http_request_t *r,
    ngx_http_rstguard_main_conf_t *rmcf);
static ngx_chain_t *ngx_http_rstguard_status_dump(ngx_http_request_t *r,
    json_t *doc);


/* the longest sample line, without the zone name */
#define NGX_HTTP_RSTGUARD_PROM_LINE  160


typedef u_char *(*ngx_http_rstguard_prom_pt)(u_char *p,
    ngx_http_rstguard_zone_t *z);


static u_char *ngx_http_rstguard_prom_lines(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_entries(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_evictions(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_contended(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_alerts(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_limit_hits(u_char *p,
    ngx_http_rstguard_zone_t *z);
static u_char *ngx_http_rstguard_prom_rules_off(u_char *p,
    ngx_http_rstguard_zone_t *z);


/* each family's samples stay together, as the exposition format wants */
static const struct {
    const char                  *head;
    ngx_http_rstguard_prom_pt    samples;
} ngx_http_rstguard_prom_metrics[] = {

    { "# HELP rstguard_lines_total Abort events rstguard decided, "
      "by outcome.\n# TYPE rstguard_lines_total counter\n",
      ngx_http_rstguard_prom_lines },

    { "# HELP rstguard_zone_entries Buckets in the zone.\n"
      "# TYPE rstguard_zone_entries gauge\n",
      ngx_http_rstguard_prom_entries },

    { "# HELP rstguard_zone_evictions_total Buckets evicted from a full "
      "zone.\n# TYPE rstguard_zone_evictions_total counter\n",
      ngx_http_rstguard_prom_evictions },

    { "# HELP rstguard_contended_total Lines passed uncharged because "
      "the zone was locked.\n# TYPE rstguard_contended_total counter\n",
      ngx_http_rstguard_prom_contended },

    { "# HELP rstguard_limit_hits_total Rule matches of error-log lines "
      "that hit a PCRE2 limit (no match).\n"
      "# TYPE rstguard_limit_hits_total counter\n",
      ngx_http_rstguard_prom_limit_hits },
    { "# HELP rstguard_alerts_total rstguard_alert lines written: one "
      "class's server-wide abort rate over an interval above the limit.\n"
      "# TYPE rstguard_alerts_total counter\n",
      ngx_http_rstguard_prom_alerts },
    { "# HELP rstguard_rules_switched_off_total Rules the cost guard "
      "switched off for the rest of an interval (one per rule and "
      "interval).\n"
      "# TYPE rstguard_rules_switched_off_total counter\n",
      ngx_http_rstguard_prom_rules_off }
};


ngx_int_t
ngx_http_rstguard_status_handler(ngx_http_request_t *r)
{
    json_t                         *doc;
    ngx_int_t                       rc;
    ngx_str_t                       format;
    ngx_chain_t                    *out;
    ngx_http_rstguard_main_conf_t  *rmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    rmcf = ngx_http_get_module_main_conf(r, ngx_http_rstguard_module);

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK
        && format.len == 10
        && ngx_strncmp(format.data, "prometheus", 10) == 0)
    {
        out = ngx_http_rstguard_status_prometheus(r, rmcf);
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4");

    } else {
        doc = ngx_http_rstguard_status_json(rmcf);
        if (doc == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        out = ngx_http_rstguard_status_dump(r, doc);
        json_decref(doc);
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = out->buf->last - out->buf->pos;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}


/*
 * { "zones": { "NAME": { "rate": "10r/m", "burst": 5, "global_rate": ...,
 *   "global_burst": ..., "entries": N, "evictions": N,
 *   "contended": { "access": N, "error": N }, "limit_hits": N,
 *   "alerts": { "client_closed": N, ... (client-side classes) },
 *   "lines": { "access": { "client_closed": { "seen": N, "passed": N,
 *   "suppressed": N, "dry_run": N }, ... }, "error": { ... } } } } }
 */

static json_t *
ngx_http_rstguard_status_json(ngx_http_rstguard_main_conf_t *rmcf)
{
    json_t                     *doc, *zones, *z;
    ngx_uint_t                  i;
    ngx_http_rstguard_zone_t  **zp;

    doc = json_object();
    zones = json_object();

    if (doc == NULL || zones == NULL || json_object_set_new(doc, "zones", zones)
        != 0)
    {
        json_decref(doc);
        return NULL;
    }

    zp = rmcf->zones.elts;

    for (i = 0; i < rmcf->zones.nelts; i++) {
        if (zp[i]->sh == NULL) {
            continue;
        }

        z = ngx_http_rstguard_status_zone(zp[i]);

        if (z == NULL
            || json_object_setn_new(zones, (char *) zp[i]->name.data,
                                    zp[i]->name.len, z)
               != 0)
        {
            json_decref(doc);
            return NULL;
        }
    }

    return doc;
}


static json_t *
ngx_http_rstguard_status_zone(ngx_http_rstguard_zone_t *zone)
{
    char                           rate[32], grate[32];
    json_t                        *z, *lines, *cls, *alerts;
    rg_class                       c;
    ngx_uint_t                     log;
    ngx_http_rstguard_counters_t  *cnt;

    cnt = &zone->sh->counters;

    rg_rate_format(zone->key_limit.rate, rate, sizeof(rate));
    rg_rate_format(zone->global_limit.rate, grate, sizeof(grate));

    lines = json_object();
    alerts = json_object();

    for (c = 0; alerts != NULL && c < RG_CLASS_COUNT; c++) {
        if (rg_class_side(c) == RG_SIDE_CLIENT
            && json_object_set_new(alerts, rg_class_name(c),
                                   json_integer((json_int_t)
                                                cnt->alerts[c]))
               != 0)
        {
            json_decref(alerts);
            alerts = NULL;
        }
    }

    z = json_pack("{s:s, s:I, s:s, s:I, s:I, s:I, s:{s:I, s:I}, s:I, s:I, "
                  "s:o, s:o}",
                  "rate", rate,
                  "burst", (json_int_t) zone->key_limit.burst,
                  "global_rate", grate,
                  "global_burst", (json_int_t) zone->global_limit.burst,
                  "entries", (json_int_t) cnt->entries,
                  "evictions", (json_int_t) cnt->evictions,
                  "contended",
                      "access", (json_int_t) cnt->contended[0],
                      "error", (json_int_t) cnt->contended[1],
                  "limit_hits", (json_int_t) cnt->limit_hits,
                  "rules_switched_off", (json_int_t) cnt->rules_off,
                  "alerts", alerts,
                  "lines", lines);
    if (z == NULL) {
        return NULL;
    }

    for (log = 0; log < NGX_HTTP_RSTGUARD_NLOGS; log++) {

        cls = json_object();

        if (cls == NULL
            || json_object_set_new(lines, ngx_http_rstguard_log_names[log],
                                   cls)
               != 0)
        {
            json_decref(z);
            return NULL;
        }

        for (c = 0; c < RG_CLASS_COUNT; c++) {
            if (json_object_set_new(cls, rg_class_name(c),
                    json_pack("{s:I, s:I, s:I, s:I}",
                              "seen", (json_int_t) cnt->seen[log][c],
                              "passed", (json_int_t) cnt->passed[log][c],
                              "suppressed",
                              (json_int_t) cnt->suppressed[log][c],
                              "dry_run", (json_int_t) cnt->dry_run[log][c]))
                != 0)
            {
                json_decref(z);
                return NULL;
            }
        }
    }

    return z;
}


static ngx_chain_t *
ngx_http_rstguard_status_dump(ngx_http_request_t *r, json_t *doc)
{
    char         *text;
    size_t        len;
    ngx_buf_t    *b;
    ngx_chain_t  *out;

    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return NULL;
    }

    len = ngx_strlen(text);

    b = ngx_create_temp_buf(r->pool, len + 1);
    out = ngx_alloc_chain_link(r->pool);

    if (b == NULL || out == NULL) {
        free(text);
        return NULL;
    }

    b->last = ngx_cpymem(b->last, text, len);
    *b->last++ = '\n';
    free(text);

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out->buf = b;
    out->next = NULL;

    return out;
}


static ngx_chain_t *
ngx_http_rstguard_status_prometheus(ngx_http_request_t *r,
    ngx_http_rstguard_main_conf_t *rmcf)
{
    size_t                      size;
    ngx_buf_t                  *b;
    ngx_uint_t                  i, m;
    ngx_chain_t                *out;
    ngx_http_rstguard_zone_t  **zp;

    zp = rmcf->zones.elts;

    size = 2048;

    for (i = 0; i < rmcf->zones.nelts; i++) {
        size += (NGX_HTTP_RSTGUARD_NLOGS * RG_CLASS_COUNT * 3
                 + RG_CLASS_COUNT + 8)
                * (NGX_HTTP_RSTGUARD_PROM_LINE + zp[i]->name.len);
    }

    b = ngx_create_temp_buf(r->pool, size);
    out = ngx_alloc_chain_link(r->pool);

    if (b == NULL || out == NULL) {
        return NULL;
    }

    for (m = 0; m < sizeof(ngx_http_rstguard_prom_metrics)
                    / sizeof(ngx_http_rstguard_prom_metrics[0]); m++)
    {
        b->last = ngx_cpymem(b->last, ngx_http_rstguard_prom_metrics[m].head,
                       ngx_strlen(ngx_http_rstguard_prom_metrics[m].head));

        for (i = 0; i < rmcf->zones.nelts; i++) {
            if (zp[i]->sh) {
                b->last = ngx_http_rstguard_prom_metrics[m].samples(b->last,
                                                                    zp[i]);
            }
        }
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out->buf = b;
    out->next = NULL;

    return out;
}


static u_char *
ngx_http_rstguard_prom_lines(u_char *p, ngx_http_rstguard_zone_t *z)
{
    rg_class                       c;
    ngx_uint_t                     log, o;
    ngx_http_rstguard_counters_t  *cnt;

    static const char  *outcome[] = { "passed", "suppressed", "dry_run" };

    cnt = &z->sh->counters;

    for (log = 0; log < NGX_HTTP_RSTGUARD_NLOGS; log++) {
        for (c = 0; c < RG_CLASS_COUNT; c++) {
            ngx_atomic_uint_t  v[3] = { cnt->passed[log][c],
                                        cnt->suppressed[log][c],
                                        cnt->dry_run[log][c] };

            for (o = 0; o < 3; o++) {
                p = ngx_sprintf(p, "rstguard_lines_total{zone=\"%V\","
                                "log=\"%s\",class=\"%s\",outcome=\"%s\"} "
                                "%uA\n",
                                &z->name, ngx_http_rstguard_log_names[log],
                                rg_class_name(c), outcome[o], v[o]);
            }
        }
    }

    return p;
}


static u_char *
ngx_http_rstguard_prom_entries(u_char *p, ngx_http_rstguard_zone_t *z)
{
    return ngx_sprintf(p, "rstguard_zone_entries{zone=\"%V\"} %uA\n",
                       &z->name, z->sh->counters.entries);
}


static u_char *
ngx_http_rstguard_prom_evictions(u_char *p, ngx_http_rstguard_zone_t *z)
{
    return ngx_sprintf(p, "rstguard_zone_evictions_total{zone=\"%V\"} %uA\n",
                       &z->name, z->sh->counters.evictions);
}


static u_char *
ngx_http_rstguard_prom_contended(u_char *p, ngx_http_rstguard_zone_t *z)
{
    ngx_uint_t  log;

    for (log = 0; log < NGX_HTTP_RSTGUARD_NLOGS; log++) {
        p = ngx_sprintf(p, "rstguard_contended_total{zone=\"%V\",log=\"%s\"} "
                        "%uA\n", &z->name, ngx_http_rstguard_log_names[log],
                        z->sh->counters.contended[log]);
    }

    return p;
}


static u_char *
ngx_http_rstguard_prom_limit_hits(u_char *p, ngx_http_rstguard_zone_t *z)
{
    return ngx_sprintf(p, "rstguard_limit_hits_total{zone=\"%V\"} %uA\n",
                       &z->name, z->sh->counters.limit_hits);
}


static u_char *
ngx_http_rstguard_prom_alerts(u_char *p, ngx_http_rstguard_zone_t *z)
{
    rg_class  c;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (rg_class_side(c) == RG_SIDE_CLIENT) {
            p = ngx_sprintf(p, "rstguard_alerts_total{zone=\"%V\","
                            "class=\"%s\"} %uA\n", &z->name,
                            rg_class_name(c), z->sh->counters.alerts[c]);
        }
    }

    return p;
}


static u_char *
ngx_http_rstguard_prom_rules_off(u_char *p, ngx_http_rstguard_zone_t *z)
{
    return ngx_sprintf(p, "rstguard_rules_switched_off_total{zone=\"%V\"} "
                       "%uA\n", &z->name, z->sh->counters.rules_off);
}
