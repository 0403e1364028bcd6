/*
 * scan_impl.h - the scanner's state and the layers of scan.c's loop, for
 * the scan*.c files only:
 *
 *   scan.c           the input (reader, format, layout) and the loop:
 *                    line -> record -> classification -> aggregate
 *   scan_record.c    record assembly: a shipper's parts joined (CRI
 *                    partial lines, Docker JSON), Java records folded
 *   scan_light.c     the fast path: lines no rule can match (the
 *                    prescan) counted without the parser or PCRE2
 *   scan_classify.c  a parsed record's class: the rules, the module's
 *                    summaries added back, its alerts, HTTP/2 pairs, the
 *                    access log's truncation rule; into the aggregate
 *   scan_range.c     a record's time and --since/--until
 *   scan_judge.c     an input no parser could read
 */

#ifndef RS_SCAN_IMPL_H
#define RS_SCAN_IMPL_H

#include <pthread.h>

#include "batch.h"
#include "pair.h"
#include "rg_java.h"
#include "scan.h"
#include "scan_hits.h"
#include "searcher.h"
#include "shipper.h"

/* bytes of lines prescanned at once (then handled while in the cache) */
#define RS_SCAN_STEP  (32 * 1024)

/* The last time text parsed, and its time. */
typedef struct {
    size_t        (*parse)(const char *p, size_t len, rs_ts *ts);
    size_t          len;
    char            text[48];
    rs_ts           ts;
} rs_time_memo;

/* The Java record being folded; core's rg_java_record decides its class. */
typedef struct {
    int             open;
    int             overflow;   /* hit a limit: the rest is not part of it */
    int             in_range;
    uint64_t        bytes, lines;
    rs_ts           ts;
    rg_java_record  jr;
    char            first[256], sig[256];   /* for observers */
    size_t          first_len, sig_len;
} rs_record_state;

struct rs_scanner {
    const rs_scan_config  *cfg;
    rs_agg                *agg;
    rg_matcher            *matcher;
    rs_parser              parser;
    const char            *layout;      /* the parser's: cfg's or a conf's */
    rs_tz                  tz;
    const rg_prescan      *prescan;     /* lines no rule can match */
    rg_prescan            *own_prescan; /* built here, without cfg's */

    /* the input being scanned */
    rg_format              format;
    rs_parse_fn            parse;
    rs_file               *file;
    int                    in_range;    /* of the last timed line */
    int                    light;       /* prescanned lines skip the split */
    int                    hit_next;    /* the next line holds a literal */
    rs_hits               *hits;        /* the decoder's search, when it
                                           runs one (scan_hits.h) */
    int                    failed;      /* out of memory */
    int                    damaged;     /* rs_reader_damaged, read once */
    pthread_mutex_t       *lock;        /* the aggregate is shared */
    rs_batch              *batch;       /* records held for it, with lock */
    rs_held               *held;        /* a split chunk's, or NULL */
    uint64_t              *rule_hits;   /* per rule, as far as counted */
    rs_searcher           *ranges;      /* kept for chunk after chunk */
    uint64_t               lines, bytes, unparsed, limit_hits;
    rs_ts                  sys;         /* the line's syslog time, if any */
    rs_shipper             ship;        /* the input's shipper prefix */
    int                    ansi;        /* its head had color codes */
    char                  *plain;       /* a record without them (ansi.h) */
    size_t                 plain_cap;
    /* behind a shipper, a container's stdout and stderr share one file:
       nginx's access lines among its error lines (and the reverse) */
    rg_format              alt_format;
    rs_parse_fn            alt_parse;   /* NULL: none */
    uint64_t               phys;        /* physical lines of the record */
    rs_time_memo           time_memo;
    rs_record_state        rec;
    /* HTTP/2 cancels that may absorb a close (pair.h), and where the
       next line and the current one start in the input */
    rs_pairs               pairs;
    uint64_t               pos, line_pos;
};


/* scan.c: a record's text (a line, or what a shipper joined) through the
   fast path or the parser */
void rs_scan_text(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes);
/* one record into the aggregate, through the batch (batch.h) */
int rs_scan_record(rs_scanner *sc, const rs_record *r);


