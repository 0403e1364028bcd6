/*
 * scan.c - drives one input through the pipeline (see scan.h).
 */

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "detect.h"
#include "formats.h"
#include "pair.h"
#include "reader.h"
#include "rg_find.h"
#include "rg_java.h"
#include "rg_nginx_error.h"
#include "rg_prescan.h"
#include "rg_summary.h"
#include "scan.h"
#include "scan_split.h"
#include "searcher.h"
#include "shipper.h"
#include "syslog.h"


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
    int                    failed;      /* out of memory */
    int                    damaged;     /* rs_reader_damaged, read once */
    pthread_mutex_t       *lock;        /* the aggregate is shared */
    rs_batch              *batch;       /* records held for it, with lock */
    rs_held               *held;        /* a split chunk's, or NULL */
    rs_searcher           *ranges;      /* kept for chunk after chunk */
    uint64_t               lines, bytes, unparsed, limit_hits;
    rs_ts                  sys;         /* the line's syslog time, if any */
    rs_shipper             ship;        /* the input's shipper prefix */
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


static void rs_scan_lines(rs_scanner *sc, rs_searcher *s, rs_reader *r);
static int rs_scan_light_on(const rs_scanner *sc);
static void rs_scan_lookback(rs_scanner *sc, const char *path,
    uint64_t off);
/* bytes of lines prescanned at once (then handled while in the cache) */
#define RS_SCAN_STEP  (32 * 1024)

static void rs_scan_block(rs_scanner *sc, rs_searcher *s, uint64_t *n,
    uint64_t *done);
static void rs_scan_line(rs_scanner *sc, const rs_line *ln);
static void rs_scan_progress(rs_scanner *sc, uint64_t *n, uint64_t *done,
    uint64_t lines, uint64_t bytes);
static void rs_scan_none(rs_scanner *sc, uint64_t lines, uint64_t bytes);
static void rs_scan_parsed(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes, rs_ts *sys);
static int rs_scan_light(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes);
static void rs_scan_java(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes, const rs_ts *sys);
static void rs_record_close(rs_scanner *sc);
static int rs_in_range(rs_scanner *sc, rs_ts *ts);
static void rs_count_lines(rs_scanner *sc, uint64_t lines, uint64_t bytes,
    uint64_t unparsed);
static void rs_count_line(rs_scanner *sc, uint64_t bytes, int unparsed);
static void rs_classify(rs_scanner *sc, rs_parsed *out, uint64_t bytes);
static void rs_summary_span(rs_scanner *sc, const rs_parsed *out,
    rs_record *r);
static void rs_emit(rs_scanner *sc, rg_class cls, rs_parsed *out,
    uint64_t bytes);
static void rs_scan_time(rs_scanner *sc, rs_parsed *out);
static void rs_scan_lock(rs_scanner *sc);
static void rs_scan_unlock(rs_scanner *sc);
static int rs_scan_record(rs_scanner *sc, const rs_record *r);
static rg_str rs_upstream_key(rg_str up);
static int rs_scan_reader(rs_scanner *sc, const char *path, rs_reader *r);
static int rs_scan_begin(rs_scanner *sc, const char *path, rs_searcher *s);
static rs_searcher *rs_scan_searcher(rs_scanner *sc, rs_reader *r);
static void rs_observe(rs_scanner *sc, rs_seen *seen);
static int rs_scan_judge(rs_scanner *sc);
static int rs_scan_layout(rs_scanner *sc, const char *path);
static int rs_has_phrase(const char *p, size_t len);
static void rs_scan_text(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes);


