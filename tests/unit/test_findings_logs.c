/*
 * Each finding from log files, end to end through rstscan: a log that
 * shows it and a log that must not raise it, asserting the exact set of
 * findings raised and the numbers they carry.
 */

#define _GNU_SOURCE             /* asprintf */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_rstscan.h"
#include "rgt_tmp.h"

#define LAYOUT  "$remote_addr - $remote_user [$time_local] \"$request\"" \
                " $status $body_bytes_sent \"$http_referer\""          \
                " \"$http_user_agent\" $request_time"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "findings"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(findings_logs, .init = setup, .fini = teardown, .timeout = 60);

static FILE *
create(const char *name)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    return f;
}

/* rstscan --json OPTS FILE in dir; the findings array (a new ref). */
static json_t *
findings(const char *opts, const char *file)
{
    char     err[512];
    int      st;
    json_t  *doc, *f;

    doc = rgt_rstscan_json(dir, &st, err, sizeof(err), "--json %s '%s'", opts,
                           file);
    cr_assert_not_null(doc, "%s", err);
    cr_assert_eq(st, 0, "rstscan --json %s %s", opts, file);
    f = json_incref(json_object_get(doc, "findings"));
    json_decref(doc);
    return f;
}

/* "kind(class) kind(class) ..." in report order */
static char *
kinds(json_t *arr)
{
    char    *buf = NULL;
    size_t   len = 0, i;
    FILE    *m = open_memstream(&buf, &len);
    json_t  *f;

    json_array_foreach(arr, i, f) {
        fprintf(m, "%s%s(%s)", i ? " " : "",
                json_string_value(json_object_get(f, "kind")),
                json_string_value(json_object_get(f, "class")));
    }
    fclose(m);
    return buf;
}

static void
expect(const char *opts, const char *file, const char *want)
{
    json_t  *f = findings(opts, file);
    char    *got = kinds(f);

    cr_assert_str_eq(got, want, "%s: %s", file,
                     json_dumps(f, JSON_INDENT(1)));
    free(got);
    json_decref(f);
}

static json_int_t
number(const char *opts, const char *file, const char *kind,
    const char *key)
{
    json_t      *all = findings(opts, file), *f;
    size_t       i;
    json_int_t   v = -1;

    json_array_foreach(all, i, f) {
        if (strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0) {
            v = json_integer_value(json_object_get(json_object_get(f,
                                   "numbers"), key));
        }
    }
    json_decref(all);
    return v;
}

#define ACCESS  "--format nginx-access --log-format '" LAYOUT "'"

/* One access-log line; minute m, second s of 10:mm. */
static void
hit(FILE *f, const char *ip, int m, int s, const char *uri, int st,
    long body, const char *agent, const char *rtime)
{
    fprintf(f, "%s - - [21/Nov/2026:10:%02d:%02d +0000] \"GET %s HTTP/1.1\""
            " %d %ld \"-\" \"%s\" %s\n", ip, m, s, uri, st, body, agent,
            rtime);
}

#define BROWSER  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"

/* 30 users pressing Stop among 600 requests; then one bot doing it all */
Test(findings_logs, user_navigation)
{
    char   ip[32];
    FILE  *f = create("users.log"), *g = create("bot.log");

    for (int i = 0; i < 600; i++) {
        snprintf(ip, sizeof(ip), "198.51.100.%d", i % 20 ? i % 60 : i / 20);
        hit(f, ip, i / 100, i % 60, "/page", i % 20 ? 200 : 499,
            i % 20 ? 30000 : 1200, BROWSER, i % 20 ? "0.080" : "0.412");
        hit(g, "203.0.113.9", i / 100, i % 60, "/page", i % 20 ? 200 : 499,
            i % 20 ? 30000 : 1200, "python-requests/2.31",
            i % 20 ? "0.080" : "0.412");
    }
    fclose(f);
    fclose(g);

    expect(ACCESS, "users.log", "user_navigation(client_closed)");
    cr_assert_eq(number(ACCESS, "users.log", "user_navigation", "aborts"), 30);
    cr_assert_eq(number(ACCESS, "users.log", "user_navigation", "clients"),
                 30);
    expect(ACCESS, "bot.log", "");
}