/* Whether the input's lines are records as the server wrote them: no
   shipper's prefix, no second format among them, no colors.  The error
   log's fast path and the split over threads read only such inputs. */
static inline int
rs_lines_as_written(const rs_scanner *sc)
{
    return sc->ship.kind == RS_SHIP_NONE && sc->alt_parse == NULL
           && !sc->ansi;
}


/* What the scan saw, to the observer if any (scan.h, rs_seen). */
static inline void
rs_observe(rs_scanner *sc, rs_seen *seen)
{
    if (sc->cfg->observe != NULL) {
        seen->format = sc->format;
        sc->cfg->observe(sc->cfg->observe_ctx, seen);
    }
}


static inline void
rs_count_lines(rs_scanner *sc, uint64_t lines, uint64_t bytes,
    uint64_t unparsed)
{
    sc->file->lines += lines;
    sc->file->bytes += bytes;
    sc->file->unparsed += unparsed;
    sc->lines += lines;
    sc->bytes += bytes;
    sc->unparsed += unparsed;
}


/*
 * A UTF-8 byte order mark (EF BB BF) at the input's first byte, which
 * Windows editors and some shippers write: its length, 3, or 0.  The
 * parsers see the first line without it; its bytes are still counted.
 */
static inline size_t
rs_bom(const char *p, size_t len, uint64_t pos)
{
    return pos == 0 && len >= 3 && (unsigned char) p[0] == 0xef
           && (unsigned char) p[1] == 0xbb && (unsigned char) p[2] == 0xbf
           ? 3 : 0;
}


/* One record's lines (sc->phys: more than one when a shipper joined
   parts). */
static inline void
rs_count_line(rs_scanner *sc, uint64_t bytes, int unparsed)
{
    rs_count_lines(sc, sc->phys, bytes, unparsed ? sc->phys : 0);
}


/* scan_record.c */
void rs_record_line(rs_scanner *sc, const rs_line *ln);
void rs_record_flush(rs_scanner *sc);
void rs_record_java(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes, const rs_ts *sys);
void rs_record_close(rs_scanner *sc);

/* scan_light.c */
int rs_light_on(const rs_scanner *sc);
void rs_light_block(rs_scanner *sc, rs_searcher *s, uint64_t *n,
    uint64_t *done);
int rs_light_take(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes);
void rs_light_none(rs_scanner *sc, uint64_t lines, uint64_t bytes);
/* progress: lines' bytes counted, reported every 64 Ki lines (scan.c) */
void rs_scan_progress(rs_scanner *sc, uint64_t *n, uint64_t *done,
    uint64_t lines, uint64_t bytes);

/* scan_classify.c */
void rs_classify(rs_scanner *sc, rs_parsed *out, uint64_t bytes);
void rs_classify_java(rs_scanner *sc, const rs_record_state *rec);
/* the HTTP/2 cancels a chunk's first lines may pair with, from the window
   before off (a split file: scan_split.h) */
void rs_classify_lookback(rs_scanner *sc, const char *path, uint64_t off);

/* scan_judge.c: whether a line holds an abort phrase; the input's verdict
   at its end (a file no parser could read), 0 or -1 for another error */
int rs_has_phrase(const char *p, size_t len);
int rs_scan_judge(rs_scanner *sc);

/* scan_range.c */
void rs_range_begin(rs_scanner *sc);
int rs_range_check(rs_scanner *sc, rs_parsed *out);
int rs_in_range(rs_scanner *sc, rs_ts *ts);
void rs_scan_time(rs_scanner *sc, rs_parsed *out);


/* Whether --since or --until was given: every record then needs its time
   (and the fast path, which parses none, is off). */
static inline int
rs_range_on(const rs_scan_config *cfg)
{
    return cfg->since.valid || cfg->until.valid;
}


/* Whether a parsed record counts: always without a range (inline: every
   record asks), else when its time is inside it (rs_range_check). */
static inline int
rs_range_keep(rs_scanner *sc, rs_parsed *out)
{
    return !rs_range_on(sc->cfg) || rs_range_check(sc, out);
}

#endif /* RS_SCAN_IMPL_H */
