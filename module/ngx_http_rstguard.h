/*
 * Copyright (C) rstguard authors
 *
 * ngx_http_rstguard.h: what the module's files share.  The configuration
 * structures, the shared-memory zone and its counters, the limiter entry
 * point both the access-log side (modcore) and the error-log side (moderr)
 * call, and the summary hook moderr implements.
 */


#ifndef _NGX_HTTP_RSTGUARD_H_INCLUDED_
#define _NGX_HTTP_RSTGUARD_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "rg_class.h"
#include "rg_limiter.h"
#include "rg_rules.h"


/* which log a decision is for: separate budgets and counters */
#define NGX_HTTP_RSTGUARD_LOG_ACCESS     0
#define NGX_HTTP_RSTGUARD_LOG_ERROR      1
#define NGX_HTTP_RSTGUARD_NLOGS          2

/* flags of ngx_http_rstguard_decide() */
#define NGX_HTTP_RSTGUARD_TRYLOCK        0x01
/* decide and charge as usual; count a hold as "dry_run", not "suppressed" */
#define NGX_HTTP_RSTGUARD_DRY_RUN        0x02
/* a class that is not limited: only count it as seen and passed */
#define NGX_HTTP_RSTGUARD_UNLIMITED      0x04
/*
 * the second line of an HTTP/2 pair whose first was held: count it as
 * held (suppressed, or dry_run with NGX_HTTP_RSTGUARD_DRY_RUN) without
 * charging any budget; NGX_DECLINED
 */
#define NGX_HTTP_RSTGUARD_FOLLOW_HELD    0x08

/* what became of an error-log line (errlog.c) */
#define NGX_HTTP_RSTGUARD_NOTE_PASSED    0
#define NGX_HTTP_RSTGUARD_NOTE_HELD      1
/* the limiter would have held it, but rstguard_dry_run is on: it passed */
#define NGX_HTTP_RSTGUARD_NOTE_DRY_RUN   2

/* the built-in zone "rstguard on;" uses when no rstguard_zone is declared */
#define NGX_HTTP_RSTGUARD_DEFAULT_ZONE   "rstguard_default"
#define NGX_HTTP_RSTGUARD_DEFAULT_SIZE   (1024 * 1024)

/* summaries: an error-log chain's number; 0 is the http-level error log */
#define NGX_HTTP_RSTGUARD_MAX_CHAINS     16
/* bytes of a sample kept per (chain, log, class); the line cuts further */
#define NGX_HTTP_RSTGUARD_SAMPLE_MAX     512
/* longer keys are cut: they only have to tell clients apart */
#define NGX_HTTP_RSTGUARD_MAX_KEY        1024
/* upstream addresses tracked per (log, class) for alerts, and their length */
#define NGX_HTTP_RSTGUARD_UPSTREAMS      4
#define NGX_HTTP_RSTGUARD_UPSTREAM_MAX   64
/* the most rstguard_summary_keys allows */
#define NGX_HTTP_RSTGUARD_KEYS_MAX       100
/* rules the cost guard can say it switched off, per window, server-wide */
#define NGX_HTTP_RSTGUARD_GUARD_SLOTS    16

/* a bit per rg_class */
typedef uint32_t  ngx_http_rstguard_mask_t;

#define ngx_http_rstguard_mask_has(m, cls)  (((m) >> (cls)) & 1)


/*
 * Counters live in the zone: every worker reports the same numbers and they
 * survive reloads.  They are atomics so that "contended" can be counted
 * without the lock and the status handler can read them without it.
 * seen = passed + suppressed + dry_run for each log and class.
 */
typedef struct {
    ngx_atomic_t                 seen[NGX_HTTP_RSTGUARD_NLOGS][RG_CLASS_COUNT];
    ngx_atomic_t                 passed[NGX_HTTP_RSTGUARD_NLOGS]
                                       [RG_CLASS_COUNT];
    ngx_atomic_t                 suppressed[NGX_HTTP_RSTGUARD_NLOGS]
                                           [RG_CLASS_COUNT];
    ngx_atomic_t                 dry_run[NGX_HTTP_RSTGUARD_NLOGS]
                                        [RG_CLASS_COUNT];
    /* try-lock failures: the line passed uncharged */
    ngx_atomic_t                 contended[NGX_HTTP_RSTGUARD_NLOGS];
    ngx_atomic_t                 entries;
    ngx_atomic_t                 evictions;
    /*
     * error-log lines whose classification hit a PCRE2 match, depth or
     * heap limit in some rule (that rule then did not match): counted by
     * each worker's matcher, added here as they happen
     */
    ngx_atomic_t                 limit_hits;
    /* rstguard_alert lines written, per class */
    ngx_atomic_t                 alerts[RG_CLASS_COUNT];
    /* lines seen since the last alert check, for rstguard_alert */
    ngx_atomic_t                 window_seen[NGX_HTTP_RSTGUARD_NLOGS]
                                            [RG_CLASS_COUNT];
    /* (rule, window) pairs the cost guard switched off (guard.c) */
    ngx_atomic_t                 rules_off;
} ngx_http_rstguard_counters_t;


