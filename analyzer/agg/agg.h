/*
 * agg.h - what a scan accumulates, in a form that merges exactly.
 *
 * One rs_agg per scan (or per shard, per thread): totals, per-class sums
 * (split by kind of log, `by_log`), per-(class, key) counters for
 * clients, URIs and upstreams, the per-minute series and, for every
 * (class, client), its event times run-length coded per second (what
 * bursts are computed from; a summary's held-back lines are spread over
 * its first..last seconds there and in the series).  rs_agg_merge(a, b) makes a
 * hold what one scan over both inputs would hold: every counter is a sum,
 * series and event lists are unions; nothing here depends on the order
 * shards are merged in.  Only the report (report.h) ranks, cuts to top N
 * and finds bursts.
 */

#ifndef RS_AGG_H
#define RS_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "keytab.h"
#include "rg_class.h"
#include "rg_rules.h"
#include "timefmt.h"

typedef enum {
    RS_DIM_CLIENT = 0,
    RS_DIM_URI,
    RS_DIM_UPSTREAM,
    RS_DIM_COUNT
} rs_dim;

/* Distinct keys per dimension held exactly (analyzer/README.md). */
#define RS_KEYS_EXACT       200000
/* (class, minute) cells of the timeline: a month of six classes, 12 MiB */
#define RS_TIMELINE_MAX     (1u << 18)
/* (class, client, second) ticks kept for bursts: 16 MiB */
#define RS_TICKS_MAX        (2u << 20)

/*
 * The kind of log a record came from (analyzer/README.md `by_log`): an
 * access log (nginx and Apache access, HAProxy, a summary of log=access)
 * or an error log (nginx and Apache error, Java, generic, a summary of
 * log=error).  One abort may show in both logs of a server.
 */
typedef enum {
    RS_LOG_ACCESS = 0,
    RS_LOG_ERROR,
    RS_LOG_KINDS
} rs_log_kind;

typedef struct {
    uint64_t  count;            /* records seen + suppressed */
    uint64_t  suppressed;       /* held back, per rstguard summaries */
    uint64_t  bytes;            /* bytes of the records seen */
    uint64_t  by_log[RS_LOG_KINDS];     /* count, per kind of log */
} rs_class_sum;

/* One input as the report lists it. */
typedef struct {
    char      *path;
    char      *format;          /* "nginx-error", ... */
    int        detected;        /* chosen by --format auto */
    uint64_t   lines, bytes, unparsed;
    char      *error;           /* NULL when read to its end */
    /* a file no parser could read (its error says so and how many of its
       lines carry abort phrases): exit status 2 only with --fail-on */
    int        unreadable;
#define RS_UNREADABLE  ": no parser could read it ("   /* in its error */
    uint64_t   abort_lines;     /* unparsed or generic lines with a phrase */
    const char *prefix;         /* the shipper's prefix ("cri"), or NULL */
    const char *layout_src;     /* "log_format main at nginx.conf:12" when
                                   --nginx-conf gave the layout, or NULL */
} rs_file;

/* A (class, minute) cell: minute = rs_ts.sec / 60 (floor). */
typedef struct {
    int64_t   minute;
    uint64_t  count;
    uint8_t   cls;
    uint8_t   used;
} rs_cell;

/* A rule that hit PCRE2's limits, and how often (rules/README.md). */
typedef struct {
    char         *id;
    uint64_t      hits;
} rs_limit_rule;

typedef struct {
    uint64_t      lines, bytes, unparsed, limit_hits;
    rs_limit_rule *limit_rules;     /* in the order first seen */
    size_t        nlimit_rules;
    rs_class_sum  cls[RG_CLASS_COUNT];
    rs_keytab     keys[RS_DIM_COUNT];

    rs_cell      *cells;        /* open addressing on (minute, cls) */
    size_t        ncells, cells_cap;
    rs_ts         shown;        /* the offset minutes are printed with */

    uint64_t      ticks;        /* rs_tick entries held, all keys */
    int           timeline_approximate;
    int           bursts_approximate;

    rs_file      *files;
    size_t        nfiles, files_cap;
} rs_agg;

/* The longest first..last a summary is spread over (a day). */
#define RS_SPREAD_MAX  86400

/* One record (or an rstguard summary) as the scan hands it over. */
typedef struct {
    rg_class   cls;
    uint8_t    log;             /* rs_log_kind */
    uint64_t   seen;            /* 1 for a record, 0 for a summary */
    uint64_t   suppressed;      /* a summary's count */
    uint64_t   bytes;           /* physical bytes of the record */
    rs_ts      ts;              /* valid == 0: no time */
    /* a summary's first..last (both valid, first <= last, at most
       RS_SPREAD_MAX seconds apart): its suppressed lines are spread
       evenly over those seconds, in the timeline and in its key's events
       (bursts), instead of being booked at ts */
    rs_ts      first, last;
    rg_str     client, uri, upstream;   /* p == NULL or len 0: none */
    /* the keys' hashes (rs_keytab_hash), when `hashed`: computed by a
       thread before it takes the aggregate's lock (batch.c) */
    uint32_t   hash[RS_DIM_COUNT];
    int        hashed;
} rs_record;

/* The kind of log a format is. */
rs_log_kind rs_format_log(rg_format format);

void rs_agg_init(rs_agg *a);
/* rs_agg_init with limit keys per table held exactly (0: RS_KEYS_EXACT). */
void rs_agg_init_limit(rs_agg *a, size_t limit);
void rs_agg_free(rs_agg *a);

/* Counts one classified record; -1 when out of memory. */
int rs_agg_record(rs_agg *a, const rs_record *r);

/* Sets r->hash for its keys and r->hashed (before taking a lock). */
void rs_record_hash(rs_record *r);

/* Counts n records, in order, faster than one by one; -1 out of memory. */
int rs_agg_records(rs_agg *a, const rs_record *r, size_t n);

/* How many records rs_agg_records looks ahead over, and in tables of
   how many bytes of slots (smaller ones stay in the caches). */
#define RS_AGG_BATCH      64
#define RS_AGG_BIG_TABLE  (64 * 1024)

/* Appends an input's entry (strings copied); NULL when out of memory. */
rs_file *rs_agg_file(rs_agg *a, const char *path);
int rs_file_set(char **slot, const char *text);

/* Adds n to the (minute, cls) cell of the timeline; -1 out of memory. */
int rs_agg_add_cell(rs_agg *a, int64_t minute, int cls, uint64_t n);

/* Adds hits to the rule's limit-hit count; -1 when out of memory. */
int rs_agg_limit_rule(rs_agg *a, const char *id, uint64_t hits);

/* dst += src (src is unchanged); -1 when out of memory. */
int rs_agg_merge(rs_agg *dst, const rs_agg *src);

/*
 * dst += src, and src left empty (as rs_agg_init leaves it): when dst
 * holds nothing yet, src's tables are moved into it, not copied, so the
 * first input of a run (often the only one) costs no merge.
 */
int rs_agg_take(rs_agg *dst, rs_agg *src);

#endif /* RS_AGG_H */
