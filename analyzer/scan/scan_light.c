/*
 * scan_light.c - the fast path (see scan_impl.h): in an nginx error log
 * most lines hold none of the literals every rule needs (rg_prescan.h),
 * so no rule can match them.  They are counted, parsed or not by their
 * head alone, without the context split, the parser or PCRE2; a block of
 * such lines is handled at once.  The prescan is the matcher's
 * interface here: scan.c only asks whether a line takes this path.
 */

#include <string.h>

#include "rg_nginx_error.h"
#include "rg_summary.h"
#include "scan_impl.h"
#include "syslog.h"


static int rs_light_head(rs_scanner *sc, const char *p, size_t len,
    uint64_t bytes);


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


/*
 * Whether the input's lines take the light path: an nginx error line
 * that holds none of the rules' literals is classified NONE without the
 * context split or PCRE2 (most lines of an error log).  Not with
 * --since/--until (every line needs its time then), and only where the
 * message is a part of the line.
 */
int
rs_light_on(const rs_scanner *sc)
{
    return sc->format == RG_FORMAT_NGINX_ERROR && rs_lines_as_written(sc)
           && rg_prescan_active(sc->prescan, sc->format)
           && !rs_range_on(sc->cfg);
}


/*
 * Light scanning (nginx error logs): the prescan looks for the rules'
 * literals in all the buffered lines at once, and the lines before the
 * first one holding a literal take the light path here, as many as there
 * are, without a call per line to the prescan.  Stops before the line
 * holding the literal (or at the buffer's last whole line), which
 * rs_searcher_next then hands out as usual.
 */
void
rs_light_block(rs_scanner *sc, rs_searcher *s, uint64_t *n, uint64_t *done)
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

        /* searched already by the decoding thread, most often */
        if (sc->hits == NULL
            || !rs_hits_find(sc->hits, rs_searcher_offset(s, p), len, &hit))
        {
            hit = rg_prescan_find(sc->prescan, sc->format, p, len);
        }

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

            skip = q == p ? rs_bom(q, len, sc->pos) : 0;
            skip += rs_syslog_prefix(q + skip, len - skip, sc->cfg->year,
                                     &sys);

            if (rg_nginx_error_head_ok(q + skip, len - skip)) {
                none++;
                none_bytes += bytes;
            }

            lines++;
        }

        sc->pos += (uint64_t) (stop - p);
        rs_count_lines(sc, lines, (uint64_t) (stop - p), lines - none);
        rs_scan_progress(sc, n, done, lines, (uint64_t) (stop - p));
        rs_light_none(sc, none, none_bytes);
        rs_searcher_skip(s, (size_t) (stop - p), lines);

        if (stop != end) {
            /* the line at stop holds the literal found: rs_scan_line
               need not search it again */
            sc->hit_next = 1;
            return;
        }
    }
}



/*
 * Whether the line (its syslog prefix stripped) takes the fast path, and
 * then counted: not when the block before it stopped at it (it holds a
 * literal) or when the prescan finds a literal in it.  An nginx error
 * line no rule can match, and no summary (rs_scan_prescan_create adds the
 * summaries' prefix): only its head is parsed, to count it as parsed or
 * not; one counted as parsed is seen by observers as a record of no class
 * without fields (rs_light_none).  0: the line goes to the parser.
 */
int
rs_light_take(rs_scanner *sc, const char *p, size_t len, uint64_t bytes)
{
    int  hit = sc->hit_next;

    sc->hit_next = 0;

    if (!sc->light || hit
        || rg_prescan_may_match(sc->prescan, sc->format, p, len))
    {
        return 0;
    }

    if (rs_light_head(sc, p, len, bytes)) {
        rs_light_none(sc, 1, bytes);
    }

    return 1;
}


/* The line counted by its head: 1 as parsed, 0 as unparsed. */
static int
rs_light_head(rs_scanner *sc, const char *p, size_t len, uint64_t bytes)
{
    int  parsed = rg_nginx_error_head_ok(p, len);

    rs_count_line(sc, bytes, !parsed);

    return parsed;
}


/* Parsed lines of no class, as one observation (scan.h, rs_seen). */
void
rs_light_none(rs_scanner *sc, uint64_t lines, uint64_t bytes)
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
