/*
 * simulate.h - `rstscan simulate`: replays abort records through the
 * module's limiter (core/rg_limiter.h) and tallies what it would keep and
 * what it would hold back.
 *
 * The module decides each abort against two budgets: the bucket of its
 * (log, key, class) at rate/burst, and the bucket of its (log, class) at
 * global_rate/global_burst.  Only limited classes are decided at all
 * (by default the client-side ones, as `rstguard_classes` defaults);
 * every other abort is always kept.  Records must be fed in the order the
 * log has them; times are the log's, in milliseconds.
 */

#ifndef RS_SIMULATE_H
#define RS_SIMULATE_H

#include <stdint.h>
#include <stdio.h>

#include "rg_class.h"
#include "rg_limiter.h"
#include "scan.h"

/* The module's two logs; their budgets are separate (log=access|error). */
#define RS_SIM_LOG_ACCESS  0
#define RS_SIM_LOG_ERROR   1
#define RS_SIM_LOGS        2

/* --burst and --global-burst at most: the module keeps burst * 1000 in a
   signed 64-bit excess (options.c reads them) */
#define RS_SIM_MAX_BURST   1000000000

/* Key buckets kept at most: about 40 MiB; beyond, the oldest is evicted. */
#define RS_SIM_MAX_KEYS    200000

typedef enum {
    RS_SIM_KEY_CLIENT = 0,      /* key=$remote_addr, the module's default */
    RS_SIM_KEY_NONE             /* one key for every client (a map) */
} rs_sim_key;

/* --key none: the module needs a variable, so one that is always "all" */
#define RS_SIM_KEY_NONE_VAR   "$rstguard_all"
#define RS_SIM_KEY_NONE_MAP   "map $remote_addr " RS_SIM_KEY_NONE_VAR \
                              " { default all; }"

typedef struct {
    rg_limit     key;           /* rate/burst per key */
    rg_limit     global;        /* global_rate/global_burst per class */
    int          global_rate_set;   /* given, not derived from rate */
    int          global_burst_set;
    rs_sim_key   key_mode;
    uint32_t     classes;       /* bit per rg_class: limited classes */
    int          explicit_classes;  /* --classes given: rstguard_classes */
    int          json;
} rs_sim_config;

typedef struct {
    uint64_t  records;
    uint64_t  bytes;
} rs_sim_tally;

typedef struct {
    rs_sim_tally  kept[RG_CLASS_COUNT];
    rs_sim_tally  held[RG_CLASS_COUNT];
    uint64_t      untimed;      /* records without a time: kept, counted */
    uint64_t      unkeyed;      /* no client: the module never limits */
    uint64_t      evicted;      /* live key buckets evicted (table full) */
    size_t        peak_keys;
} rs_sim_result;

typedef struct rs_sim  rs_sim;

/* The defaults: 10r/m burst 5, global twice that, client keys. */
void rs_sim_config_default(rs_sim_config *cfg);

rs_sim *rs_sim_create(const rs_sim_config *cfg);

/*
 * Decides one abort record.  has_time is 0 when the record carried no
 * usable time (it is then kept and counted as untimed); an empty key is
 * kept, as the module never limits a request whose key is empty.  Returns
 * 0, or -1 when out of memory.
 */
int rs_sim_feed(rs_sim *s, unsigned log, rg_class cls, const char *key,
    size_t keylen, int has_time, uint64_t time_ms, uint64_t bytes);

/*
 * The scanner's observer (rs_scan_config.observe, ctx the rs_sim): feeds
 * every abort record, keyed by its client, as the module would see it.
 */
void rs_sim_seen(void *ctx, const rs_seen *seen);

/* 1 when a record was lost for want of memory. */
int rs_sim_failed(const rs_sim *s);

const rs_sim_result *rs_sim_get_result(rs_sim *s);

/*
 * The `rstguard_zone ...;` line that configures the module as simulated,
 * sized for the keys seen.  Global budgets that were not given are left
 * out: the module derives them from rate and burst exactly as simulate
 * did (10r/m * 10 is 1660 milli-events, which no "Nr/m" text gives).
 * Returns the length, 0 if buf is too small.
 */
size_t rs_sim_zone_line(const rs_sim_config *cfg, const rs_sim_result *res,
    char *buf, size_t size);

/* Prints the report as text or, with cfg->json, as one JSON object. */
int rs_sim_print(FILE *out, const rs_sim_config *cfg,
    const rs_sim_result *res);

void rs_sim_free(rs_sim *s);

#endif /* RS_SIMULATE_H */