/*
 * What one key (a zone node) held back, would have held (dry run) and
 * passed in the current summary interval.  first == 0: nothing yet.
 */
typedef struct {
    uint64_t                     held;
    uint64_t                     dry;
    uint64_t                     passed;
    time_t                       first;
    time_t                       last;
} ngx_http_rstguard_held_t;


/*
 * One (chain, log, class) of the summaries, in the zone: the counts of
 * keys evicted from the zone before they were summarised (they go to the
 * key="*" line), the most severe level held back, one sample.
 */
typedef struct {
    ngx_http_rstguard_held_t     other;
    ngx_uint_t                   other_keys;      /* with held > 0 */
    ngx_uint_t                   other_dry_keys;  /* with dry > 0 */
    ngx_uint_t                   level;           /* 0: nothing held */
    ngx_uint_t                   sample_held;     /* the sample was held */
    size_t                       sample_len;
    u_char                       sample[NGX_HTTP_RSTGUARD_SAMPLE_MAX];
} ngx_http_rstguard_group_t;


/* the upstream addresses of one (log, class), for alerts (top-k) */
typedef struct {
    uint64_t                     count;
    size_t                       len;
    u_char                       data[NGX_HTTP_RSTGUARD_UPSTREAM_MAX];
} ngx_http_rstguard_upstream_t;


/* one bucket per (log, key, class) in the zone's rbtree */
typedef struct {
    u_char                       color;
    u_char                       log;
    u_char                       cls;
    u_char                       chain;     /* of the held counts */
    u_short                      len;
    ngx_queue_t                  queue;     /* LRU */
    ngx_queue_t                  pending;   /* in sh->pending: counts */
    rg_bucket                    bucket;
    ngx_http_rstguard_held_t     held;
    u_char                       data[1];
} ngx_http_rstguard_node_t;


/* the zone's shared part, in the slab pool */
typedef struct {
    ngx_rbtree_t                 rbtree;
    ngx_rbtree_node_t            sentinel;
    ngx_queue_t                  queue;         /* LRU, most recent first */
    rg_bucket                    global[NGX_HTTP_RSTGUARD_NLOGS]
                                       [RG_CLASS_COUNT];
    ngx_msec_t                   last_alert;    /* "zone is full" alert */
    /* the cost guard's alerts of the current window (guard.c) */
    ngx_atomic_t                 guard[NGX_HTTP_RSTGUARD_GUARD_SLOTS];
    ngx_http_rstguard_counters_t counters;

    /* summaries (held.c, summary.c) */
    ngx_queue_t                  pending;       /* nodes with counts */
    ngx_http_rstguard_group_t   *groups[NGX_HTTP_RSTGUARD_MAX_CHAINS]
                                       [NGX_HTTP_RSTGUARD_NLOGS]
                                       [RG_CLASS_COUNT];
    ngx_http_rstguard_upstream_t upstreams[NGX_HTTP_RSTGUARD_NLOGS]
                                          [RG_CLASS_COUNT]
                                          [NGX_HTTP_RSTGUARD_UPSTREAMS];
    /*
     * The running interval's end, in wall-clock ms; 0: none runs, nothing
     * is pending.  The first count kept starts one (summary.c), its writer
     * takes everything and ends it.
     */
    uint64_t                     next_summary;
    time_t                       window_start;  /* of the held counts */
    uint64_t                     alert_start;   /* of window_seen, ms */
} ngx_http_rstguard_shctx_t;


/* the worker's summary writer, defined in ngx_http_rstguard_summary.c */
typedef struct ngx_http_rstguard_summary_s  ngx_http_rstguard_summary_t;

/* what a decision notes for the summaries besides its verdict */
typedef struct {
    ngx_uint_t                   chain;     /* a summary chain number */
    ngx_uint_t                   level;     /* the line's level */
    ngx_str_t                   *sample;    /* line or request, or NULL */
    ngx_str_t                   *upstream;  /* address, or NULL */
} ngx_http_rstguard_note_t;


/* a zone as this cycle's configuration sees it (rates may change on reload) */
typedef struct {
    ngx_http_rstguard_shctx_t   *sh;
    ngx_slab_pool_t             *shpool;
    ngx_shm_zone_t              *shm_zone;
    ngx_str_t                    name;
    rg_limit                     key_limit;     /* rate=, burst= */
    rg_limit                     global_limit;  /* global_rate= global_burst= */
    ngx_http_complex_value_t     key;           /* key=, $remote_addr */
    /* rstguard_summary_interval: summaries, the "zone is full" alert */
    ngx_msec_t                   interval;
    /* this worker's summary writer (summary.c), NULL outside workers */
    ngx_http_rstguard_summary_t *summary;
} ngx_http_rstguard_zone_t;


