/*
 * report.h - the one report model every printer reads.
 *
 * Built from an rs_agg (agg.h) after the scan or after merging shards:
 * classes ranked by bytes, top-N keys per class and dimension, the
 * per-minute series, and the bursts found in the per-client event times.
 * Printers (text, JSON, HTML) only format what is here.  The findings
 * (finding.h) belong to a later stage and are added to this model.
 */

#ifndef RS_REPORT_H
#define RS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "finding.h"

typedef struct {
    const char  *key;           /* into the rs_agg's key arena */
    uint64_t     count;
} rs_top;

typedef struct {
    rg_class      cls;
    rs_class_sum  sum;
    double        share;        /* bytes / all bytes read, 0..1 */
    rs_top       *top[RS_DIM_COUNT];
    size_t        ntop[RS_DIM_COUNT];
} rs_class_report;

typedef struct {
    rs_ts     minute;           /* sec is the minute's first second */
    uint64_t  count;
} rs_point;

typedef struct {
    rg_class     cls;
    const char  *key;           /* the client, NUL-terminated */
    rs_ts        start, end;    /* first and last event of the burst */
    uint64_t     count;
    int          key_owned;     /* this entry frees key */
} rs_burst;

typedef struct rs_report  rs_report;

typedef struct {
    size_t    top;              /* --top N */
    uint64_t  burst_n;          /* --burst N/SECONDS */
    int64_t   burst_seconds;
    /* run by the thread that builds the timeline once it is built,
       while the calling thread builds the top lists and the bursts (a
       printer renders the timeline meanwhile); NULL: none.  0 or -1 (out
       of memory). */
    int     (*series_done)(rs_report *rep);
    /* run by the calling thread after the top lists and the bursts,
       while the other may still work (the findings); NULL: none.  0 or
       -1. */
    int     (*alongside)(rs_report *rep, void *ctx);
    void     *alongside_ctx;
    /* build everything in the calling thread, in the same order (the
       fuzz targets build a report per input: a thread each costs more) */
    int       one_thread;
} rs_report_opts;

struct rs_report {
    const rs_agg     *agg;
    rs_class_report   classes[RG_CLASS_COUNT];
    size_t            nclasses;     /* classes with records, by bytes */
    rs_point         *timeline[RG_CLASS_COUNT];
    size_t            ntimeline[RG_CLASS_COUNT];
    rs_burst         *bursts;       /* by start, then class, then key */
    size_t            nbursts;
    uint64_t          abort_bytes;  /* bytes of every class together */
    int               keys_approximate;
    rs_finding_list  *findings;     /* owned; NULL: none computed */
    /* what a printer rendered ahead in the thread that built the
       timeline (series_done; print_json.c: the timeline's text), for
       that printer alone; freed with ahead_free.  NULL: nothing */
    void             *ahead;
    void            (*ahead_free)(void *ahead);
};

/* Builds the report; agg must outlive it.  0, or -1 when out of memory. */
int rs_report_build(rs_report *rep, rs_agg *agg, const rs_report_opts *o);
void rs_report_free(rs_report *rep);

/* When top lists are approximate: how far below its true value a count
   may be (the largest count dropped); 0 when they are exact. */
uint64_t rs_report_key_error(const rs_report *rep);

/*
 * Bursts of one key's event times (sorted): maximal runs where windows of
 * at least n events within `seconds` overlap.  Appends to *out; -1 when
 * out of memory.
 */
int rs_bursts_find(const rs_times *tm, uint64_t n, int64_t seconds,
    rg_class cls, const char *key, rs_burst **out, size_t *nout,
    size_t *cap);

#endif /* RS_REPORT_H */
