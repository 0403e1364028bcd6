/*
 * logformat.c - compiles and applies nginx log_format layouts.
 */

#include <stdio.h>
#include <string.h>

#include "logformat.h"


static const char *rs_var_names[RS_V_OTHER] = {
    "remote_addr", "remote_user", "time_local", "time_iso8601", "request",
    "status", "body_bytes_sent", "bytes_sent", "request_time",
    "upstream_response_time", "upstream_status", "upstream_addr",
    "request_completion", "sent_http_content_length", "http_referer",
    "http_user_agent", "request_length", "host", "msec", "rstguard_class",
};

/* other nginx variables a layout may log; their text is skipped */
static const char *rs_other_vars[] = {
    "remote_port", "server_addr", "server_port", "server_name",
    "server_protocol", "request_method", "request_uri", "uri",
    "document_uri", "args", "query_string", "scheme", "https",
    "connection", "connection_requests", "pipe", "time_msec",
    "gzip_ratio", "request_id", "request_body", "request_filename",
    "realpath_root", "document_root", "hostname", "nginx_version", "pid",
    "binary_remote_addr", "proxy_add_x_forwarded_for", "proxy_protocol_addr",
    "proxy_protocol_port", "realip_remote_addr", "realip_remote_port",
    "content_type", "content_length", "http2", "ssl_protocol", "ssl_cipher",
    "ssl_server_name", "ssl_session_reused", "ssl_client_verify",
    "upstream_connect_time", "upstream_header_time",
    "upstream_cache_status", "upstream_bytes_received",
    "upstream_bytes_sent", "upstream_response_length", "limit_req_status",
    "limit_conn_status", "tcpinfo_rtt", "tcpinfo_rttvar",
    "rstguard_missing_bytes", "rstguard_log",
    "geoip_country_code", "cookie", "is_args", "sent_trailer",
    /* ingress-nginx's own, set by its configuration for its layouts */
    "proxy_upstream_name", "proxy_alternative_upstream_name", "req_id",
    "the_real_ip", "namespace", "ingress_name", "service_name",
    "service_port",
};

/* variable families with a name part of their own */
static const char *rs_var_prefixes[] = {
    "http_", "sent_http_", "upstream_http_", "upstream_cookie_",
    "upstream_trailer_", "sent_trailer_", "cookie_", "arg_",
};


static int rs_var_lookup(const char *name, size_t len);
static int rs_lf_add(rs_logformat *lf, int var, const char *lit, size_t len);
static const char *rs_lf_find(int var, const char *p, const char *end,
    const rs_lf_token *next, int *passed);
static int rs_name_char(char c);
static void rs_lf_mark_spaceless(rs_logformat *lf);


const char *
rs_var_name(rs_var v)
{
    return v < RS_V_OTHER ? rs_var_names[v] : "other";
}


static int
rs_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}


/* rs_var of a known name, RS_V_OTHER for one that is skipped, -1 unknown. */
static int
rs_var_lookup(const char *name, size_t len)
{
    size_t  i, n;

    for (i = 0; i < RS_V_OTHER; i++) {
        if (strlen(rs_var_names[i]) == len
            && memcmp(rs_var_names[i], name, len) == 0)
        {
            return (int) i;
        }
    }

    for (i = 0; i < sizeof(rs_other_vars) / sizeof(rs_other_vars[0]); i++) {
        if (strlen(rs_other_vars[i]) == len
            && memcmp(rs_other_vars[i], name, len) == 0)
        {
            return RS_V_OTHER;
        }
    }

    for (i = 0; i < sizeof(rs_var_prefixes) / sizeof(rs_var_prefixes[0]); i++)
    {
        n = strlen(rs_var_prefixes[i]);
        if (len > n && memcmp(rs_var_prefixes[i], name, n) == 0) {
            return RS_V_OTHER;
        }
    }

    /* $1..$9: regex captures of a map or location */
    if (len == 1 && name[0] >= '1' && name[0] <= '9') {
        return RS_V_OTHER;
    }

    return -1;
}


static int
rs_lf_add(rs_logformat *lf, int var, const char *lit, size_t len)
{
    if (lf->ntok == RS_LF_MAX_TOKENS) {
        return -1;
    }

    lf->tok[lf->ntok].var = var;
    lf->tok[lf->ntok].lit = lit;
    lf->tok[lf->ntok].len = len;
    lf->ntok++;

    return 0;
}


int
rs_logformat_compile(rs_logformat *lf, const char *fmt, char *err,
    size_t errlen)
{
    size_t       i, n, len = strlen(fmt), tlen = 0, lit = 0;
    const char  *name;
    int          var, braces, prev_var = -1;

    memset(lf, 0, sizeof(rs_logformat));

    if (len == 0 || len >= sizeof(lf->text)) {
        snprintf(err, errlen, "log format is %s", len ? "too long" : "empty");
        return -1;
    }

    for (i = 0; i <= len; i++) {

        if (i < len && fmt[i] != '$') {
            lf->text[tlen++] = fmt[i];
            continue;
        }

        if (tlen > lit) {
            if (rs_lf_add(lf, -1, lf->text + lit, tlen - lit)) {
                goto too_many;
            }
            prev_var = -1;
        }

        if (i == len) {
            break;
        }

        lit = tlen;
        braces = fmt[i + 1] == '{';
        name = fmt + i + 1 + braces;

        for (n = 0; rs_name_char(name[n]); n++) {
            /* skip */
        }

        if (n == 0) {
            snprintf(err, errlen, "invalid character \"%c\" after \"$\" at"
                     " column %zu", name[0] ? name[0] : ' ',
                     (size_t) (name - fmt) + 1);
            return -1;
        }

        if (braces && name[n] != '}') {
            snprintf(err, errlen, "variable \"${%.*s\" is missing its \"}\""
                     " at column %zu", (int) n, name, i + 1);
            return -1;
        }

        var = rs_var_lookup(name, n);

        if (var < 0) {
            snprintf(err, errlen, "unknown variable \"$%.*s\" at column %zu",
                     (int) n, name, i + 1);
            return -1;
        }

        if (prev_var >= 0) {
            snprintf(err, errlen, "variable \"$%.*s\" at column %zu follows"
                     " another variable with nothing between them", (int) n,
                     name, i + 1);
            return -1;
        }

        if (rs_lf_add(lf, var, NULL, 0)) {
            goto too_many;
        }

        lf->has[var] = 1;
        prev_var = var;
        i = (size_t) (name - fmt) + n + braces - 1;
    }

    rs_lf_mark_spaceless(lf);

    return 0;

too_many:

    snprintf(err, errlen, "log format has more than %d parts",
             RS_LF_MAX_TOKENS);
    return -1;
}


