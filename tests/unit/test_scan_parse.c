/*
 * rstscan's format parsers, one layer at a time: timestamps, the syslog
 * prefix, nginx log_format layouts (every variable, every error), and the
 * nginx, Apache, HAProxy, Java and generic parsers.
 */

#include <criterion/criterion.h>
#include <string.h>

#include "parse.h"
#include "syslog.h"
#include "timefmt.h"

static rs_parser  ps;

static void setup(void)
{
    char  err[256];

    cr_assert_eq(rs_parser_init(&ps, NULL, err, sizeof(err)), 0, "%s", err);
}

TestSuite(scan_parse, .init = setup);

#define field_eq(out, fld, text)                                            \
    do {                                                                    \
        rg_str  s_ = (out).f.f[fld];                                        \
        cr_assert_not_null(s_.p, #fld " unset");                            \
        cr_assert_eq(s_.len, strlen(text), #fld " is \"%.*s\"",             \
                     (int) s_.len, s_.p);                                   \
        cr_assert_eq(memcmp(s_.p, text, s_.len), 0, #fld " is \"%.*s\"",    \
                     (int) s_.len, s_.p);                                   \
    } while (0)

#define str_eq(s, text)                                                     \
    do {                                                                    \
        rg_str  s_ = (s);                                                   \
        cr_assert_eq(s_.len, strlen(text), "is \"%.*s\"", (int) s_.len,     \
                     s_.p ? s_.p : "");                                     \
        cr_assert_eq(memcmp(s_.p, text, s_.len), 0);                        \
    } while (0)

static int
parse(rs_parse_fn fn, const char *line, rs_parsed *out)
{
    return fn(&ps, line, strlen(line), out);
}

static const char *
fmt(const rs_ts *ts, int secs)
{
    static char  buf[64];

    return rs_time_format(ts, secs, buf, sizeof(buf));
}

/* --- timestamps ---------------------------------------------------------- */

Test(scan_parse, every_timestamp_form)
{
    rs_ts  ts;

    cr_assert_eq(rs_time_nginx_error("2026/11/21 10:00:01 [", 21, &ts), 19);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:01");

    cr_assert_eq(rs_time_local("21/Nov/2026:10:00:00 +0130", 26, &ts), 26);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00+01:30");
    cr_assert_eq(ts.sec, rs_civil_to_sec(2026, 11, 21, 8, 30, 0));

    cr_assert_eq(rs_time_iso("2026-11-21T10:00:00-05:00", 25, &ts), 25);
    cr_assert_str_eq(fmt(&ts, 0), "2026-11-21T10:00-05:00");
    cr_assert_eq(rs_time_iso("2026-11-21 10:00:00,123 ERROR", 29, &ts), 23);
    cr_assert_eq(ts.has_off, 0);
    cr_assert_eq(rs_time_iso("2026-11-21T10:00:00.5Z", 22, &ts), 22);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00+00:00");

    cr_assert_eq(rs_time_tomcat("21-Nov-2026 10:00:00.123 SEVERE", 31, &ts),
                 24);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00");

    cr_assert_eq(rs_time_apache_error("Sat Nov  1 10:00:00.123456 2026", 31,
                                      &ts), 31);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-01T10:00:00");

    cr_assert_eq(rs_time_haproxy("21/Nov/2026:10:00:00.123", 24, &ts), 24);
    cr_assert_eq(rs_time_syslog("Nov 21 10:00:00 host", 20, 2026, &ts), 15);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00");

    /* what is not a timestamp */
    cr_assert_eq(rs_time_nginx_error("2026/13/21 10:00:01", 19, &ts), 0);
    cr_assert_eq(rs_time_local("21/Foo/2026:10:00:00 +0000", 26, &ts), 0);
    cr_assert_eq(rs_time_iso("2026-11-21T25:00:00", 19, &ts), 0);
}

Test(scan_parse, command_line_times)
{
    rs_ts  ts;

    cr_assert_eq(rs_time_parse_arg("2026-11-21 10:05", &ts), 0);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:05:00");
    cr_assert_eq(rs_time_parse_arg("2026-11-21", &ts), 0);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T00:00:00");
    cr_assert_eq(rs_time_parse_arg("2026-11-21T10:05:07+02:00", &ts), 0);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:05:07+02:00");
    cr_assert_eq(rs_time_parse_arg("2026/11/21 10:05:07", &ts), 0);
    cr_assert_eq(rs_time_parse_arg("yesterday", &ts), -1);
    cr_assert_eq(rs_time_parse_arg("2026-11-21 10:05:07 junk", &ts), -1);
}

/* --- syslog prefix ------------------------------------------------------- */

Test(scan_parse, syslog_and_journald_prefixes)
{
    rs_ts        ts;
    const char  *a = "Nov 21 10:00:00 web1 nginx[12]: 2026/11/21 ...";
    const char  *b = "<13>Nov  2 10:00:00 web1 nginx: x";
    const char  *c = "2026-11-21T10:00:00+01:00 web1 haproxy[7]: x";
    const char  *d = "2026/11/21 10:00:00 [info] 1#1: x";
    const char  *e = "Nov 21 10:00:00 web1 no tag here";

    cr_assert_eq(rs_syslog_prefix(a, strlen(a), 2026, &ts), 32);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00");
    cr_assert_eq(rs_syslog_prefix(b, strlen(b), 2026, &ts), 32);
    cr_assert_str_eq(b + 32, "x");
    cr_assert_eq(rs_syslog_prefix(c, strlen(c), 2026, &ts), 43);
    cr_assert_str_eq(c + 43, "x");
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00+01:00");
    cr_assert_eq(rs_syslog_prefix(d, strlen(d), 2026, &ts), 0);
    cr_assert_eq(rs_syslog_prefix(e, strlen(e), 2026, &ts), 0);

    /* journalctl -o short-precise: microseconds after the time */
    const char  *p = "Nov 21 10:00:00.123456 web1 nginx[12]: x";

    cr_assert_eq(rs_syslog_prefix(p, strlen(p), 2026, &ts), 39);
    cr_assert_str_eq(p + 39, "x");
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00");

    /* RFC 5424, with and without structured data */
    const char  *f = "<13>1 2026-11-21T10:00:00.5+01:00 web1 nginx 12 - - x";
    const char  *g = "<13>1 2026-11-21T10:00:00Z web1 nginx - ID7"
                     " [a@1 k=\"v\\]\"][b@2] x";
    const char  *h = "<13>1 2026-11-21T10:00:00Z web1 nginx 12 - junk x";

    cr_assert_eq(rs_syslog_prefix(f, strlen(f), 2026, &ts), strlen(f) - 1);
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:00+01:00");
    cr_assert_eq(rs_syslog_prefix(g, strlen(g), 2026, &ts), strlen(g) - 1);
    cr_assert_eq(rs_syslog_prefix(h, strlen(h), 2026, &ts), 0);

    /* a program's own line on stdout: no host; the priority alone */
    const char  *i = "<134>Nov 21 10:00:01 haproxy[8]: 192.0.2.10:51234 x";
    const char  *j = "<134>192.0.2.10:51234 [21/Nov/2026:10:00:01.123] x";
    const char  *k = "<1x>Nov 21 10:00:01 haproxy[8]: x";
    const char  *l = "2026-11-21 10:00:01,123 com.example.Dao: x";

    cr_assert_eq(rs_syslog_prefix(i, strlen(i), 2026, &ts), 33);
    cr_assert_str_eq(i + 33, "192.0.2.10:51234 x");
    cr_assert_str_eq(fmt(&ts, 1), "2026-11-21T10:00:01");
    cr_assert_eq(rs_syslog_prefix(j, strlen(j), 2026, &ts), 5);
    cr_assert_eq(rs_syslog_prefix(k, strlen(k), 2026, &ts), 0);
    cr_assert_eq(rs_syslog_prefix(l, strlen(l), 2026, &ts), 0);
}

/* --- nginx log_format layouts -------------------------------------------- */

Test(scan_parse, every_layout_variable)
{
    rs_logformat  lf;
    rs_lf_values  v;
    char          err[256];
    const char   *layout =
        "$remote_addr $remote_user [$time_local] $time_iso8601 \"$request\""
        " $status $body_bytes_sent $bytes_sent $request_time"
        " $upstream_response_time $upstream_status $upstream_addr"
        " \"$request_completion\" $sent_http_content_length"
        " \"$http_referer\" \"$http_user_agent\" $request_length $host"
        " $msec $rstguard_class ${http_x_forwarded_for}|$arg_id";
    const char   *line =
        "2001:db8::7 alice [21/Nov/2026:10:00:00 +0000]"
        " 2026-11-21T10:00:00+00:00 \"GET /a?b=1 HTTP/1.1\" 200 1000 1250"
        " 0.120 0.001, 0.100 502, 200 10.0.0.1:80, 10.0.0.2:80 \"OK\" 4096"
        " \"https://ref/\" \"curl/8 (x)\" 321 example.com 1795269703.512"
        " client_reset 1.2.3.4|77";
    static const char  *want[RS_V_OTHER] = {
        "2001:db8::7", "alice", "21/Nov/2026:10:00:00 +0000",
        "2026-11-21T10:00:00+00:00", "GET /a?b=1 HTTP/1.1", "200", "1000",
        "1250", "0.120", "0.001, 0.100", "502, 200",
        "10.0.0.1:80, 10.0.0.2:80", "OK", "4096", "https://ref/",
        "curl/8 (x)", "321", "example.com", "1795269703.512", "client_reset",
    };

    cr_assert_eq(rs_logformat_compile(&lf, layout, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_eq(rs_logformat_split(&lf, line, strlen(line), &v), 0);

    for (int i = 0; i < RS_V_OTHER; i++) {
        cr_assert(lf.has[i], "%s", rs_var_name(i));
        cr_assert_eq(v.v[i].len, strlen(want[i]), "%s: \"%.*s\"",
                     rs_var_name(i), (int) v.v[i].len, v.v[i].p);
        cr_assert_eq(memcmp(v.v[i].p, want[i], v.v[i].len), 0, "%s",
                     rs_var_name(i));
    }
    str_eq(v.v[RS_V_OTHER], "77");
}

Test(scan_parse, bad_layouts_name_the_variable_or_character)
{
    rs_logformat  lf;
    char          err[256];

    cr_assert_eq(rs_logformat_compile(&lf, "$remote_addr $bogus_var",
                                      err, sizeof(err)), -1);
    cr_assert_str_eq(err, "unknown variable \"$bogus_var\" at column 14");

    cr_assert_eq(rs_logformat_compile(&lf, "$remote_addr $%", err,
                                      sizeof(err)), -1);
    cr_assert_str_eq(err, "invalid character \"%\" after \"$\" at column 15");

    cr_assert_eq(rs_logformat_compile(&lf, "${status x", err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "variable \"${status\" is missing its \"}\" at"
                     " column 1");

    cr_assert_eq(rs_logformat_compile(&lf, "$status$body_bytes_sent", err,
                                      sizeof(err)), -1);
    cr_assert_str_eq(err, "variable \"$body_bytes_sent\" at column 8 follows"
                     " another variable with nothing between them");

    cr_assert_eq(rs_logformat_compile(&lf, "", err, sizeof(err)), -1);
    cr_assert_str_eq(err, "log format is empty");
}

/* --- nginx --------------------------------------------------------------- */

Test(scan_parse, nginx_error_line)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_nginx_error, "2026/11/21 10:00:03 [error]"
        " 1234#1234: *7 upstream timed out (110: Connection timed out) while"
        " reading response header from upstream, client: 203.0.113.7,"
        " server: s, request: \"GET /api?x HTTP/1.1\", upstream:"
        " \"http://127.0.0.1:8080/api\", host: \"h\"", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "upstream timed out (110: Connection"
             " timed out) while reading response header from upstream");
    field_eq(out, RG_FIELD_CLIENT, "203.0.113.7");
    field_eq(out, RG_FIELD_UPSTREAM, "http://127.0.0.1:8080/api");
    str_eq(rs_request_path(out.f.f[RG_FIELD_REQUEST]), "/api");
    rs_parsed_time(&out);
    cr_assert_str_eq(fmt(&out.ts, 1), "2026-11-21T10:00:03");
    cr_assert_eq(out.summary, 0);

    cr_assert_eq(parse(rs_parse_nginx_error, "10.0.0.1 - - [21/Nov/2026:"
                       "10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"",
                       &out), -1);
}

Test(scan_parse, rstguard_summary_line)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_nginx_error, "2026/11/21 10:01:00 [info]"
        " 1234#1234: rstguard: log=error class=client_reset"
        " key=\"203.0.113.7\" suppressed=4213 passed=5 window=60s"
        " first=\"2026/11/21 10:00:01\" last=\"2026/11/21 10:00:59\""
        " worker=1234 dry_run=0 sample=\"recv() failed (104: Connection"
        " reset by peer) while reading, client: 1.2.3.4\"", &out), 0);
    cr_assert_eq(out.summary, 1);
    cr_assert_eq(out.sum_class, RG_CLASS_CLIENT_RESET);
    cr_assert_eq(out.sum_suppressed, 4213);
    cr_assert_eq(out.sum_dry_run, 0);
    str_eq(out.sum_key, "203.0.113.7");

    cr_assert_eq(parse(rs_parse_nginx_error, "2026/11/21 10:01:00 [info]"
        " 1#1: rstguard: log=access class=client_closed key=\"k\\\"q\""
        " suppressed=9 passed=0 window=60s first=\"2026/11/21 10:00:01\""
        " last=\"2026/11/21 10:00:59\" worker=1 dry_run=1 sample=\"\"",
        &out), 0);
    cr_assert_eq(out.summary, 1);
    cr_assert_eq(out.sum_dry_run, 1);
    str_eq(out.sum_key, "k\"q");

    /* not the grammar: an ordinary line */
    cr_assert_eq(parse(rs_parse_nginx_error, "2026/11/21 10:01:00 [info]"
        " 1#1: rstguard: class=nonsense suppressed=x", &out), 0);
    cr_assert_eq(out.summary, 0);
}

