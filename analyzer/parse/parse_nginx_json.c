/*
 * parse_nginx_json.c - nginx access lines written by a JSON layout that
 * nobody described to rstscan (no --log-format, no nginx.conf naming it):
 *
 *   log_format json escape=json '{"time":"$time_iso8601",'
 *       '"remote_addr":"$remote_addr","request":"$request",'
 *       '"status":"$status","body_bytes_sent":"$body_bytes_sent",...}';
 *
 * Such layouts are written for a log shipper (Loki, Elasticsearch), and
 * their keys are the variables' names, or a few names shippers settled
 * on (@timestamp, client_ip, method + uri).  Each key rstscan knows
 * gives its variable's value (a string, or a number nginx wrote without
 * quotes), and the line is then read as a layout with those variables
 * (rs_parse_values).  A line is taken only with a status and a request
 * (or its method and URI) and without Caddy's "logger": any other JSON
 * is not an nginx access line.  The values are copied into the parser's
 * scratch buffer, so they stay valid until the next line.
 */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"


typedef struct {
    const char  *key;
    int          var;           /* rs_var; -1: a request part */
    int          part;          /* 0 method, 1 URI, 2 protocol */
} rs_json_key;

/* The keys, variables' names first; of two keys of one variable the
   first in the line counts. */
static const rs_json_key  rs_json_keys[] = {
    { "remote_addr", RS_V_REMOTE_ADDR, 0 },
    { "client_ip", RS_V_REMOTE_ADDR, 0 },
    { "client", RS_V_REMOTE_ADDR, 0 },
    { "remote_ip", RS_V_REMOTE_ADDR, 0 },
    { "remote_user", RS_V_REMOTE_USER, 0 },
    { "time_local", RS_V_TIME_LOCAL, 0 },
    { "time_iso8601", RS_V_TIME_ISO8601, 0 },
    { "@timestamp", RS_V_TIME_ISO8601, 0 },
    { "timestamp", RS_V_TIME_ISO8601, 0 },
    { "time", RS_V_TIME_ISO8601, 0 },
    { "msec", RS_V_MSEC, 0 },
    { "request", RS_V_REQUEST, 0 },
    { "request_method", -1, 0 },
    { "method", -1, 0 },
    { "request_uri", -1, 1 },
    { "uri", -1, 1 },
    { "server_protocol", -1, 2 },
    { "protocol", -1, 2 },
    { "status", RS_V_STATUS, 0 },
    { "body_bytes_sent", RS_V_BODY_BYTES_SENT, 0 },
    { "bytes_sent", RS_V_BYTES_SENT, 0 },
    { "request_time", RS_V_REQUEST_TIME, 0 },
    { "upstream_response_time", RS_V_UPSTREAM_RESPONSE_TIME, 0 },
    { "upstream_status", RS_V_UPSTREAM_STATUS, 0 },
    { "upstream_addr", RS_V_UPSTREAM_ADDR, 0 },
    { "upstream", RS_V_UPSTREAM_ADDR, 0 },
    { "request_completion", RS_V_REQUEST_COMPLETION, 0 },
    { "sent_http_content_length", RS_V_SENT_HTTP_CONTENT_LENGTH, 0 },
    { "http_referer", RS_V_HTTP_REFERER, 0 },
    { "http_referrer", RS_V_HTTP_REFERER, 0 },
    { "http_user_agent", RS_V_HTTP_USER_AGENT, 0 },
    { "user_agent", RS_V_HTTP_USER_AGENT, 0 },
    { "request_length", RS_V_REQUEST_LENGTH, 0 },
    { "host", RS_V_HOST, 0 },
    { "http_host", RS_V_HOST, 0 },
    { "rstguard_class", RS_V_RSTGUARD_CLASS, 0 },
};

#define RS_JSON_NKEYS  (sizeof(rs_json_keys) / sizeof(rs_json_keys[0]))


/*
 * A value's text at *at in the scratch: a string as it is, a number as
 * nginx would have written it; {NULL, 0} for anything else or when the
 * scratch is full.
 */
static rg_str
rs_json_text(rs_parser *ps, size_t *at, json_t *v)
{
    char          num[48];
    const char   *s;
    size_t        n;
    rg_str        out = { NULL, 0 };

    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);

    } else if (json_is_integer(v)) {
        n = (size_t) snprintf(num, sizeof(num), "%lld",
                              (long long) json_integer_value(v));
        s = num;

    } else if (json_is_real(v)) {
        n = (size_t) snprintf(num, sizeof(num), "%.3f", json_real_value(v));
        s = num;

    } else {
        return out;
    }

    if (s == num && n >= sizeof(num)) {
        return out;
    }

    return rs_parse_keep(ps, at, s, n);
}


int
rs_parse_nginx_json(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    json_error_t   je;
    json_t        *doc, *v;
    rs_lf_values   vals;
    rs_ts          ts;
    const char    *part[3];
    rg_str         text;
    unsigned       has[RS_V_COUNT];
    size_t         at = 0, i;
    int            rc;

    if (len < 2 || p[0] != '{' || p[len - 1] != '}') {
        return -1;
    }

    doc = json_loadb(p, len, 0, &je);
    if (!json_is_object(doc) || json_object_get(doc, "logger") != NULL) {
        json_decref(doc);
        return -1;
    }

    memset(&vals, 0, sizeof(vals));
    memset(has, 0, sizeof(has));
    memset(part, 0, sizeof(part));

    /* the status first: the scratch may fill up with long values */
    for (i = 0; i < RS_JSON_NKEYS; i++) {
        v = json_object_get(doc, rs_json_keys[i].key);
        if (v == NULL) {
            continue;
        }

        if (rs_json_keys[i].var < 0) {
            if (part[rs_json_keys[i].part] == NULL) {
                part[rs_json_keys[i].part] = json_string_value(v);
            }
            continue;
        }

        if (has[rs_json_keys[i].var]) {
            continue;
        }

        text = rs_json_text(ps, &at, v);
        if (text.p == NULL) {
            continue;
        }

        vals.v[rs_json_keys[i].var] = text;
        has[rs_json_keys[i].var] = 1;
    }

    /* the parts are the document's strings: joined before it goes */
    if (!has[RS_V_REQUEST]) {
        vals.v[RS_V_REQUEST] = rs_scratch_request(ps, &at, part);
        has[RS_V_REQUEST] = vals.v[RS_V_REQUEST].p != NULL;
    }

    json_decref(doc);

    if (!has[RS_V_STATUS] || !has[RS_V_REQUEST]) {
        return -1;
    }

    /* "time" or "@timestamp" may hold $time_local's text */
    text = vals.v[RS_V_TIME_ISO8601];
    if (has[RS_V_TIME_ISO8601] && !has[RS_V_TIME_LOCAL]
        && rs_time_iso(text.p, text.len, &ts) != text.len
        && rs_time_local(text.p, text.len, &ts) == text.len)
    {
        vals.v[RS_V_TIME_LOCAL] = text;
        has[RS_V_TIME_LOCAL] = 1;
        has[RS_V_TIME_ISO8601] = 0;
    }

    rs_parsed_reset(out);
    rc = rs_parse_values(ps, has, &vals, p, len, out);

    /* a time in no layout nginx writes is no time: the record stays */
    if (rc != 0 && (has[RS_V_TIME_ISO8601] || has[RS_V_TIME_LOCAL])) {
        has[RS_V_TIME_ISO8601] = 0;
        has[RS_V_TIME_LOCAL] = 0;
        rs_parsed_reset(out);
        rc = rs_parse_values(ps, has, &vals, p, len, out);
    }

    return rc;
}
