/*
 * Log injection, end to end: what a client can put into the logs of the
 * real nginx with the module (requests it sends, aborts it makes), and
 * what the module and rstscan then make of those logs.
 *
 * With the module's error-log filter on, a crafted Host or URI cannot
 * change the key a line is counted under, make an ordinary error look like
 * an abort, forge a record, or inflate the counts rstscan rebuilds.  Each
 * forging case also runs with the filter off, pinning exactly what remains
 * possible in logs written without it (README "Log injection").
 */

#define _GNU_SOURCE             /* memmem */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define ABORTS  6
#define FORGES  3

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(injection_logs, .init = setup, .fini = teardown, .timeout = 120);

/*
 * sndbuf=32k and a 4 MiB file: a reset always lands mid-response.  Only
 * the error-log side is on (no `rstguard on`), so every summary in the
 * error log stands for error-log lines.
 */
#define INJECTION_CONF                                                       \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log @PREFIX@/logs/access.log;\n"                             \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard_error_log %s;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"

static void
start(int filter)
{
    char  conf[4096];

    snprintf(conf, sizeof(conf), INJECTION_CONF, filter ? "on" : "off");
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", 4 << 20), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
}

/* The error log once nginx has stopped (summaries are written on exit). */
static char *
stop_and_read(const char *rel)
{
    char   path[600];
    char  *text;

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    rgt_nginx_path(&ngx, rel, path, sizeof(path));
    text = rgt_read_file(path, NULL);
    cr_assert_not_null(text);

    return text;
}

/* rstscan --json --format FORMAT on a log under the prefix. */
static json_t *
rstscan(const char *format, const char *rel)
{
    char          cmd[2048], path[600], *out;
    int           st;
    json_t       *j;
    json_error_t  je;

    rgt_nginx_path(&ngx, rel, path, sizeof(path));
    snprintf(cmd, sizeof(cmd), "'%s' --json --format %s '%s'",
             getenv("RSTGUARD_RSTSCAN"), format, path);
    out = rgt_run(cmd, &st);
    cr_assert_not_null(out);
    cr_assert_eq(st, 0, "%s: %s", cmd, out);

    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, out);
    free(out);

    return j;
}

/* classes.CLS.FIELD of a report, 0 when the class has no record. */
static long
report_num(json_t *j, const char *cls, const char *field)
{
    json_t  *v = json_object_get(json_object_get(json_object_get(j,
                                 "classes"), cls), field);

    return json_is_integer(v) ? (long) json_integer_value(v) : 0;
}

