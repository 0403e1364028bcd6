/*
 * parse_other.c - HAProxy, Java and generic lines; the parser table.
 */

#include <stdio.h>
#include <string.h>

#include "parse.h"


/* Apache's `common` (the Common Log Format, `%l` as $1), which the
   other Apache access layouts extend */
#define RS_APACHE_COMMON                                                     \
    "$remote_addr $1 $remote_user [$time_local] \"$request\" $status"        \
    " $body_bytes_sent"
#define RS_APACHE_REFERER_AGENT  " \"$http_referer\" \"$http_user_agent\""


static size_t rs_leading_time(const char *p, size_t len, rs_ts *ts);


int
rs_parser_init(rs_parser *ps, const char *layout, char *err, size_t errlen)
{
    memset(ps, 0, sizeof(rs_parser));

    if (rs_logformat_compile(&ps->apache[0], RS_APACHE_COMMON
                             RS_APACHE_REFERER_AGENT " $request_completion",
                             err, errlen) != 0
        || rs_logformat_compile(&ps->apache[1], "$host:$2 " RS_APACHE_COMMON
                                RS_APACHE_REFERER_AGENT, err, errlen) != 0
        || rs_logformat_compile(&ps->apache[2], RS_APACHE_COMMON
                                RS_APACHE_REFERER_AGENT, err, errlen) != 0
        || rs_logformat_compile(&ps->apache[3], RS_APACHE_COMMON, err, errlen)
           != 0
        || rs_logformat_compile(&ps->apache[4], RS_APACHE_COMMON, err, errlen)
           != 0)
    {
        return -1;
    }

    rs_logformat_allow_more(&ps->apache[4]);

    ps->default_layout = layout == NULL;

    if (layout == NULL
        && (rs_logformat_compile(&ps->main, RS_LOGFORMAT_COMBINED
                                 " \"$http_x_forwarded_for\"", err, errlen)
            != 0
            || rs_logformat_compile(&ps->ingress, RS_LOGFORMAT_INGRESS, err,
                                    errlen) != 0
            || rs_logformat_compile(&ps->longer, RS_LOGFORMAT_COMBINED, err,
                                    errlen) != 0))
    {
        return -1;
    }

    rs_logformat_allow_more(&ps->longer);

    return rs_logformat_compile(&ps->layout,
                                layout ? layout : RS_LOGFORMAT_COMBINED,
                                err, errlen);
}


void
rs_parsed_reset(rs_parsed *out)
{
    memset(out, 0, sizeof(rs_parsed));
    out->status = -1;
    out->body_bytes = -1;
    out->content_length = -1;
    out->ms = -1;
    out->request_ms = -1;
    out->upstream_ms = -1;
    out->logged_class = RG_CLASS_NONE;
}


void
rs_parsed_time(rs_parsed *out)
{
    if (!out->ts.valid && out->ts_parse != NULL
        && out->ts_parse(out->ts_text.p, out->ts_text.len, &out->ts) == 0)
    {
        out->ts.valid = 0;
    }
}


rg_str
rs_request_path(rg_str request)
{
    rg_str       path = { NULL, 0 };
    const char  *p = request.p, *end, *q;

    /* NULL + 0 is undefined too (make fuzz, target log_format) */
    if (p == NULL) {
        return path;
    }

    end = p + request.len;

    q = memchr(p, ' ', request.len);
    if (q == NULL) {
        return path;
    }

    /* the path ends at the next space, or before at a '?' */
    p = q + 1;
    q = memchr(p, ' ', (size_t) (end - p));
    if (q != NULL) {
        end = q;
    }
    q = memchr(p, '?', (size_t) (end - p));

    path.p = p;
    path.len = (size_t) ((q ? q : end) - p);

    return path;
}


const char *
rs_token(const char *p, const char *end, rg_str *tok)
{
    const char  *q;

    while (p < end && *p == ' ') {
        p++;
    }

    if (p == end) {
        return NULL;
    }

    q = memchr(p, ' ', (size_t) (end - p));
    if (q == NULL) {
        q = end;
    }

    tok->p = p;
    tok->len = (size_t) (q - p);

    return q;
}


/*
 * HTTP log (option httplog; option httpslog adds TLS fields after the
 * request):
 *   10.0.0.1:52000 [21/Nov/2026:10:00:00.123] fe be/srv 10/0/30/-1/40 -1 0
 *       - - CD-- 1/1/0/0/0 0/0 "GET /x HTTP/1.1"
 * TCP log (option tcplog): three timers Tw/Tc/Tt, no status, a
 * two-letter termination state:
 *   10.0.0.1:52000 [21/Nov/2026:10:00:00.123] fe be/srv 0/0/5007 212 --
 *       0/0/0/0/3 0/0
 */
