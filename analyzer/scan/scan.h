/*
 * scan.h - one input through the pipeline:
 *
 *   reader -> searcher (lines) -> record assembly (shipper parts joined,
 *     syslog prefix; Java records folded) -> fast path (prescan) or
 *     format parser (rg_fields) -> time range -> classification (rg_match,
 *     summaries, truncation) -> rs_agg
 *
 * scan.c is the loop; each layer is a file of its own (scan_impl.h).
 * A scanner is one thread's worth of state: its own matcher and parser;
 * the aggregate it adds to may be shared with another scanner under a
 * mutex (scan_split.h).  The run configuration is shared and read-only.
 */

#ifndef RS_SCAN_H
#define RS_SCAN_H

#include <stdint.h>

#include "agg.h"
#include "nginxconf.h"
#include "parse.h"
#include "rg_prescan.h"
#include "rg_rules.h"
#include "timefmt.h"
#include "tz.h"

/* Java records: at most this many bytes and lines (rules/README.md). */
#define RS_RECORD_MAX_BYTES  (1024 * 1024)
#define RS_RECORD_MAX_LINES  10000

/*
 * What the scan saw of one record (an abort or not) or of one rstguard
 * summary, for observers beyond the aggregate (findings, simulate).  The
 * pointers are valid during the call only.  Lines of an nginx error log
 * that no rule can match come as one record of no class without fields
 * or text (parsed and line.p NULL) standing for `lines` of them.
 */
typedef struct {
    rg_format          format;
    rg_class           cls;         /* RG_CLASS_NONE: no abort */
    const rs_parsed   *parsed;      /* NULL for a Java record, a summary */
    rs_ts              ts;          /* valid == 0: no time */
    int                ms;          /* milliseconds within ts.sec, or -1 */
    uint64_t           bytes;       /* physical bytes of the record */
    uint64_t           lines;
    rg_str             line;        /* its first line, at most 256 bytes */
    rg_str             signature;   /* Java: the exception header line */
    uint64_t           suppressed;  /* a summary: what it held back */
    const rg_alert    *alert;       /* the module's alert line, or NULL */
} rs_seen;

typedef void (*rs_observe_fn)(void *ctx, const rs_seen *seen);

typedef struct {
    int                format;      /* rg_format, or -1 for auto */
    const char        *log_format;  /* nginx layout; NULL: combined */
    /* --nginx-conf: an access log's layout by its path (nginxconf.h),
       before log_format; by_name: also by its file name alone */
    const rs_nginxconf *nginx_conf;
    int                nginx_conf_by_name;
    const rg_ruleset  *rules;
    /* rs_scan_prescan_create(rules), shared read-only by every scanner of
       the config; NULL: each scanner builds its own (it costs more than
       a small input's scan: the fuzz targets share one) */
    const rg_prescan  *prescan;
    const char        *tz;          /* NULL: offset-less times stay naive */
    rs_ts              since, until;    /* valid == 0: open */
    int                year;        /* for BSD syslog times */
    int                threads;     /* scanning threads (-j), >= 1 */
    uint64_t           split_chunk; /* bytes per chunk of a split file;
                                       0: RS_SPLIT_CHUNK (tests set less) */
    size_t             key_limit;   /* keys per table held exactly (agg.h);
                                       0: RS_KEYS_EXACT (tests set less) */
    rs_observe_fn      observe;     /* NULL: none */
    void              *observe_ctx;
    /* a fresh context for a second thread and its merge back into
       observe_ctx; without them an observed file is scanned by one
       thread, in order (simulate needs the order) */
    void            *(*observe_fork)(void *ctx);
    int              (*observe_join)(void *ctx, void *child);
    /* drops a forked context unjoined (scan_files.h: an input read
       again); NULL: inputs are never read twice */
    void             (*observe_free)(void *child);
    /* bytes read since the last call, every 64 Ki lines, from any thread
       (progress.h); NULL: none */
    void             (*progress)(void *ctx, uint64_t bytes);
    void              *progress_ctx;
} rs_scan_config;

typedef struct rs_scanner  rs_scanner;

/*
 * NULL with err set when the layout or the zone is invalid or memory is
 * short.  The scanner adds to agg, which the caller owns.
 */
rs_scanner *rs_scanner_create(const rs_scan_config *cfg, rs_agg *agg,
    char *err, size_t errlen);
void rs_scanner_destroy(rs_scanner *sc);

/*
 * Scans one input (path, "-" for stdin) into the aggregate and appends its
 * rs_file entry.  Returns 0, or -1 when it could not be opened or read to
 * its end (the entry's error says why; what was read is counted).
 */
int rs_scan_path(rs_scanner *sc, const char *path);

/*
 * The same with `once`: a gzip file is inflated once, unchecked
 * (rs_reader_open_once), and *damaged set when a member proved damaged
 * after some of it was counted; the caller then drops what this scan
 * counted (its own aggregate and observer context: scan_files.h) and
 * scans the file again without `once`.  Without `once`, as rs_scan_path.
 */
int rs_scan_path_once(rs_scanner *sc, const char *path, int once,
    int *damaged);

/* The aggregate the next input is counted into (the caller's). */
void rs_scanner_set_agg(rs_scanner *sc, rs_agg *agg);

/* The same for an input in memory (len bytes at data, plain or gzip),
   entered under `name`; read in the caller's thread. */
int rs_scan_memory(rs_scanner *sc, const char *name, const void *data,
    size_t len);

/* The prescan a scanner of `rules` uses; NULL when out of memory. */
rg_prescan *rs_scan_prescan_create(const rg_ruleset *rules);

#endif /* RS_SCAN_H */
