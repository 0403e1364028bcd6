/*
 * scan.c - drives one input through the pipeline (see scan.h): the input
 * (reader, format, layout, a split among threads) and the loop that takes
 * each line through record assembly (scan_record.c) or the fast path
 * (scan_light.c), the parser and --since/--until (scan_range.c), to
 * classification (scan_classify.c) and the aggregate.  The layers share
 * the scanner's state (scan_impl.h).
 */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ansi.h"
#include "detect.h"
#include "formats.h"
#include "reader.h"
#include "scan_impl.h"
#include "scan_split.h"
#include "syslog.h"


static void rs_scan_lines(rs_scanner *sc, rs_searcher *s, rs_reader *r);
static void rs_scan_line(rs_scanner *sc, const rs_line *ln);
static void rs_scan_parsed(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes, rs_ts *sys);
static void rs_scan_lock(rs_scanner *sc);
static void rs_scan_unlock(rs_scanner *sc);
static int rs_scan_reader(rs_scanner *sc, const char *path, rs_reader *r);
static int rs_scan_begin(rs_scanner *sc, const char *path, rs_searcher *s);
static rs_searcher *rs_scan_searcher(rs_scanner *sc, rs_reader *r);
static int rs_scan_layout(rs_scanner *sc, const char *path);
static void rs_scan_plain(rs_scanner *sc, const char **p, size_t *len);


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
    sc->rule_hits = calloc(rg_ruleset_count(cfg->rules) + 1,
                           sizeof(uint64_t));
    if (sc->matcher == NULL || sc->prescan == NULL || sc->batch == NULL
        || sc->rule_hits == NULL)
    {
        snprintf(err, errlen, "out of memory");
        rg_matcher_destroy(sc->matcher);
        rg_prescan_destroy(sc->own_prescan);
        free(sc->batch);
        free(sc->rule_hits);
        free(sc);
        return NULL;
    }

    rs_batch_init(sc->batch);

    return sc;
}


/*
 * Names the rules that hit PCRE2's limits in the report: the hits since
 * the last call go to the aggregate the scanner adds to now (after each
 * input: an input's own, scan_files.h, dropped with it if it is read
 * again).
 */
static void
rs_scan_rule_hits(rs_scanner *sc)
{
    size_t    i;
    uint64_t  hits;

    rs_scan_lock(sc);
    for (i = 0; i < rg_ruleset_count(sc->cfg->rules); i++) {
        hits = rg_matcher_rule_limit_hits(sc->matcher, i);
        if (hits > sc->rule_hits[i]) {
            rs_agg_limit_rule(sc->agg,
                rg_rule_id(rg_ruleset_rule(sc->cfg->rules, i)),
                hits - sc->rule_hits[i]);
            sc->rule_hits[i] = hits;
        }
    }
    rs_scan_unlock(sc);
}


