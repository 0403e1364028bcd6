/*
 * parse_nginx.c - nginx error and access lines (see parse.h).
 *
 * The error-line split is core's (rg_nginx_error_parse, shared with the
 * module); here it gains the time and the rstguard summary lines the module
 * writes (DESIGN.md section 4), whose suppressed counts add to the report.
 */

#include <string.h>

#include "parse.h"
#include "rg_nginx_error.h"


static int rs_parse_summary(const char *p, size_t len, rs_parsed *out);
static const char *rs_kv(const char *p, const char *end, const char *key,
    size_t *vlen);
static int64_t rs_number(rg_str s);


int
rs_parse_nginx_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_nginx_error  ne;
    rg_str          msg;

    (void) ps;
    rs_parsed_reset(out);

    if (rg_nginx_error_parse(p, len, &ne) != 0
        || rs_time_nginx_error(p, len, &out->ts) == 0)
    {
        return -1;
    }

    out->f = ne.fields;
    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;
    out->uri = rs_request_path(out->f.f[RG_FIELD_REQUEST]);

    msg = out->f.f[RG_FIELD_MESSAGE];
    if (msg.len > 10 && memcmp(msg.p, "rstguard: ", 10) == 0) {
        /* the rest of the line: sample="..." may hold ", client: " */
        rs_parse_summary(msg.p, (size_t) (p + len - msg.p), out);
    }

    return 0;
}


/* "key=value" or key="quoted value" of a summary; NULL when absent. */
static const char *
rs_kv(const char *p, const char *end, const char *key, size_t *vlen)
{
    size_t       klen = strlen(key);
    const char  *q, *v;

    for (q = p; (q = memmem(q, (size_t) (end - q), key, klen)) != NULL;
         q += klen)
    {
        if (q > p && q[-1] != ' ') {
            continue;
        }

        v = q + klen;

        if (v < end && *v == '"') {
            const char  *e;

            for (e = v + 1; e < end && *e != '"'; e++) {
                if (*e == '\\' && e + 1 < end) {
                    e++;
                }
            }
            *vlen = (size_t) (e - v - 1);
            return v + 1;
        }

        for (q = v; q < end && *q != ' '; q++) {
            /* skip */
        }

        *vlen = (size_t) (q - v);
        return v;
    }

    return NULL;
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


/* A summary that does not follow the grammar is an ordinary line. */
static int
rs_parse_summary(const char *p, size_t len, rs_parsed *out)
{
    const char  *end = p + len;
    rg_str       cls, sup, dry, key;

    cls.p = rs_kv(p, end, "class=", &cls.len);
    sup.p = rs_kv(p, end, "suppressed=", &sup.len);
    dry.p = rs_kv(p, end, "dry_run=", &dry.len);
    key.p = rs_kv(p, end, "key=", &key.len);

    if (cls.p == NULL || sup.p == NULL || rs_number(sup) < 0) {
        return -1;
    }

    out->sum_class = rg_class_from_name(cls.p, cls.len);
    if (out->sum_class == RG_CLASS_NONE) {
        return -1;
    }

    out->summary = 1;
    out->sum_suppressed = (uint64_t) rs_number(sup);
    out->sum_dry_run = dry.p != NULL && rs_number(dry) == 1;
    if (key.p != NULL) {
        out->sum_key = key;
    }

    return 0;
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
    out->uri = rs_request_path(v.v[RS_V_REQUEST]);

    return 0;
}