/*
 * An address, a host, a status or a byte count never holds a space: Apache's
 * vhost_combined ("host:443 10.0.0.1 - - [...") is not combined with an
 * address "host:443 10.0.0.1", nor the vhost layout a combined line with a
 * host "10.0.0.1 - - [21/Nov/2026", nor `common` (whose byte count ends the
 * line) a longer layout's line.  Marked once here, so a line's split checks
 * only those values, and only where the next literal does not settle it.
 */
static void
rs_lf_mark_spaceless(rs_logformat *lf)
{
    rs_lf_token  *t;
    int           i;

    for (i = 0; i < lf->ntok; i++) {
        t = &lf->tok[i];
        t->spaceless = t->var == RS_V_REMOTE_ADDR || t->var == RS_V_HOST
                       || t->var == RS_V_STATUS
                       || t->var == RS_V_BODY_BYTES_SENT
                       || t->var == RS_V_BYTES_SENT;
        t->before_space = i + 1 < lf->ntok && lf->tok[i + 1].var < 0
                          && lf->tok[i + 1].len > 0
                          && lf->tok[i + 1].lit[0] == ' ';
    }
}


/*
 * Where a variable's text ends: at the next literal.  Lists of upstream
 * values ("10.0.0.1:80, 10.0.0.2:80", "502 : 200") carry ", " and " : "
 * themselves, so a separator that is part of such a list is passed over.
 */
static const char *
rs_lf_find(int var, const char *p, const char *end, const rs_lf_token *next,
    int *passed)
{
    const char  *q = p;
    int          list;

    *passed = 0;

    list = var == RS_V_UPSTREAM_ADDR || var == RS_V_UPSTREAM_STATUS
           || var == RS_V_UPSTREAM_RESPONSE_TIME;

    /* $time_local holds a space: its width is fixed */
    if (var == RS_V_TIME_LOCAL && end - p >= 26) {
        q = p + 26;
        return (size_t) (end - q) >= next->len
               && memcmp(q, next->lit, next->len) == 0 ? q : NULL;
    }

    for ( ;; ) {
        /* memchr for the first byte, then compare: literals are short and
           memmem's setup cost more than the search on every line */
        for ( ;; ) {
            q = memchr(q, next->lit[0], (size_t) (end - q));
            if (q == NULL || next->len == 1
                || ((size_t) (end - q) >= next->len
                    && memcmp(q + 1, next->lit + 1, next->len - 1) == 0))
            {
                break;
            }
            q++;
            *passed = 1;
        }

        if (q == NULL || !list) {
            return q;
        }

        if (q > p && (q[-1] == ',' || (end - q >= 2 && q[1] == ':')
                      || q[-1] == ':'))
        {
            q++;
            continue;
        }

        return q;
    }
}


int
rs_logformat_split(const rs_logformat *lf, const char *p, size_t len,
    rs_lf_values *out)
{
    const char         *end = p + len, *q;
    const rs_lf_token  *t;
    int                 i, passed;

    memset(out, 0, sizeof(rs_lf_values));

    for (i = 0; i < lf->ntok; i++) {
        t = &lf->tok[i];

        if (t->var < 0) {
            if ((size_t) (end - p) < t->len || memcmp(p, t->lit, t->len) != 0)
            {
                return -1;
            }
            p += t->len;
            continue;
        }

        passed = 0;

        if (i + 1 == lf->ntok) {
            /* a last value that holds no space ends at one when the line
               may go on (rs_logformat_allow_more) */
            q = lf->more && t->spaceless ? memchr(p, ' ', (size_t) (end - p))
                                         : NULL;
            q = q != NULL ? q : end;

        } else {
            q = rs_lf_find(t->var, p, end, &lf->tok[i + 1], &passed);
            if (q == NULL) {
                return -1;
            }
        }

        /* rs_lf_mark_spaceless: before a literal that starts with a space
           the value holds one only if the search passed one over */
        if (t->spaceless && (passed || !t->before_space)
            && memchr(p, ' ', (size_t) (q - p)) != NULL)
        {
            return -1;
        }

        out->v[t->var].p = p;
        out->v[t->var].len = (size_t) (q - p);
        p = q;
    }

    return p == end || (lf->more && *p == ' ') ? 0 : -1;
}


void
rs_logformat_allow_more(rs_logformat *lf)
{
    lf->more = lf->ntok > 0 && (lf->tok[lf->ntok - 1].var < 0
                                || lf->tok[lf->ntok - 1].spaceless);
}