rs_scanner *
rs_scanner_create(const rs_scan_config *cfg, rs_agg *agg, char *err,
    size_t errlen)
{
    rs_scanner  *sc;

    sc = calloc(1, sizeof(rs_scanner));
    if (sc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    sc->cfg = cfg;
    sc->agg = agg;

    sc->layout = cfg->log_format;

    if (rs_parser_init(&sc->parser, cfg->log_format, err, errlen) != 0
        || (cfg->tz != NULL && rs_tz_init(&sc->tz, cfg->tz, err, errlen)))
    {
        free(sc);
        return NULL;
    }

    sc->matcher = rg_matcher_create(cfg->rules);
    sc->prescan = cfg->prescan;
    if (sc->prescan == NULL) {
        sc->own_prescan = rs_scan_prescan_create(cfg->rules);
        sc->prescan = sc->own_prescan;
    }
    sc->batch = malloc(sizeof(rs_batch));
    if (sc->matcher == NULL || sc->prescan == NULL || sc->batch == NULL) {
        snprintf(err, errlen, "out of memory");
        rg_matcher_destroy(sc->matcher);
        rg_prescan_destroy(sc->own_prescan);
        free(sc->batch);
        free(sc);
        return NULL;
    }

    rs_batch_init(sc->batch);

    return sc;
}


rg_prescan *
rs_scan_prescan_create(const rg_ruleset *rules)
{
    rg_prescan  *ps = rg_prescan_create(rules);

    /* a summary line of the module is a record (what it held back) that
       no rule matches: the prescan lets it through to the parser, so
       the light path needs only the head of a line (rs_scan_light) */
    if (ps != NULL
        && rg_prescan_add(ps, RG_FORMAT_NGINX_ERROR, RG_SUMMARY_PREFIX,
                          RG_SUMMARY_PREFIX_LEN) != 0)
    {
        rg_prescan_destroy(ps);
        return NULL;
    }

    return ps;
}


void
rs_scanner_destroy(rs_scanner *sc)
{
    size_t    i;
    uint64_t  hits;

    if (sc != NULL) {
        /* name the rules that hit PCRE2's limits in the report */
        rs_scan_lock(sc);
        for (i = 0; i < rg_ruleset_count(sc->cfg->rules); i++) {
            hits = rg_matcher_rule_limit_hits(sc->matcher, i);
            if (hits > 0) {
                rs_agg_limit_rule(sc->agg,
                    rg_rule_id(rg_ruleset_rule(sc->cfg->rules, i)), hits);
            }
        }
        rs_scan_unlock(sc);

        rs_searcher_destroy(sc->ranges);
        rs_ship_free(&sc->ship);
        rg_matcher_destroy(sc->matcher);
        rg_prescan_destroy(sc->own_prescan);
        free(sc->batch);
        free(sc);
    }
}


int
rs_scan_path(rs_scanner *sc, const char *path)
{
    return rs_scan_path_once(sc, path, 0, NULL);
}


int
rs_scan_path_once(rs_scanner *sc, const char *path, int once, int *damaged)
{
    char          err[1536];
    rs_reader    *r;
    int           rc;

    sc->damaged = 0;
    if (damaged != NULL) {
        *damaged = 0;
    }

    sc->file = rs_agg_file(sc->agg, path);
    if (sc->file == NULL) {
        return -1;
    }

    r = once ? rs_reader_open_once(path, err, sizeof(err))
             : rs_reader_open(path, err, sizeof(err));
    if (r == NULL) {
        rs_file_set(&sc->file->error, err);
        return -1;
    }

    rc = rs_scan_reader(sc, path, r);

    if (damaged != NULL) {
        *damaged = sc->damaged;
    }

    return rc;
}


int
rs_scan_memory(rs_scanner *sc, const char *name, const void *data,
    size_t len)
{
    char          err[1536];
    rs_reader    *r;

    sc->file = rs_agg_file(sc->agg, name);
    if (sc->file == NULL) {
        return -1;
    }

    r = rs_reader_open_memory(name, data, len, err, sizeof(err));
    if (r == NULL) {
        rs_file_set(&sc->file->error, err);
        return -1;
    }

    /* no thread, no file: the scanner's own searcher, kept from one input
       to the next (the fuzz targets scan many inputs a second) */
    if (rs_scan_searcher(sc, r) == NULL) {
        return -1;
    }

    if (rs_scan_begin(sc, NULL, sc->ranges) != 0) {
        rs_reader_close(r);
        return -1;
    }

    rs_scan_lines(sc, sc->ranges, r);
    rs_reader_close(r);

    return rs_scan_judge(sc);
}


/* The scanner's own searcher (a large buffer), kept from one chunk or
   input in memory to the next, now reading r; NULL (r closed, the error
   set) when out of memory. */
static rs_searcher *
rs_scan_searcher(rs_scanner *sc, rs_reader *r)
{
    if (sc->ranges == NULL) {
        sc->ranges = rs_searcher_create(r);
    } else {
        rs_searcher_reset(sc->ranges, r);
    }

    if (sc->ranges == NULL) {
        rs_file_set(&sc->file->error, "out of memory");
        rs_reader_close(r);
    }

    return sc->ranges;
}


/* Scans what r reads (closed here) into sc->file; path is NULL for an
   input in memory, which is never split. */
static int
rs_scan_reader(rs_scanner *sc, const char *path, rs_reader *r)
{
    rs_searcher  *s;
    struct stat   st;

    s = rs_searcher_create(r);
    if (s == NULL) {
        rs_file_set(&sc->file->error, "out of memory");
        rs_reader_close(r);
        return -1;
    }

    if (rs_scan_begin(sc, path, s) != 0) {
        rs_searcher_destroy(s);
        rs_reader_close(r);
        return -1;
    }

    /* a large plain file is cut into chunks before records and scanned
       by -j threads (scan_split.h), whatever its share of aborts: a
       file whose records were mostly aborts stayed on one thread while
       the aggregate's mutex was taken per record; with batches taken
       when the mutex is free, 250,000 distinct aborting clients in
       150 MB (60% aborts) took 0.27-0.30 s on two threads against
       0.42-0.48 s on one */
    if (sc->cfg->threads > 1 && !rs_reader_is_gzip(r)
        && sc->ship.kind == RS_SHIP_NONE && sc->alt_parse == NULL
        && (sc->cfg->observe == NULL || sc->cfg->observe_fork != NULL)
        && path != NULL && strcmp(path, "-") != 0
        && stat(path, &st) == 0 && S_ISREG(st.st_mode)
        && (uint64_t) st.st_size >= RS_SPLIT_MIN)
    {
        rs_file  *f = sc->file;

        rs_searcher_destroy(s);
        rs_reader_close(r);
        rs_scan_split(sc, path, (uint64_t) st.st_size);
        sc->file = f;
        return rs_scan_judge(sc);
    }

    rs_scan_lines(sc, s, r);

    rs_searcher_destroy(s);
    rs_reader_close(r);

    return rs_scan_judge(sc);
}


/*
 * Readies sc for an input: the access-log layout for path (NULL: in
 * memory), the format (the configured one, or detected from the head s
 * holds), the shipper's prefix if any, and the per-input state.  0, or -1
 * with the file's error set.
 */
static int
rs_scan_begin(rs_scanner *sc, const char *path, rs_searcher *s)
{
    const char  *head;
    size_t       hlen;
    rg_format    also;

    if (rs_scan_layout(sc, path) != 0) {
        return -1;
    }

    /* the shipper's prefix is looked for with --format too */
    rs_searcher_peek(s, &head, &hlen);
    sc->format = rs_detect(&sc->parser, head, hlen, sc->cfg->format,
                           &sc->ship, &also);
    sc->file->detected = sc->cfg->format < 0;
    sc->file->prefix = rs_ship_name(&sc->ship);

    sc->alt_parse = NULL;
    if ((sc->ship.kind != RS_SHIP_NONE || also != RG_FORMAT_GENERIC)
        && (sc->format == RG_FORMAT_NGINX_ERROR
            || sc->format == RG_FORMAT_NGINX_ACCESS))
    {
        sc->alt_format = sc->format == RG_FORMAT_NGINX_ERROR
                         ? RG_FORMAT_NGINX_ACCESS : RG_FORMAT_NGINX_ERROR;
        sc->alt_parse = rs_parser_for(sc->alt_format);
    }

    rs_file_set(&sc->file->format, rg_format_name(sc->format));
    sc->parse = rs_parser_for(sc->format);
    sc->pos = 0;
    rs_pairs_reset(&sc->pairs);

    return 0;
}


/*
 * The layout of the access log at path: the one its access_log names in
 * --nginx-conf (or the system's nginx.conf), else --log-format's.  The
 * parser is prepared again only when it changes.
 */
static int
rs_scan_layout(rs_scanner *sc, const char *path)
{
    const char  *layout = sc->cfg->log_format, *src = NULL, *conf;
    char         err[1024];

    conf = path != NULL ? rs_nginxconf_layout(sc->cfg->nginx_conf, path,
                                              sc->cfg->nginx_conf_by_name,
                                              &src)
                        : NULL;
    if (conf != NULL) {
        layout = conf;
        sc->file->layout_src = src;
    }

    if (layout == sc->layout) {
        return 0;
    }

    /* compiled when the configuration was read: this cannot fail but for
       a layout changed since */
    if (rs_parser_init(&sc->parser, layout, err, sizeof(err)) != 0) {
        rs_file_set(&sc->file->error, err);
        return -1;
    }

    sc->layout = layout;

    return 0;
}


const char *
rs_scanner_layout(rs_scanner *sc)
{
    return sc->layout;
}


/*
 * A file no parser could read is never clean: detected as generic (no
 * layout fits), or every line unparsed.  Its error names it with how many
 * lines carry abort phrases; it makes the exit status 2 only with
 * --fail-on (rs_file.unreadable).  -1 for any other error, else 0.
 */
static int
rs_scan_judge(rs_scanner *sc)
{
    rs_file  *f = sc->file;
    char      msg[1536];

    if (f->error != NULL) {
        return -1;
    }

    if (f->lines == 0
        || !((sc->format == RG_FORMAT_GENERIC && f->detected)
             || f->unparsed == f->lines))
    {
        return 0;
    }

    snprintf(msg, sizeof(msg), "%s" RS_UNREADABLE "format %s): "
             "%" PRIu64 " of %" PRIu64 " lines carry abort phrases", f->path,
             rg_format_name(sc->format), f->abort_lines, f->lines);
    f->unreadable = 1;
    rs_file_set(&f->error, msg);

    return 0;
}


/*
 * The phrases that say a line is about an abort, whatever its layout: a
 * file no parser reads is judged by them (rs_scan_judge).
 */
static const struct {
    const char  *s;
    size_t       len;
} rs_phrases[] = {
#define RS_PHRASE(s)  { s, sizeof(s) - 1 }
    RS_PHRASE("Connection reset"), RS_PHRASE("Broken pipe"),
    RS_PHRASE("prematurely closed"), RS_PHRASE("Connection refused"),
    RS_PHRASE("timed out"), RS_PHRASE("ClientAbortException"),
    RS_PHRASE("forcibly closed"), RS_PHRASE("connection abort"),
    RS_PHRASE("canceled stream"), RS_PHRASE(" 499 "),
#undef RS_PHRASE
};


static int
rs_has_phrase(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(rs_phrases) / sizeof(rs_phrases[0]); i++) {
        if (rg_find(p, p + len, rs_phrases[i].s, rs_phrases[i].len) != NULL) {
            return 1;
        }
    }

    return 0;
}


