/*
 * findings_impl.h - the collector's state, shared by findings.c (which
 * fills it), findings_eval.c (which judges it) and findings_state.c (which
 * saves and merges it).  Everything here is a sum or a max, so the state of
 * shards merges into the state of one scan.
 */

#ifndef RS_FINDINGS_IMPL_H
#define RS_FINDINGS_IMPL_H

#include <uthash.h>

#include "fields.h"
#include "findings.h"

/*
 * Request and upstream times, in 100 ms bins up to one hour.  The three
 * histograms are allocated as far as the longest time seen reaches
 * (rs_find_bin_add; bins past it are zero), and the sketch below at its
 * first write: a collector over a few records, as every chunk of a small
 * file and every fuzz input has, costs no 1.4 MiB of zeros to allocate,
 * fill and read back.
 */
#define RS_FIND_BIN_MS      100
#define RS_FIND_BINS        36000
#define RS_FIND_BINS_MIN    64

/*
 * The keyed tables' bounds, per collector (one per scanning thread).  A
 * full table drops the half of its keys with the least weight (lossy
 * counting, as the aggregate's key tables do): a Java exception line's
 * bytes, a URI's page-multiple responses; the keys that matter, which
 * are the heavy ones, stay, and what a kept key may have lost is known.
 * A log whose exception lines carry addresses or ids has one per record
 * (200,000 of them on two threads held 100 MiB); the URIs are bounded by
 * their bytes too (200,000 URIs of 400 bytes held 205 MiB).
 */
#define RS_FIND_MAX_SIGS    4096
#define RS_FIND_MAX_URIS    200000
#define RS_FIND_URI_BYTES   ((uint64_t) 8 << 20)

#define RS_FIND_SAMPLE      512

/*
 * The largest response body per URI, for every URI: two rows of 2^15
 * cells indexed by two halves of the URI's hash, each cell holding the
 * largest body that fell in it and a fingerprint of its URI.  A URI's
 * largest is known from a cell it owns; where another URI owns both
 * cells, it is taken as unknown (a cut may be missed, never invented).
 * Bodies of 4 KiB or less are never "larger" than a page multiple and
 * skip it.  512 KiB (it stays in cache), merged cell by cell (the larger body wins, ties by
 * fingerprint), so shards merge exactly; an exact table of every URI
 * costs tens of MiB and a lookup per request.
 */
#define RS_FIND_SKETCH_BITS 15
#define RS_FIND_SKETCH      (1u << RS_FIND_SKETCH_BITS)

typedef struct {
    uint32_t  size;
    uint32_t  fp;
} rs_find_cell;
#define RS_FIND_URI_SIZES   4
#define RS_FIND_PAGE        4096
#define RS_FIND_MAX_BYTES   ((int64_t) 1 << 20)

/*
 * One URI's responses of exact 4 KiB multiples below 1 MiB: the size in
 * pages (1..255) and the count, per slot; a slot with count 0 is free.
 */
typedef struct {
    uint64_t        count[RS_FIND_URI_SIZES];
    uint8_t         pages[RS_FIND_URI_SIZES];
} rs_find_sizes;

/*
 * A counted key: a Java signature with its lines and bytes, or a URI with
 * its sizes.  One allocation per key, its length in uthash's hh.keylen: a
 * URI's sizes in a second allocation cost 80 bytes more.
 */
typedef struct {
    UT_hash_handle  hh;
    uint64_t        n;
    union {
        struct {
            uint64_t    lines, bytes;
        } sig;
        rs_find_sizes   uri;
    } u;
    char            key[];
} rs_find_key;

typedef struct {
    UT_hash_handle  hh;
    int64_t         minute;         /* sec / 60 */
    uint64_t        requests, aborts;
    uint64_t        upstream_ms, upstream_n;
} rs_find_minute;

typedef struct {
    char    text[RS_FIND_SAMPLE];
    size_t  len;
} rs_find_sample;

/* what a buffer_overflow record names (findings_eval.c has the advice) */
typedef enum {
    RS_BUF_HEADER = 0,              /* upstream sent too big header */
    RS_BUF_TEMP_FILE,               /* buffered to a temporary file */
    RS_BUF_JSP,                     /* JSP Buffer overflow */
    RS_BUF_COMMITTED,               /* after the response was committed */
    RS_BUF_OTHER,
    RS_BUF_KINDS
} rs_buf_kind;

/*
 * The module's alert lines of one class (abort_storm): how many, their
 * first and last times, and the one with the highest rate (ties: the
 * earliest, then the smallest sample), so shards merge to one scan's.
 */
typedef struct {
    uint64_t        n;
    int64_t         first, last;
    uint64_t        rate_centi;     /* the highest rate, 1/100 per s */
    int64_t         sec;            /* its time; INT64_MAX: untimed */
    uint64_t        limit, window;
    char            unit;           /* 's' or 'm' */
    rs_find_sample  key, upstream, sample;
} rs_find_storm;