Test(scan_parse, nginx_access_combined)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_nginx_access, "203.0.113.9 - - [21/Nov/2026:"
        "10:00:00 +0000] \"GET /big.bin?a=1 HTTP/1.1\" 499 0 \"-\""
        " \"Mozilla/5.0 (X11)\"", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "499");
    field_eq(out, RG_FIELD_STATUS, "499");
    field_eq(out, RG_FIELD_CLIENT, "203.0.113.9");
    field_eq(out, RG_FIELD_REQUEST, "GET /big.bin?a=1 HTTP/1.1");
    cr_assert_null(out.f.f[RG_FIELD_COMPLETION].p);
    cr_assert_null(out.f.f[RG_FIELD_UPSTREAM].p);
    cr_assert_eq(out.status, 499);
    cr_assert_eq(out.body_bytes, 0);
    str_eq(rs_request_path(out.f.f[RG_FIELD_REQUEST]), "/big.bin");

    cr_assert_eq(parse(rs_parse_nginx_access, "203.0.113.9 - - [21/Nov/2026:"
        "10:00:00 +0000] \"GET / HTTP/1.1\" 49x 0 \"-\" \"-\"", &out), -1);
    cr_assert_eq(parse(rs_parse_nginx_access, "203.0.113.9 - - [yesterday]"
        " \"GET / HTTP/1.1\" 200 0 \"-\" \"-\"", &out), -1);
}

