/*
 * parse_nginx.c - nginx error and access lines (see parse.h).
 *
 * The error-line split is core's (rg_nginx_error_parse, shared with the
 * module), and so is the grammar of the summary lines the module writes
 * (rg_summary_parse); here a line gains its time, and a summary's
 * suppressed count is handed to the report.
 */

#include <stddef.h>
#include <string.h>

#include "parse.h"
#include "rg_nginx_error.h"
#include "rg_summary.h"


static int rs_parse_summary(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
static int64_t rs_seconds_ms(rg_str s);
static void rs_parse_extras(const unsigned *has, const rs_lf_values *v,
    rs_parsed *out);


int
rs_parse_nginx_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_nginx_error  ne;
    rg_str          msg;

    if (rg_nginx_error_parse(p, len, &ne) != 0) {
        return -1;
    }

    /* the fields are all copied: only the rest needs clearing */
    memset(&out->ts, 0, sizeof(rs_parsed) - offsetof(rs_parsed, ts));
    out->status = -1;
    out->body_bytes = -1;
    out->content_length = -1;
    out->f = ne.fields;
    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;
    out->ts_text = ne.time;
    out->ts_parse = rs_time_nginx_error;

    msg = out->f.f[RG_FIELD_MESSAGE];
    if (msg.len > RG_SUMMARY_PREFIX_LEN
        && memcmp(msg.p, RG_SUMMARY_PREFIX, RG_SUMMARY_PREFIX_LEN) == 0)
    {
        /* the rest of the line: sample="..." may hold ", client: " */
        if (rs_parse_summary(ps, msg.p, (size_t) (p + len - msg.p), out)
            != 0
            && rg_alert_parse(msg.p, (size_t) (p + len - msg.p),
                              &ps->alert) == 0)
        {
            /* a storm the module saw (abort_storm, findings_eval.c) */
            out->alert = &ps->alert;
        }
    }

    return 0;
}


/*
 * A summary the module wrote (core's strict grammar, rg_summary.h); its
 * key is unescaped into the parser's scratch buffer.  A line that does
 * not follow the grammar is an ordinary line.
 */
static int
rs_parse_summary(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    rg_summary  sum;
    size_t      n;

    if (rg_summary_parse(p, len, &sum) != 0) {
        return -1;
    }

    out->summary = 1;
    out->sum_class = sum.cls;
    out->sum_suppressed = sum.suppressed;
    out->sum_dry_run = sum.dry_run;
    out->sum_access = sum.log == RG_SUMMARY_LOG_ACCESS;
    out->sum_first = sum.first;
    out->sum_last = sum.last;

    n = rg_summary_unescape(&sum.key, ps->scratch, sizeof(ps->scratch));
    if (n != (size_t) -1) {
        out->sum_key.p = ps->scratch;
        out->sum_key.len = n;
    }

    return 0;
}


int
rs_parse_nginx_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_str  *c = &out->f.f[RG_FIELD_COMPLETION];

    /* without --log-format: combined, the image's main, ingress-nginx's
       default, combined with fields appended (read by its head), or a
       JSON layout's object */
    if (rs_parse_layout(ps, &ps->layout, p, len, out) != 0
        && (!ps->default_layout
            || (rs_parse_layout(ps, &ps->main, p, len, out) != 0
                && rs_parse_layout(ps, &ps->ingress, p, len, out) != 0)))
    {
        if (!ps->default_layout
            || (rs_parse_layout(ps, &ps->longer, p, len, out) != 0
                && rs_parse_nginx_json(ps, p, len, out) != 0))
        {
            return -1;
        }

        out->loose = 1;
    }

    /* nginx logs "-" for a variable without a value */
    if (c->len == 1 && c->p[0] == '-') {
        c->len = 0;
    }

    return 0;
}


int
rs_parse_layout(rs_parser *ps, const rs_logformat *lf, const char *p,
    size_t len, rs_parsed *out)
{
    rs_lf_values  v;

    rs_parsed_reset(out);

    if (rs_logformat_split(lf, p, len, &v) != 0) {
        return -1;
    }

    return rs_parse_values(ps, lf->has, &v, p, len, out);
}