/* the share of 499s climbs with the load; then a flat 5 % */
Test(findings_logs, overload)
{
    char   ip[32];
    FILE  *f = create("peak.log"), *g = create("flat.log");

    for (int m = 0; m < 10; m++) {
        int n = 40 + 40 * m;
        for (int i = 0; i < n; i++) {
            snprintf(ip, sizeof(ip), "198.51.100.%d", i % 90);
            hit(f, ip, m, i * 60 / n, "/api", i * 100 < n * 3 * m ? 499 : 200,
                500, "curl/8", "0.050");
            hit(g, ip, m, i * 60 / n, "/api", i % 20 == 0 ? 499 : 200,
                500, "curl/8", "0.050");
        }
    }
    fclose(f);
    fclose(g);

    /* 400 of the 4400 lines are 499s: 18 % of the bytes, bloat too */
    expect(ACCESS, "peak.log", "overload(client_closed) log_bloat(client_closed)");
    cr_assert_eq(number(ACCESS, "peak.log", "overload", "minutes"), 10);
    expect(ACCESS, "flat.log", "");
}

/* 499s after exactly 60 s: a balancer's idle timeout; then spread times */
Test(findings_logs, idle_timeout)
{
    char   ip[32], t[32];
    FILE  *f = create("idle.log"), *g = create("spread.log");

    for (int i = 0; i < 200; i++) {
        snprintf(ip, sizeof(ip), "198.51.100.%d", i % 7);
        hit(f, ip, 0, i % 60, "/stream", 200, 100, "curl/8", "0.010");
        hit(g, ip, 0, i % 60, "/stream", 200, 100, "curl/8", "0.010");
    }
    for (int i = 0; i < 12; i++) {
        snprintf(ip, sizeof(ip), "198.51.100.%d", i % 7);
        snprintf(t, sizeof(t), "60.%03d", i * 37);
        hit(f, ip, 1, i, "/stream", 499, 0, "curl/8", t);
        snprintf(t, sizeof(t), "%d.500", 5 + i * 9);
        hit(g, ip, 1, i, "/stream", 499, 0, "curl/8", t);
    }
    fclose(f);
    fclose(g);

    expect(ACCESS, "idle.log", "idle_timeout(client_closed)");
    cr_assert_eq(number(ACCESS, "idle.log", "idle_timeout", "records"), 12);
    expect(ACCESS, "spread.log", "");
}

/* a JSP page cut at 8 KiB; then pages of exactly 8 KiB and nothing more */
Test(findings_logs, output_buffer_from_sizes)
{
    FILE  *f = create("cut.log"), *g = create("exact.log");

    for (int i = 0; i < 200; i++) {
        hit(f, "192.0.2.1", 0, i % 60, "/other", 200, 700 + i, "curl/8",
            "0.010");
        hit(g, "192.0.2.1", 0, i % 60, "/other", 200, 700 + i, "curl/8",
            "0.010");
    }
    for (int i = 0; i < 5; i++) {
        hit(f, "192.0.2.2", 1, i, "/report.jsp", 200, i == 4 ? 41000 : 8192,
            "curl/8", "0.200");
        hit(g, "192.0.2.2", 1, i, "/report.jsp", 200, 8192, "curl/8",
            "0.200");
    }
    fclose(f);
    fclose(g);

    expect(ACCESS, "cut.log", "output_buffer(truncated)");
    cr_assert_eq(number(ACCESS, "cut.log", "output_buffer", "uris"), 1);
    expect(ACCESS, "exact.log", "");
}

#define NGX_LINE(msg) \
    "2026/11/21 10:00:0%d [error] 12#12: *%d " msg ", client: 192.0.2.1," \
    " server: _, request: \"GET /api HTTP/1.1\", upstream:"              \
    " \"http://10.0.0.5:8080/api\", host: \"x\"\n"

/* the error log names the buffer; a clean error log raises nothing */
Test(findings_logs, output_buffer_and_backend_down_from_the_error_log)
{
    FILE  *f = create("error.log"), *g = create("clean.log");

    for (int i = 0; i < 3; i++) {
        fprintf(f, NGX_LINE("upstream sent too big header while reading"
                " response header from upstream"), i, i);
        fprintf(f, NGX_LINE("upstream prematurely closed connection while"
                " reading upstream"), i, 10 + i);
        fprintf(f, NGX_LINE("connect() failed (111: Connection refused)"
                " while connecting to upstream"), i, 20 + i);
    }
    for (int i = 0; i < 40; i++) {
        fprintf(f, "2026/11/21 10:00:09 [notice] 12#12: signal process"
                " started\n");
        fprintf(g, "2026/11/21 10:00:09 [notice] 12#12: signal process"
                " started\n");
    }
    fclose(f);
    fclose(g);

    json_t *all = findings("--format nginx-error", "error.log");
    char   *got = kinds(all);
    /* 9 abort lines are 45 % of this log, but faults of the upstream
       and the server, never harmless aborts to hold back: no log_bloat */
    cr_assert_str_eq(got, "output_buffer(buffer_overflow)"
                     " output_buffer(truncated)"
                     " backend_down(upstream_refused)",
                     "%s", json_dumps(all, JSON_INDENT(1)));
    const char *advice = json_string_value(json_object_get(
        json_array_get(all, 0), "advice"));
    cr_assert_not_null(strstr(advice, "proxy_buffer_size"), "%s", advice);
    free(got);
    json_decref(all);
    cr_assert_eq(number("--format nginx-error", "error.log", "backend_down",
                        "records"), 3);
    expect("--format nginx-error", "clean.log", "");
}

