/*
 * finding.h - the findings of a scan as C values: what findings_eval.c
 * decides and every printer reads (text, HTML, JSON).  Nothing here is
 * JSON: only the JSON printer (print_json_findings.c) turns a finding into
 * JSON, and the text and HTML reports show a finding's numbers as that
 * printer writes them.
 *
 * A finding is one tagged struct: its kind names the finding and says
 * which member of the union `u` holds its numbers.  Several kinds share a
 * name (three `output_buffer` findings, which differ in their numbers).
 */

#ifndef RS_FINDING_H
#define RS_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "rg_class.h"
#include "timefmt.h"

typedef enum {
    RS_FD_USER_NAVIGATION = 0,
    RS_FD_OVERLOAD,
    RS_FD_ABORT_STORM,
    RS_FD_IDLE_TIMEOUT,
    RS_FD_BUFFER_CUT,           /* output_buffer: URIs cut at one size */
    RS_FD_BUFFER_RECORDS,       /* output_buffer: records that name it */
    RS_FD_BUFFER_SHORT,         /* output_buffer: Content-Length short */
    RS_FD_LOG_BLOAT,
    RS_FD_BACKEND_DOWN,
    RS_FD_PORT_IN_USE,
    RS_FD_SOCKET_MISUSE,
    RS_FD_KINDS
} rs_finding_kind;

#define RS_FD_PEAKS        5       /* overload: peak minutes kept */
#define RS_FD_SIGNATURES   5       /* log_bloat: stack traces listed */
#define RS_FD_TRUNCATIONS  10      /* URIs cut at one size, listed */
#define RS_FD_EVIDENCE     1024
#define RS_FD_ADVICE       1024

/*
 * Numbers that may be unknown are NAN (reals) or an rs_ts whose `valid`
 * is 0 (times); the JSON printer writes null for them.
 */

typedef struct {
    rs_ts       minute;
    uint64_t    requests, aborts;
    double      upstream_response_s;
} rs_fd_peak;

typedef struct {
    char       *signature;          /* owned by the rs_finding_list */
    uint64_t    records, lines, bytes;
} rs_fd_signature;

/* One URI whose responses stop at one exact page multiple. */
typedef struct {
    char       *uri;                /* owned by the rs_finding_list */
    uint64_t    count;
    int64_t     size, largest;
    char        evidence[192];
} rs_truncation;

typedef struct {
    rs_finding_kind  kind;
    rg_class         cls;
    const char      *cause;         /* a static text */
    char             advice[RS_FD_ADVICE];
    char             evidence[RS_FD_EVIDENCE];

    union {
        struct {
            uint64_t  aborts, clients;
            double    top_client_share, median_request_s, browser_share;
        } nav;
        struct {
            uint64_t    minutes, aborts;
            double      r_request_rate, r_upstream_time;
            rs_fd_peak  peak[RS_FD_PEAKS];
            size_t      npeaks;
        } overload;
        struct {
            uint64_t  alerts, limit, window_s;
            double    max_rate;
            char      unit;             /* 's' or 'm': r/s, r/m */
            rs_ts     first, last;
        } storm;
        struct {
            const char  *field;         /* the time the values come from */
            double       value_s, share;
            uint64_t     records, timed;
        } idle;
        struct {
            uint64_t  uris;             /* the list's truncations go along */
        } cut;
        struct {
            uint64_t  records, missing_bytes;
        } records;                      /* BUFFER_RECORDS, BUFFER_SHORT */
        struct {
            uint64_t         records, abort_bytes, total_bytes;
            double           share;
            rs_fd_signature  sig[RS_FD_SIGNATURES];
            size_t           nsigs;
        } bloat;
        struct {
            uint64_t  records;
            rs_ts     first, last;
        } local;                        /* BACKEND_DOWN .. SOCKET_MISUSE */
    } u;
} rs_finding;

/* The findings of a scan, best evidence first, and the truncations. */
typedef struct {
    rs_finding     *v;
    size_t          n, cap;
    rs_truncation   trunc[RS_FD_TRUNCATIONS];
    size_t          ntrunc;
} rs_finding_list;

/*
 * Appends a finding of kind to l, its numbers zero for the caller to fill;
 * cause must be a static text, advice and evidence are copied (and cut to
 * their buffers).  NULL when out of memory.
 */
rs_finding *rs_finding_add(rs_finding_list *l, rs_finding_kind kind,
    rg_class cls, const char *cause, const char *advice,
    const char *evidence);

/*
 * Log text quoted in a finding as the JSON report writes it, so every
 * printer shows the same: text that is not UTF-8 has each non-ASCII byte
 * turned into '?' (as partial.h's rs_json_bytes does).
 */
void rs_finding_text_fix(char *s);

/* The finding's name in the reports ("user_navigation", ...). */
const char *rs_finding_name(rs_finding_kind kind);

/* Frees what the list owns, and the list. */
void rs_finding_list_free(rs_finding_list *l);

#endif /* RS_FINDING_H */