Test(scan_parse, nginx_access_completion_layout)
{
    rs_parsed  out;
    char       err[256];

    cr_assert_eq(rs_parser_init(&ps, "$remote_addr [$time_iso8601] $status"
        " $body_bytes_sent \"$request_completion\" $sent_http_content_length"
        " $upstream_addr \"$request\"", err, sizeof(err)), 0, "%s", err);

    cr_assert_eq(parse(rs_parse_nginx_access, "10.0.0.1 [2026-11-21T10:00:00"
        "+00:00] 200 8192 \"\" 100000 10.0.0.5:8080 \"GET /x HTTP/1.1\"",
        &out), 0);
    field_eq(out, RG_FIELD_COMPLETION, "");
    field_eq(out, RG_FIELD_UPSTREAM, "10.0.0.5:8080");
    cr_assert_eq(out.has_completion, 1);
    cr_assert_eq(out.content_length, 100000);
    cr_assert_eq(out.body_bytes, 8192);

    /* nginx writes "-" for a variable without a value */
    cr_assert_eq(parse(rs_parse_nginx_access, "10.0.0.1 [2026-11-21T10:00:00"
        "+00:00] 200 10 \"-\" - - \"GET /x HTTP/1.1\"", &out), 0);
    field_eq(out, RG_FIELD_COMPLETION, "");
    cr_assert_eq(out.content_length, -1);
    cr_assert_null(out.f.f[RG_FIELD_UPSTREAM].p);
}