#define JAVA_HEAD  "2026-11-21 10:00:%02d.123 %s 1 --- [exec-%d] c.e.App : %s\n"

/* stack traces of aborts fill a Java log; the same log with one of them */
Test(findings_logs, log_bloat_port_in_use_and_socket_misuse_in_java)
{
    FILE  *f = create("app.log"), *g = create("quiet.log");

    for (int i = 0; i < 20; i++) {
        fprintf(f, JAVA_HEAD, i, "ERROR", i, "write failed");
        fprintf(f, "org.apache.catalina.connector.ClientAbortException:"
                " java.io.IOException: Broken pipe\n");
        for (int k = 0; k < 30; k++) {
            fprintf(f, "\tat org.apache.catalina.connector.OutputBuffer"
                    ".realWriteBytes(OutputBuffer.java:%d)\n", 300 + k);
        }
        fprintf(f, JAVA_HEAD, i, "INFO", i, "request done");
    }
    fprintf(f, JAVA_HEAD, 40, "ERROR", 1, "Application run failed");
    fprintf(f, "java.net.BindException: Address already in use\n"
            "\tat java.base/sun.nio.ch.Net.bind0(Native Method)\n");
    fprintf(f, JAVA_HEAD, 41, "ERROR", 2, "send failed");
    fprintf(f, "java.net.SocketException: Socket is closed\n"
            "\tat java.base/java.net.Socket.getOutputStream(Socket.java:9)\n");

    for (int i = 0; i < 200; i++) {
        fprintf(g, JAVA_HEAD, i % 60, "INFO", i, "request done in 12 ms for"
                " a client that stayed");
    }
    fprintf(g, JAVA_HEAD, 59, "ERROR", 1, "write failed");
    fprintf(g, "org.apache.catalina.connector.ClientAbortException:"
            " java.io.IOException: Broken pipe\n");
    fclose(f);
    fclose(g);

    json_t *all = findings("--format java", "app.log");
    char   *got = kinds(all);
    cr_assert_str_eq(got, "log_bloat(broken_pipe) port_in_use(bind_in_use)"
                     " socket_misuse(socket_closed)", "%s",
                     json_dumps(all, JSON_INDENT(1)));
    json_t *st = json_array_get(json_object_get(json_object_get(
        json_array_get(all, 0), "numbers"), "stack_traces"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(st, "signature")),
                     "org.apache.catalina.connector.ClientAbortException:"
                     " java.io.IOException: Broken pipe");
    cr_assert_eq(json_integer_value(json_object_get(st, "records")), 20);
    cr_assert_eq(json_integer_value(json_object_get(st, "lines")), 20 * 32);
    free(got);
    json_decref(all);
    expect("--format java", "quiet.log", "");
}

/*
 * Findings that judge what they name: log_bloat counts the client side
 * only; output_buffer never fires on 206 or HEAD replies and counts URIs,
 * not sizes; advice on HAProxy records names HAProxy's settings;
 * HAProxy's timers feed idle_timeout.
 */

/* The findings of one kind (a new ref), asserting there are n of them. */
static json_t *
of_kind(const char *opts, const char *file, const char *kind, size_t n)
{
    json_t  *all = findings(opts, file), *out = json_array(), *v;
    size_t   i;

    json_array_foreach(all, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "kind")), kind)
            == 0)
        {
            json_array_append(out, v);
        }
    }
    cr_assert_eq(json_array_size(out), n, "%s: %s", kind,
                 json_dumps(all, JSON_INDENT(1)));
    json_decref(all);
    return out;
}

static const char *
text(json_t *arr, size_t i, const char *key)
{
    return json_string_value(json_object_get(json_array_get(arr, i), key));
}