void
rs_scanner_destroy(rs_scanner *sc)
{
    if (sc != NULL) {
        rs_scan_rule_hits(sc);

        free(sc->rule_hits);
        rs_searcher_destroy(sc->ranges);
        rs_ship_free(&sc->ship);
        free(sc->plain);
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
    rs_scan_rule_hits(sc);

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
        && rs_lines_as_written(sc)
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

    /* a compressed nginx error log: the decoding thread searches for
       the rules' literals too (scan_hits.h) */
    sc->hits = rs_reader_is_gzip(r) && rs_light_on(sc)
               ? rs_hits_create(sc->prescan, sc->format) : NULL;
    if (sc->hits != NULL && rs_reader_on_block(r, rs_hits_block, sc->hits)) {
        rs_hits_free(sc->hits);
        sc->hits = NULL;
    }

    rs_scan_lines(sc, s, r);

    rs_searcher_destroy(s);
    rs_reader_close(r);

    /* after the close: the decoding thread is gone */
    rs_hits_free(sc->hits);
    sc->hits = NULL;

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
    size_t       hlen, bom;
    rg_format    also;

    if (rs_scan_layout(sc, path) != 0) {
        return -1;
    }

    /* the shipper's prefix is looked for with --format too */
    rs_searcher_peek(s, &head, &hlen);
    bom = rs_bom(head, hlen, sc->pos);
    head += bom;
    hlen -= bom;
    sc->format = rs_detect(&sc->parser, head, hlen, sc->cfg->format,
                           &sc->ship, &also);
    sc->file->detected = sc->cfg->format < 0;
    sc->file->prefix = rs_ship_name(&sc->ship);
    sc->ansi = rs_ansi_seen(head, hlen);

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
        rs_classify_lookback(sc, path, off);
    }

    rs_scan_lines(sc, s, r);

    rs_reader_close(r);

    return file->error != NULL ? -1 : 0;
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
int
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


static void
rs_scan_lines(rs_scanner *sc, rs_searcher *s, rs_reader *r)
{
    rs_line   ln;
    int       rc;
    uint64_t  hits = rg_matcher_limit_hits(sc->matcher);
    uint64_t  n = 0, done = 0;

    sc->parse = rs_parser_for(sc->format);
    rs_range_begin(sc);
    sc->phys = 1;
    memset(&sc->rec, 0, sizeof(rs_record_state));

    sc->light = rs_light_on(sc);

    for ( ;; ) {
        if (sc->light) {
            /* the lines before the next literal, as a block */
            rs_light_block(sc, s, &n, &done);
        }

        rc = rs_searcher_next(s, &ln);
        if (rc <= 0) {
            break;
        }

        rs_scan_line(sc, &ln);
        rs_scan_progress(sc, &n, &done, 1, ln.bytes);
    }

    rs_record_flush(sc);

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


/* Counts lines' bytes for the progress line, reported every 64 Ki lines. */
void
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
    rs_line  first;
    size_t   bom = rs_bom(ln->p, ln->len, sc->pos);

    if (bom > 0) {
        first = *ln;
        first.p += bom;
        first.len -= bom;
        ln = &first;
    }

    sc->line_pos = sc->pos;
    sc->pos += ln->bytes;

    if (sc->ship.kind == RS_SHIP_NONE) {
        rs_scan_text(sc, ln->p, ln->len, ln->bytes);
    } else {
        rs_record_line(sc, ln);
    }
}


/*
 * *p, *len without their color codes (ansi.h), in sc->plain.  Out of
 * memory, the text stays as it is: its line is then counted unparsed.
 */
static void
rs_scan_plain(rs_scanner *sc, const char **p, size_t *len)
{
    char    *buf;
    size_t   cap;

    if (*len > sc->plain_cap) {
        cap = *len > 4096 ? *len : 4096;
        buf = realloc(sc->plain, cap);
        if (buf == NULL) {
            return;
        }
        sc->plain = buf;
        sc->plain_cap = cap;
    }

    *len = rs_ansi_strip(*p, *len, sc->plain);
    *p = sc->plain;
}


/* One record's text (a physical line, or what a shipper joined). */
void
rs_scan_text(rs_scanner *sc, const char *p, size_t len, uint64_t bytes)
{
    size_t  skip;
    rs_ts   sys;

    /* colors in a file whose head had some, or at a line's start (they
       may begin past the head: one compare a line) */
    if ((sc->ansi || (len > 0 && p[0] == 0x1b))
        && memchr(p, 0x1b, len) != NULL)
    {
        rs_scan_plain(sc, &p, &len);
    }

    memset(&sys, 0, sizeof(rs_ts));
    skip = rs_syslog_prefix(p, len, sc->cfg->year, &sys);
    sc->sys = sys;
    p += skip;
    len -= skip;

    if (sc->format == RG_FORMAT_JAVA) {
        rs_record_java(sc, p, len, bytes, &sys);
        return;
    }

    /* sc->light: an nginx error log without a shipper or a range */
    if (sc->light && rs_light_take(sc, p, len, bytes)) {
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

    if (rs_range_keep(sc, &out)) {
        rs_count_line(sc, bytes, 0);
        rs_classify(sc, &out, bytes);
    }

    sc->format = format;
}