int
rs_scan_range(rs_scanner *sc, rs_file *file, const char *path,
    rg_format format, uint64_t off, uint64_t len)
{
    char          err[1536];
    rs_reader    *r;
    rs_searcher  *s;

    sc->file = file;
    sc->format = format;

    r = rs_reader_open_range(path, off, len, err, sizeof(err));
    if (r == NULL) {
        return rs_file_set(&file->error, err), -1;
    }

    s = rs_scan_searcher(sc, r);
    if (s == NULL) {
        return -1;
    }

    /* the HTTP/2 cancels a chunk's first lines may pair with stand in
       the window before it */
    sc->pos = off;
    rs_pairs_reset(&sc->pairs);
    if (format == RG_FORMAT_NGINX_ERROR && off > 0) {
        rs_scan_lookback(sc, path, off);
    }

    rs_scan_lines(sc, s, r);

    rs_reader_close(r);

    return file->error != NULL ? -1 : 0;
}


/*
 * The lines that start in the RS_PAIR_WINDOW bytes before off, through
 * the pairing only (pair.h), as rs_scan_text and rs_classify would take
 * them: a line the light path skips, or outside --since/--until, takes no
 * part.  Nothing is counted.  A file that cannot be read here is read by
 * rs_scan_range, which reports it.
 */
