/*
 * findings.h - why the connections reset: evidence gathered from every
 * record of a scan, turned into findings with cause, advice and numbers.
 *
 * The scan loop hands every record (aborts and ordinary requests alike) to
 * rs_findings_observe(); the collector keeps only bounded, mergeable state
 * (counters, histograms, per-minute series, per-URI size tallies), so the
 * state of several shards adds up to the state of one scan.  At the end
 * rs_findings_build() applies the thresholds (analyzer/README.md
 * "Findings") and returns the findings as C values (finding.h); every
 * finding carries the numbers it was decided on.
 */

#ifndef RS_FINDINGS_H
#define RS_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "finding.h"
#include "rg_format.h"
#include "rg_class.h"
#include "scan.h"

/* What one record tells the findings; unknown numbers are -1. */
typedef struct {
    rg_class     cls;               /* RG_CLASS_NONE: no abort */
    int          has_time;
    int64_t      sec;               /* rs_ts.sec of the record */
    int32_t      off_min;           /* its offset, when has_off */
    int          has_off;

    uint64_t     bytes;             /* physical bytes of the record */
    uint32_t     lines;             /* physical lines of the record */
    int          access;            /* a request (access log) record */
    rg_server    server;            /* who wrote it: advice in its words */
    int          partial_reply;     /* 206 or HEAD: no whole body sent */
    int          session;           /* a TCP session, no request (HAProxy's
                                       TCP log: its time is Tt, not Ta) */

    const char  *uri;               /* path without query; NULL: unknown */
    size_t       uri_len;
    const char  *agent;             /* $http_user_agent; NULL: unknown */
    size_t       agent_len;
    const char  *line;              /* the record's first line (evidence) */
    size_t       line_len;
    const char  *message;           /* the rules' message field, or NULL */
    size_t       message_len;
    const char  *signature;         /* Java: the exception header line */
    size_t       signature_len;

    int          status;            /* -1 when unknown */
    int64_t      body_bytes;        /* $body_bytes_sent, -1 unknown */
    int64_t      content_length;    /* -1 unknown */
    int          completion;        /* -1 not logged, 0 empty, 1 "OK" */
    int64_t      request_ms;        /* $request_time, -1 unknown */
    int64_t      upstream_ms;       /* $upstream_response_time, -1 */
} rs_obs;

typedef struct rs_findings  rs_findings;

rs_findings *rs_findings_create(void);
void rs_findings_free(rs_findings *f);

/* Fills o with "unknown" everywhere (cls RG_CLASS_NONE, numbers -1). */
void rs_obs_init(rs_obs *o);

/* Notes one record; -1 when out of memory (the record is then lost). */
int rs_findings_observe(rs_findings *f, const rs_obs *o);

/*
 * The scanner's observer (rs_scan_config.observe, ctx the rs_findings):
 * turns what the scan saw into an rs_obs, and a summary into
 * rs_findings_suppressed().
 */
void rs_findings_seen(void *ctx, const rs_seen *seen);

/*
 * The bytes of everything read (unparsed lines included), for the share of
 * log_bloat; without it, the bytes of the records observed.
 */
void rs_findings_total_bytes(rs_findings *f, uint64_t bytes);

/* Records lost for want of memory (the findings may be incomplete). */
uint64_t rs_findings_lost(const rs_findings *f);

/*
 * Adds the module's summary of `suppressed` lines it held back: they count
 * as aborts of cls for the findings (they were real aborts).
 */
void rs_findings_suppressed(rs_findings *f, rg_class cls, uint64_t n);

/*
 * dst += src, as if src's records had come after dst's; src is unchanged.
 * -1 when out of memory.
 */
int rs_findings_merge(rs_findings *dst, const rs_findings *src);

/* For the scanner's second thread: a fresh collector, and its merge. */
void *rs_findings_fork(void *ctx);
int rs_findings_join(void *ctx, void *child);
/* A forked context dropped unjoined (an input read again). */
void rs_findings_drop(void *child);

/*
 * The collector's whole state as JSON (for --partial), and the merge of
 * such a state into f (for merge); NULL / -1 with err on error.
 */
json_t *rs_findings_state(const rs_findings *f);
int rs_findings_merge_state(rs_findings *f, const json_t *state, char *err,
    size_t errlen);

/*
 * The findings, best evidence first, and the URIs whose responses stop at
 * one exact buffer size (analyzer/README.md `truncations`); NULL when out
 * of memory.  agg is the same scan's aggregate: user_navigation counts its
 * clients from agg's client table rather than keeping a copy of it.
 * rs_finding_list_free() frees the list.
 */
rs_finding_list *rs_findings_build(const rs_findings *f, const rs_agg *agg);

#endif /* RS_FINDINGS_H */
