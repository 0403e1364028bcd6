/*
 * scan_classify.c - a record's class, and the record into the aggregate
 * (see scan_impl.h): the rules (or the class the module logged), the
 * module's summary lines added back, its alerts, an HTTP/2 close its
 * cancel already counted (pair.h), the access log's truncation rule, and
 * a folded Java record.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats.h"
#include "rg_find.h"
#include "scan_impl.h"
#include "syslog.h"


static void rs_classify_summary(rs_scanner *sc, rs_parsed *out);
static void rs_summary_span(rs_scanner *sc, const rs_parsed *out,
    rs_record *r);
static void rs_classify_alert(rs_scanner *sc, rs_parsed *out,
    uint64_t bytes);
static int rs_truncated(const rs_parsed *out);
static void rs_emit(rs_scanner *sc, rg_class cls, rs_parsed *out,
    uint64_t bytes);
static rg_str rs_upstream_key(rg_str up);


/*
 * A parsed record's class, and the record into the aggregate and to the
 * observer.
 */
void
rs_classify(rs_scanner *sc, rs_parsed *out, uint64_t bytes)
{
    const rg_rule  *rule;
    rg_class        cls;
    rs_seen         seen;
    int             absorbed;

    if (out->summary) {
        rs_classify_summary(sc, out);
        return;
    }

    if (out->alert != NULL) {
        rs_classify_alert(sc, out, bytes);
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

    if (cls == RG_CLASS_NONE && rs_truncated(out)) {
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


/*
 * A summary line of the module: what it held back is added back to the
 * counts, as the records it stands for (dry runs held back nothing).
 */
static void
rs_classify_summary(rs_scanner *sc, rs_parsed *out)
{
    rs_record  r;
    rs_seen    seen;

    if (out->sum_dry_run) {
        return;
    }

    rs_scan_time(sc, out);

    memset(&r, 0, sizeof(rs_record));
    r.cls = out->sum_class;
    r.log = out->sum_access ? RS_LOG_ACCESS : RS_LOG_ERROR;
    r.suppressed = out->sum_suppressed;
    r.ts = out->ts;
    rs_summary_span(sc, out, &r);

    /* key="*" folds every key not named (v3): it has none, so it counts
       in the class and the timeline, not in the top lists or bursts */
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


/* The module's alert: no abort itself, evidence for findings. */
static void
rs_classify_alert(rs_scanner *sc, rs_parsed *out, uint64_t bytes)
{
    rs_seen  seen;

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
}


/*
 * The access log's truncation rule: a 2xx the server called complete
 * ($request_completion "OK") that carried fewer body bytes than it
 * promised (Content-Length) was cut short, whatever the rules say.
 */
static int
rs_truncated(const rs_parsed *out)
{
    return out->has_completion
           && out->status >= 200 && out->status < 300
           && out->f.f[RG_FIELD_COMPLETION].len == 2
           && out->content_length >= 0 && out->body_bytes >= 0
           && out->body_bytes < out->content_length;
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


/* A folded Java record, closed (scan_record.c): its class from core's
   rg_java_record, into the aggregate and to the observer. */
void
rs_classify_java(rs_scanner *sc, const rs_record_state *rec)
{
    rs_parsed  out;
    rg_class   cls;
    rs_seen    seen;

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


/*
 * The lines that start in the RS_PAIR_WINDOW bytes before off, through
 * the pairing only (pair.h), as rs_scan_text and rs_classify would take
 * them: a line the light path skips, or outside --since/--until, takes no
 * part.  Nothing is counted.  A file that cannot be read here is read by
 * rs_scan_range, which reports it.
 */
void
rs_classify_lookback(rs_scanner *sc, const char *path, uint64_t off)
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

        sc->sys = sys;
        if ((rs_light_on(sc)
             && !rg_prescan_may_match(sc->prescan, RG_FORMAT_NGINX_ERROR,
                                      p + skip, len - skip))
            || rs_parse_nginx_error(&sc->parser, p + skip, len - skip, &out)
               != 0
            || !rs_range_keep(sc, &out))
        {
            continue;
        }

        (void) rs_pairs_note(&sc->pairs, &out,
                             from + (uint64_t) (p - buf));
    }

    free(buf);
}