static void
rs_scan_lookback(rs_scanner *sc, const char *path, uint64_t off)
{
    char        *buf;
    const char  *p, *end, *nl;
    uint64_t     from;
    size_t       len, skip;
    ssize_t      got;
    int          fd;
    rs_parsed    out;
    rs_ts        sys;

    /* one byte more: whether a line starts right at the window's start */
    from = off > RS_PAIR_WINDOW + 1 ? off - RS_PAIR_WINDOW - 1 : 0;
    buf = malloc((size_t) (off - from));
    fd = open(path, O_RDONLY | O_CLOEXEC);

    if (buf == NULL || fd < 0) {
        free(buf);
        if (fd >= 0) {
            close(fd);
        }
        return;
    }

    got = pread(fd, buf, (size_t) (off - from), (off_t) from);
    close(fd);

    if (got != (ssize_t) (off - from)) {
        free(buf);
        return;
    }

    p = buf;
    end = buf + got;

    if (from > 0) {
        nl = memchr(p, '\n', (size_t) (end - p));
        p = nl != NULL ? nl + 1 : end;
    }

    for ( ; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            break;
        }

        len = (size_t) (nl - p);
        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }

        memset(&sys, 0, sizeof(rs_ts));
        skip = rs_syslog_prefix(p, len, sc->cfg->year, &sys);

        if ((rs_scan_light_on(sc)
             && !rg_prescan_may_match(sc->prescan, RG_FORMAT_NGINX_ERROR,
                                      p + skip, len - skip))
            || rs_parse_nginx_error(&sc->parser, p + skip, len - skip, &out)
               != 0)
        {
            continue;
        }

        if (sc->cfg->since.valid || sc->cfg->until.valid) {
            sc->sys = sys;
            rs_scan_time(sc, &out);
            if (!rs_in_range(sc, &out.ts)) {
                continue;
            }
        }

        (void) rs_pairs_note(&sc->pairs, &out,
                             from + (uint64_t) (p - buf));
    }

    free(buf);
}


int
rs_scan_starts_record(rs_scanner *sc, const char *line, size_t len)
{
    rs_parsed  out;
    rs_ts      sys;
    size_t     skip;
    int        rc;

    memset(&sys, 0, sizeof(rs_ts));
    skip = rs_syslog_prefix(line, len, sc->cfg->year, &sys);
    rc = sc->parse(&sc->parser, line + skip, len - skip, &out);

    if (rc != (rg_format_is_multiline(sc->format) ? 1 : 0)) {
        return 0;
    }

    rs_parsed_time(&out);

    return out.ts.valid || sys.valid;
}


rs_agg *
rs_scanner_agg(rs_scanner *sc)
{
    return sc->agg;
}


void
rs_scanner_set_agg(rs_scanner *sc, rs_agg *agg)
{
    sc->agg = agg;
}


void
rs_scanner_set_lock(rs_scanner *sc, pthread_mutex_t *lock)
{
    sc->lock = lock;
}


void
rs_scanner_set_held(rs_scanner *sc, rs_held *held)
{
    sc->held = held;
}


static void
rs_scan_lock(rs_scanner *sc)
{
    if (sc->lock != NULL) {
        pthread_mutex_lock(sc->lock);
    }
}


static void
rs_scan_unlock(rs_scanner *sc)
{
    if (sc->lock != NULL) {
        pthread_mutex_unlock(sc->lock);
    }
}


/*
 * One record into the aggregate, through the batch (batch.h; flushed at
 * the end of each input, rs_scan_lines), which another thread may share.
 */
static int
rs_scan_record(rs_scanner *sc, const rs_record *r)
{
    return rs_batch_add_held(&sc->batch, r, sc->agg, sc->lock, sc->held);
}


const rs_scan_config *
rs_scanner_config(rs_scanner *sc)
{
    return sc->cfg;
}


rg_format
rs_scanner_format(rs_scanner *sc)
{
    return sc->format;
}


rs_file *
rs_scanner_file(rs_scanner *sc)
{
    return sc->file;
}


/*
 * Whether the input's lines take the light path: an nginx error line
 * that holds none of the rules' literals is classified NONE without the
 * context split or PCRE2 (most lines of an error log).  Not with
 * --since/--until (every line needs its time then), and only where the
 * message is a part of the line.
 */
static int
rs_scan_light_on(const rs_scanner *sc)
{
    return sc->format == RG_FORMAT_NGINX_ERROR
           && sc->ship.kind == RS_SHIP_NONE && sc->alt_parse == NULL
           && rg_prescan_active(sc->prescan, sc->format)
           && !sc->cfg->since.valid && !sc->cfg->until.valid;
}


