/*
 * rg_limiter.h - leaky-bucket arithmetic shared by the module and rstscan.
 *
 * This is the limit_req algorithm (ngx_http_limit_req_module.c) in integer
 * milli-units, kept free of nginx types so `rstscan simulate` replays a log
 * through exactly the code the module runs.  Every event adds 1000 to a
 * bucket's excess; the excess drains at `rate` milli-events per second; an
 * event whose new excess would be above burst * 1000 is held back and
 * changes nothing.  A fresh bucket takes its first event at excess 0, as a
 * new limit_req node does, so `burst=N` lets N + 1 events through at once.
 */

#ifndef RG_LIMITER_H
#define RG_LIMITER_H

#include <stddef.h>
#include <stdint.h>

/* A rate in milli-events per second: "10r/m" is 10 * 1000 / 60 = 166. */
typedef struct {
    uint64_t  rate;
    uint64_t  burst;            /* events, not milli-events */
} rg_limit;

typedef struct {
    int64_t   excess;           /* milli-events */
    uint64_t  last_ms;          /* time of the last event that passed */
    uint32_t  used;             /* 0 for a fresh bucket */
} rg_bucket;

/* What the limiter decided for one event. */
typedef enum {
    RG_PASS = 0,
    RG_HOLD_KEY,                /* the key's own budget is spent */
    RG_HOLD_GLOBAL              /* the class's global budget is spent */
} rg_verdict;

#define RG_DEFAULT_RATE_TEXT       "10r/m"
#define RG_DEFAULT_BURST           5
/*
 * Unset global budgets (per log and class, over every key) default to this
 * multiple of the per-key budget: two clients' worth of sample lines.  The
 * global budget exists so that a flood spread over many clients logs no
 * more than a few of them would; past two clients' worth more lines of
 * one class add nothing the summaries (which count every held line and
 * name the keys that had the most) do not already say.  At 10 the default
 * let 10 clients' worth through and an abort flood from 1,000 addresses
 * still left 0.8 % of stock nginx's error-log bytes (core/README.md).
 * `rstscan simulate` takes the same default.
 */
#define RG_DEFAULT_GLOBAL_FACTOR   2

/*
 * Parses "Nr/s" or "Nr/m" (as limit_req_zone does) into milli-events per
 * second.  Returns 0, or -1 for anything else, a zero rate or an overflow.
 */
int rg_rate_parse(const char *text, size_t len, uint64_t *rate);

/* Formats a milli-rate back as "Nr/s" or "Nr/m"; returns bytes written. */
size_t rg_rate_format(uint64_t rate, char *buf, size_t size);

/* The excess the bucket would have after one more event at now_ms. */
int64_t rg_bucket_next_excess(const rg_bucket *b, const rg_limit *lim,
    uint64_t now_ms);

/*
 * Decides one event against a key bucket and a global bucket (either may be
 * NULL to skip it).  The event passes only when both budgets allow it; only
 * then are both buckets charged.  now_ms is a monotonic millisecond clock.
 */
rg_verdict rg_limiter_decide(rg_bucket *key, const rg_limit *key_limit,
    rg_bucket *global, const rg_limit *global_limit, uint64_t now_ms);

/* True when the bucket has fully drained by now_ms: it may be evicted. */
int rg_bucket_idle(const rg_bucket *b, const rg_limit *lim, uint64_t now_ms);

#endif /* RG_LIMITER_H */
