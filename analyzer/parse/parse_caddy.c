/*
 * parse_caddy.c - Caddy's JSON logs, one object a line: the access log
 * (logger "http.log.access...", msg "handled request") and the error and
 * reverse-proxy loggers of the same stream:
 *
 *   {"level":"info","ts":1763719200.123,"logger":"http.log.access.log0",
 *    "msg":"handled request","request":{"remote_ip":"203.0.113.7",
 *    "client_ip":"203.0.113.7","proto":"HTTP/2.0","method":"GET",
 *    "host":"example.com","uri":"/video.mp4","headers":{"User-Agent":
 *    ["Mozilla/5.0"]}},"duration":1.25,"size":65536,"status":499}
 *
 * Caddy logs status 499 when a client left a proxied request before the
 * response began (0 in releases before 2.11), and the reverse proxy's own
 * lines say what broke ("context canceled", "connect: connection refused",
 * "aborting with incomplete response" with "write: broken pipe" or
 * "unexpected EOF").  The message the rules match (rules/caddy.yaml) is
 * msg, followed by ": " and the error field when there is one.
 *
 * The line is parsed with jansson; the fields are copied into the
 * parser's scratch buffer, so they stay valid until the next line.
 */

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "parse.h"


static rg_str
rs_caddy_string(rs_parser *ps, size_t *at, json_t *v)
{
    return json_is_string(v)
           ? rs_parse_keep(ps, at, json_string_value(v),
                             json_string_length(v))
           : (rg_str) { NULL, 0 };
}


/* The client: client_ip, else remote_ip, else remote_addr without port. */
static rg_str
rs_caddy_client(rs_parser *ps, size_t *at, json_t *req)
{
    json_t      *v;
    const char  *s, *colon;
    size_t       n;

    v = json_object_get(req, "client_ip");
    if (!json_is_string(v) || json_string_length(v) == 0) {
        v = json_object_get(req, "remote_ip");
    }
    if (json_is_string(v) && json_string_length(v) > 0) {
        return rs_caddy_string(ps, at, v);
    }

    v = json_object_get(req, "remote_addr");
    if (!json_is_string(v)) {
        return (rg_str) { NULL, 0 };
    }

    s = json_string_value(v);
    n = json_string_length(v);
    colon = memrchr(s, ':', n);
    if (colon != NULL && s[0] != '[') {
        n = (size_t) (colon - s);
    } else if (s[0] == '[' && (colon = memchr(s, ']', n)) != NULL) {
        s++;
        n = (size_t) (colon - s);
    }

    return rs_parse_keep(ps, at, s, n);
}


rg_str
rs_scratch_request(rs_parser *ps, size_t *at, const char *const part[3])
{
    rg_str  out;
    size_t  start = *at, i, n;

    if (part[0] == NULL || part[1] == NULL) {
        return (rg_str) { NULL, 0 };
    }

    for (i = 0; i < 3 && part[i] != NULL; i++) {
        n = strlen(part[i]);
        if (*at + n + 1 > sizeof(ps->scratch)) {
            break;
        }
        if (i > 0) {
            ps->scratch[(*at)++] = ' ';
        }
        memcpy(ps->scratch + *at, part[i], n);
        *at += n;
    }

    out.p = ps->scratch + start;
    out.len = *at - start;

    return out;
}


/* "METHOD URI PROTO" from the request object. */
static rg_str
rs_caddy_request(rs_parser *ps, size_t *at, json_t *req)
{
    const char  *part[3];

    part[0] = json_string_value(json_object_get(req, "method"));
    part[1] = json_string_value(json_object_get(req, "uri"));
    part[2] = json_string_value(json_object_get(req, "proto"));

    return rs_scratch_request(ps, at, part);
}


/* the longest "duration" taken for a request's time, in seconds */
#define RS_CADDY_MAX_DURATION  (366.0 * 24 * 3600)

/* ts: seconds since 1970 as a number, or an ISO 8601 string. */
static int
rs_caddy_time(json_t *ts, rs_parsed *out)
{
    double  t;

    if (json_is_string(ts)) {
        return rs_time_iso(json_string_value(ts), json_string_length(ts),
                           &out->ts) > 0 ? 0 : -1;
    }

    if (!json_is_number(ts)) {
        return -1;
    }

    t = json_number_value(ts);
    if (!(t > 0 && t < 32503680000.0)) {
        return -1;
    }

    rs_ts_utc(&out->ts, (int64_t) t);
    out->ms = (int) ((t - floor(t)) * 1000);

    return 0;
}


/* Is logger one whose lines are about requests (http.*, tls)? */
static int
rs_caddy_logger(const char *logger, size_t n)
{
    return (n >= 5 && memcmp(logger, "http.", 5) == 0)
           || (n == 3 && memcmp(logger, "tls", 3) == 0);
}


/*
 * The fields of one record: msg, level and logger as given (from the JSON
 * object, or the console layout's columns), the rest from doc.
 */