static void
rs_scan_lines(rs_scanner *sc, rs_searcher *s, rs_reader *r)
{
    rs_line   ln;
    int       rc;
    uint64_t  hits = rg_matcher_limit_hits(sc->matcher);
    uint64_t  n = 0, done = 0;

    sc->parse = rs_parser_for(sc->format);
    sc->in_range = !sc->cfg->since.valid;
    sc->phys = 1;
    memset(&sc->rec, 0, sizeof(rs_record_state));

    sc->light = rs_scan_light_on(sc);

    for ( ;; ) {
        if (sc->light) {
            /* the lines before the next literal, as a block */
            rs_scan_block(sc, s, &n, &done);
        }

        rc = rs_searcher_next(s, &ln);
        if (rc <= 0) {
            break;
        }

        rs_scan_line(sc, &ln);
        rs_scan_progress(sc, &n, &done, 1, ln.bytes);
    }

    if (sc->ship.kind != RS_SHIP_NONE) {
        /* parts of a record the input ended in */
        const char  *p;
        size_t       len;
        uint64_t     bytes, lines;

        if (rs_ship_flush(&sc->ship, &p, &len, &bytes, &lines)) {
            sc->phys = lines;
            rs_scan_text(sc, p, len, bytes);
            sc->phys = 1;
        }
    }

    if (sc->cfg->progress != NULL) {
        sc->cfg->progress(sc->cfg->progress_ctx, done);
    }

    rs_record_close(sc);

    if (rs_batch_flush_held(&sc->batch, sc->agg, sc->lock, sc->held) != 0) {
        sc->failed = 1;
    }

    sc->limit_hits += rg_matcher_limit_hits(sc->matcher) - hits;

    /* this input's totals go to the aggregate once, at its end */
    rs_scan_lock(sc);
    sc->agg->lines += sc->lines;
    sc->agg->bytes += sc->bytes;
    sc->agg->unparsed += sc->unparsed;
    sc->agg->limit_hits += sc->limit_hits;
    rs_scan_unlock(sc);
    sc->lines = sc->bytes = sc->unparsed = sc->limit_hits = 0;

    if (rc < 0) {
        rs_file_set(&sc->file->error, rs_reader_error(r));
        sc->damaged = rs_reader_damaged(r);
    } else if (sc->failed) {
        rs_file_set(&sc->file->error, "out of memory");
    }
}


/*
 * Whether a timed record is inside --since/--until (both inclusive); an
 * untimed line goes with the last timed one before it.
 */
static int
rs_in_range(rs_scanner *sc, rs_ts *ts)
{
    if (!ts->valid) {
        return sc->in_range;
    }

    if (sc->cfg->tz != NULL) {
        rs_tz_apply(&sc->tz, ts);
    }

    sc->in_range = (!sc->cfg->since.valid || ts->sec >= sc->cfg->since.sec)
                   && (!sc->cfg->until.valid
                       || ts->sec <= sc->cfg->until.sec);

    return sc->in_range;
}


static void
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


/* One record's lines (sc->phys: more than one when a shipper joined
   parts). */
static void
rs_count_line(rs_scanner *sc, uint64_t bytes, int unparsed)
{
    rs_count_lines(sc, sc->phys, bytes, unparsed ? sc->phys : 0);
}


/*
 * Light scanning (nginx error logs): the prescan looks for the rules'
 * literals in all the buffered lines at once, and the lines before the
 * first one holding a literal take the light path here, as many as there
 * are, without a call per line to the prescan.  Stops before the line
 * holding the literal (or at the buffer's last whole line), which
 * rs_searcher_next then hands out as usual.
 */
static void
rs_scan_block(rs_scanner *sc, rs_searcher *s, uint64_t *n, uint64_t *done)
{
    const char  *p, *end, *q, *nl, *stop;
    size_t       len, skip, hit, bytes;
    uint64_t     lines, none, none_bytes;
    rs_ts        sys;

    while (rs_searcher_lines(s, &p, &len)) {
        /* a step the caches hold: the lines are read again right after
           the prescan read them */
        if (len > RS_SCAN_STEP) {
            q = memrchr(p, '\n', RS_SCAN_STEP);
            len = q != NULL ? (size_t) (q + 1 - p) : len;
        }

        hit = rg_prescan_find(sc->prescan, sc->format, p, len);

        end = p + len;
        stop = end;
        if (hit < len) {
            q = memrchr(p, '\n', hit);
            stop = q != NULL ? q + 1 : p;
        }

        lines = 0;
        none = 0;
        none_bytes = 0;

        /* the counts are kept here and added once per block: through
           sc->file the compiler stores six counters a line */
        for (q = p; q < stop; q = nl + 1) {
            nl = memchr(q, '\n', (size_t) (stop - q));
            bytes = (size_t) (nl - q) + 1;
            len = (size_t) (nl - q);
            if (len > 0 && q[len - 1] == '\r') {
                len--;
            }

            skip = rs_syslog_prefix(q, len, sc->cfg->year, &sys);

            if (rg_nginx_error_head_ok(q + skip, len - skip)) {
                none++;
                none_bytes += bytes;
            }

            lines++;
        }

        sc->pos += (uint64_t) (stop - p);
        rs_count_lines(sc, lines, (uint64_t) (stop - p), lines - none);
        rs_scan_progress(sc, n, done, lines, (uint64_t) (stop - p));
        rs_scan_none(sc, none, none_bytes);
        rs_searcher_skip(s, (size_t) (stop - p), lines);

        if (stop != end) {
            /* the line at stop holds the literal found: rs_scan_line
               need not search it again */
            sc->hit_next = 1;
            return;
        }
    }
}