/*
 * guard.c: the per-rule cost guard of the error-log filter, one per
 * worker's matcher: each rule's limit hits in the current window.
 */
typedef struct {
    uint64_t                    *last;      /* the matcher's hits, seen */
    ngx_uint_t                  *hits;      /* in this window */
    ngx_uint_t                   n;         /* rules */
    ngx_uint_t                   noff;      /* switched off now */
    ngx_uint_t                   window;    /* clock / seconds */
    ngx_uint_t                   seconds;   /* rstguard_summary_interval */
    time_t                       until;     /* the window's end */
} ngx_http_rstguard_guard_t;


/* moderr's error-log filter (recorded chains, the writer's state), errlog.c */
typedef struct ngx_http_rstguard_errlog_s  ngx_http_rstguard_errlog_t;


typedef struct {
    ngx_array_t                  zones;     /* ngx_http_rstguard_zone_t * */

    /*
     * The zone the error-log side decides in: the only declared zone, the
     * first one when several are declared, or the built-in default zone.
     * NULL when neither the access-log nor the error-log side is used.
     */
    ngx_http_rstguard_zone_t    *zone;
    ngx_http_rstguard_zone_t    *default_zone;

    ngx_flag_t                   error_log;         /* rstguard_error_log */
    ngx_msec_t                   summary_interval;  /* 60s */
    ngx_uint_t                   summary_keys;      /* 10 */

    /* rstguard_alert: milli-events per second (0: off), and as written */
    uint64_t                     alert_rate;
    uint64_t                     alert_num;
    u_char                       alert_unit;        /* 's' or 'm' */

    /* http-level rstguard_classes and rstguard_dry_run, for the error log */
    ngx_http_rstguard_mask_t     classes;
    ngx_http_rstguard_mask_t     explicit_classes;  /* listed by name */
    ngx_flag_t                   dry_run;

    ngx_str_t                    rules_file;        /* rstguard_rules */
    ngx_flag_t                   rules_replace;
    /* shipped rules (unless replace) plus rules_file; compiled, read-only */
    rg_ruleset                  *rules;

    ngx_http_rstguard_summary_t *summary;
    ngx_http_rstguard_errlog_t  *errlog;
} ngx_http_rstguard_main_conf_t;


typedef struct {
    ngx_flag_t                   enable;        /* rstguard on|off|zone= */
    ngx_str_t                    zone_name;     /* zone=NAME, else empty */
    ngx_http_rstguard_zone_t    *zone;          /* resolved in merge */
    ngx_http_rstguard_mask_t     classes;
    ngx_http_rstguard_mask_t     explicit_classes;
    ngx_flag_t                   dry_run;
    ngx_flag_t                   status;        /* rstguard_status */

    /* where "rstguard" was given, for errors found only when merging */
    u_char                      *conf_file;
    ngx_uint_t                   conf_line;
} ngx_http_rstguard_loc_conf_t;


extern ngx_module_t  ngx_http_rstguard_module;


/*
 * Decides one abort event: returns NGX_OK (pass), NGX_DECLINED (hold),
 * NGX_BUSY (zone contended, only when flags has NGX_HTTP_RSTGUARD_TRYLOCK:
 * the caller passes the line; it was counted as contended).  Charges the key
 * and global budgets and the zone counters.  With NGX_HTTP_RSTGUARD_DRY_RUN
 * the budgets are charged the same way and NGX_DECLINED still says "would
 * hold", but the event is counted as dry_run: the caller passes it.
 * Never fails a request: when the zone is full the oldest entries are
 * evicted; if even that fails the event passes.
 */
ngx_int_t ngx_http_rstguard_decide(ngx_http_rstguard_main_conf_t *rmcf,
    ngx_uint_t log, rg_class cls, ngx_str_t *key, ngx_uint_t flags,
    ngx_http_rstguard_note_t *note);

/*
 * The same in a given zone (the access log's zone= may differ).  With a
 * note (not NULL), a decided line is also counted, in the same critical
 * section, in the zone's summary state (held.c): a line is held back only
 * when its count is kept there, so no held line can go unsummarised.
 */
ngx_int_t ngx_http_rstguard_zone_decide(ngx_http_rstguard_zone_t *zone,
    ngx_uint_t log, rg_class cls, ngx_str_t *key, ngx_uint_t flags,
    ngx_http_rstguard_note_t *note);