static void
rs_caddy_fields(rs_parser *ps, size_t at, json_t *doc, rg_str msg,
    rg_str level, rg_str logger, rs_parsed *out)
{
    json_t  *req, *v, *hdr;
    size_t   start, i;
    double   d;

    /* message: msg, then ": error" */
    start = at;
    out->f.f[RG_FIELD_MESSAGE] = rs_parse_keep(ps, &at, msg.p, msg.len);
    v = json_object_get(doc, "error");
    if (json_is_string(v) && at + 2 < sizeof(ps->scratch)) {
        ps->scratch[at++] = ':';
        ps->scratch[at++] = ' ';
        rs_caddy_string(ps, &at, v);
        out->f.f[RG_FIELD_MESSAGE].p = ps->scratch + start;
        out->f.f[RG_FIELD_MESSAGE].len = at - start;
    }

    /* the console layout writes the level in capitals */
    out->f.f[RG_FIELD_LEVEL] = rs_parse_keep(ps, &at, level.p, level.len);
    for (i = 0; i < out->f.f[RG_FIELD_LEVEL].len; i++) {
        char  *c = (char *) out->f.f[RG_FIELD_LEVEL].p + i;

        *c = (*c >= 'A' && *c <= 'Z') ? (char) (*c - 'A' + 'a') : *c;
    }
    out->f.f[RG_FIELD_MODULE] = rs_parse_keep(ps, &at, logger.p, logger.len);
    out->f.f[RG_FIELD_UPSTREAM] = rs_caddy_string(ps, &at,
                                     json_object_get(doc, "upstream"));

    v = json_object_get(doc, "status");
    if (json_is_integer(v) && json_integer_value(v) >= 0
        && json_integer_value(v) <= 999)
    {
        out->status = (int) json_integer_value(v);
        char  num[4];
        int   n = snprintf(num, sizeof(num), "%d", out->status);
        out->f.f[RG_FIELD_STATUS] = rs_parse_keep(ps, &at, num, (size_t) n);
    }

    v = json_object_get(doc, "size");
    out->body_bytes = json_is_integer(v) ? json_integer_value(v) : -1;
    /* seconds as a float; beyond a year it is no request's time (and a
       huge number would not fit the integer) */
    d = json_number_value(json_object_get(doc, "duration"));
    out->request_ms = (d > 0 && d < RS_CADDY_MAX_DURATION)
                      ? (int64_t) (d * 1000 + 0.5) : -1;

    req = json_object_get(doc, "request");
    if (json_is_object(req)) {
        out->f.f[RG_FIELD_CLIENT] = rs_caddy_client(ps, &at, req);
        out->f.f[RG_FIELD_REQUEST] = rs_caddy_request(ps, &at, req);
        out->f.f[RG_FIELD_HOST] = rs_caddy_string(ps, &at,
                                      json_object_get(req, "host"));
        hdr = json_object_get(json_object_get(req, "headers"), "User-Agent");
        out->agent = rs_caddy_string(ps, &at, json_array_get(hdr, 0));
    }
}


static rg_str
rs_caddy_json_str(json_t *v)
{
    rg_str  s = { NULL, 0 };

    if (json_is_string(v)) {
        s.p = json_string_value(v);
        s.len = json_string_length(v);
    }

    return s;
}


/* The column up to the next tab (or the end); *p moves past the tab. */
static rg_str
rs_caddy_column(const char **p, const char *end)
{
    rg_str       c;
    const char  *tab = memchr(*p, '\t', (size_t) (end - *p));

    c.p = *p;
    c.len = (size_t) ((tab ? tab : end) - *p);
    *p = tab ? tab + 1 : end;

    return c;
}


/*
 * Caddy's console encoder (`format console`, or a terminal's default):
 *   2026/11/21 10:00:01.123<TAB>ERROR<TAB>http.log.error<TAB>context
 *   canceled<TAB>{"request": {...}, "status": 502}
 * the same fields as the JSON object's, the time local and without an
 * offset; a line without a logger (the process's own) is no request's.
 */
static int
rs_parse_caddy_console(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    const char    *end = p + len, *q;
    rg_str         level, logger, msg, rest;
    json_error_t   je;
    json_t        *doc;
    size_t         n, i;

    n = rs_time_nginx_error(p, len, &out->ts);
    if (n == 0 || n + 5 > len || p[n] != '.' || p[n + 4] != '\t') {
        return -1;
    }
    for (out->ms = 0, i = 1; i < 4; i++) {
        if (p[n + i] < '0' || p[n + i] > '9') {
            return -1;
        }
        out->ms = out->ms * 10 + (p[n + i] - '0');
    }

    q = p + n + 5;
    level = rs_caddy_column(&q, end);
    logger = rs_caddy_column(&q, end);
    msg = rs_caddy_column(&q, end);
    rest.p = q;
    rest.len = (size_t) (end - q);

    if (level.len == 0 || msg.len == 0
        || !rs_caddy_logger(logger.p, logger.len))
    {
        return -1;
    }

    if (rest.len > 0) {
        doc = json_loadb(rest.p, rest.len, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(doc)) {
            json_decref(doc);
            return -1;
        }
    } else {
        doc = json_object();
    }

    rs_caddy_fields(ps, 0, doc, msg, level, logger, out);

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    json_decref(doc);

    return 0;
}


int
rs_parse_caddy(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    json_error_t  je;
    json_t       *doc;
    rg_str        logger;

    rs_parsed_reset(out);

    if (len >= 2 && p[0] >= '0' && p[0] <= '9') {
        return rs_parse_caddy_console(ps, p, len, out);
    }

    if (len < 2 || p[0] != '{') {
        return -1;
    }

    doc = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        return -1;
    }

    logger = rs_caddy_json_str(json_object_get(doc, "logger"));
    if (!json_is_object(doc) || logger.p == NULL
        || !rs_caddy_logger(logger.p, logger.len)
        || json_string_value(json_object_get(doc, "msg")) == NULL
        || rs_caddy_time(json_object_get(doc, "ts"), out) != 0)
    {
        json_decref(doc);
        return -1;
    }

    rs_caddy_fields(ps, 0, doc, rs_caddy_json_str(json_object_get(doc, "msg")),
                    rs_caddy_json_str(json_object_get(doc, "level")), logger,
                    out);

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    json_decref(doc);

    return 0;
}
