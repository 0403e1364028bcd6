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
    /* 9 abort lines are 45 % of this log: bloat too */
    cr_assert_str_eq(got, "output_buffer(buffer_overflow)"
                     " output_buffer(truncated) log_bloat(upstream_refused)"
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