/*
 * held.c, called with the zone locked.  group() finds or makes the
 * (chain, log, class) group (NULL: no memory even after evicting);
 * note() counts a decision; fold() moves an evicted node's counts to its
 * group's key="*" line.
 */
ngx_http_rstguard_group_t *ngx_http_rstguard_held_group(
    ngx_http_rstguard_zone_t *zone, ngx_uint_t chain, ngx_uint_t log,
    rg_class cls);
void ngx_http_rstguard_held_note(ngx_http_rstguard_zone_t *zone,
    ngx_http_rstguard_node_t *node, ngx_http_rstguard_group_t *group,
    ngx_int_t rc, ngx_uint_t flags, ngx_http_rstguard_note_t *note);
void ngx_http_rstguard_held_fold(ngx_http_rstguard_zone_t *zone,
    ngx_http_rstguard_node_t *node);

/* zone.c, called locked: evicts the oldest bucket; 0 when none is left */
ngx_uint_t ngx_http_rstguard_zone_evict(ngx_http_rstguard_zone_t *zone);

/* zone.c: declares a zone (rstguard_zone and the built-in default) */
ngx_http_rstguard_zone_t *ngx_http_rstguard_zone_add(ngx_conf_t *cf,
    ngx_str_t *name, size_t size);

/* request.c: the body filter, the variables and the log-phase handler */
ngx_int_t ngx_http_rstguard_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_rstguard_request_init(ngx_conf_t *cf);

/* guard.c: the cost guard (init and free with the worker's matcher) */
ngx_int_t ngx_http_rstguard_guard_init(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m, ngx_log_t *log);
void ngx_http_rstguard_guard_free(ngx_http_rstguard_guard_t *g);
void ngx_http_rstguard_guard_tick(ngx_http_rstguard_guard_t *g,
    rg_matcher *m);
void ngx_http_rstguard_guard_hits(ngx_http_rstguard_guard_t *g,
    ngx_http_rstguard_main_conf_t *rmcf, rg_matcher *m);

/* status.c: the content handler of "rstguard_status;" */
ngx_int_t ngx_http_rstguard_status_handler(ngx_http_request_t *r);


/*
 * summary.c: the summary chain number of an error-log chain head (NULL,
 * or one not recorded: 0, the http-level error log).
 */
ngx_uint_t ngx_http_rstguard_summary_chain(
    ngx_http_rstguard_main_conf_t *rmcf, ngx_log_t *head);

/* errlog.c: the recorded error-log chain heads (ngx_log_t *), or NULL */
ngx_array_t *ngx_http_rstguard_errlog_chains(ngx_http_rstguard_errlog_t *el);

/*
 * summary.c, called by the module's init_process and exit_process: the
 * worker's timer, which writes the zone's summaries when this worker is
 * elected for the interval (armed at init only when an interval runs, as
 * after a kill -9); exit writes what is left (reload, stop).
 */
ngx_int_t ngx_http_rstguard_summary_init_process(ngx_cycle_t *cycle);
void ngx_http_rstguard_summary_exit_process(ngx_cycle_t *cycle);

/*
 * summary.c, the lazy timer: start() is called locked when a count is
 * kept (the zone's interval starts if none runs); arm() unlocked after
 * this worker counted a line in the zone (its timer runs until the
 * interval ends, if it does not already); counted() after a line counted
 * without the lock (an unlimited class: only rstguard_alert needs it).
 */
void ngx_http_rstguard_summary_start(ngx_http_rstguard_zone_t *zone);
void ngx_http_rstguard_summary_arm(ngx_http_rstguard_zone_t *zone);
void ngx_http_rstguard_summary_counted(ngx_http_rstguard_zone_t *zone,
    rg_class cls, ngx_uint_t flags);

/* summary.c: true while summaries are being written (the writer passes them) */
ngx_uint_t ngx_http_rstguard_summary_emitting(
    ngx_http_rstguard_main_conf_t *rmcf);

/* summary.c: the http-level error log of a cycle (access-log summaries) */
ngx_log_t *ngx_http_rstguard_http_error_log(ngx_cycle_t *cycle);

/*
 * errlog.c, the error-log filter (module/README.md, N4).  record() is called
 * from merge_loc_conf for every location (it reads the core module's
 * error_log of cf->ctx); init_module() from the module's init_module
 * installs the writer on every chain when rstguard_error_log is on.
 */
ngx_int_t ngx_http_rstguard_errlog_record(ngx_conf_t *cf);

/*
 * errlog.c: ngx_http_log_error (static in nginx), once learnt: the
 * filter reads a log's data as an ngx_http_log_ctx_t only with it.  The
 * body filter learns it from the first request a worker answers.
 */
extern ngx_log_handler_pt  ngx_http_rstguard_http_log_handler;
ngx_int_t ngx_http_rstguard_errlog_init_module(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_RSTGUARD_H_INCLUDED_ */