/* --- Apache -------------------------------------------------------------- */

Test(scan_parse, apache_error_joins_errno_and_message)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_apache_error, "[Sat Nov 21 10:00:00.123456"
        " 2026] [proxy_http:error] [pid 123:tid 456] (104)Connection reset"
        " by peer: [client 10.0.0.1:5000] AH01102: error reading status"
        " line from remote server 127.0.0.1:8080", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "(104)Connection reset by peer: AH01102:"
             " error reading status line from remote server 127.0.0.1:8080");
    field_eq(out, RG_FIELD_MODULE, "proxy_http");
    field_eq(out, RG_FIELD_LEVEL, "error");
    field_eq(out, RG_FIELD_CLIENT, "10.0.0.1");
    cr_assert_str_eq(fmt(&out.ts, 1), "2026-11-21T10:00:00");

    cr_assert_eq(parse(rs_parse_apache_error, "[Sat Nov 21 10:00:00 2026]"
        " [core:info] [pid 1] [client ::1:5000] AH00128: File does not"
        " exist: /x", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "AH00128: File does not exist: /x");
    field_eq(out, RG_FIELD_CLIENT, "::1");

    cr_assert_eq(parse(rs_parse_apache_error, "[not a date] [core:info] x",
                       &out), -1);
}

Test(scan_parse, apache_access_with_and_without_X)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_apache_access, "10.0.0.1 - frank [21/Nov/"
        "2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 2326 \"-\" \"UA\" X",
        &out), 0);
    field_eq(out, RG_FIELD_COMPLETION, "X");
    field_eq(out, RG_FIELD_MESSAGE, "200");

    cr_assert_eq(parse(rs_parse_apache_access, "10.0.0.1 - - [21/Nov/"
        "2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 408 - \"-\" \"UA\"",
        &out), 0);
    cr_assert_null(out.f.f[RG_FIELD_COMPLETION].p);
    field_eq(out, RG_FIELD_STATUS, "408");
}