int
rs_parse_values(rs_parser *ps, const unsigned *has, const rs_lf_values *v,
    const char *p, size_t len, rs_parsed *out)
{
    rg_str  s;

    s = v->v[RS_V_STATUS];
    if (s.p != NULL) {
        if (s.len != 3 || (out->status = (int) rg_str_number(s)) < 0) {
            return -1;
        }
        out->f.f[RG_FIELD_MESSAGE] = s;
        out->f.f[RG_FIELD_STATUS] = s;
    }

    if (has[RS_V_TIME_LOCAL]) {
        s = v->v[RS_V_TIME_LOCAL];

        /* busy logs repeat a second on many lines: parse it once */
        if (s.len == sizeof(ps->tc_text) && ps->tc_ts.valid
            && memcmp(s.p, ps->tc_text, s.len) == 0)
        {
            out->ts = ps->tc_ts;

        } else if (rs_time_local(s.p, s.len, &out->ts) != s.len) {
            return -1;

        } else if (s.len == sizeof(ps->tc_text)) {
            memcpy(ps->tc_text, s.p, s.len);
            ps->tc_ts = out->ts;
        }

    } else if (has[RS_V_TIME_ISO8601]) {
        s = v->v[RS_V_TIME_ISO8601];
        if (rs_time_iso(s.p, s.len, &out->ts) != s.len) {
            return -1;
        }
    }

    rs_parse_extras(has, v, out);

    if (has[RS_V_MSEC] && out->ms < 0) {
        return -1;
    }

    if (has[RS_V_REQUEST_COMPLETION]) {
        out->f.f[RG_FIELD_COMPLETION] = v->v[RS_V_REQUEST_COMPLETION];
        out->has_completion = 1;
    }

    out->body_bytes = rg_str_number(v->v[RS_V_BODY_BYTES_SENT]);
    out->content_length = rg_str_number(v->v[RS_V_SENT_HTTP_CONTENT_LENGTH]);

    out->f.f[RG_FIELD_CLIENT] = v->v[RS_V_REMOTE_ADDR];
    out->f.f[RG_FIELD_REQUEST] = v->v[RS_V_REQUEST];
    out->f.f[RG_FIELD_HOST] = v->v[RS_V_HOST];

    s = v->v[RS_V_UPSTREAM_ADDR];
    if (s.p != NULL && !(s.len == 1 && s.p[0] == '-')) {
        out->f.f[RG_FIELD_UPSTREAM] = s;
    }

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}


/*
 * "60.003" ($request_time, $msec) -> 60003; "-" or anything else -> -1.
 * Of a list of tries ("0.050, 60.001" or "0.050 : 60.001") the last.
 */
static int64_t
rs_seconds_ms(rg_str s)
{
    const char  *p, *end, *dot;
    rg_str       whole, frac;
    int64_t      sec, ms;
    uint64_t     f;
    size_t       i;

    if (s.p == NULL) {
        return -1;
    }

    end = s.p + s.len;

    for (p = end; p > s.p && p[-1] != ' '; p--) {
        /* the last element of a list */
    }

    dot = memchr(p, '.', (size_t) (end - p));
    whole.p = p;
    whole.len = (size_t) ((dot ? dot : end) - p);
    sec = rg_str_number(whole);

    if (sec < 0) {
        return -1;
    }

    ms = 0;

    if (dot != NULL) {
        frac.p = dot + 1;
        frac.len = (size_t) (end - dot - 1);

        if (frac.len == 0 || frac.len > 3 || rg_str_uint(frac, 999, &f) != 0)
        {
            return -1;
        }

        /* ".5" is 500 ms, ".05" 50 */
        for (ms = (int64_t) f, i = frac.len; i < 3; i++) {
            ms *= 10;
        }
    }

    return sec * 1000 + ms;
}


/* $msec, $request_time, $upstream_response_time, $http_user_agent and
   the module's $rstguard_class */
static void
rs_parse_extras(const unsigned *has, const rs_lf_values *v, rs_parsed *out)
{
    int64_t  ms;
    rg_str   s;

    if (has[RS_V_MSEC] && (ms = rs_seconds_ms(v->v[RS_V_MSEC])) >= 0) {
        out->ms = (int) (ms % 1000);

        if (!out->ts.valid) {
            /* seconds since the epoch: UTC */
            rs_ts_utc(&out->ts, ms / 1000);
        }
    }

    out->request_ms = rs_seconds_ms(v->v[RS_V_REQUEST_TIME]);
    out->upstream_ms = rs_seconds_ms(v->v[RS_V_UPSTREAM_RESPONSE_TIME]);
    out->agent = v->v[RS_V_HTTP_USER_AGENT];

    if (has[RS_V_RSTGUARD_CLASS]) {
        s = v->v[RS_V_RSTGUARD_CLASS];
        out->has_logged_class = 1;
        out->logged_class = s.p != NULL ? rg_class_from_name(s.p, s.len)
                                        : RG_CLASS_NONE;
    }
}