/* The first finding's advice says `has` and not `lacks` (either may be
   NULL): another server's words, not nginx's. */
static void
expect_advice(json_t *arr, const char *has, const char *lacks)
{
    const char  *advice = text(arr, 0, "advice");

    if (has != NULL) {
        cr_assert_not_null(strstr(advice, has), "%s", advice);
    }
    if (lacks != NULL) {
        cr_assert_null(strstr(advice, lacks), "%s", advice);
    }
}

static json_int_t
num_of(json_t *arr, size_t i, const char *key)
{
    json_t  *v = json_object_get(json_object_get(json_array_get(arr, i),
                                                 "numbers"), key);

    cr_assert(json_is_integer(v), "numbers.%s", key);
    return json_integer_value(v);
}

/* One access-log line at 10:mm:ss. */
static void
hit_as(FILE *f, const char *method, int m, int s, const char *uri, int st,
    long body)
{
    fprintf(f, "192.0.2.1 - - [21/Nov/2026:10:%02d:%02d +0000] \"%s %s"
            " HTTP/1.1\" %d %ld \"-\" \"Mozilla/5.0\" 0.050\n", m, s, method,
            uri, st, body);
}

#define UP_RESET \
    "2026/11/21 10:00:%02d [error] 12#12: *%d recv() failed (104:"        \
    " Connection reset by peer) while reading response header from"      \
    " upstream, client: 192.0.2.%d, server: _, request: \"GET /api"      \
    " HTTP/1.1\", upstream: \"http://10.0.0.5:8080/api\", host: \"x\"\n"

#define CL_CLOSE \
    "2026/11/21 10:00:%02d [info] 12#12: *%d client prematurely closed"   \
    " connection while sending response to client, client: 192.0.2.%d,"  \
    " server: _, request: \"GET /video.mp4 HTTP/1.1\", host: \"x\"\n"

/*
 * An error log that is nearly all upstream resets: a fault, never "harmless
 * aborts" to hold back.  With client closes added, log_bloat counts those
 * alone.
 */
Test(findings_logs, log_bloat_counts_the_client_side_only)
{
    FILE    *f = create("upstream.log"), *g = create("mixed.log");
    json_t  *b;

    for (int i = 0; i < 40; i++) {
        fprintf(f, UP_RESET, i, i, i % 9);
        fprintf(g, UP_RESET, i, i, i % 9);
    }
    for (int i = 0; i < 30; i++) {
        fprintf(g, CL_CLOSE, 40 + i % 20, 100 + i, i % 9);
    }
    fclose(f);
    fclose(g);

    json_decref(of_kind("", "upstream.log", "log_bloat", 0));

    b = of_kind("", "mixed.log", "log_bloat", 1);
    cr_assert_str_eq(text(b, 0, "class"), "client_closed");
    cr_assert_eq(num_of(b, 0, "records"), 30);
    cr_assert_not_null(strstr(text(b, 0, "evidence"), "30 client abort"
                              " records take"), "%s",
                       text(b, 0, "evidence"));
    json_decref(b);
}

/*
 * A PDF read in ranges: 206 replies of 8, 16 and 32 KiB, three each, and
 * the whole file once; HEADs of 4 KiB.  No cut.  Then one URI really cut
 * at two sizes (three times each, larger replies too): one URI, not two.
 */
Test(findings_logs, output_buffer_skips_ranges_and_head_and_counts_uris)
{
    FILE    *f = create("ranges.log"), *g = create("cut.log");
    json_t  *b;

    for (int i = 0; i < 9; i++) {
        hit_as(f, "GET", 0, i, "/doc.pdf", 206, 8192L << (i % 3));
        hit_as(f, "HEAD", 0, 10 + i, "/doc.pdf", 200, 4096);
    }
    hit_as(f, "GET", 0, 30, "/doc.pdf", 200, 300000);
    fclose(f);
    json_decref(of_kind(ACCESS, "ranges.log", "output_buffer", 0));

    for (int i = 0; i < 6; i++) {
        hit_as(g, "GET", 0, i, "/report.jsp", 200, i < 3 ? 8192 : 16384);
    }
    hit_as(g, "GET", 0, 30, "/report.jsp", 200, 90000);
    fclose(g);
    b = of_kind(ACCESS, "cut.log", "output_buffer", 1);
    cr_assert_eq(num_of(b, 0, "uris"), 1);
    cr_assert_not_null(strstr(text(b, 0, "evidence"), "1 URI stops at one"
                              " exact size"), "%s", text(b, 0, "evidence"));
    json_decref(b);
}