static int rs_haproxy_timers(rg_str t, int n, rs_parsed *out);
static int rs_haproxy_conn_error(const char *p, size_t len, const rg_str *t,
    rs_parsed *out);
static void rs_haproxy_client(rg_str addr, rs_parsed *out);
static size_t rs_haproxy_slashes(rg_str field);


int
rs_parse_haproxy(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    const char  *end = p + len, *q = p, *r;
    rg_str       t[10];
    int          i, tcp;
    size_t       slashes;

    (void) ps;
    rs_parsed_reset(out);

    for (i = 0; i < 3; i++) {
        q = rs_token(q, end, &t[i]);
        if (q == NULL) {
            return -1;
        }
    }

    if (t[1].len < 22 || t[1].p[0] != '['
        || t[1].p[t[1].len - 1] != ']'
        || rs_time_haproxy(t[1].p + 1, t[1].len - 2, &out->ts)
           != t[1].len - 2)
    {
        return -1;
    }

    /* a connection error: "FE/BIND: message" where a log has the
       frontend's name */
    if (t[2].len > 1 && t[2].p[t[2].len - 1] == ':'
        && memchr(t[2].p, '/', t[2].len) != NULL)
    {
        return rs_haproxy_conn_error(p, len, t, out);
    }

    for (i = 3; i < 5; i++) {
        q = rs_token(q, end, &t[i]);
        if (q == NULL) {
            return -1;
        }
    }

    slashes = rs_haproxy_slashes(t[4]);

    if (slashes != 4 && slashes != 2) {
        return -1;
    }
    tcp = slashes == 2;

    /* HTTP: status bytes cookie cookie state; TCP: bytes state conns */
    for (i = 5; i < (tcp ? 8 : 10); i++) {
        q = rs_token(q, end, &t[i]);
        if (q == NULL) {
            return -1;
        }
    }

    if (tcp) {
        if (t[6].len != 2 || rs_haproxy_slashes(t[7]) != 4
            || rs_haproxy_timers(t[4], 3, out) != 0)
        {
            return -1;
        }
        t[9] = t[6];
        t[5].len = 0;

    } else {
        if (t[9].len != 4 || t[5].len == 0) {
            return -1;
        }
        rs_haproxy_timers(t[4], 5, out);
    }

    rs_haproxy_client(t[0], out);

    out->f.f[RG_FIELD_MESSAGE] = t[9];
    out->f.f[RG_FIELD_TERMINATION] = t[9];
    if (t[5].len > 0) {
        out->f.f[RG_FIELD_STATUS] = t[5];
    }
    out->f.f[RG_FIELD_UPSTREAM] = t[3];
    out->status = -1;

    if (t[5].len == 3 && t[5].p[0] >= '0' && t[5].p[0] <= '9') {
        out->status = (t[5].p[0] - '0') * 100 + (t[5].p[1] - '0') * 10
                      + (t[5].p[2] - '0');
    }

    /* the request: the first quoted field after the state, to its last
       quote (httpslog writes TLS fields after it) */
    q = tcp ? NULL : memchr(q, '"', (size_t) (end - q));
    r = q ? memrchr(q + 1, '"', (size_t) (end - q - 1)) : NULL;
    if (r != NULL) {
        out->f.f[RG_FIELD_REQUEST].p = q + 1;
        out->f.f[RG_FIELD_REQUEST].len = (size_t) (r - q - 1);
    }

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}


/* The '/'s of a field: how many timers or counters it holds, less one. */
static size_t
rs_haproxy_slashes(rg_str field)
{
    size_t  i, n = 0;

    for (i = 0; i < field.len; i++) {
        n += field.p[i] == '/';
    }

    return n;
}


/* 10.0.0.1:52000, ::1:52000: the client without the port, which follows
   the last colon. */
static void
rs_haproxy_client(rg_str addr, rs_parsed *out)
{
    const char  *r = memrchr(addr.p, ':', addr.len);

    out->f.f[RG_FIELD_CLIENT].p = addr.p;
    out->f.f[RG_FIELD_CLIENT].len = r ? (size_t) (r - addr.p) : addr.len;
}


/*
 * A connection that ended before it carried a request is logged in
 * HAProxy's error-log format, the frontend and the listener ("bind")
 * and the error in words (conn_err_code_str in HAProxy's connection.c):
 *   10.0.0.1:52000 [21/Nov/2026:10:00:00.123] fe_https/1: Connection
 *       closed during SSL handshake
 * The words are the message; there is no termination state, status,
 * server or request.
 */
