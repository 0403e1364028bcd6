/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard_module: classifies client aborts and rate-limits how
 * often they are logged.  This file holds the module skeleton: every
 * directive, the configuration structures, their merge and the
 * postconfiguration that wires the other files in.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_rstguard.h"


/* the parameters of one rstguard_zone directive, as parsed */
typedef struct {
    ngx_str_t                    name;
    size_t                       size;
    uint64_t                     rate;
    uint64_t                     burst;
    uint64_t                     grate;
    uint64_t                     gburst;
    ngx_uint_t                   have_grate;
    ngx_uint_t                   have_gburst;
    ngx_str_t                    key;
} ngx_http_rstguard_zone_args_t;


static ngx_int_t ngx_http_rstguard_init_process(ngx_cycle_t *cycle);
static void ngx_http_rstguard_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_rstguard_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_rstguard_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_rstguard_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_rstguard_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_rstguard_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_rstguard_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_http_rstguard_mask_t ngx_http_rstguard_client_classes(void);
static ngx_http_rstguard_zone_t *ngx_http_rstguard_default_zone(
    ngx_conf_t *cf, ngx_http_rstguard_main_conf_t *rmcf);
static char *ngx_http_rstguard(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rstguard_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rstguard_zone_arg(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_rstguard_zone_args_t *args);
static char *ngx_http_rstguard_zone_size(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_rstguard_zone_args_t *args);
static char *ngx_http_rstguard_zone_rate(ngx_conf_t *cf, ngx_str_t *value,
    size_t skip, uint64_t *rate);
static char *ngx_http_rstguard_zone_burst(ngx_conf_t *cf, ngx_str_t *value,
    size_t skip, uint64_t *burst);
static char *ngx_http_rstguard_classes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rstguard_rules(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rstguard_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_rstguard_load_rules(ngx_conf_t *cf,
    ngx_http_rstguard_main_conf_t *rmcf);
static char *ngx_http_rstguard_alert(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rstguard_interval_check(ngx_conf_t *cf, void *post,
    void *data);


/* a summary interval under a second would write a summary per eviction */
static ngx_conf_post_handler_pt  ngx_http_rstguard_interval_post =
    ngx_http_rstguard_interval_check;

static char *ngx_http_rstguard_keys_check(ngx_conf_t *cf, void *post,
    void *data);

/* ngx_conf_check_num_bounds would not name the directive */
static ngx_conf_post_handler_pt  ngx_http_rstguard_keys_post =
    ngx_http_rstguard_keys_check;


static ngx_command_t  ngx_http_rstguard_commands[] = {

    { ngx_string("rstguard"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_rstguard,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rstguard_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_rstguard_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rstguard_classes"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_rstguard_classes,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rstguard_error_log"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_rstguard_main_conf_t, error_log),
      NULL },

    { ngx_string("rstguard_summary_interval"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_rstguard_main_conf_t, summary_interval),
      &ngx_http_rstguard_interval_post },

    { ngx_string("rstguard_summary_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_rstguard_main_conf_t, summary_keys),
      &ngx_http_rstguard_keys_post },

    { ngx_string("rstguard_alert"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rstguard_alert,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rstguard_dry_run"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rstguard_loc_conf_t, dry_run),
      NULL },

    { ngx_string("rstguard_rules"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_rstguard_rules,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rstguard_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rstguard_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_rstguard_module_ctx = {
    ngx_http_rstguard_preconfiguration,    /* preconfiguration */
    ngx_http_rstguard_postconfiguration,   /* postconfiguration */

    ngx_http_rstguard_create_main_conf,    /* create main configuration */
    ngx_http_rstguard_init_main_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_rstguard_create_loc_conf,     /* create location configuration */
    ngx_http_rstguard_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_rstguard_module = {
    NGX_MODULE_V1,
    &ngx_http_rstguard_module_ctx,         /* module context */
    ngx_http_rstguard_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_rstguard_errlog_init_module,  /* init module */
    ngx_http_rstguard_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_rstguard_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_str_t  ngx_http_rstguard_default_zone_name =
    ngx_string(NGX_HTTP_RSTGUARD_DEFAULT_ZONE);


/* each worker runs a summary timer; the zone elects the writer (summary.c) */

static ngx_int_t
ngx_http_rstguard_init_process(ngx_cycle_t *cycle)
{
    return ngx_http_rstguard_summary_init_process(cycle);
}


static void
ngx_http_rstguard_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_rstguard_summary_exit_process(cycle);
}


static void *
ngx_http_rstguard_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_rstguard_main_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rstguard_main_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->zone = NULL;
     *     conf->default_zone = NULL;
     *     conf->rules_file = { 0, NULL };
     *     conf->rules = NULL;
     *     conf->summary = NULL;
     */

    if (ngx_array_init(&conf->zones, cf->pool, 2,
                       sizeof(ngx_http_rstguard_zone_t *))
        != NGX_OK)
    {
        return NULL;
    }

    conf->error_log = NGX_CONF_UNSET;
    conf->summary_interval = NGX_CONF_UNSET_MSEC;
    conf->summary_keys = NGX_CONF_UNSET_UINT;
    conf->rules_replace = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_rstguard_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_rstguard_main_conf_t *rmcf = conf;

    ngx_conf_init_value(rmcf->error_log, 0);
    ngx_conf_init_msec_value(rmcf->summary_interval, 60000);
    ngx_conf_init_uint_value(rmcf->summary_keys, 10);
    ngx_conf_init_value(rmcf->rules_replace, 0);

    return NGX_CONF_OK;
}


static void *
ngx_http_rstguard_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_rstguard_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rstguard_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->zone_name = { 0, NULL };
     *     conf->zone = NULL;
     *     conf->explicit_classes = 0;
     *     conf->status = 0;
     *     conf->conf_file = NULL;
     *     conf->conf_line = 0;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->classes = (ngx_http_rstguard_mask_t) NGX_CONF_UNSET_UINT;
    conf->dry_run = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_rstguard_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_rstguard_loc_conf_t *prev = parent;
    ngx_http_rstguard_loc_conf_t *conf = child;

    ngx_uint_t                      i, nzones;
    ngx_http_rstguard_zone_t      **zones;
    ngx_http_rstguard_main_conf_t  *rmcf;

    /* every error-log chain, for the error-log filter (errlog.c) */
    if (ngx_http_rstguard_errlog_record(cf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->enable == NGX_CONF_UNSET) {
        conf->enable = prev->enable;
        conf->zone_name = prev->zone_name;
        conf->conf_file = prev->conf_file;
        conf->conf_line = prev->conf_line;

    } else if (conf->enable == 1 && conf->zone_name.len == 0) {
        /* "rstguard on" under "rstguard zone=NAME" keeps that zone */
        conf->zone_name = prev->zone_name;
    }

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);

    if (conf->classes == (ngx_http_rstguard_mask_t) NGX_CONF_UNSET_UINT) {
        conf->classes = prev->classes;
        conf->explicit_classes = prev->explicit_classes;
    }

    if (conf->classes == (ngx_http_rstguard_mask_t) NGX_CONF_UNSET_UINT) {
        conf->classes = ngx_http_rstguard_client_classes();
    }

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    /* zones are http-level, so every rstguard_zone has been read by now */

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rstguard_module);
    zones = rmcf->zones.elts;
    nzones = rmcf->zones.nelts;

    if (conf->zone_name.len) {
        for (i = 0; i < nzones; i++) {
            if (zones[i]->name.len == conf->zone_name.len
                && ngx_strncmp(zones[i]->name.data, conf->zone_name.data,
                               conf->zone_name.len)
                   == 0)
            {
                conf->zone = zones[i];
                return NGX_CONF_OK;
            }
        }

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "unknown rstguard zone \"%V\" in %s:%ui",
                      &conf->zone_name, conf->conf_file, conf->conf_line);
        return NGX_CONF_ERROR;
    }

    if (nzones > 1 && rmcf->default_zone == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"rstguard on\" is ambiguous: %ui rstguard zones are "
                      "declared, choose one with \"rstguard zone=NAME\" "
                      "in %s:%ui", nzones, conf->conf_file, conf->conf_line);
        return NGX_CONF_ERROR;
    }

    conf->zone = (nzones == 1) ? zones[0]
                               : ngx_http_rstguard_default_zone(cf, rmcf);

    return (conf->zone != NULL) ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* rstguard_classes' default: every client-side class */

static ngx_http_rstguard_mask_t
ngx_http_rstguard_client_classes(void)
{
    rg_class                  cls;
    ngx_http_rstguard_mask_t  mask;

    mask = 0;

    for (cls = 0; cls < RG_CLASS_COUNT; cls++) {
        if (rg_class_is_client_side(cls)) {
            mask |= (ngx_http_rstguard_mask_t) 1 << cls;
        }
    }

    return mask;
}


/*
 * "rstguard on;" with no rstguard_zone: a 1m zone with the limits of
 * core/rg_limiter.h (10r/m, burst 5, global budget twice that).
 */

static ngx_http_rstguard_zone_t *
ngx_http_rstguard_default_zone(ngx_conf_t *cf,
    ngx_http_rstguard_main_conf_t *rmcf)
{
    ngx_str_t                  var = ngx_string("$remote_addr");
    ngx_http_rstguard_zone_t  *zone;
    ngx_http_compile_complex_value_t  ccv;

    if (rmcf->default_zone) {
        return rmcf->default_zone;
    }

    zone = ngx_http_rstguard_zone_add(cf, &ngx_http_rstguard_default_zone_name,
                                      NGX_HTTP_RSTGUARD_DEFAULT_SIZE);
    if (zone == NULL) {
        return NULL;
    }

    if (rg_rate_parse(RG_DEFAULT_RATE_TEXT, sizeof(RG_DEFAULT_RATE_TEXT) - 1,
                      &zone->key_limit.rate)
        != 0)
    {
        return NULL;
    }

    zone->key_limit.burst = RG_DEFAULT_BURST;
    zone->global_limit.rate = zone->key_limit.rate * RG_DEFAULT_GLOBAL_FACTOR;
    zone->global_limit.burst = zone->key_limit.burst
                               * RG_DEFAULT_GLOBAL_FACTOR;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &var;
    ccv.complex_value = &zone->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NULL;
    }

    rmcf->default_zone = zone;

    return zone;
}


static char *
ngx_http_rstguard(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rstguard_loc_conf_t *rlcf = conf;

    ngx_str_t  *value;

    if (rlcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "on") == 0) {
        rlcf->enable = 1;

    } else if (ngx_strcmp(value[1].data, "off") == 0) {
        rlcf->enable = 0;

    } else if (ngx_strncmp(value[1].data, "zone=", 5) == 0
               && value[1].len > 5)
    {
        rlcf->enable = 1;
        rlcf->zone_name.data = value[1].data + 5;
        rlcf->zone_name.len = value[1].len - 5;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, "
                           "it must be \"on\", \"off\" or \"zone=NAME\"",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    rlcf->conf_file = cf->conf_file->file.name.data;
    rlcf->conf_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                         *value;
    ngx_uint_t                         i;
    ngx_http_rstguard_zone_t          *zone;
    ngx_http_rstguard_zone_args_t      args;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    ngx_memzero(&args, sizeof(ngx_http_rstguard_zone_args_t));
    args.burst = RG_DEFAULT_BURST;
    ngx_str_set(&args.key, "$remote_addr");

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_http_rstguard_zone_arg(cf, &value[i], &args) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (args.name.len == 0 || args.rate == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"%s\" parameter",
                           &cmd->name, args.name.len ? "rate" : "zone");
        return NGX_CONF_ERROR;
    }

    zone = ngx_http_rstguard_zone_add(cf, &args.name, args.size);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->key_limit.rate = args.rate;
    zone->key_limit.burst = args.burst;
    zone->global_limit.rate = args.have_grate
                              ? args.grate
                              : args.rate * RG_DEFAULT_GLOBAL_FACTOR;
    zone->global_limit.burst = args.have_gburst
                               ? args.gburst
                               : args.burst * RG_DEFAULT_GLOBAL_FACTOR;

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &args.key;
    ccv.complex_value = &zone->key;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (zone->key.lengths == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key \"%V\" is not a variable", &args.key);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* one NAME=VALUE parameter of rstguard_zone */

static char *
ngx_http_rstguard_zone_arg(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_rstguard_zone_args_t *args)
{
    if (ngx_strncmp(value->data, "zone=", 5) == 0) {
        return ngx_http_rstguard_zone_size(cf, value, args);
    }

    if (ngx_strncmp(value->data, "rate=", 5) == 0) {
        return ngx_http_rstguard_zone_rate(cf, value, 5, &args->rate);
    }

    if (ngx_strncmp(value->data, "global_rate=", 12) == 0) {
        args->have_grate = 1;
        return ngx_http_rstguard_zone_rate(cf, value, 12, &args->grate);
    }

    if (ngx_strncmp(value->data, "burst=", 6) == 0) {
        return ngx_http_rstguard_zone_burst(cf, value, 6, &args->burst);
    }

    if (ngx_strncmp(value->data, "global_burst=", 13) == 0) {
        args->have_gburst = 1;
        return ngx_http_rstguard_zone_burst(cf, value, 13, &args->gburst);
    }

    if (ngx_strncmp(value->data, "key=", 4) == 0) {
        args->key.data = value->data + 4;
        args->key.len = value->len - 4;

        if (args->key.len < 2 || args->key.data[0] != '$') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "key \"%V\" is not a variable", &args->key);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", value);
    return NGX_CONF_ERROR;
}


/* zone=NAME:SIZE, at least 8 pages like limit_req_zone */

static char *
ngx_http_rstguard_zone_size(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_rstguard_zone_args_t *args)
{
    u_char     *p;
    ssize_t     n;
    ngx_str_t   s;

    args->name.data = value->data + 5;

    p = (u_char *) ngx_strchr(args->name.data, ':');

    if (p == NULL || p == args->name.data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", value);
        return NGX_CONF_ERROR;
    }

    args->name.len = p - args->name.data;

    s.data = p + 1;
    s.len = value->data + value->len - s.data;

    n = ngx_parse_size(&s);

    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", value);
        return NGX_CONF_ERROR;
    }

    if (n < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small", value);
        return NGX_CONF_ERROR;
    }

    args->size = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_zone_rate(ngx_conf_t *cf, ngx_str_t *value, size_t skip,
    uint64_t *rate)
{
    if (rg_rate_parse((char *) value->data + skip, value->len - skip, rate)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\"", value);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_zone_burst(ngx_conf_t *cf, ngx_str_t *value, size_t skip,
    uint64_t *burst)
{
    ngx_int_t  n;

    n = ngx_atoi(value->data + skip, value->len - skip);

    /* burst * 1000 must stay far inside the limiter's int64 */
    if (n == NGX_ERROR || n > 1000000000) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid burst value \"%V\"", value);
        return NGX_CONF_ERROR;
    }

    *burst = (uint64_t) n;

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_classes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rstguard_loc_conf_t *rlcf = conf;

    rg_class     cls;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (rlcf->classes != (ngx_http_rstguard_mask_t) NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    rlcf->classes = 0;

    for (i = 1; i < cf->args->nelts; i++) {
        cls = rg_class_from_name((char *) value[i].data, value[i].len);

        if (cls == RG_CLASS_NONE) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown class \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        rlcf->classes |= (ngx_http_rstguard_mask_t) 1 << cls;
    }

    rlcf->explicit_classes = rlcf->classes;

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_rules(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rstguard_main_conf_t *rmcf = conf;

    ngx_str_t  *value;

    if (rmcf->rules_file.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    rmcf->rules_replace = 0;

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "replace") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\", "
                               "it must be \"replace\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        rmcf->rules_replace = 1;
    }

    rmcf->rules_file = value[1];

    if (ngx_conf_full_name(cf->cycle, &rmcf->rules_file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_rstguard_load_rules(cf, rmcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rstguard_loc_conf_t *rlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (rlcf->status) {
        return "is duplicate";
    }

    rlcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_rstguard_status_handler;

    return NGX_CONF_OK;
}


static void
ngx_http_rstguard_rules_cleanup(void *data)
{
    rg_ruleset_destroy(data);
}


/*
 * Rules are loaded and compiled once, at configuration time: the shipped
 * rules (unless "replace") and the rstguard_rules file.  Errors come from
 * the rules engine as "FILE:LINE:COLUMN: message".
 */

static ngx_int_t
ngx_http_rstguard_load_rules(ngx_conf_t *cf,
    ngx_http_rstguard_main_conf_t *rmcf)
{
    rg_error             err;
    rg_ruleset          *rs;
    ngx_pool_cleanup_t  *cln;

    rs = rg_ruleset_create();
    if (rs == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        rg_ruleset_destroy(rs);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_rstguard_rules_cleanup;
    cln->data = rs;

    err.msg[0] = '\0';

    if ((!rmcf->rules_replace && rg_ruleset_add_shipped(rs, &err) != 0)
        || (rmcf->rules_file.len
            && rg_ruleset_add_path(rs, (char *) rmcf->rules_file.data, &err)
               != 0)
        || rg_ruleset_compile(rs, &err) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err.msg);
        return NGX_ERROR;
    }

    rmcf->rules = rs;

    return NGX_OK;
}


static char *
ngx_http_rstguard_interval_check(ngx_conf_t *cf, void *post, void *data)
{
    ngx_msec_t  *ms = data;

    if (*ms < 1000) {
        return "must be at least 1s";
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rstguard_keys_check(ngx_conf_t *cf, void *post, void *data)
{
    ngx_uint_t  *n = data;

    if (*n > NGX_HTTP_RSTGUARD_KEYS_MAX) {
        return "must be between 0 and 100";
    }

    return NGX_CONF_OK;
}


/* rstguard_alert off | Nr/s | Nr/m */
static char *
ngx_http_rstguard_alert(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rstguard_main_conf_t *rmcf = conf;

    ngx_str_t  *value;
    ngx_int_t   n;

    if (rmcf->alert_unit != 0) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        rmcf->alert_unit = 'o';
        return NGX_CONF_OK;
    }

    n = (value[1].len > 3) ? ngx_atoi(value[1].data, value[1].len - 3)
                           : NGX_ERROR;

    if (n == NGX_ERROR
        || ngx_strncmp(value[1].data + value[1].len - 3, "r/", 2) != 0
        || rg_rate_parse((char *) value[1].data, value[1].len,
                         &rmcf->alert_rate) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid rate \"%V\" in \"%V\", "
                           "expected Nr/s, Nr/m or off", &value[1],
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    rmcf->alert_num = (uint64_t) n;
    rmcf->alert_unit = value[1].data[value[1].len - 1];

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_rstguard_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_rstguard_add_variables(cf);
}


static ngx_int_t
ngx_http_rstguard_postconfiguration(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_rstguard_zone_t      **zones;
    ngx_http_rstguard_loc_conf_t   *rlcf;
    ngx_http_rstguard_main_conf_t  *rmcf;

    rmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rstguard_module);
    rlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_rstguard_module);

    /* the error-log side uses the http-level settings */
    if (rlcf->classes == (ngx_http_rstguard_mask_t) NGX_CONF_UNSET_UINT) {
        rlcf->classes = ngx_http_rstguard_client_classes();
    }

    rmcf->classes = rlcf->classes;
    rmcf->explicit_classes = rlcf->explicit_classes;
    rmcf->dry_run = (rlcf->dry_run == 1);

    if (rmcf->zones.nelts == 0 && rmcf->error_log) {
        if (ngx_http_rstguard_default_zone(cf, rmcf) == NULL) {
            return NGX_ERROR;
        }
    }

    zones = rmcf->zones.elts;

    for (i = 0; i < rmcf->zones.nelts; i++) {
        zones[i]->interval = rmcf->summary_interval;
    }

    rmcf->zone = (rmcf->zones.nelts > 0) ? zones[0] : NULL;

    /* the error-log filter needs rules even without rstguard_rules */
    if (rmcf->error_log && rmcf->rules == NULL
        && ngx_http_rstguard_load_rules(cf, rmcf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_rstguard_request_init(cf);
}