/* HAProxy's HTTP log behind syslog: client, date, frontend, backend/server,
   Tq/Tw/Tc/Tr/Ta, status, bytes, cookies, termination state, counters. */
static void
hap(FILE *f, int s, const char *timers, int st, const char *term)
{
    fprintf(f, "Nov 21 10:00:%02d lb1 haproxy[2101]: 198.51.100.%d:4%04d"
            " [21/Nov/2026:10:00:%02d.120] www~ app/web1 %s %d 512 - - %s"
            " 1/1/0/0/0 0/0 \"GET /poll HTTP/1.1\"\n", s, s % 11, s, s,
            timers, st, term);
}

/* haproxy.log's one idle_timeout finding: 8 client timeouts at one time
   of HAProxy's timer `field`, named in the evidence, with HAProxy's
   advice */
static json_t *
haproxy_idle(const char *field)
{
    json_t  *b = of_kind("--format haproxy", "haproxy.log", "idle_timeout",
                         1);
    char     name[64];

    snprintf(name, sizeof(name), "of HAProxy's %s;", field);
    cr_assert_str_eq(text(b, 0, "class"), "client_timeout");
    cr_assert_eq(num_of(b, 0, "records"), 8);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
        json_array_get(b, 0), "numbers"), "field")), field);
    cr_assert_not_null(strstr(text(b, 0, "evidence"), name), "%s",
                       text(b, 0, "evidence"));
    expect_advice(b, "`timeout client`", NULL);

    return b;
}

/* cD sessions all ending at ~61 s of HAProxy's total time (Ta) */
Test(findings_logs, haproxy_timers_feed_idle_timeout_in_its_words)
{
    FILE    *f = create("haproxy.log");
    json_t  *b;
    char     timers[64];

    for (int i = 0; i < 30; i++) {
        hap(f, i, "0/0/1/12/95", 200, "----");
    }
    for (int i = 0; i < 8; i++) {
        snprintf(timers, sizeof(timers), "0/0/1/15/%d", 61000 + i * 40);
        hap(f, 30 + i, timers, 200, "cD--");
    }
    fclose(f);

    b = haproxy_idle("Ta");
    expect_advice(b, NULL, "keepalive_timeout");
    json_decref(b);
}

/* The same in a TCP log (option tcplog): its timers are Tw/Tc/Tt, and the
   evidence names Tt, the session's time, not the HTTP log's Ta */
Test(findings_logs, haproxy_tcp_sessions_name_tt)
{
    FILE    *f = create("haproxy.log");
    json_t  *b;

    for (int i = 0; i < 30; i++) {
        fprintf(f, "Nov 21 10:00:%02d lb1 haproxy[2101]: 198.51.100.%d:4%04d"
                " [21/Nov/2026:10:00:%02d.120] pg pg/db1 0/1/%d 2048 %s"
                " 1/1/1/1/0 0/0\n", i, i % 11, i, i,
                i < 22 ? 95 + i : 3600000 + i * 100, i < 22 ? "--" : "cD");
    }
    fclose(f);

    b = haproxy_idle("Tt");
    json_decref(b);
}

/* SC: the server refused; the advice is HAProxy's, not proxy_pass */
Test(findings_logs, backend_down_on_haproxy_records_in_its_words)
{
    FILE    *f = create("refused.log");
    json_t  *b;

    for (int i = 0; i < 5; i++) {
        hap(f, i, "0/0/-1/-1/3", 503, "SC--");
    }
    fclose(f);

    b = of_kind("--format haproxy", "refused.log", "backend_down", 1);
    cr_assert_eq(num_of(b, 0, "records"), 5);
    expect_advice(b, "`option httpchk`", "proxy_pass");
    json_decref(b);
}

#define ALERT_LINE(t, cls, rate, key, up) \
    "2026/11/21 " t " [warn] 1234#1234: rstguard: alert log=error class="  \
    cls " rate=" rate " limit=10r/s window=60s top_key=\"" key "\""       \
    " top_upstream=\"" up "\" sample=\"recv() failed (104: Connection"    \
    " reset by peer) while reading client request line\"\n"

/*
 * The module's alert lines: one abort_storm per class, its evidence the
 * alert of the highest rate; a line off the grammar is an ordinary line.
 */