/* Counts lines' bytes for the progress line, reported every 64 Ki lines. */
static void
rs_scan_progress(rs_scanner *sc, uint64_t *n, uint64_t *done, uint64_t lines,
    uint64_t bytes)
{
    *done += bytes;

    if (((*n + lines) >> 16) != (*n >> 16) && sc->cfg->progress != NULL) {
        sc->cfg->progress(sc->cfg->progress_ctx, *done);
        *done = 0;
    }

    *n += lines;
}


static void
rs_scan_line(rs_scanner *sc, const rs_line *ln)
{
    const char  *p = ln->p;
    size_t       len = ln->len;
    uint64_t     bytes = ln->bytes, lines;
    int          rc;

    sc->line_pos = sc->pos;
    sc->pos += ln->bytes;

    if (sc->ship.kind == RS_SHIP_NONE) {
        rs_scan_text(sc, p, len, bytes);
        return;
    }

    /* behind a shipper's prefix: the record it wrote, parts joined */
    rc = rs_ship_line(&sc->ship, &p, &len, &bytes, &lines);
    if (rc < 0) {
        sc->failed = 1;
        return;
    }

    if (rc > 0) {
        sc->phys = lines;
        rs_scan_text(sc, p, len, bytes);
        sc->phys = 1;
    }
}


/* One record's text (a physical line, or what a shipper joined). */
static void
rs_scan_text(rs_scanner *sc, const char *p, size_t len, uint64_t bytes)
{
    size_t  skip;
    int     hit;
    rs_ts   sys;

    memset(&sys, 0, sizeof(rs_ts));
    skip = rs_syslog_prefix(p, len, sc->cfg->year, &sys);
    sc->sys = sys;
    p += skip;
    len -= skip;

    if (sc->format == RG_FORMAT_JAVA) {
        rs_scan_java(sc, p, len, bytes, &sys);
        return;
    }

    hit = sc->hit_next;
    sc->hit_next = 0;

    if (sc->light && !hit
        && !rg_prescan_may_match(sc->prescan, sc->format, p, len))
    {
        if (rs_scan_light(sc, p, len, bytes)) {
            rs_scan_none(sc, 1, bytes);
        }
        return;
    }

    rs_scan_parsed(sc, p, len, bytes, &sys);
}


/* A line (its syslog prefix stripped) through the format's parser. */
static void
rs_scan_parsed(rs_scanner *sc, const char *p, size_t len, uint64_t bytes,
    rs_ts *sys)
{
    rs_parsed  out;
    rg_format  format = sc->format;

    if (sc->parse(&sc->parser, p, len, &out) != 0) {
        if (sc->alt_parse == NULL
            || sc->alt_parse(&sc->parser, p, len, &out) != 0)
        {
            if (rs_in_range(sc, sys)) {
                rs_count_line(sc, bytes, 1);
                sc->file->abort_lines += rs_has_phrase(p, len);
            }
            return;
        }

        /* the other stream's line: its rules, for this record */
        sc->format = sc->alt_format;
    }

    if (sc->format == RG_FORMAT_GENERIC) {
        sc->file->abort_lines += rs_has_phrase(p, len);
    }

    if ((!sc->cfg->since.valid && !sc->cfg->until.valid)
        || (rs_scan_time(sc, &out), rs_in_range(sc, &out.ts)))
    {
        rs_count_line(sc, bytes, 0);
        rs_classify(sc, &out, bytes);
    }

    sc->format = format;
}


/*
 * An nginx error line no rule can match, and no summary (rg_prescan.h;
 * rs_scanner_create adds the summaries' prefix): only its head is parsed,
 * to count it as parsed or not.  Returns 1 for a line counted as parsed,
 * which observers see as a record of no class without fields
 * (rs_scan_none); 0 for one counted as unparsed.
 */
static int
rs_scan_light(rs_scanner *sc, const char *p, size_t len, uint64_t bytes)
{
    int  parsed = rg_nginx_error_head_ok(p, len);

    rs_count_line(sc, bytes, !parsed);

    return parsed;
}


/* Parsed lines of no class, as one observation (scan.h, rs_seen). */
static void
rs_scan_none(rs_scanner *sc, uint64_t lines, uint64_t bytes)
{
    rs_seen  seen;

    if (sc->cfg->observe != NULL && lines > 0) {
        memset(&seen, 0, sizeof(rs_seen));
        seen.cls = RG_CLASS_NONE;
        seen.bytes = bytes;
        seen.lines = lines;
        rs_observe(sc, &seen);
    }
}


/*
 * A summary's first..last, in the line's own time (the zone of --tz
 * applied as to the line): r->first and r->last, valid only when both
 * parse, first <= last and they are at most RS_SPREAD_MAX apart; else the
 * summary's lines stay booked at the line's time.
 */
