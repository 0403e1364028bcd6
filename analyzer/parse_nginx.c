/*
 * parse_nginx.c - nginx error and access lines (see parse.h).
 *
 * The error-line split is core's (rg_nginx_error_parse, shared with the
 * module), and so is the grammar of the summary lines the module writes
 * (rg_summary_parse); here a line gains its time, and a summary's
 * suppressed count is handed to the report.
 */

#include <string.h>

#include "parse.h"
#include "rg_nginx_error.h"
#include "rg_summary.h"


static int rs_parse_summary(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
static int64_t rs_number(rg_str s);


int
rs_parse_nginx_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_nginx_error  ne;
    rg_str          msg;

    rs_parsed_reset(out);

    if (rg_nginx_error_parse(p, len, &ne) != 0) {
        return -1;
    }

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
        rs_parse_summary(ps, msg.p, (size_t) (p + len - msg.p), out);
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

    n = rg_summary_unescape(&sum.key, ps->scratch, sizeof(ps->scratch));
    if (n != (size_t) -1) {
        out->sum_key.p = ps->scratch;
        out->sum_key.len = n;
    }

    return 0;
}


static int64_t
rs_number(rg_str s)
{
    int64_t  v = 0;
    size_t   i;

    if (s.p == NULL || s.len == 0 || s.len > 18) {
        return -1;
    }

    for (i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return -1;
        }
        v = v * 10 + (s.p[i] - '0');
    }

    return v;
}


int
rs_parse_nginx_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_str  *c = &out->f.f[RG_FIELD_COMPLETION];

    if (rs_parse_layout(&ps->layout, p, len, out) != 0) {
        return -1;
    }

    /* nginx logs "-" for a variable without a value */
    if (c->len == 1 && c->p[0] == '-') {
        c->len = 0;
    }

    return 0;
}


int
rs_parse_layout(const rs_logformat *lf, const char *p, size_t len,
    rs_parsed *out)
{
    rs_lf_values  v;
    rg_str        s;

    rs_parsed_reset(out);

    if (rs_logformat_split(lf, p, len, &v) != 0) {
        return -1;
    }

    s = v.v[RS_V_STATUS];
    if (s.p != NULL) {
        if (s.len != 3 || (out->status = (int) rs_number(s)) < 0) {
            return -1;
        }
        out->f.f[RG_FIELD_MESSAGE] = s;
        out->f.f[RG_FIELD_STATUS] = s;
    }

    if (lf->has[RS_V_TIME_LOCAL]) {
        s = v.v[RS_V_TIME_LOCAL];
        if (rs_time_local(s.p, s.len, &out->ts) != s.len) {
            return -1;
        }

    } else if (lf->has[RS_V_TIME_ISO8601]) {
        s = v.v[RS_V_TIME_ISO8601];
        if (rs_time_iso(s.p, s.len, &out->ts) != s.len) {
            return -1;
        }
    }

    if (lf->has[RS_V_REQUEST_COMPLETION]) {
        out->f.f[RG_FIELD_COMPLETION] = v.v[RS_V_REQUEST_COMPLETION];
        out->has_completion = 1;
    }

    out->body_bytes = rs_number(v.v[RS_V_BODY_BYTES_SENT]);
    out->content_length = rs_number(v.v[RS_V_SENT_HTTP_CONTENT_LENGTH]);

    out->f.f[RG_FIELD_CLIENT] = v.v[RS_V_REMOTE_ADDR];
    out->f.f[RG_FIELD_REQUEST] = v.v[RS_V_REQUEST];
    out->f.f[RG_FIELD_HOST] = v.v[RS_V_HOST];

    s = v.v[RS_V_UPSTREAM_ADDR];
    if (s.p != NULL && !(s.len == 1 && s.p[0] == '-')) {
        out->f.f[RG_FIELD_UPSTREAM] = s;
    }

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}