Test(findings_logs, abort_storm_from_the_module_s_alert_lines)
{
    FILE    *f = create("storm.log");
    json_t  *b;

    fputs(ALERT_LINE("10:00:59", "client_reset", "12.50/s", "203.0.113.7",
                     "10.0.0.5:8080"), f);
    fputs(ALERT_LINE("10:01:59", "client_reset", "31.07/s", "203.0.113.8",
                     "10.0.0.5:8080"), f);
    fputs(ALERT_LINE("10:02:59", "client_reset", "12.00/s", "203.0.113.9",
                     "10.0.0.5:8080"), f);
    /* rate without its two decimals: not an alert */
    fputs(ALERT_LINE("10:03:59", "client_closed", "12/s", "203.0.113.9",
                     ""), f);
    fclose(f);

    b = of_kind("--format nginx-error", "storm.log", "abort_storm", 1);
    cr_assert_str_eq(text(b, 0, "class"), "client_reset");
    cr_assert_eq(num_of(b, 0, "alerts"), 3);
    cr_assert_eq(num_of(b, 0, "limit"), 10);
    cr_assert_float_eq(json_real_value(json_object_get(json_object_get(
        json_array_get(b, 0), "numbers"), "max_rate")), 31.07, 1e-9);
    cr_assert_not_null(strstr(text(b, 0, "evidence"), "the module raised 3"
                              " alerts for client_reset; the highest 31.07/s"
                              " against a limit of 10r/s over 60 s, top key"
                              " \"203.0.113.8\""), "%s",
                       text(b, 0, "evidence"));
    expect_advice(b, "10.0.0.5:8080", NULL);
    json_decref(b);
}

/* users leaving pages behind HAProxy (CD--): harmless, but no advice
   about nginx's module for records HAProxy wrote */
Test(findings_logs, user_navigation_on_haproxy_records_in_its_words)
{
    FILE    *f = create("leaving.log");
    json_t  *b;

    for (int i = 0; i < 40; i++) {
        hap(f, i, "0/0/1/-1/350", 200, i % 2 ? "CD--" : "----");
    }
    fclose(f);

    b = of_kind("--format haproxy", "leaving.log", "user_navigation", 1);
    cr_assert_str_eq(text(b, 0, "class"), "client_closed");
    expect_advice(b, "nothing to fix in HAProxy", "rstguard");
    json_decref(b);
}

/*
 * Advice in the words of the server that wrote the records
 * (analyzer/findings/findings_words.c): Envoy's and Caddy's records name their own
 * settings, never nginx's module, proxy_pass or keepalive_timeout.
 */

/* Envoy's default access log line: time, request, code, flags, bytes
   received and sent, %DURATION%, upstream service time, XFF, agent, id,
   authority, upstream host. */
static void
envoy(FILE *f, int s, int code, const char *flags, int ms, int client,
    const char *agent)
{
    fprintf(f, "[2026-11-21T10:%02d:%02d.123Z] \"GET /video/%d.mp4 HTTP/1.1\""
            " %d %s 0 %d %d - \"198.51.100.%d\" \"%s\""
            " \"00000000-0000-4000-8000-%012d\" \"shop.example.com\""
            " \"10.0.0.5:8080\"\n", s / 60, s % 60, s % 7, code, flags,
            code ? 1002 : 0, ms, client, agent, s);
}

static const char  *envoy_navigation =
    "harmless: nothing to fix in Envoy (response flag DC: the downstream"
    " closed the connection); if they flood the access log, sample them"
    " with a `runtime_filter` or log only what needs a look with a"
    " `status_code_filter` or `response_flag_filter`";
static const char  *envoy_backend_down =
    "check that the cluster's endpoints run and listen where the cluster"
    " points (flags UF: connection failure, URX: retries exhausted); add"
    " `health_checks` and `outlier_detection` to the cluster so Envoy stops"
    " sending to a dead endpoint, and a `retry_policy` with `retry_on:"
    " connect-failure` on the route";

Test(findings_logs, envoy_records_get_envoys_advice)
{
    FILE    *f = create("envoy.log");
    json_t  *all;

    for (int i = 0; i < 40; i++) {
        envoy(f, i, 0, "DC", 300, i % 20, BROWSER);
    }
    for (int i = 0; i < 5; i++) {
        envoy(f, 40 + i, 503, "UF,URX", 2, 99, "curl/8.0");
    }
    fclose(f);

    expect("--format envoy", "envoy.log", "user_navigation(client_closed)"
           " log_bloat(client_closed) backend_down(upstream_refused)");
    all = findings("--format envoy", "envoy.log");
    cr_assert_str_eq(text(all, 0, "advice"), envoy_navigation);
    cr_assert_str_eq(text(all, 1, "advice"), "log fewer of them: an access"
                     " log filter (`runtime_filter` to sample,"
                     " `status_code_filter` or `response_flag_filter` to keep"
                     " only what needs a look)");
    cr_assert_str_eq(text(all, 2, "advice"), envoy_backend_down);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_null(strstr(text(all, i, "advice"), "rstguard"));
        cr_assert_null(strstr(text(all, i, "advice"), "proxy_pass"));
    }
    json_decref(all);
}