static void
rs_summary_span(rs_scanner *sc, const rs_parsed *out, rs_record *r)
{
    rs_ts  first, last;

    memset(&first, 0, sizeof(rs_ts));
    memset(&last, 0, sizeof(rs_ts));

    if (out->sum_first.p == NULL || out->sum_last.p == NULL
        || rs_time_nginx_error(out->sum_first.p, out->sum_first.len, &first)
           != out->sum_first.len
        || rs_time_nginx_error(out->sum_last.p, out->sum_last.len, &last)
           != out->sum_last.len)
    {
        return;
    }

    if (sc->cfg->tz != NULL) {
        rs_tz_apply(&sc->tz, &first);
        rs_tz_apply(&sc->tz, &last);
    }

    if (first.valid && last.valid && first.sec <= last.sec
        && last.sec - first.sec < RS_SPREAD_MAX)
    {
        r->first = first;
        r->last = last;
    }
}


static void
rs_classify(rs_scanner *sc, rs_parsed *out, uint64_t bytes)
{
    const rg_rule  *rule;
    rg_class        cls;
    rs_seen         seen;
    int             absorbed;

    if (out->summary) {
        /* what the module held back; dry runs held back nothing */
        if (!out->sum_dry_run) {
            rs_scan_time(sc, out);
            rs_record  r;

            memset(&r, 0, sizeof(rs_record));
            r.cls = out->sum_class;
            r.log = out->sum_access ? RS_LOG_ACCESS : RS_LOG_ERROR;
            r.suppressed = out->sum_suppressed;
            r.ts = out->ts;
            rs_summary_span(sc, out, &r);

            /* key="*" folds every key not named (v3): it has none, so
               it counts in the class and the timeline, not in the top
               lists or bursts */
            if (!(out->sum_key.len == 1 && out->sum_key.p[0] == '*')) {
                r.client = out->sum_key;
            }
            if (rs_scan_record(sc, &r) != 0) {
                sc->failed = 1;
            }

            memset(&seen, 0, sizeof(rs_seen));
            seen.cls = out->sum_class;
            seen.ts = out->ts;
            seen.suppressed = out->sum_suppressed;
            rs_observe(sc, &seen);
        }
        return;
    }

    if (out->alert != NULL) {
        /* the module's alert: no abort itself, evidence for findings */
        rs_scan_time(sc, out);
        memset(&seen, 0, sizeof(rs_seen));
        seen.cls = RG_CLASS_NONE;
        seen.parsed = out;
        seen.ts = out->ts;
        seen.ms = -1;
        seen.bytes = bytes;
        seen.lines = 1;
        seen.line = out->f.f[RG_FIELD_LINE];
        seen.alert = out->alert;
        rs_observe(sc, &seen);
        return;
    }

    /* the close of an HTTP/2 stream its cancel already counted */
    absorbed = sc->format == RG_FORMAT_NGINX_ERROR
               && rs_pairs_note(&sc->pairs, out, sc->line_pos);

    if (out->has_logged_class) {
        /* the module classified the request itself ($rstguard_class) */
        cls = out->logged_class;
    } else {
        rule = rg_match(sc->matcher, sc->format, &out->f);
        cls = rule ? rg_rule_class(rule) : RG_CLASS_NONE;
    }

    /* a 2xx the server called complete that carried fewer body bytes than
       it promised was cut short ($request_completion, Content-Length) */
    if (cls == RG_CLASS_NONE && out->has_completion
        && out->status >= 200 && out->status < 300
        && out->f.f[RG_FIELD_COMPLETION].len == 2
        && out->content_length >= 0 && out->body_bytes >= 0
        && out->body_bytes < out->content_length)
    {
        cls = RG_CLASS_TRUNCATED;
    }

    if (absorbed && cls != RG_CLASS_NONE) {
        /* one abort, two lines: the line's bytes are the cancel's */
        rs_record  r;

        memset(&r, 0, sizeof(rs_record));
        r.cls = RG_CLASS_STREAM_CANCELED;
        r.log = RS_LOG_ERROR;
        r.bytes = bytes;
        if (rs_scan_record(sc, &r) != 0) {
            sc->failed = 1;
        }
        cls = RG_CLASS_NONE;

    } else if (cls != RG_CLASS_NONE) {
        rs_emit(sc, cls, out, bytes);
    }

    memset(&seen, 0, sizeof(rs_seen));
    seen.cls = cls;
    seen.parsed = out;
    seen.ts = out->ts;
    seen.ms = out->ms;
    seen.bytes = bytes;
    seen.lines = 1;
    seen.line = out->f.f[RG_FIELD_LINE];
    rs_observe(sc, &seen);
}


static void
rs_observe(rs_scanner *sc, rs_seen *seen)
{
    if (sc->cfg->observe != NULL) {
        seen->format = sc->format;
        sc->cfg->observe(sc->cfg->observe_ctx, seen);
    }
}


/* The record's time, once it is needed: the line's, else syslog's. */
static void
rs_scan_time(rs_scanner *sc, rs_parsed *out)
{
    rs_time_memo  *tm = &sc->time_memo;

    /* records come many to a second: the last text's time is remembered */
    if (!out->ts.valid && out->ts_parse != NULL
        && out->ts_text.len <= sizeof(tm->text)
        && tm->parse == out->ts_parse && tm->len == out->ts_text.len
        && memcmp(tm->text, out->ts_text.p, tm->len) == 0)
    {
        out->ts = tm->ts;

    } else if (!out->ts.valid && out->ts_parse != NULL) {
        rs_parsed_time(out);

        if (out->ts_text.len <= sizeof(tm->text)) {
            tm->parse = out->ts_parse;
            tm->len = out->ts_text.len;
            memcpy(tm->text, out->ts_text.p, tm->len);
            tm->ts = out->ts;
        }
    }

    if (!out->ts.valid) {
        out->ts = sc->sys;
    }

    if (sc->cfg->tz != NULL) {
        rs_tz_apply(&sc->tz, &out->ts);     /* once: it sets has_off */
    }
}