static int
rs_haproxy_conn_error(const char *p, size_t len, const rg_str *t,
    rs_parsed *out)
{
    const char  *end = p + len, *m;

    m = t[2].p + t[2].len;
    while (m < end && *m == ' ') {
        m++;
    }
    while (end > m && end[-1] == ' ') {
        end--;
    }

    if (m == end) {
        return -1;
    }

    rs_haproxy_client(t[0], out);

    out->f.f[RG_FIELD_MESSAGE].p = m;
    out->f.f[RG_FIELD_MESSAGE].len = (size_t) (end - m);
    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;
    out->status = -1;

    return 0;
}


/*
 * HAProxy's timers "Tq/Tw/Tc/Tr/Ta" (TR/Tw/Tc/Tr/Ta since 1.7; n = 5) or,
 * in a TCP log, "Tw/Tc/Tt" (n = 3): the last is the session's total
 * (active) time, the HTTP log's fourth the server's response time, in ms;
 * -1 when that phase was not reached, and "+" before the last with
 * `option logasap`.  They feed the findings as $request_time and
 * $upstream_response_time would (an abort at a fixed total time is an
 * idle timeout).  Left unknown unless all read: -1 then.
 */
static int
rs_haproxy_timers(rg_str t, int n, rs_parsed *out)
{
    const char  *p = t.p, *end = t.p + t.len;
    int64_t      v[5];
    int          i, neg;
    size_t       digits;
    uint64_t     u;
    rg_str       num;

    for (i = 0; i < n; i++) {
        v[i] = 0;
        neg = 0;

        if (p < end && (*p == '-' || *p == '+')) {
            neg = *p++ == '-';
        }

        /* 12 digits at most: HAProxy's timers are milliseconds */
        num.p = p;
        num.len = (size_t) (end - p);
        digits = rg_str_digits(num, 999999999999ULL, &u);
        v[i] = digits ? (int64_t) u : 0;
        p += digits;

        if (digits == 0 || (i < n - 1 && (p == end || *p++ != '/'))) {
            return -1;
        }

        v[i] = neg ? -1 : v[i];
    }

    if (p != end) {
        return -1;
    }

    out->request_ms = v[n - 1];
    if (n == 5) {
        out->upstream_ms = v[3];
    }

    return 0;
}


/*
 * A Tomcat, Logback/Log4j or ISO timestamp at the start of a line, a time
 * of day alone (Logback's and Log4j2's default patterns, WildFly's
 * console), or java.util.logging's "Nov 21, 2026 10:00:00 AM".
 */
static size_t
rs_leading_time(const char *p, size_t len, rs_ts *ts)
{
    size_t  n;

    if (len < 13) {
        return 0;
    }

    if (p[2] == ':') {
        return rs_time_of_day(p, len);
    }

    if (len < 19) {
        return 0;
    }

    if (p[4] == '-') {
        return rs_time_iso(p, len, ts);
    }

    if (p[2] == '-') {
        return rs_time_tomcat(p, len, ts);
    }

    if (p[3] == ' ') {
        return rs_time_jul(p, len, ts);
    }

    /* WebLogic's server log "####<Nov 21, 2026 10:00:03,412 AM CET>
       <Error> ..." up to a line ">", and its console "<Nov 21, ..." */
    if (p[0] == '#' && memcmp(p, "####<", 5) == 0
        && (n = rs_time_jul(p + 5, len - 5, ts)) != 0)
    {
        return n + 5;
    }

    if (p[0] == '<' && (n = rs_time_jul(p + 1, len - 1, ts)) != 0) {
        return n + 1;
    }

    /* WebSphere's SystemOut.log "[11/21/26 10:00:04:412 CET] 0000004a" */
    if (p[1] == '/' || p[2] == '/') {
        return rs_time_websphere(p, len, ts);
    }

    /* GlassFish's and Payara's uniform log format: "[#|2026-11-21T10:00:
       03.412+0100|WARNING|..." up to a line "|#]" */
    if (p[0] == '[' && p[1] == '#' && p[2] == '|'
        && (n = rs_time_iso(p + 3, len - 3, ts)) != 0)
    {
        return n + 3;
    }

    if (p[0] == '[' && (n = rs_leading_time(p + 1, len - 1, ts)) != 0) {
        return n + 1;
    }

    return 0;
}