/* UT: the route's timeout ends requests at 15 s of %DURATION% */
Test(findings_logs, envoy_idle_timeout_names_envoys_timeouts)
{
    FILE    *f = create("envoy-ut.log");
    json_t  *b;

    for (int i = 0; i < 30; i++) {
        envoy(f, i, 200, "-", 12, i % 9, "okhttp/4.9");
    }
    for (int i = 0; i < 8; i++) {
        envoy(f, 30 + i, 504, "UT", 15000 + i * 20, i, "okhttp/4.9");
    }
    fclose(f);

    b = of_kind("--format envoy", "envoy-ut.log", "idle_timeout", 1);
    cr_assert_str_eq(text(b, 0, "class"), "upstream_timeout");
    cr_assert_eq(num_of(b, 0, "records"), 8);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
        json_array_get(b, 0), "numbers"), "field")), "DURATION");
    cr_assert_not_null(strstr(text(b, 0, "evidence"), "8 of 8 resets and"
                              " timeouts (100%) end after 15.0 s (+-2%) of"
                              " Envoy's %DURATION%; e.g. ["), "%s",
                       text(b, 0, "evidence"));
    cr_assert_str_eq(text(b, 0, "cause"), "an Envoy timeout ends requests or"
                     " connections that stay idle for a fixed time");
    cr_assert_str_eq(text(b, 0, "advice"), "Envoy ends them after 15 s: the"
                     " route's `timeout` (15 s by default, response flag UT),"
                     " the HTTP connection manager's `stream_idle_timeout` (5"
                     " min, flag SI) or"
                     " `common_http_protocol_options.idle_timeout` (1 h, also"
                     " on the cluster); raise the one that matches above the"
                     " longest pause the application makes (`timeout: 0s` on"
                     " a streaming route), or keep the peers sending");
    json_decref(b);
}

/* Caddy's JSON log: an access line, or an error line with its message */
static void
caddy(FILE *f, int s, const char *level, const char *msg, int status,
    double duration, int client, const char *agent)
{
    fprintf(f, "{\"level\":\"%s\",\"ts\":%d.25,\"logger\":\"http.log.%s."
            "log0\",\"msg\":\"%s\",\"request\":{\"remote_ip\":\"198.51.100."
            "%d\",\"remote_port\":\"5%04d\",\"client_ip\":\"198.51.100.%d\","
            "\"proto\":\"HTTP/2.0\",\"method\":\"GET\",\"host\":"
            "\"shop.example.com\",\"uri\":\"/api/v1/items/%d\",\"headers\":"
            "{\"User-Agent\":[\"%s\"]}},\"duration\":%.3f,\"size\":0,"
            "\"status\":%d}\n", level, 1795255200 + s,
            strcmp(level, "error") == 0 ? "error" : "access", msg, client, s,
            client, s % 5, agent, duration, status);
}

Test(findings_logs, caddy_records_get_caddys_advice)
{
    FILE    *f = create("caddy.log");
    json_t  *b;

    for (int i = 0; i < 40; i++) {
        caddy(f, i, "info", "handled request", 499, 0.3, i % 20, BROWSER);
    }
    for (int i = 0; i < 5; i++) {
        caddy(f, 40 + i, "error", "dial tcp 10.0.0.9:9000: connect:"
              " connection refused", 502, 0.001, 99, "curl/8.0");
    }
    fclose(f);

    b = of_kind("--format caddy", "caddy.log", "user_navigation", 1);
    cr_assert_str_eq(text(b, 0, "advice"), "harmless: nothing to fix in"
                     " Caddy (the client went away: \"context canceled\","
                     " status 499); if they flood the log, leave the paths"
                     " out with `log_skip` (`skip_log` before Caddy 2.8) or"
                     " sample the log");
    json_decref(b);
    b = of_kind("--format caddy", "caddy.log", "backend_down", 1);
    cr_assert_eq(num_of(b, 0, "records"), 5);
    cr_assert_str_eq(text(b, 0, "advice"), "check that the backend runs and"
                     " listens on the `reverse_proxy` upstream's address"
                     " (\"dial tcp ...: connection refused\"); add active"
                     " (`health_uri`) or passive (`fail_duration`) health"
                     " checks, a second upstream, and `lb_try_duration` so"
                     " Caddy tries another");
    json_decref(b);
    b = of_kind("--format caddy", "caddy.log", "log_bloat", 1);
    cr_assert_str_eq(text(b, 0, "advice"), "log fewer of them: `log_skip`"
                     " for the paths that abort most, or sampling in the"
                     " `log` directive");
    json_decref(b);
}