struct rs_findings {
    uint64_t         records, bytes, lost;
    uint64_t         count[RG_CLASS_COUNT];     /* suppressed included */
    uint64_t         suppressed[RG_CLASS_COUNT];
    uint64_t         cls_bytes[RG_CLASS_COUNT];
    int64_t          first[RG_CLASS_COUNT], last[RG_CLASS_COUNT];
    int32_t          off_min;       /* of the last timed abort */
    int              has_off;
    int              timed;         /* any timed abort at all */
    rs_find_sample   sample[RG_CLASS_COUNT];

    /* user navigation; its clients are the aggregate's (findings_eval.c) */
    uint64_t         nav_agents, nav_browsers;
    uint32_t        *nav_time;                  /* bins_n bins */

    /* overload; logs are in time order, so the last minute is cached */
    rs_find_minute  *minutes, *last_minute;

    /* idle timeout: resets and timeouts */
    uint32_t        *idle_req, *idle_up;        /* bins_n bins each */
    uint64_t         idle_by_server[RG_SERVER_COUNT];  /* of those timed */
    uint64_t         idle_sessions;     /* of those, TCP sessions (Tt) */

    /* records per class and server that wrote them (advice in its words:
       findings_words.c) */
    uint64_t         by_server[RG_CLASS_COUNT][RG_SERVER_COUNT];

    /* abort storms the module raised alerts for */
    rs_find_storm    storm[RG_CLASS_COUNT];

    /* output buffer: URIs with page-multiple responses, and the sketch */
    rs_find_key     *uris;
    rs_find_cell    *sketch;        /* 2 * RS_FIND_SKETCH; NULL: unused */
    uint64_t         uris_n, uris_bytes;
    uint64_t         uris_dropped;  /* most responses a dropped one had */
    uint64_t         cl_short, cl_short_bytes;  /* Content-Length shortfall */
    uint64_t         up_cut;                    /* ... while reading upstream */
    uint64_t         buf[RS_BUF_KINDS];
    rs_find_sample   buf_sample[RS_BUF_KINDS];
    rs_find_sample   cut_sample;

    /* the bins the three histograms have (0: none allocated), and the
       bins ever written (none while bins_hi < bins_lo): a merge reads
       only those */
    int32_t          bins_n;
    int32_t          bins_lo, bins_hi;

    /* log bloat: Java stack traces of aborts */
    rs_find_key     *sigs;
    uint64_t         sigs_n;
    uint64_t         sigs_dropped;  /* most bytes a dropped one had; 0 none */
};

/*
 * The collector's state as one field list (findings_state.c): what
 * --partial saves, merge loads, and rs_findings_merge() adds by each
 * field's rule.  A new counter is one row there.
 */
extern const rs_field  rs_find_fields[];
extern const size_t    rs_find_nfields;

/* Finds or adds a key in a counted table; NULL when out of memory. */
rs_find_key *rs_find_key_get(rs_find_key **head, uint64_t *n,
    const char *p, size_t len);

/* The same in f->sigs or f->uris, dropping the lighter half when full. */
rs_find_key *rs_find_bounded_get(rs_findings *f, int uris, const char *p,
    size_t len);

/* The URI's hash, and its largest response per the sketch. */
uint64_t rs_find_hash(const char *p, size_t len);
int64_t rs_find_largest(const rs_findings *f, const char *uri, size_t len);

/*
 * Grows the three histograms to hold bin b (0 <= b < RS_FIND_BINS), the
 * new bins zero; *bins (one of f's histograms) then points to its new
 * place.  Adds n to bin b of *bins unless n is 0.  -1: out of memory.
 */
int rs_find_bin_add(rs_findings *f, uint32_t **bins, int32_t b, uint32_t n);

/* The sketch, allocated at the first call; NULL when out of memory. */
rs_find_cell *rs_find_sketch(rs_findings *f);

/* Raises a cell to (size, fp) when that is larger: the merge rule too. */
void rs_find_cell_raise(rs_find_cell *c, uint32_t size, uint32_t fp);

/*
 * Adds count responses of `size` bytes to a URI's sizes (u->n is the
 * caller's): sizes that are no 4 KiB multiple below 1 MiB, or a fifth
 * distinct one, are not kept.
 */
void rs_find_uri_add(rs_find_key *u, int64_t size, uint64_t count);

rs_find_minute *rs_find_minute_get(rs_find_minute **head, int64_t minute);

void rs_find_sample_set(rs_find_sample *s, const char *p, size_t len);

/* Adds one alert (or a merged storm) to dst: the rule above. */
void rs_find_storm_add(rs_find_storm *dst, const rs_find_storm *src);

/* The classes whose records are users leaving a page. */
int rs_find_is_navigation(rg_class cls);

/* The classes whose records are resets or timeouts. */
int rs_find_is_idle_kind(rg_class cls);

/* Which buffer a buffer_overflow message names. */
rs_buf_kind rs_find_buffer_kind(const char *p, size_t len);

#endif /* RS_FINDINGS_IMPL_H */
