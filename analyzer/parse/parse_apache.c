/*
 * parse_apache.c - Apache error and access lines (see parse.h).
 *
 *   [Sat Nov 21 10:00:00.123456 2026] [proxy_http:error] [pid 7:tid 8]
 *       (104)Connection reset by peer: [client 10.0.0.1:5000] AH01102: ...
 *   [Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] (104)Connection
 *       reset by peer: core_output_filter: writing data to the network
 *   [Sat Nov 21 10:00:00 2026] [error] [client 1.2.3.4] [host h] ...
 *       (2.4 with ErrorLogFormat: the fields in another order)
 *
 * Apache puts the errno text before `[client A:P]`, so the message rules
 * see ("(104)Connection reset by peer: AH01102: ...") is joined in the
 * parser's scratch buffer without the `[client ...]` and `[remote ...]`
 * tags.
 */

#include <string.h>

#include "parse.h"


static const char *rs_bracket(const char *p, const char *end, rg_str *in);
static rg_str rs_strip_port(rg_str addr);
static void rs_join(rs_parser *ps, rg_str a, rg_str b, rg_str *out);
static int rs_parse_common_more(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);


/* "[...]" at p (after blanks); the text inside; NULL when not there. */
static const char *
rs_bracket(const char *p, const char *end, rg_str *in)
{
    const char  *q;

    while (p < end && *p == ' ') {
        p++;
    }

    if (p == end || *p != '[') {
        return NULL;
    }

    q = memchr(p, ']', (size_t) (end - p));
    if (q == NULL) {
        return NULL;
    }

    in->p = p + 1;
    in->len = (size_t) (q - p - 1);

    return q + 1;
}


/* "10.0.0.1:5000" -> "10.0.0.1"; "::1:5000" -> "::1". */
static rg_str
rs_strip_port(rg_str addr)
{
    size_t  i;

    for (i = addr.len; i > 0; i--) {
        if (addr.p[i - 1] == ':') {
            addr.len = i - 1;
            break;
        }
        if (addr.p[i - 1] < '0' || addr.p[i - 1] > '9') {
            break;
        }
    }

    if (addr.len > 2 && addr.p[0] == '[' && addr.p[addr.len - 1] == ']') {
        addr.p++;
        addr.len -= 2;
    }

    return addr;
}


static void
rs_join(rs_parser *ps, rg_str a, rg_str b, rg_str *out)
{
    size_t  cap = sizeof(ps->scratch), n;

    n = a.len < cap ? a.len : cap;
    memcpy(ps->scratch, a.p, n);

    if (b.len > cap - n) {
        b.len = cap - n;
    }

    memcpy(ps->scratch + n, b.p, b.len);
    out->p = ps->scratch;
    out->len = n + b.len;
}