static void
rs_emit(rs_scanner *sc, rg_class cls, rs_parsed *out, uint64_t bytes)
{
    rs_record  r;

    rs_scan_time(sc, out);

    memset(&r, 0, sizeof(rs_record));
    r.cls = cls;
    r.log = (uint8_t) rs_format_log(sc->format);
    r.seen = 1;
    r.bytes = bytes;
    r.ts = out->ts;
    r.client = out->f.f[RG_FIELD_CLIENT];
    r.uri = rs_request_path(out->f.f[RG_FIELD_REQUEST]);
    r.upstream = rs_upstream_key(out->f.f[RG_FIELD_UPSTREAM]);

    if (rs_scan_record(sc, &r) != 0) {
        sc->failed = 1;
    }
}


/*
 * The upstream a top list counts: the server, not the URI nginx's error
 * log appends ("http://10.0.0.1:8080/api" -> "10.0.0.1:8080"), and of an
 * access log's list of tries ("10.0.0.1:80, 10.0.0.2:80") the last one,
 * which gave the response.
 */
static rg_str
rs_upstream_key(rg_str up)
{
    const char  *p, *end, *q;

    if (up.p == NULL) {
        return up;
    }

    p = up.p;
    end = up.p + up.len;

    for (q = end; q > p; q--) {
        if (q[-1] == ' ' && q - 1 > p && (q[-2] == ',' || q[-2] == ':')) {
            p = q;
            break;
        }
    }

    q = rg_find(p, end, "://", 3);
    if (q != NULL) {
        p = q + 3;
    }

    q = memchr(p, '/', (size_t) (end - p));
    up.p = p;
    up.len = (size_t) ((q ? q : end) - p);

    return up;
}


/*
 * Java: a timestamped line opens a record, the lines after it continue it
 * (up to RS_RECORD_MAX_BYTES / _LINES; beyond, a limit hit, and the rest
 * are unparsed).  Rules run on every line of the record.
 */
static void
rs_scan_java(rs_scanner *sc, const char *p, size_t len, uint64_t bytes,
    const rs_ts *sys)
{
    rs_record_state  *rec = &sc->rec;
    rs_parsed         out;
    int               start;

    start = rs_parse_java(&sc->parser, p, len, &out);

    if (start) {
        rs_record_close(sc);
        rec->open = 1;
        rec->bytes = 0;
        rec->lines = 0;
        rec->ts = out.ts.valid ? out.ts : *sys;
        rec->in_range = rs_in_range(sc, &rec->ts);
        rec->first_len = len < sizeof(rec->first) ? len : sizeof(rec->first);
        memcpy(rec->first, p, rec->first_len);
        rec->sig_len = 0;

    } else if (rec->open && (rec->lines + 1 > RS_RECORD_MAX_LINES
                             || rec->bytes + bytes > RS_RECORD_MAX_BYTES))
    {
        rs_record_close(sc);
        rec->overflow = 1;
        sc->limit_hits++;
    }

    if (!rec->open) {
        /* before the first record, or past a record's limit */
        if (rec->overflow ? rec->in_range : rs_in_range(sc, &out.ts)) {
            rs_count_line(sc, bytes, 1);
        }
        return;
    }

    rec->lines++;
    rec->bytes += bytes;

    /* the exception header: the first continuation line not indented */
    if (!start && rec->sig_len == 0 && len > 0 && p[0] != ' '
        && p[0] != '\t')
    {
        rec->sig_len = len < sizeof(rec->sig) ? len : sizeof(rec->sig);
        memcpy(rec->sig, p, rec->sig_len);
    }

    if (rec->in_range) {
        rs_count_line(sc, bytes, 0);
        rg_java_record_line(&rec->jr, sc->matcher, p, len, start);
    }
}


static void
rs_record_close(rs_scanner *sc)
{
    rs_record_state  *rec = &sc->rec;
    rs_parsed         out;
    rg_class          cls;
    rs_seen           seen;

    if (!rec->open) {
        return;
    }

    rec->open = 0;
    rec->overflow = 0;

    if (!rec->in_range) {
        return;
    }

    cls = rg_java_record_class(&rec->jr);

    if (cls != RG_CLASS_NONE) {
        rs_parsed_reset(&out);
        out.ts = rec->ts;
        rs_emit(sc, cls, &out, rec->bytes);
    }

    memset(&seen, 0, sizeof(rs_seen));
    seen.cls = cls;
    seen.ts = rec->ts;
    seen.ms = -1;
    seen.bytes = rec->bytes;
    seen.lines = rec->lines;
    seen.line.p = rec->first;
    seen.line.len = rec->first_len;
    seen.signature.p = rec->sig_len ? rec->sig : NULL;
    seen.signature.len = rec->sig_len;
    rs_observe(sc, &seen);
}