/* " [thread]" or " LEVEL " after a time of day. */
static int
rs_java_after_time_of_day(const char *p, size_t len)
{
    static const char *const  levels[] = {
        "TRACE ", "DEBUG ", "INFO ", "WARN ", "WARNING ", "ERROR ",
        "FATAL ", "SEVERE ",
    };
    size_t                    i, n;

    if (len < 3 || p[0] != ' ') {
        return 0;
    }

    if (p[1] == '[') {
        return 1;
    }

    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        n = strlen(levels[i]);
        if (len > n && memcmp(p + 1, levels[i], n) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Log4j2's JsonLayout writes the time as seconds since the epoch:
 * "instant":{"epochSecond":1795255203,"nanoOfSecond":...} since 2.11,
 * "timeMillis":1795255203412 before.  1 with the time (UTC), else 0.
 */
static int
rs_java_json_epoch(const char *p, size_t len, rs_ts *ts)
{
    static const struct {
        const char  *key;
        uint64_t     per_sec;
    } keys[] = {
        { "\"instant\":{\"epochSecond\":", 1 },
        { "\"timeMillis\":", 1000 },
    };
    const char  *t;
    rg_str       num;
    uint64_t     v;
    size_t       i, n;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        n = strlen(keys[i].key);
        t = memmem(p, len, keys[i].key, n);
        if (t == NULL) {
            continue;
        }

        num.p = t + n;
        num.len = (size_t) (p + len - num.p);
        if (rg_str_digits(num, 999999999999999ULL, &v) == 0) {
            continue;
        }

        rs_ts_utc(ts, (int64_t) (v / keys[i].per_sec));
        return 1;
    }

    return 0;
}


/*
 * A Java logger's JSON line (logstash-logback-encoder: "@timestamp",
 * "logger_name", the trace in "stack_trace"; ECS: "log.logger",
 * "error.stack_trace"; Log4j2's JsonLayout: "loggerName", the exception
 * in "thrown") is a record of its own, read as it stands: the
 * rules find the exception in its escaped text.  1 with its time, 0 when
 * the line is no such object.
 */
static int
rs_java_json(const char *p, size_t len, rs_ts *ts)
{
    static const char *const  times[] = { "\"@timestamp\":\"",
                                          "\"timestamp\":\"" };
    const char               *t;
    size_t                    i, n;

    if (len < 2 || p[0] != '{' || !rs_java_json_logger(p, len)) {
        return 0;
    }

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        n = strlen(times[i]);
        t = memmem(p, len, times[i], n);
        if (t != NULL && rs_time_iso(t + n, (size_t) (p + len - t - n), ts)
                         != 0)
        {
            return 1;
        }
    }

    return rs_java_json_epoch(p, len, ts);
}


int
rs_java_json_logger(const char *p, size_t len)
{
    static const char *const  keys[] = { "\"logger_name\":\"",
                                         "\"log.logger\":\"",
                                         "\"loggerName\":\"" };
    size_t                    i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (memmem(p, len, keys[i], strlen(keys[i])) != NULL) {
            return 1;
        }
    }

    return 0;
}


int
rs_parse_java(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    size_t  n;

    (void) ps;
    rs_parsed_reset(out);

    out->f.f[RG_FIELD_MESSAGE].p = p;
    out->f.f[RG_FIELD_MESSAGE].len = len;
    out->f.f[RG_FIELD_LINE] = out->f.f[RG_FIELD_MESSAGE];

    if (len > 0 && p[0] == '{') {
        return rs_java_json(p, len, &out->ts);
    }

    n = rs_leading_time(p, len, &out->ts);

    /* a time of day alone starts too many lines of other programs: only
       as Logback and Log4j2 ("[thread] LEVEL") and WildFly ("LEVEL [")
       go on after it */
    if (n != 0 && p[2] == ':' && !rs_java_after_time_of_day(p + n, len - n)) {
        return 0;
    }

    /* a record's first line: the time, then a space (or "]"); Jetty's
       StdErrLog writes "2026-11-21 10:00:00.123:WARN:oejs...", the level
       after a colon; GlassFish "[#|time|" */
    return n != 0 && n + 1 < len
           && (p[n] == ' ' || p[n] == ']'
               || (p[n] == ':' && p[n + 1] >= 'A' && p[n + 1] <= 'Z')
               || (p[n] == '|' && p[1] == '#'))
           ? 1 : 0;
}


int
rs_parse_generic(rs_parser *ps, const char *p, size_t len, rs_parsed *out)
{
    (void) ps;
    rs_parsed_reset(out);

    out->f.f[RG_FIELD_MESSAGE].p = p;
    out->f.f[RG_FIELD_MESSAGE].len = len;
    out->f.f[RG_FIELD_LINE] = out->f.f[RG_FIELD_MESSAGE];

    rs_leading_time(p, len, &out->ts);

    return 0;
}


rg_str
rs_parse_keep(rs_parser *ps, size_t *at, const char *s, size_t n)
{
    rg_str  out = { NULL, 0 };

    if (s == NULL || n == 0 || *at + n > sizeof(ps->scratch)) {
        return out;
    }

    memcpy(ps->scratch + *at, s, n);
    out.p = ps->scratch + *at;
    out.len = n;
    *at += n;

    return out;
}