/* Whether in[0..n) is an Apache level: "error", "warn", ..., "trace1". */
static int
rs_apache_level(const char *p, size_t n)
{
    static const char *const  levels[] = {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
    };
    size_t  i, l;

    if (n == 6 && memcmp(p, "trace", 5) == 0 && p[5] >= '1' && p[5] <= '8') {
        return 1;
    }

    for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        l = strlen(levels[i]);
        if (n == l && memcmp(p, levels[i], l) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * One bracketed field of the prefix: [module:level] (2.4), [level] (2.0 and
 * 2.2), [pid N:tid N], [client A:P], [remote A:P], [host H] (ErrorLogFormat
 * %v), or a "[X:Y]" without blanks (ErrorLogFormat's %L log ids).  Returns 1
 * for one of them, 0 for text that is the message's.
 */
static int
rs_apache_field(rg_str in, rs_parsed *out)
{
    const char  *colon;

    if (in.len > 4 && memcmp(in.p, "pid ", 4) == 0) {
        return 1;
    }

    if (in.len > 7 && memcmp(in.p, "client ", 7) == 0) {
        in.p += 7;
        in.len -= 7;
        out->f.f[RG_FIELD_CLIENT] = rs_strip_port(in);
        return 1;
    }

    if ((in.len > 7 && memcmp(in.p, "remote ", 7) == 0)
        || (in.len > 5 && memcmp(in.p, "host ", 5) == 0))
    {
        return 1;
    }

    if (out->f.f[RG_FIELD_LEVEL].p == NULL && rs_apache_level(in.p, in.len)) {
        out->f.f[RG_FIELD_LEVEL] = in;
        return 1;
    }

    colon = memchr(in.p, ':', in.len);
    if (colon == NULL || memchr(in.p, ' ', in.len) != NULL) {
        return 0;
    }

    if (out->f.f[RG_FIELD_LEVEL].p == NULL
        && rs_apache_level(colon + 1, in.len - (size_t) (colon + 1 - in.p)))
    {
        out->f.f[RG_FIELD_MODULE].p = in.p;
        out->f.f[RG_FIELD_MODULE].len = (size_t) (colon - in.p);
        out->f.f[RG_FIELD_LEVEL].p = colon + 1;
        out->f.f[RG_FIELD_LEVEL].len = in.len - (size_t) (colon + 1 - in.p);
    }

    return 1;
}


/*
 * Apache 2.0/2.2 name no module: their proxy writes "proxy: " at the head
 * of its messages (after the errno text), which stands for the module, and
 * mod_proxy_ajp names its function.
 */
static void
rs_apache_proxy_module(rg_str msg, rs_parsed *out)
{
    const char  *p = msg.p, *end = msg.p + msg.len, *q;

    if (out->f.f[RG_FIELD_MODULE].p != NULL) {
        return;
    }

    if (p < end && *p == '(') {
        q = memchr(p, ')', (size_t) (end - p));
        q = q ? memchr(q, ':', (size_t) (end - q)) : NULL;
        if (q == NULL || end - q < 2 || q[1] != ' ') {
            return;
        }
        p = q + 2;
    }

    if (end - p >= 7 && memcmp(p, "proxy: ", 7) == 0) {
        out->f.f[RG_FIELD_MODULE].p = p;
        out->f.f[RG_FIELD_MODULE].len = 5;

    } else if (end - p >= 17 && memcmp(p, "ajp_ilink_receive", 17) == 0) {
        /* mod_proxy_ajp's read from the backend, "ajp_ilink_receive()
           can't receive header" (2.4 writes AH01030 and the module) */
        out->f.f[RG_FIELD_MODULE].p = "proxy_ajp";
        out->f.f[RG_FIELD_MODULE].len = 9;
    }
}


/*
 * [time] then bracketed fields in any order (ErrorLogFormat may move them;
 * rs_apache_field), the errno text possibly between them; a level is
 * required.  2.4: [module:level] [pid] (errno)text: [client] message;
 * 2.0/2.2: [level] [client] (errno)text: message.
 */
int
rs_parse_apache_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    const char  *end = p + len, *q, *colon;
    rg_str       in, head = { NULL, 0 }, tail;

    rs_parsed_reset(out);

    q = rs_bracket(p, end, &in);
    if (q == NULL || rs_time_apache_error(in.p, in.len, &out->ts) != in.len) {
        return -1;
    }

    /* the fields; the errno text may sit between the pid and the client */
    for ( ;; ) {
        const char  *next;

        while (q < end && *q == ' ') {
            q++;
        }

        if (q < end && *q != '[' && head.p == NULL
            && out->f.f[RG_FIELD_LEVEL].p != NULL)
        {
            /* "(104)Connection reset by peer: " before [client ...] */
            colon = memmem(q, (size_t) (end - q), ": [", 3);
            if (colon == NULL) {
                break;
            }
            head.p = q;
            head.len = (size_t) (colon + 2 - q);
            q = colon + 2;
            continue;
        }

        next = rs_bracket(q, end, &in);

        if (next == NULL || !rs_apache_field(in, out)) {
            break;
        }

        q = next;
    }

    if (out->f.f[RG_FIELD_LEVEL].p == NULL) {
        return -1;
    }

    while (q < end && *q == ' ') {
        q++;
    }

    tail.p = q;
    tail.len = (size_t) (end - q);

    if (head.p != NULL) {
        rs_join(ps, head, tail, &out->f.f[RG_FIELD_MESSAGE]);
    } else {
        out->f.f[RG_FIELD_MESSAGE] = tail;
    }

    rs_apache_proxy_module(out->f.f[RG_FIELD_MESSAGE], out);

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}


int
rs_parse_apache_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_str  c;
    int     i;

    /* combined with %X first */
    if (rs_parse_layout(ps, &ps->apache[0], p, len, out) == 0) {
        c = out->f.f[RG_FIELD_COMPLETION];

        /* %X is one character: X aborted, + kept alive, - closed */
        if (c.len == 1 && (c.p[0] == 'X' || c.p[0] == '+' || c.p[0] == '-')) {
            return 0;
        }
    }

    /* Debian's vhost_combined (other_vhosts_access.log: "%v:%p %h ...",
       before combined, whose %u would take "%h %l"); combined; the Common
       Log Format (httpd.conf's default, `common`: no referer, no agent) */
    for (i = 1; i < 4; i++) {
        if (rs_parse_layout(ps, &ps->apache[i], p, len, out) == 0) {
            return 0;
        }
    }

    return rs_parse_common_more(ps, p, len, out);
}


/*
 * common with fields after it, read by its head: Tomcat's AccessLogValve
 * with %D or %T appended (Spring Boot's server.tomcat.accesslog.pattern),
 * Apache's common with %D, an nginx log_format of common's head and
 * $request_time.  Not when a quoted field follows (combined's referer:
 * combined's parsers read those), and loose (parse.h), so that combined
 * with more fields stays nginx-access's.
 */
static int
rs_parse_common_more(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    const rs_logformat  *lf = &ps->apache[4];
    rs_lf_values         v;
    const char          *e;

    rs_parsed_reset(out);

    if (rs_logformat_split(lf, p, len, &v) != 0) {
        return -1;
    }

    e = v.v[RS_V_BODY_BYTES_SENT].p + v.v[RS_V_BODY_BYTES_SENT].len;
    if (p + len - e >= 2 && e[1] == '"') {
        return -1;
    }

    if (rs_parse_values(ps, lf->has, &v, p, len, out) != 0) {
        return -1;
    }

    out->loose = 1;

    return 0;
}