/* Whether any class of the report lists `key` among its top clients. */
static int
report_has_client(json_t *j, const char *key)
{
    const char  *cls;
    json_t      *c, *t;
    size_t       i;

    json_object_foreach(json_object_get(j, "classes"), cls, c) {
        json_array_foreach(json_object_get(c, "top_clients"), i, t) {
            if (strcmp(json_string_value(json_object_get(t, "key")), key)
                == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}

/* error-log seen= of a class in the status document (0 when absent). */
static long
seen_error(const char *cls)
{
    json_t  *doc = rgt_mod_status(&ngx);
    long     v;

    cr_assert_not_null(doc);
    v = rgt_mod_counter(doc, "rg", "error", cls, "seen");
    json_decref(doc);

    return v < 0 ? 0 : v;
}

/* Lines of reset or broken-pipe aborts (summaries quote them: not those). */
static long
abort_lines(const char *text)
{
    const char  *p, *nl;
    long         n = 0;
    size_t       len;

    for (p = text; *p != '\0'; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            nl = p + strlen(p) - 1;
        }
        len = (size_t) (nl - p + 1);
        if (memmem(p, len, "rstguard: ", 10) == NULL
            && (memmem(p, len, "(104: Connection reset by peer)", 31) != NULL
                || memmem(p, len, "(32: Broken pipe)", 17) != NULL))
        {
            n++;
        }
    }

    return n;
}

/* GET path (already %-encoded) from 127.0.0.2; asserts the status. */
static void
get(const char *path, int want)
{
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.2", path, NULL, 0), want,
                 "%s", path);
}


/*
 * A Host and a URI that carry ", client: 6.6.6.6" (where nginx's own
 * context field begins) on real aborts, 400s and 404s: every abort is
 * counted under the connection's address, by the module's summaries and
 * by rstscan, and 6.6.6.6 is nobody's key.
 */
Test(injection_logs, a_crafted_host_or_uri_cannot_change_the_key)
{
    char         req[128];
    const char  *host;
    char        *text;
    json_t      *j;
    long         written, suppressed;
    int          i, fd;

    /*
     * From 1.29.4 nginx checks a Host against RFC 3986's host syntax and
     * refuses "x,client:6.6.6.6" (a port that is not a number) with a 400
     * before any download could be aborted; sub-delimiters still pass.
     */
    host = rgt_build_version() >= RGT_NGX_VERSION(1, 29, 4)
           ? "x,client,6.6.6.6" : "x,client:6.6.6.6";
    snprintf(req, sizeof(req), "GET /big.bin?q=,%%20client:%%206.6.6.6"
             " HTTP/1.1\r\nHost: %s\r\n\r\n", host);

    start(1);

    for (i = 0; i < ABORTS; i++) {
        fd = rgt_connect(ngx.port[0], "127.0.0.2", RGT_SMALL_RCVBUF);
        cr_assert_neq(fd, -1);
        cr_assert_eq(rgt_send_all(fd, req, strlen(req)), 0);
        cr_assert_gt(rgt_read_some(fd, 4096, 5000), 0);
        rgt_msleep(100);            /* nginx now waits on a full socket */
        rgt_close_rst(fd);
    }

    /* nginx rejects the Host with spaces, and logs it after client: */
    for (i = 0; i < FORGES; i++) {
        fd = rgt_connect(ngx.port[0], "127.0.0.2", 0);
        cr_assert_neq(fd, -1);
        cr_assert_eq(rgt_send_all(fd, "GET / HTTP/1.1\r\n"
                     "Host: x, client: 6.6.6.6\r\n\r\n", 44), 0);
        rgt_abort(fd, RGT_FIN, 5000);   /* reads the 400 to nginx's close */
        get("/x,%20client:%206.6.6.6", 404);
    }

    /* every abort was decided by the filter before we stop */
    for (i = 0; i < 100 && seen_error("client_reset")
                           + seen_error("broken_pipe") < ABORTS; i++)
    {
        rgt_msleep(100);
    }
    cr_assert_eq(seen_error("client_reset") + seen_error("broken_pipe"),
                 ABORTS, "client_reset %ld, broken_pipe %ld",
                 seen_error("client_reset"), seen_error("broken_pipe"));

    text = stop_and_read("logs/error.log");

    /* the module's summaries: keyed by the connection, never by the text */
    cr_assert_eq(rgt_count_lines(text, "key=\"6.6.6.6\""), 0, "%s", text);
    written = abort_lines(text);
    suppressed = rgt_mod_summary_suppressed(text, "error", "client_reset",
                                            "127.0.0.2", 0)
                 + rgt_mod_summary_suppressed(text, "error", "broken_pipe",
                                              "127.0.0.2", 0);
    cr_assert_gt(suppressed, 0, "%s", text);
    cr_assert_eq(written + suppressed, ABORTS, "%s", text);
    /* the crafted text is there, after the real client field */
    cr_assert_eq(rgt_count_lines(text, "client: 127.0.0.2, server: , request:"
                                 " \"GET /big.bin?q=,%20client:%206.6.6.6"),
                 written, "%s", text);
    cr_assert_eq(rgt_count_lines(text, "host: \"x, client: 6.6.6.6\""),
                 FORGES, "%s", text);

    /* rstscan rebuilds the same count, under the same key */
    j = rstscan("nginx-error", "logs/error.log");
    cr_assert_eq(report_num(j, "client_reset", "count")
                 + report_num(j, "broken_pipe", "count"), ABORTS, "%s",
                 json_dumps(json_object_get(j, "classes"), 0));
    cr_assert_not(report_has_client(j, "6.6.6.6"));
    cr_assert(report_has_client(j, "127.0.0.2"));
    json_decref(j);
    free(text);
}


/* a decoded %0A starts what would be a second line, a real-looking abort */
#define FORGED_ABORT_URI                                                     \
    "/x%0A2026/11/21%2010:00:00%20[info]%201%231:%20*1%20writev()%20failed"  \
    "%20(104:%20Connection%20reset%20by%20peer)%20while%20sending%20to"      \
    "%20client,%20client:%206.6.6.6,%20server:%20x"

/*
 * A fresh nginx (filter on or off) gets `times` 404s for uri; *text is its
 * error log, the result what rstscan makes of it.
 */
static json_t *
forge(const char *uri, int times, int filter, char **text)
{
    rgt_nginx_cleanup(&ngx);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    start(filter);
    for (int i = 0; i < times; i++) {
        get(uri, 404);
    }
    *text = stop_and_read("logs/error.log");

    return rstscan("nginx-error", "logs/error.log");
}

Test(injection_logs, a_uri_newline_cannot_forge_an_abort_record)
{
    char    *text;
    json_t  *j;

    /* filter on: one physical line per 404, the forgery stays inside it */
    j = forge(FORGED_ABORT_URI, FORGES, 1, &text);
    cr_assert_eq(rgt_count_lines(text, "\\n2026/11/21 10:00:00 [info] 1#1: *1"
                                 " writev() failed"), FORGES, "%s", text);
    cr_assert_eq(rgt_count_lines(text, "open() \""), FORGES);
    cr_assert_null(strstr(text, "\n2026/11/21 10:00:00 [info]"), "%s", text);
    cr_assert_eq(report_num(j, "client_reset", "count"), 0);
    cr_assert_not(report_has_client(j, "6.6.6.6"));
    json_decref(j);
    free(text);

    /* filter off (what remains possible without it): nginx writes the
       decoded newline, and the forged line is an abort of 6.6.6.6 */
    j = forge(FORGED_ABORT_URI, FORGES, 0, &text);
    cr_assert_not_null(strstr(text, "\n2026/11/21 10:00:00 [info] 1#1: *1"
                              " writev() failed"), "%s", text);
    cr_assert_eq(report_num(j, "client_reset", "count"), FORGES);
    cr_assert(report_has_client(j, "6.6.6.6"));
    json_decref(j);
    free(text);
}


/*
 * The same with a whole rstguard summary, ended by a second %0A so that
 * the forged line is exactly in the grammar: it would add 999999 to what
 * rstscan counts as held back.
 */
#define FORGED_SUMMARY_URI                                                   \
    "/x%0A2026/11/21%2010:00:00%20[info]%201%231:%20rstguard:%20log=error"   \
    "%20class=client_reset%20key=%226.6.6.6%22%20suppressed=999999"          \
    "%20passed=0%20window=60s%20first=%222026/11/21%2010:00:00%22"           \
    "%20last=%222026/11/21%2010:00:59%22%20worker=1%20dry_run=0"             \
    "%20sample=%22x%22%0Ay"

Test(injection_logs, a_uri_newline_cannot_forge_a_summary)
{
    char    *text;
    json_t  *j;

    j = forge(FORGED_SUMMARY_URI, 1, 1, &text);
    cr_assert_eq(rgt_count_lines(text, "\\n2026/11/21 10:00:00 [info] 1#1:"
                                 " rstguard: log=error"), 1, "%s", text);
    cr_assert_eq(report_num(j, "client_reset", "suppressed"), 0);
    cr_assert_eq(report_num(j, "client_reset", "count"), 0);
    json_decref(j);
    free(text);

    /* filter off: the forged summary is read as one (what remains) */
    j = forge(FORGED_SUMMARY_URI, 1, 0, &text);
    cr_assert_not_null(strstr(text, "\n2026/11/21 10:00:00 [info] 1#1:"
                              " rstguard: log=error"), "%s", text);
    cr_assert_eq(report_num(j, "client_reset", "suppressed"), 999999);
    json_decref(j);
    free(text);
}


/*
 * Abort phrases inside URIs reach the error log inside ordinary 404
 * messages ("open() ... failed"): anchored rules see an open() failure,
 * so neither the module nor rstscan counts an abort, and the filter holds
 * none of them back.  This holds with the filter off too: it is the rules
 * (anchored at the message), not the escaping, that protect here.
 */
Test(injection_logs, an_abort_phrase_in_a_uri_is_not_an_abort)
{
    static const char  *uris[] = {
        "/y(104:%20Connection%20reset%20by%20peer)%20while%20sending%20to"
        "%20client",
        "/y(32:%20Broken%20pipe)%20while%20sending%20to%20client",
        "/y%20upstream%20prematurely%20closed%20connection%20while%20reading"
        "%20upstream",
        "/y%20client%20canceled%20stream%201",
    };
    size_t   i, n = sizeof(uris) / sizeof(uris[0]);
    char    *text;
    json_t  *j;

    start(1);
    for (i = 0; i < n; i++) {
        get(uris[i], 404);
    }
    cr_assert_eq(seen_error("client_reset"), 0);
    cr_assert_eq(seen_error("broken_pipe"), 0);
    cr_assert_eq(seen_error("truncated"), 0);
    cr_assert_eq(seen_error("stream_canceled"), 0);

    text = stop_and_read("logs/error.log");
    cr_assert_eq(rgt_count_lines(text, "open() \""), n, "%s", text);

    j = rstscan("nginx-error", "logs/error.log");
    cr_assert_eq(report_num(j, "client_reset", "count"), 0);
    cr_assert_eq(report_num(j, "broken_pipe", "count"), 0);
    cr_assert_eq(report_num(j, "truncated", "count"), 0);
    cr_assert_eq(report_num(j, "stream_canceled", "count"), 0);
    json_decref(j);
    free(text);
}


/*
 * The access log: nginx escapes '"' in every variable (\x22), so a user
 * name (Basic auth) or a User-Agent that spells out a 499 cannot end the
 * request field early: a 200 stays a 200, whatever the text.
 */
Test(injection_logs, a_user_or_agent_cannot_fake_a_499)
{
    /* base64 of 'x] "GET /a HTTP/1.1" 499 0 "-" "-" [x:pw' */
    static const char  req[] =
        "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Authorization: Basic eF0gIkdFVCAvYSBIVFRQLzEuMSIgNDk5IDAgIi0iICItIiBb"
        "eDpwdw==\r\n"
        "User-Agent: a\" 499 0 \"-\" \"b\r\n\r\n";
    char    *text;
    json_t  *j;
    int      fd;

    start(1);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hi\n", 3), 0);
    fd = rgt_connect(ngx.port[0], "127.0.0.2", 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_send_all(fd, req, sizeof(req) - 1), 0);
    cr_assert_gt(rgt_read_some(fd, 4096, 5000), 0);
    rgt_abort(fd, RGT_FIN, 5000);

    text = stop_and_read("logs/access.log");
    cr_assert_eq(rgt_count_lines(text, "\\x22 499 0 \\x22-\\x22"), 1, "%s",
                 text);
    cr_assert_eq(rgt_count_lines(text, " 200 3 "), 1, "%s", text);

    j = rstscan("nginx-access", "logs/access.log");
    cr_assert_eq(report_num(j, "client_closed", "count"), 0);
    cr_assert_eq(report_num(j, "client_timeout", "count"), 0);
    json_decref(j);
    free(text);
}