/* the reverse proxy's response_header_timeout at 30 s of Caddy's duration */
Test(findings_logs, caddy_idle_timeout_names_caddys_timeouts)
{
    FILE    *f = create("caddy-to.log");
    json_t  *b;

    for (int i = 0; i < 30; i++) {
        caddy(f, i, "info", "handled request", 200, 0.012, i % 9,
              "okhttp/4.9");
    }
    for (int i = 0; i < 6; i++) {
        caddy(f, 30 + i, "error", "net/http: timeout awaiting response"
              " headers", 504, 30.0 + i * 0.05, i, "okhttp/4.9");
    }
    fclose(f);

    b = of_kind("--format caddy", "caddy-to.log", "idle_timeout", 1);
    cr_assert_str_eq(text(b, 0, "class"), "upstream_timeout");
    cr_assert_eq(num_of(b, 0, "records"), 6);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
        json_array_get(b, 0), "numbers"), "field")), "duration");
    cr_assert_not_null(strstr(text(b, 0, "evidence"), "of Caddy's duration;"),
                       "%s", text(b, 0, "evidence"));
    cr_assert_str_eq(text(b, 0, "advice"), "Caddy ends them after 30 s: the"
                     " `reverse_proxy` transport's `read_timeout`,"
                     " `write_timeout` and `response_header_timeout`"
                     " (`transport http { ... }`), or `servers { timeouts"
                     " { read_body read_header write idle } }` in the global"
                     " options (idle 5 min by default); raise the one that"
                     " matches above the longest pause the application makes,"
                     " set `flush_interval -1` for streamed responses, or"
                     " keep the peers sending");
    expect_advice(b, NULL, "keepalive_timeout");
    json_decref(b);
}

/* Two servers' records of one class: the words of the one that wrote
   most of them */
Test(findings_logs, backend_down_of_two_servers_in_the_majoritys_words)
{
    FILE    *f = create("mixed-envoy.log"), *g = create("mixed-caddy.log");
    json_t  *b;

    for (int i = 0; i < 2; i++) {
        envoy(f, i, 503, "UF", 2, 99, "curl/8.0");
    }
    for (int i = 0; i < 3; i++) {
        caddy(g, i, "error", "dial tcp 10.0.0.9:9000: connect: connection"
              " refused", 502, 0.001, 99, "curl/8.0");
    }
    fclose(f);
    fclose(g);

    b = of_kind("", "mixed-envoy.log' 'mixed-caddy.log", "backend_down", 1);
    cr_assert_eq(num_of(b, 0, "records"), 5);
    expect_advice(b, "Caddy tries another", NULL);
    json_decref(b);
}


/*
 * HAProxy's own words for log_bloat and overload: its logging and its
 * capacity settings, never the nginx module's directives or nginx's
 * worker_connections.  The share of CD sessions climbs with the load.
 */
Test(findings_logs, bloat_and_overload_on_haproxy_records_in_its_words)
{
    FILE    *f = create("busy.log");
    json_t  *b;

    for (int m = 0; m < 10; m++) {
        int n = 40 + 40 * m;
        for (int i = 0; i < n; i++) {
            fprintf(f, "Nov 21 10:%02d:%02d lb1 haproxy[2101]:"
                    " 198.51.100.%d:4%04d [21/Nov/2026:10:%02d:%02d.120] www~"
                    " app/web1 0/0/1/-1/350 200 512 - - %s 1/1/0/0/0 0/0"
                    " \"GET /api HTTP/1.1\"\n", m, i * 60 / n, i % 90, i, m,
                    i * 60 / n, i * 100 < n * 3 * m ? "CD--" : "----");
        }
    }
    fclose(f);

    b = of_kind("--format haproxy", "busy.log", "log_bloat", 1);
    expect_advice(b, "`sample 1:10`", "rstguard");
    json_decref(b);

    b = of_kind("--format haproxy", "busy.log", "overload", 1);
    expect_advice(b, "`timeout queue`", "worker_connections");
    json_decref(b);
}