/* --- HAProxy, Java, generic ---------------------------------------------- */

Test(scan_parse, haproxy_http_log)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_haproxy, "10.0.0.1:52000 [21/Nov/2026:"
        "10:00:00.123] fe~ be/srv1 10/0/30/-1/40 -1 0 - - CD-- 1/1/0/0/0"
        " 0/0 \"GET /x?y HTTP/1.1\"", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "CD--");
    field_eq(out, RG_FIELD_TERMINATION, "CD--");
    field_eq(out, RG_FIELD_STATUS, "-1");
    field_eq(out, RG_FIELD_CLIENT, "10.0.0.1");
    field_eq(out, RG_FIELD_UPSTREAM, "be/srv1");
    field_eq(out, RG_FIELD_REQUEST, "GET /x?y HTTP/1.1");
    str_eq(rs_request_path(out.f.f[RG_FIELD_REQUEST]), "/x");

    cr_assert_eq(parse(rs_parse_haproxy, "10.0.0.1:52000 [21/Nov/2026:"
        "10:00:00.123] fe be/srv1 10/0/30 200 0 - - ---- 1/1/0/0/0 0/0",
        &out), -1);
}

Test(scan_parse, java_record_starts)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_java, "21-Nov-2026 10:00:00.123 SEVERE"
                       " [http-nio-8080-exec-1] x", &out), 1);
    cr_assert_eq(parse(rs_parse_java, "2026-11-21 10:00:00.123 ERROR 1 ---"
                       " [main] x", &out), 1);
    cr_assert_eq(parse(rs_parse_java, "2026-11-21 10:00:00,123 ERROR x",
                       &out), 1);
    cr_assert_eq(parse(rs_parse_java, "\tat org.apache.coyote.Response"
                       ".doWrite(Response.java:1)", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "\tat org.apache.coyote.Response"
             ".doWrite(Response.java:1)");
    cr_assert_eq(parse(rs_parse_java, "Caused by: java.io.IOException:"
                       " Broken pipe", &out), 0);
}

Test(scan_parse, generic_takes_the_whole_line)
{
    rs_parsed  out;

    cr_assert_eq(parse(rs_parse_generic, "anything at all", &out), 0);
    field_eq(out, RG_FIELD_MESSAGE, "anything at all");
    field_eq(out, RG_FIELD_LINE, "anything at all");
    cr_assert_eq(out.ts.valid, 0);
}
