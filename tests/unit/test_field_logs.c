/*
 * Logs as they are found in the field (issue 12), through rstscan as a
 * user runs it: other Apache versions and ErrorLogFormat layouts, shipper
 * prefixes (Kubernetes/CRI, Docker json-file, CloudWatch), files no parser
 * reads.  Each log is written here in the shape of real ones (where the
 * shapes were seen: tests/data/README.md).
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rgt_rstscan.h"
#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];
static char  out[1 << 16], errtext[1 << 14];

static void setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "field"), 0);
}

static void teardown(void)
{
    rgt_tmp_remove(dir);
}

TestSuite(field_logs, .init = setup, .fini = teardown);


/* Writes text to dir/name; the path in path. */
static void
put(const char *name, const char *text, char *path, size_t size)
{
    FILE  *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}


/* Runs rstscan with args (a shell fragment); its exit status. */
static int
run(const char *args)
{
    char  cmd[4096], errpath[256];

    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s", getenv("RSTGUARD_ROOT"),
             getenv("RSTGUARD_RSTSCAN"), args);

    return rgt_sh(cmd, errpath, out, sizeof(out), errtext, sizeof(errtext));
}


/* rstscan --json [opts] on the test's file name; the report (0 exit
   expected). */
static json_t *
scan_file(const char *name, const char *opts)
{
    char          args[1024];
    json_t       *rep;
    json_error_t  je;

    snprintf(args, sizeof(args), "--json %s '%s/%s'", opts ? opts : "", dir,
             name);
    cr_assert_eq(run(args), 0, "%s", errtext);
    rep = json_loads(out, 0, &je);
    cr_assert_not_null(rep, "%s: %s", je.text, out);

    return rep;
}


/* rstscan --json [opts] on a log of text; the report (0 exit expected). */
static json_t *
scan(const char *name, const char *text, const char *opts)
{
    char  path[256];

    put(name, text, path, sizeof(path));

    return scan_file(name, opts);
}


static json_t *
file0(json_t *rep)
{
    return json_array_get(json_object_get(rep, "files"), 0);
}


/* The class's classes.cls.LIST[i].key, "" when none. */
static const char *
top_key(json_t *rep, const char *cls, const char *list, size_t i)
{
    json_t  *c = json_object_get(json_object_get(rep, "classes"), cls);
    json_t  *t = json_array_get(json_object_get(c, list), i);

    return t ? json_string_value(json_object_get(t, "key")) : "";
}


static const char *
top_client(json_t *rep, const char *cls, size_t i)
{
    return top_key(rep, cls, "top_clients", i);
}


static void
expect_format(json_t *rep, const char *format, long long lines,
    long long unparsed)
{
    json_t  *f = file0(rep);

    cr_expect_str_eq(json_string_value(json_object_get(f, "format")), format);
    cr_expect_eq(json_integer_value(json_object_get(f, "lines")), lines);
    cr_expect_eq(json_integer_value(json_object_get(f, "unparsed")),
                 unparsed);
}


/* Apache 2.0/2.2: [level] without a module, [client A] without a port;
   the proxy says "proxy: " after the errno text. */
Test(field_logs, apache_22_error_log)
{
    json_t  *rep = scan("error_log",
        "[Sun Dec 04 04:47:44 2005] [notice] Apache/2.2.3 (Unix) configured -- resuming normal operations\n"
        "[Sun Dec 04 04:47:44 2005] [error] [client 192.0.2.10] (104)Connection reset by peer: core_output_filter: writing data to the network\n"
        "[Sun Dec 04 04:47:45 2005] [error] [client 192.0.2.10] (32)Broken pipe: core_output_filter: writing data to the network\n"
        "[Sun Dec 04 04:47:46 2005] [error] [client 192.0.2.11] (70007)The timeout specified has expired: proxy: error reading status line from remote server 127.0.0.1:8080\n"
        "[Sun Dec 04 04:47:47 2005] [error] (111)Connection refused: proxy: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed\n"
        "[Sun Dec 04 04:47:48 2005] [error] [client 192.0.2.12] (70007)The timeout specified has expired: ap_content_length_filter: apr_bucket_read() failed, referer: http://www.example.com/\n"
        "[Sun Dec 04 04:47:49 2005] [error] [client 192.0.2.12] File does not exist: /var/www/html/favicon.ico\n",
        NULL);

    expect_format(rep, "apache-error", 7, 0);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "192.0.2.10");
    cr_expect_eq(rgt_rstscan_count(rep, "broken_pipe"), 1);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 1);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_refused"), 1);
    cr_expect_eq(rgt_rstscan_count(rep, "client_timeout"), 1);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 5);
    json_decref(rep);
}


/* 2.4 with ErrorLogFormat: the fields in another order, [host H], and
   %L log ids; 70007 under proxy_fcgi is the backend's. */
Test(field_logs, apache_24_error_log_format)
{
    json_t  *rep = scan("error.log",
        "[Sat Nov 21 10:00:00.123456 2026] [error] [client 198.51.100.7:4432] [host www.example.com] (104)Connection reset by peer: AH00574: ap_content_length_filter: apr_bucket_read() failed\n"
        "[Sat Nov 21 10:00:01.123456 2026] [pid 7:tid 8] [proxy_fcgi:error] [client 198.51.100.8:4433] (70007)The timeout specified has expired: AH01075: Error dispatching request to : (polling)\n"
        "[Sat Nov 21 10:00:02 2026] [proxy_http:error] [R:Wb3xAH8AAQEAAA5xQ2UAAAAB] [C:Wb3xAH8AAQEAAA5w] [client 198.51.100.9:5000] (70007)The timeout specified has expired: AH01102: error reading status line from remote server 10.0.0.5:8080\n"
        "[Sat Nov 21 10:00:03.5 2026] [core:error] [pid 7:tid 8] (70007)The timeout specified has expired: [client 198.51.100.9:5001] AH01382: Request header read timeout\n",
        NULL);

    expect_format(rep, "apache-error", 4, 0);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "198.51.100.7");
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 2);
    cr_expect_eq(rgt_rstscan_count(rep, "client_timeout"), 1);
    json_decref(rep);
}


#define NGX_RESET "2026/11/21 10:00:00 [info] 12#12: *5 writev() failed (104: Connection reset by peer) while sending to client, client: 203.0.113.5, server: shop.example.com, request: \"GET /app.js HTTP/1.1\", host: \"shop.example.com\""
#define NGX_TIMEOUT_A "2026/11/21 10:00:01 [error] 12#12: *6 upstream timed out (110: Connection timed out) while reading "
#define NGX_TIMEOUT_B "response header from upstream, client: 203.0.113.6, server: shop.example.com, request: \"GET /api HTTP/1.1\", upstream: \"http://10.0.0.5:8080/api\", host: \"shop.example.com\""
#define NGX_ACCESS_499 "203.0.113.7 - - [21/Nov/2026:10:00:02 +0000] \"GET /feed HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0\""


/* Kubernetes' CRI files: a P line continues in the next up to the F one
   (one record, its lines and bytes); stdout's access lines among stderr's
   error lines are read by their own parser. */
Test(field_logs, kubernetes_cri_prefix)
{
    static const char  log[] =
        "2026-11-21T10:00:00.123456789Z stderr F " NGX_RESET "\n"
        "2026-11-21T10:00:01.5Z stderr P " NGX_TIMEOUT_A "\n"
        "2026-11-21T10:00:01.5Z stderr F " NGX_TIMEOUT_B "\n"
        "2026-11-21T10:00:02.12345678Z stdout F " NGX_ACCESS_499 "\n";
    json_t  *rep = scan("nginx-7d9f_default_nginx-0123.log", log, NULL);
    json_t  *c;

    expect_format(rep, "nginx-error", 4, 0);
    cr_expect_eq(json_integer_value(json_object_get(file0(rep), "bytes")),
                 (json_int_t) strlen(log));
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "203.0.113.5");
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 1);
    c = json_object_get(json_object_get(rep, "classes"), "upstream_timeout");
    /* the record is both physical lines */
    cr_expect_eq(json_integer_value(json_object_get(c, "bytes")),
                 (json_int_t) (2 * strlen("2026-11-21T10:00:01.5Z stderr P ")
                               + strlen(NGX_TIMEOUT_A NGX_TIMEOUT_B) + 2));
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 1);
    cr_expect_str_eq(top_client(rep, "client_closed", 0), "203.0.113.7");
    json_decref(rep);

    /* the prefix is looked past with --format too */
    rep = scan("x.log", log, "--format nginx-error");
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 1);
    json_decref(rep);
}


/* Docker's json-file: JSON escapes decoded (\", \u00e9), a line without
   its "\n" is a part of a longer one. */
Test(field_logs, docker_json_file_prefix)
{
    json_t  *rep = scan("0123abcd-json.log",
        "{\"log\":\"2026/11/21 10:00:00 [info] 12#12: *5 writev() failed (104: Connection reset by peer) while sending to client, client: 203.0.113.5, server: s, request: \\\"GET /caf\\u00e9 HTTP/1.1\\\", host: \\\"s\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:00.123456789Z\"}\n"
        "{\"log\":\"" NGX_TIMEOUT_A "\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:01.1Z\"}\n"
        "{\"log\":\"response header from upstream, client: 203.0.113.6, server: s, request: \\\"GET /api HTTP/1.1\\\", upstream: \\\"http://10.0.0.5:8080/api\\\", host: \\\"s\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:01.1Z\"}\n"
        "{\"log\":\"" "203.0.113.7 - - [21/Nov/2026:10:00:02 +0000] \\\"GET /feed HTTP/1.1\\\" 499 0 \\\"-\\\" \\\"curl/8.0\\\"" "\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-21T10:00:02Z\"}\n",
        NULL);
    json_t  *c, *u;

    expect_format(rep, "nginx-error", 4, 0);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
    c = json_object_get(json_object_get(rep, "classes"), "client_reset");
    u = json_array_get(json_object_get(c, "top_uris"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(u, "key")),
                     "/caf\xc3\xa9");
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 1);
    cr_expect_str_eq(top_client(rep, "upstream_timeout", 0), "203.0.113.6");
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 1);
    json_decref(rep);
}


/* CloudWatch through its tools: `aws logs tail` (time, stream), --format
   short and the export to S3 (time), awslogs (group, stream). */
Test(field_logs, cloudwatch_prefixes)
{
    static const char *const  logs[] = {
        "2026-11-21T10:00:00.123000+00:00 ecs/nginx/4f1c2d " NGX_RESET "\n"
        "2026-11-21T10:00:01.456000+00:00 ecs/nginx/4f1c2d " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
        "2026-11-21T10:00:00.123Z " NGX_RESET "\n"
        "2026-11-21T10:00:01.456Z " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
        "/ecs/nginx ecs/nginx/4f1c2d " NGX_RESET "\n"
        "/ecs/nginx ecs/nginx/77aa01 " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
    };

    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        json_t  *rep = scan("cw.log", logs[i], NULL);

        expect_format(rep, "nginx-error", 2, 0);
        cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1, "log %zu", i);
        cr_expect_str_eq(top_client(rep, "client_reset", 0), "203.0.113.5");
        cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 1,
                     "log %zu", i);
        json_decref(rep);
    }
}


/* A log no parser reads is never clean: named with its abort lines, and
   --fail-on makes it an input error (2). */
Test(field_logs, unreadable_file_is_never_clean)
{
    char  path[256], args[1024];

    put("app.log",
        "Nov 21 10:00:00.123 app1 web: conn 7: read: Connection reset by peer\n"
        "Nov 21 10:00:01.123 app1 web: conn 8: write: Broken pipe\n"
        "Nov 21 10:00:02.123 app1 web: conn 9: Connection reset by peer\n"
        "Nov 21 10:00:03.123 app1 web: listening on :8080\n", path,
        sizeof(path));

    snprintf(args, sizeof(args), "--fail-on client_reset '%s'", path);
    cr_assert_eq(run(args), 2, "%s", errtext);
    cr_expect_not_null(strstr(errtext, "app.log: no parser could read it "
                              "(format generic): 3 of 4 lines carry abort "
                              "phrases\n"), "%s", errtext);
    cr_expect_not_null(strstr(out, "1 file no parser could read"), "%s",
                       out);

    /* without --fail-on: said, in the JSON too, and not an input error */
    snprintf(args, sizeof(args), "--json '%s'", path);
    cr_assert_eq(run(args), 0, "%s", errtext);
    cr_expect_not_null(strstr(out, "\"error\": \"" ), "%s", out);
    cr_expect_not_null(strstr(out, "3 of 4 lines carry abort phrases\""),
                       "%s", out);

    /* merge of its part says and does the same */
    snprintf(args, sizeof(args), "--partial '%s' > '%s/part.json'"
             " 2>/dev/null && '%s' merge --fail-on client_reset"
             " '%s/part.json'", path, dir,
             getenv("RSTGUARD_RSTSCAN"), dir);
    cr_assert_eq(run(args), 2, "%s", errtext);
    cr_expect_not_null(strstr(out, "1 file no parser could read"), "%s",
                       out);
}


/* A shell command in the test's directory, asserted to succeed. */
static void
sh2(const char *c)
{
    char  cmd[2048];

    snprintf(cmd, sizeof(cmd), "cd '%s' && %s", dir, c);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}


/* The same with one argument; skipped when zstd is missing. */
static void
sh(const char *fmt, const char *a)
{
    char  c[1024];

    if (system("command -v zstd > /dev/null") != 0) {
        cr_skip_test("zstd is not installed (scripts/deps.sh installs it)");
    }

    snprintf(c, sizeof(c), fmt, a);
    sh2(c);
}


/* zstd by its magic (whatever the name), concatenated frames read
   through, the same counts as the plain file. */
Test(field_logs, zstd_input)
{
    char     path[256];
    json_t  *rep;

    put("e.log", NGX_RESET "\n" NGX_TIMEOUT_A NGX_TIMEOUT_B "\n", path,
        sizeof(path));
    sh("zstd -q -c e.log > a.zst && zstd -q -19 -c e.log >> a.zst && cp a.zst"
       " %s", "noext");

    for (int i = 0; i < 2; i++) {
        char  args[512];

        snprintf(args, sizeof(args), "--json %s/%s", dir,
                 i == 0 ? "a.zst" : "noext");
        cr_assert_eq(run(args), 0, "%s", errtext);
        rep = json_loads(out, 0, NULL);
        cr_assert_not_null(rep, "%s", out);
        expect_format(rep, "nginx-error", 4, 0);
        cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 2);
        cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 2);
        cr_expect_eq(json_integer_value(json_object_get(rep, "bytes")),
                     (json_int_t) (2 * strlen(NGX_RESET "\n" NGX_TIMEOUT_A
                                              NGX_TIMEOUT_B "\n")));
        json_decref(rep);
    }
}


/* A damaged archive is an input error that says where, never clean. */
Test(field_logs, damaged_zstd_is_named)
{
    char  path[256], args[512];

    put("e.log", NGX_RESET "\n" NGX_RESET "\n" NGX_RESET "\n", path,
        sizeof(path));
    /* cut short: the frame has no end */
    sh("zstd -q -c e.log | head -c 40 > %s", "cut.zst");
    snprintf(args, sizeof(args), "--json %s/cut.zst", dir);
    cr_assert_eq(run(args), 2);
    cr_expect_not_null(strstr(errtext, "cut.zst: truncated zstd input: the "
                              "frame ends unfinished after 40 compressed "
                              "bytes"), "%s", errtext);

    /* bytes after the last frame that are no frame */
    sh("zstd -q -c e.log > %s && printf 'garbage after' >> bad.zst", "bad.zst");
    snprintf(args, sizeof(args), "--fail-on client_reset %s/bad.zst", dir);
    cr_assert_eq(run(args), 2);
    cr_expect_not_null(strstr(errtext, "bad.zst: corrupt zstd input near "
                              "compressed byte"), "%s", errtext);
    /* what was decoded before the damage was still read */
    cr_expect_not_null(strstr(out, "client_reset"), "%s", out);
}


/* Rotated .zst files take their place in the set like .gz ones. */
Test(field_logs, rotated_zst_set_oldest_first)
{
    char     path[256], args[1024];
    json_t  *rep, *files;
    static const char *const  want[] = {
        "x.log.12.zst", "x.log.5.gz", "x.log.2.zst", "x.log.1", "x.log",
    };

    put("x.log", NGX_RESET "\n", path, sizeof(path));
    sh("cp x.log x.log.1 && zstd -q -c x.log > x.log.2.zst && gzip -c x.log"
       " > x.log.5.gz && zstd -q -c x.log > %s", "x.log.12.zst");

    snprintf(args, sizeof(args), "--json %s/x.log %s/x.log.2.zst %s/x.log.5.gz"
             " %s/x.log.1 %s/x.log.12.zst", dir, dir, dir, dir, dir);
    cr_assert_eq(run(args), 0, "%s", errtext);
    rep = json_loads(out, 0, NULL);
    cr_assert_not_null(rep);
    files = json_object_get(rep, "files");
    cr_assert_eq(json_array_size(files), 5);
    for (size_t i = 0; i < 5; i++) {
        const char  *p = json_string_value(json_object_get(
                             json_array_get(files, i), "path"));

        cr_expect_str_eq(strrchr(p, '/') + 1, want[i], "file %zu", i);
    }
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 5);
    json_decref(rep);
}


/* `docker logs` of the official nginx image: its entrypoint's lines, the
   error log (stderr) among the access log (stdout) in the image's "main"
   layout (combined and "$http_x_forwarded_for"), an empty server. */
Test(field_logs, docker_logs_of_the_nginx_image)
{
    json_t  *rep = scan("nginx.out",
        "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
        "2026/11/21 10:00:00 [error] 28#28: *2 connect() failed (111: Connection refused) while connecting to upstream, client: 172.17.0.1, server: , request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:3001/\", host: \"localhost:8080\"\n"
        "172.17.0.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 502 157 \"-\" \"curl/8.5.0\" \"-\"\n"
        "172.17.0.9 - - [21/Nov/2026:10:00:01 +0000] \"GET /feed HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0\" \"203.0.113.50\"\n"
        "172.17.0.9 - - [21/Nov/2026:10:00:02 +0000] \"GET /feed HTTP/1.1\" 200 812 \"-\" \"Mozilla/5.0\" \"203.0.113.50\"\n",
        NULL);

    expect_format(rep, "nginx-access", 5, 1);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_refused"), 1);
    cr_expect_str_eq(top_client(rep, "upstream_refused", 0), "172.17.0.1");
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 1);
    cr_expect_str_eq(top_client(rep, "client_closed", 0), "172.17.0.9");
    json_decref(rep);
}


/* The minute of the class's first timeline point, "" when none. */
static const char *
first_minute(json_t *rep, const char *cls)
{
    json_t  *pt = json_array_get(json_object_get(json_object_get(rep,
                      "timeline"), cls), 0);

    return pt ? json_string_value(json_object_get(pt, "minute")) : "";
}


/* Exactly these n classes, with these counts. */
static void
expect_classes(json_t *rep, size_t n, const char *const *cls,
    const long long *counts)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        cr_expect_eq(rgt_rstscan_count(rep, cls[i]), counts[i], "%s", cls[i]);
    }
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), n);
}


/* Jetty 9's StdErrLog: "TIME:LEVEL:logger:thread:" (the level after a
   colon), the exception on the next line, "Caused by: " alone on a line;
   Jetty's EofException is the client's connection ending. */
Test(field_logs, jetty_stderrlog_records)
{
    json_t  *rep = scan("jetty.log",
        "2026-11-21 10:04:17.146:INFO:oejs.Server:main: Started @2345ms\n"
        "2026-11-21 10:04:18.146:WARN::qtp1120731-77: \n"
        "org.eclipse.jetty.io.EofException\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:192)\n"
        "Caused by: \n"
        "java.io.IOException: Broken pipe\n"
        "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n"
        "2026-11-21 10:05:02.421:WARN :oejs.HttpChannel:qtp4434-44: /api/items\n"
        "org.eclipse.jetty.io.EofException: null\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:286)\n"
        "2026-11-21 10:05:03.421:WARN:oejs.HttpChannel:qtp4434-45: /api/items\n"
        "org.eclipse.jetty.io.EofException\n"
        "\tat org.eclipse.jetty.io.ChannelEndPoint.flush(ChannelEndPoint.java:286)\n"
        "Caused by: java.io.IOException: Connection reset by peer\n"
        "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n",
        NULL);

    expect_format(rep, "java", 15, 0);
    expect_classes(rep, 3, (const char *[]) { "broken_pipe", "client_closed",
                   "client_reset" }, (long long []) { 1, 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"), "2026-11-21T10:04");
    json_decref(rep);
}


/* Logback's and Log4j2's default pattern and WildFly's console write the
   time of day alone (10:04:17.146, 10:04:17,146): each line so stamped
   starts a record, which has no time of its own; Undertow's response
   conduit is the response path. */
Test(field_logs, time_of_day_only_records)
{
    json_t  *rep = scan("app.log",
        "10:04:17.146 [http-nio-8080-exec-3] ERROR o.a.c.c.C.[.[.[/].[dispatcherServlet] - Servlet.service() threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:351)\n"
        "10:04:18.001 [http-nio-8080-exec-4] INFO  com.example.Web - ok\n"
        "10:04:19.146 [task-2] WARN  com.example.PriceClient - call failed\n"
        "java.net.ConnectException: Connection refused\n"
        "\tat sun.nio.ch.Net.connect0(Native Method)\n"
        "10:04:20,146 ERROR [io.undertow.request] (default task-1) UT005023: Exception handling request to /app/x: java.io.IOException: Connection reset by peer\n"
        "\tat sun.nio.ch.FileDispatcherImpl.write0(Native Method)\n"
        "\tat io.undertow.server.protocol.http.HttpResponseConduit.write(HttpResponseConduit.java:609)\n"
        "10:04:21,146 INFO  [org.jboss.as] (Controller Boot Thread) WFLYSRV0025: started\n",
        NULL);

    expect_format(rep, "java", 11, 0);
    expect_classes(rep, 3, (const char *[]) { "broken_pipe",
                   "upstream_refused", "client_reset" },
                   (long long []) { 1, 1, 1 });
    json_decref(rep);
}


/* java.util.logging's SimpleFormatter (old Tomcat's catalina.out, plain
   Java programs): "Nov 21, 2026 1:04:19 PM class method", then
   "LEVEL: message" and the trace; 12-hour clock. */
Test(field_logs, java_util_logging_two_line_records)
{
    json_t  *rep = scan("catalina.out",
        "Nov 21, 2026 10:04:17 AM org.apache.catalina.core.StandardWrapperValve invoke\n"
        "SEVERE: Servlet.service() for servlet [jsp] in context with path [] threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:393)\n"
        "Nov 21, 2026 10:04:18 AM org.apache.catalina.startup.Catalina start\n"
        "INFO: Server startup in 1234 ms\n"
        "Nov 1, 2026 1:04:19 PM com.example.Dao load\n"
        "SEVERE: query failed\n"
        "java.net.SocketException: Connection reset\n"
        "\tat java.net.SocketInputStream.read(SocketInputStream.java:196)\n"
        "\tat com.mysql.jdbc.util.ReadAheadInputStream.fill(ReadAheadInputStream.java:114)\n"
        "Nov 21, 2026 12:30:00 AM org.apache.catalina.core.StandardWrapperValve invoke\n"
        "SEVERE: Servlet.service() threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.net.SocketTimeoutException\n",
        NULL);

    expect_format(rep, "java", 14, 0);
    expect_classes(rep, 3, (const char *[]) { "broken_pipe", "upstream_reset",
                   "client_timeout" }, (long long []) { 1, 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"), "2026-11-21T10:04");
    cr_expect_str_eq(first_minute(rep, "upstream_reset"), "2026-11-01T13:04");
    cr_expect_str_eq(first_minute(rep, "client_timeout"), "2026-11-21T00:30");
    json_decref(rep);
}


/* HAProxy behind syslog: option tcplog lines (Tw/Tc/Tt, no status, a
   two-letter state) among httplog ones, and option httpslog's TLS fields
   after the request. */
Test(field_logs, haproxy_tcplog_and_httpslog)
{
    json_t  *rep = scan("haproxy.log",
        "Nov 21 10:00:01 lb1 haproxy[2314]: 192.0.2.10:51234 [21/Nov/2026:10:00:01.123] www~ app/web1 0/0/1/-1/61002 -1 0 - - cD-- 12/11/1/0/0 0/0 \"GET /api/stream HTTP/1.1\" 0/0000000000000000/0/0/0 shop.example.test/TLSv1.3/TLS_AES_256_GCM_SHA384\n"
        "Nov 21 10:00:02 lb1 haproxy[2314]: 192.0.2.11:51235 [21/Nov/2026:10:00:02.123] www~ app/web2 10/0/2/30/45 200 1024 - - CD-- 12/11/1/0/0 0/0 \"GET /big.iso HTTP/1.1\"\n"
        "Nov 21 10:00:04 lb1 haproxy[2314]: 192.0.2.13:51237 [21/Nov/2026:10:00:04.123] pg pg/db1 1/0/6000 1234 sD 1/1/1/1/0 0/0\n"
        "Nov 21 10:00:05 lb1 haproxy[2314]: 192.0.2.14:51238 [21/Nov/2026:10:00:05.123] pg pg/db1 1/0/+3000 0 CD 1/1/1/1/0 0/0\n"
        "Nov 21 10:00:06 lb1 haproxy[2314]: 192.0.2.15:51239 [21/Nov/2026:10:00:06.123] pg pg/<NOSRV> -1/-1/0 0 SC 1/1/1/1/0 0/0\n"
        "Nov 21 10:00:07 lb1 haproxy[2314]: 192.0.2.16:51240 [21/Nov/2026:10:00:07.123] pg pg/db1 0/0/5007 212 -- 0/0/0/0/3 0/0\n"
        "Nov 21 10:00:08 lb1 haproxy[2314]: Proxy pg started.\n",
        NULL);

    expect_format(rep, "haproxy", 7, 1);
    expect_classes(rep, 4, (const char *[]) { "client_timeout",
                   "client_closed", "upstream_timeout", "upstream_refused" },
                   (long long []) { 1, 2, 1, 1 });
    cr_expect_str_eq(top_key(rep, "client_timeout", "top_uris", 0), "/api/stream");
    cr_expect_str_eq(top_client(rep, "upstream_timeout", 0), "192.0.2.13");
    cr_expect_str_eq(first_minute(rep, "upstream_refused"),
                     "2026-11-21T10:00");
    json_decref(rep);
}


/* A UTF-8 byte order mark before the first line (a log saved by a Windows
   editor, or a shipper's file): the first line was unparsed and its abort
   lost; read now, its 3 bytes still counted. The light path (nginx error
   log), the access parser and Java records each see the line without it. */
Test(field_logs, utf8_bom_before_the_first_line)
{
    json_t  *rep = scan("error.log",
        "\xef\xbb\xbf" "2026/11/21 10:00:01 [info] 811#811: *11 writev() failed (104: Connection reset by peer) while sending to client, client: 198.51.100.1, server: a.example, request: \"GET /x HTTP/1.1\", host: \"a.example\"\n"
        "2026/11/21 10:00:02 [info] 811#811: *12 client 198.51.100.2 closed keepalive connection\n",
        NULL);

    expect_format(rep, "nginx-error", 2, 0);
    expect_classes(rep, 1, (const char *[]) { "client_reset" },
                   (long long []) { 1 });
    cr_expect_eq(json_integer_value(json_object_get(file0(rep), "bytes")),
                 3 + 200 + 88);
    json_decref(rep);

    rep = scan("access.log",
        "\xef\xbb\xbf" "198.51.100.3 - - [21/Nov/2026:10:00:03 +0000] \"GET /v.mp4 HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0\"\n"
        "198.51.100.4 - - [21/Nov/2026:10:00:04 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"\n",
        NULL);
    expect_format(rep, "nginx-access", 2, 0);
    expect_classes(rep, 1, (const char *[]) { "client_closed" },
                   (long long []) { 1 });
    json_decref(rep);

    rep = scan("catalina.out",
        "\xef\xbb\xbf" "21-Nov-2026 10:00:05.123 SEVERE [http-nio-8080-exec-3] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:351)\n",
        NULL);
    expect_format(rep, "java", 3, 0);
    expect_classes(rep, 1, (const char *[]) { "broken_pipe" },
                   (long long []) { 1 });
    json_decref(rep);
}


/* GlassFish's server.log in its uniform log format ("[#|time|LEVEL|...",
   the record up to a line "|#]"; was: 4 unparsed lines, its broken pipe
   lost) and Payara's ODL format ("[time] [Payara ...] [LEVEL] ... [[" up
   to "]]"). */
Test(field_logs, glassfish_and_payara_server_log)
{
    json_t  *rep = scan("server.log",
        "[#|2026-11-21T10:00:03.412+0100|WARNING|glassfish3.1.2|javax.enterprise.system.container.web.com.sun.enterprise.web|_ThreadID=33;_ThreadName=Thread-2;|StandardWrapperValve[default]: PWC1406: Servlet.service() for servlet default threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:430)\n"
        "|#]\n"
        "\n"
        "[2026-11-21T10:00:04.412+0100] [Payara 5.2021.1] [WARNING] [] [javax.enterprise.web] [tid: _ThreadID=81 _ThreadName=http-thread-pool::http-listener-1(3)] [timeMillis: 1795255204412] [levelValue: 900] [[\n"
        "  StandardWrapperValve[default]: Servlet.service() for servlet default threw exception\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Connection reset by peer\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:430)\n"
        "]]\n",
        NULL);

    expect_format(rep, "java", 10, 0);
    expect_classes(rep, 2, (const char *[]) { "broken_pipe", "client_reset" },
                   (long long []) { 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"), "2026-11-21T10:00+01:00");
    json_decref(rep);
}


/* WebLogic's server log ("####<Nov 21, 2026 10:00:03,412 AM CET> <Error>
   ..." up to a line ">", its console "<Nov 21, ...>") and WebSphere's
   SystemOut.log ("[11/21/26 10:00:05:412 CET] 0000004b ..."; its
   ClosedConnectionException is Tomcat's ClientAbortException): was
   generic, nothing read. Resets in their servlet containers' frames are
   the client's. */
Test(field_logs, weblogic_and_websphere_logs)
{
    json_t  *rep = scan("server.log",
        "####<Nov 21, 2026 10:00:03,412 AM CET> <Error> <HTTP> <web01> <AdminServer> <[ACTIVE] ExecuteThread: '3' for queue: 'weblogic.kernel.Default (self-tuning)'> <<WLS Kernel>> <> <> <1795255203412> <BEA-101083> <Connection failure.\n"
        "java.net.SocketException: Broken pipe\n"
        "\tat java.net.SocketOutputStream.socketWrite0(Native Method)\n"
        "\tat weblogic.servlet.internal.ChunkOutput.write(ChunkOutput.java:326)\n"
        ">\n"
        "####<Nov 21, 2026 10:00:04,100 AM CET> <Error> <HTTP> <web01> <AdminServer> <[ACTIVE] ExecuteThread: '5' for queue: 'weblogic.kernel.Default (self-tuning)'> <<WLS Kernel>> <> <> <1795255204100> <BEA-101083> <Connection failure.\n"
        "java.net.SocketException: Connection reset by peer\n"
        "\tat java.net.SocketOutputStream.socketWrite0(Native Method)\n"
        "\tat weblogic.servlet.internal.ServletOutputStreamImpl.flush(ServletOutputStreamImpl.java:195)\n"
        ">\n"
        "<Nov 21, 2026 10:00:04,800 AM CET> <Notice> <WebLogicServer> <BEA-000360> <The server started in RUNNING mode.>\n"
        "[11/21/26 10:00:05:412 CET] 0000004b servlet       E com.ibm.ws.webcontainer.servlet.ServletWrapper service SRVE0014E: Uncaught service() exception root cause dispatcher: com.ibm.wsspi.webcontainer.ClosedConnectionException: OutputStream encountered error during write\n"
        "\tat com.ibm.ws.webcontainer.channel.WCCByteBufferOutputStream.write(WCCByteBufferOutputStream.java:111)\n"
        "Caused by: java.io.IOException: Connection reset by peer\n"
        "[11/21/26 10:00:06:412 CET] 0000004c servlet       E com.ibm.ws.webcontainer.servlet.ServletWrapper service SRVE0014E: Uncaught service() exception root cause dispatcher: com.ibm.wsspi.webcontainer.ClosedConnectionException: OutputStream encountered error during write\n"
        "\tat com.ibm.ws.webcontainer.channel.WCCByteBufferOutputStream.write(WCCByteBufferOutputStream.java:111)\n"
        "[1/5/26 9:03:04:412 CET] 00000001 WsServerImpl  A   WSVR0001I: Server server1 open for e-business\n",
        NULL);

    expect_format(rep, "java", 17, 0);
    expect_classes(rep, 3, (const char *[]) { "client_reset", "broken_pipe",
                   "client_closed" }, (long long []) { 2, 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"), "2026-11-21T10:00");
    cr_expect_str_eq(first_minute(rep, "client_closed"), "2026-11-21T10:00");
    json_decref(rep);
}


/* Log4j2's JsonLayout (a Spring Boot app in a container): "loggerName",
   the time as "instant":{"epochSecond":...} (2.11+) or "timeMillis", the
   exception in "thrown". Was: taken for a shipper's envelope, its
   "message" alone read, nothing found. */
Test(field_logs, log4j2_json_layout)
{
    json_t  *rep = scan("app.json",
        "{\"instant\":{\"epochSecond\":1795255203,\"nanoOfSecond\":412000000},\"thread\":\"http-nio-8080-exec-7\",\"level\":\"ERROR\",\"loggerName\":\"org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].[/].[dispatcherServlet]\",\"message\":\"Servlet.service() for servlet [dispatcherServlet] threw exception\",\"thrown\":{\"commonElementCount\":0,\"localizedMessage\":\"java.io.IOException: Broken pipe\",\"message\":\"java.io.IOException: Broken pipe\",\"name\":\"org.apache.catalina.connector.ClientAbortException\",\"extendedStackTrace\":[{\"class\":\"org.apache.catalina.connector.OutputBuffer\",\"method\":\"realWriteBytes\",\"file\":\"OutputBuffer.java\",\"line\":353,\"exact\":false,\"location\":\"tomcat-embed-core-9.0.83.jar\",\"version\":\"9.0.83\"}]},\"endOfBatch\":false,\"loggerFqcn\":\"org.apache.logging.log4j.spi.AbstractLogger\",\"threadId\":33,\"threadPriority\":5}\n"
        "{\"timeMillis\":1795255264412,\"thread\":\"http-nio-8080-exec-8\",\"level\":\"WARN\",\"loggerName\":\"org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver\",\"message\":\"Resolved [org.springframework.web.context.request.async.AsyncRequestNotUsableException: ServletOutputStream failed to write: java.io.IOException: Connection reset by peer]\",\"endOfBatch\":false,\"loggerFqcn\":\"org.apache.commons.logging.LogAdapter$Log4jLog\",\"threadId\":34,\"threadPriority\":5}\n"
        "{\"instant\":{\"epochSecond\":1795255265,\"nanoOfSecond\":0},\"thread\":\"main\",\"level\":\"INFO\",\"loggerName\":\"com.example.App\",\"message\":\"Started App in 3.2 seconds\",\"endOfBatch\":false,\"loggerFqcn\":\"x\",\"threadId\":1,\"threadPriority\":5}\n",
        NULL);

    expect_format(rep, "java", 3, 0);
    expect_classes(rep, 2, (const char *[]) { "broken_pipe",
                   "client_reset" }, (long long []) { 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"),
                     "2026-11-21T10:00+00:00");
    cr_expect_str_eq(first_minute(rep, "client_reset"),
                     "2026-11-21T10:01+00:00");
    json_decref(rep);
}


/* Quarkus and Keycloak (Vert.x): "VertxException: Connection was closed"
   while writing a response (a reload held down), "HttpClosedException"
   while reading a request body: the client's; the Vert.x HTTP client's
   "Connection was closed" on a pooled connection: the backend's. Was:
   nothing counted. */
Test(field_logs, vertx_connection_was_closed)
{
    json_t  *rep = scan("quarkus.log",
        "2026-11-21 17:51:03,913 ERROR [org.jbo.thr.errors] (executor-thread-4) Thread Thread[executor-thread-4,5,main] threw an uncaught exception: java.lang.RuntimeException: java.io.IOException: java.io.IOException: io.vertx.core.VertxException: Connection was closed\n"
        "\tat io.quarkus.resteasy.runtime.standalone.VertxHttpRequest$VertxExecutionContext$VertxHttpAsyncResponse.vertxFlush(VertxHttpRequest.java:396)\n"
        "\tat org.jboss.threads.EnhancedQueueExecutor$Task.run(EnhancedQueueExecutor.java:2449)\n"
        "2026-11-21 17:51:04,100 ERROR [io.ver.cor.htt.imp.HttpClientRequestImpl] (vert.x-eventloop-thread-1) {} Connection was closed\n"
        "2026-11-21 17:51:05,100 ERROR [io.qua.ver.htt.run.QuarkusErrorHandler] (executor-thread-2) HTTP Request to /upload failed, error id: 6c9d5a9e-1: java.io.IOException: java.io.IOException: io.vertx.core.http.HttpClosedException: Connection was closed\n"
        "\tat org.jboss.resteasy.reactive.server.vertx.VertxInputStream$VertxBlockingInput.readBlocking(VertxInputStream.java:255)\n"
        "2026-11-21 17:51:06,100 INFO  [io.quarkus] (main) app 1.0 started in 1.2s\n",
        NULL);

    expect_format(rep, "java", 7, 0);
    expect_classes(rep, 2, (const char *[]) { "client_closed",
                   "upstream_closed" }, (long long []) { 2, 1 });
    json_decref(rep);
}


/* Logs as people paste and share them: grep's output over rotated files
   (the file's name glued before each line, with -n its line number too),
   `docker compose logs` ("nginx-1  | ", replicas "nginx-2  | " too),
   `kubectl logs --prefix` over several pods, and lines indented in a
   document (a Java trace too). Each was generic or partly read. */
Test(field_logs, pasted_and_grepped_prefixes)
{
    static const struct {
        const char  *name, *text, *format, *prefix;
        long long    resets, timeouts;
    } cases[] = {
        { "grep.txt",
          "/var/log/nginx/error.log:" NGX_RESET "\n"
          "/var/log/nginx/error.log.1:" NGX_RESET "\n"
          "/var/log/nginx/error.log.1:" NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
          "nginx-error", "grep", 2, 1 },
        { "grep-n.txt",
          "error.log:120:" NGX_RESET "\n"
          "error.log:121:" NGX_TIMEOUT_A NGX_TIMEOUT_B "\n"
          "error.log:200:" NGX_RESET "\n",
          "nginx-error", "grep", 2, 1 },
        { "compose.txt",
          "nginx-1  | " NGX_RESET "\n"
          "nginx-1  | " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n"
          "nginx-1  | " NGX_RESET "\n",
          "nginx-error", "words", 2, 1 },
        { "replicas.txt",
          "nginx-1  | " NGX_RESET "\n"
          "nginx-2  | " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n"
          "nginx-1  | " NGX_RESET "\n",
          "nginx-error", "words", 2, 1 },
        { "pods.txt",
          "[pod/nginx-7d9f5-x2k4p/nginx] " NGX_RESET "\n"
          "[pod/nginx-7d9f5-q8r2m/nginx] " NGX_RESET "\n"
          "[pod/nginx-7d9f5-q8r2m/nginx] " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
          "nginx-error", "words", 2, 1 },
        { "issue.md",
          "    " NGX_RESET "\n"
          "    " NGX_RESET "\n"
          "    " NGX_TIMEOUT_A NGX_TIMEOUT_B "\n",
          "nginx-error", "indent", 2, 1 },
        { "trace.md",
          "    2026-11-21 10:00:04.100  WARN 4121 --- [nio-8080-exec-2] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception\n"
          "    org.apache.catalina.connector.ClientAbortException: java.io.IOException: Connection reset by peer\n"
          "    \tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:353)\n",
          "java", "indent", 1, 0 },
    };
    char     want[64], args[1024], path[512];
    json_t  *rep;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rep = scan(cases[i].name, cases[i].text, NULL);
        expect_format(rep, cases[i].format, 3, 0);
        cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), cases[i].resets,
                     "%s", cases[i].name);
        cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"),
                     cases[i].timeouts, "%s", cases[i].name);
        json_decref(rep);

        /* the text report's run names the prefix on stderr */
        snprintf(args, sizeof(args), "'%s/%s'", dir, cases[i].name);
        cr_assert_eq(run(args), 0, "%s", errtext);
        snprintf(want, sizeof(want), "behind a prefix: %s (detected)",
                 cases[i].prefix);
        cr_expect_not_null(strstr(errtext, want), "%s: %s", cases[i].name,
                           errtext);
    }

    /* one scanner (-j 1) over a Docker log (its joined parts use the
       scanner's buffer) and then the grep output: each file its own
       prefix, the buffer kept (a leak here failed the fuzzers; under make
       asan, LeakSanitizer's exit status fails the run) */
    put("docker.log", "{\"log\":\"" NGX_TIMEOUT_A "\",\"stream\":\"stderr\","
        "\"time\":\"2026-11-21T10:00:01.1Z\"}\n{\"log\":\"" NGX_TIMEOUT_B
        "\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-21T10:00:01.1Z\"}\n",
        path, sizeof(path));
    snprintf(args, sizeof(args), "-j 1 --json '%s/docker.log' '%s/grep.txt'",
             dir, dir);
    cr_assert_eq(run(args), 0, "%s", errtext);
    rep = json_loads(out, 0, NULL);
    cr_assert_not_null(rep, "%s", out);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 2);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_timeout"), 2);
    cr_expect_eq(json_integer_value(json_object_get(rep, "unparsed")), 0);
    json_decref(rep);
}


/* A Java server's console kept by Windows PowerShell (`> console.log`):
   UTF-16 with a byte order mark and CRLF. Was: generic, "0 lines carry
   abort phrases"; now read as UTF-8, the same records as the text. */
Test(field_logs, utf16_console_log)
{
    char     path[256];
    json_t  *rep;

    put("c.log",
        "2026-11-21 10:00:05.123 ERROR 4242 --- [nio-8080-exec-3] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception\r\n"
        "org.apache.catalina.connector.ClientAbortException: java.io.IOException: An established connection was aborted by the software in your host machine\r\n"
        "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:351)\r\n"
        "2026-11-21 10:00:06.123  INFO 4242 --- [nio-8080-exec-4] c.e.shop.Cart : checkout for caf\xc3\xa9 \xf0\x9f\x9b\x92\r\n",
        path, sizeof(path));
    sh2("iconv -f UTF-8 -t UTF-16 c.log > u.log && head -c 2 u.log | od -An"
        " -tx1 | grep -q 'ff fe'");

    rep = scan_file("u.log", NULL);
    expect_format(rep, "java", 4, 0);
    expect_classes(rep, 1, (const char *[]) { "conn_aborted" },
                   (long long []) { 1 });
    json_decref(rep);
}


/* Apache in front of Tomcat over AJP: one failed read is written up to
   three times (AH01030 with the socket's error, AH00992, AH00878 with the
   same status or APR's 120006): one abort each, was two for a timeout. */
Test(field_logs, apache_ajp_failure_counts_once)
{
    json_t  *rep = scan("error.log",
        "[Mon Apr 15 12:57:52.497337 2026] [proxy_ajp:error] [pid 313979:tid 139718817662720] (70007)The timeout specified has expired: AH01030: ajp_ilink_receive() can't receive header\n"
        "[Mon Apr 15 12:57:52.520477 2026] [proxy_ajp:error] [pid 313979:tid 139718817662720] [client 10.30.20.100:63548] AH00992: ajp_read_header: ajp_ilink_receive failed\n"
        "[Mon Apr 15 12:57:52.520531 2026] [proxy_ajp:error] [pid 313979:tid 139718817662720] (70007)The timeout specified has expired: [client 10.30.20.100:63548] AH00878: read response failed from [::1]:8009 (localhost)\n"
        "[Mon Apr 15 18:06:19.375949 2026] [proxy_ajp:error] [pid 4337:tid 140133135910656] (104)Connection reset by peer: AH01030: ajp_ilink_receive() can't receive header\n"
        "[Mon Apr 15 18:06:19.375982 2026] [proxy_ajp:error] [pid 4337:tid 140133135910656] [client 192.0.2.8:43648] AH00992: ajp_read_header: ajp_ilink_receive failed\n"
        "[Mon Apr 15 18:06:19.375992 2026] [proxy_ajp:error] [pid 4337:tid 140133135910656] (120006)APR does not understand this error code: [client 192.0.2.8:43648] AH00878: read response failed from [::1]:8009 (localhost)\n",
        NULL);

    expect_format(rep, "apache-error", 6, 0);
    expect_classes(rep, 2, (const char *[]) { "upstream_timeout",
                   "upstream_reset" }, (long long []) { 1, 1 });
    json_decref(rep);
}


/* Apache 2.2 names no module: its proxy's "proxy: " and mod_proxy_ajp's
   "ajp_ilink_receive()" stand for it (the AJP timeout was the client's);
   the AJP failure's repeat "proxy: read response failed" is not counted;
   core_output_filter's lines are the client's. */
Test(field_logs, apache_22_proxy_lines_are_the_backend_s)
{
    json_t  *rep = scan("error_log",
        "[Tue Apr 14 12:48:31 2015] [error] [client 10.0.0.1] (70007)The timeout specified has expired: proxy: error reading status line from remote server 127.0.0.1:8080\n"
        "[Tue Apr 14 12:48:32 2015] [error] (70007)The timeout specified has expired: ajp_ilink_receive() can't receive header\n"
        "[Tue Apr 14 12:48:32 2015] [error] [client 10.0.0.2] (70007)The timeout specified has expired: proxy: read response failed from [::1]:8009 (localhost)\n"
        "[Tue Apr 14 12:48:33 2015] [error] [client 10.0.0.3] (104)Connection reset by peer: proxy: error reading status line from remote server 127.0.0.1:8080\n"
        "[Tue Apr 14 12:48:34 2015] [error] [client 10.0.0.4] (111)Connection refused: proxy: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed\n"
        "[Tue Apr 14 12:48:35 2015] [info] [client 10.0.0.5] (104)Connection reset by peer: core_output_filter: writing data to the network\n"
        "[Tue Apr 14 12:48:36 2015] [info] [client 10.0.0.6] (70007)The timeout specified has expired: core_output_filter: writing data to the network\n",
        NULL);

    expect_format(rep, "apache-error", 7, 0);
    expect_classes(rep, 5, (const char *[]) { "upstream_timeout",
                   "upstream_reset", "upstream_refused", "client_timeout",
                   "client_reset" }, (long long []) { 2, 1, 1, 1, 1 });
    json_decref(rep);
}


/* A TLS frontend's connection errors, written in HAProxy's error-log
   format ("fe/bind: words", no termination state) between its HTTP
   records: were unparsed. A client that closed or reset during the
   handshake is tls_aborted as in nginx; a handshake timeout is the
   client's timeout; a failed handshake and a missing PROXY header are
   parsed lines of no class. */
Test(field_logs, haproxy_connection_errors)
{
    json_t  *rep = scan("haproxy.log",
        "Oct 23 10:45:31 lb1 haproxy[812]: 198.51.100.7:58533 [23/Oct/2026:10:45:31.414] fe_https/1: Connection closed during SSL handshake\n"
        "Oct 23 10:45:32 lb1 haproxy[812]: 198.51.100.7:58540 [23/Oct/2026:10:45:32.020] fe_https/1: Connection error during SSL handshake\n"
        "Oct 23 10:45:33 lb1 haproxy[812]: 203.0.113.9:61022 [23/Oct/2026:10:45:23.001] fe_https/1: Timeout during SSL handshake\n"
        "Oct 23 10:45:34 lb1 haproxy[812]: 203.0.113.10:61030 [23/Oct/2026:10:45:34.500] fe_https/1: SSL handshake failure\n"
        "Oct 23 10:45:35 lb1 haproxy[812]: 192.0.2.44:40112 [23/Oct/2026:10:45:35.100] fe_proxy/ipv4: Connection closed while waiting for PROXY protocol header\n"
        "Oct 23 10:45:36 lb1 haproxy[812]: 192.0.2.45:40120 [23/Oct/2026:10:45:36.100] fe_https~ app/web1 0/0/1/12/80 200 1024 - - CD-- 3/3/1/1/0 0/0 \"GET /report.pdf HTTP/1.1\"\n",
        NULL);

    expect_format(rep, "haproxy", 6, 0);
    expect_classes(rep, 3, (const char *[]) { "tls_aborted",
                   "client_timeout", "client_closed" },
                   (long long []) { 2, 1, 1 });
    cr_expect_str_eq(top_client(rep, "tls_aborted", 0), "198.51.100.7");
    cr_expect_str_eq(top_client(rep, "client_timeout", 0), "203.0.113.9");
    cr_expect_str_eq(first_minute(rep, "tls_aborted"), "2026-10-23T10:45");
    json_decref(rep);
}


/* An istio-proxy container's log: HTTP lines and TCP sessions ("- - -");
   was detected as a Java log (its "[time]" starts), nothing counted. */
Test(field_logs, istio_proxy_with_tcp_sessions)
{
    json_t  *rep = scan("istio-proxy.log",
        "[2026-11-21T10:00:01.310Z] \"GET /productpage HTTP/1.1\" 0 DC downstream_remote_disconnect - \"-\" 0 0 5001 - \"203.0.113.5\" \"Mozilla/5.0\" \"d3f6f5a2\" \"shop.example.test\" \"10.1.3.4:9080\" outbound|9080||productpage.default.svc.cluster.local 10.1.3.9:40312 10.1.3.9:8080 203.0.113.5:52311 - default\n"
        "[2026-11-21T10:00:02.310Z] \"- - -\" 0 UF,URX - - \"-\" 0 0 10003 - \"-\" \"-\" \"-\" \"-\" \"10.1.3.7:3306\" outbound|3306||mysql.default.svc.cluster.local - 10.1.3.7:3306 10.1.3.9:41022 - -\n"
        "[2026-11-21T10:00:04.310Z] \"- - -\" 0 - - - \"-\" 1524 3250 60012 - \"-\" \"-\" \"-\" \"-\" \"10.1.3.7:3306\" outbound|3306||mysql.default.svc.cluster.local 10.1.3.9:41030 10.1.3.7:3306 10.1.3.9:41028 - -\n"
        "[2026-11-21T10:00:05.310Z] \"- - -\" 0 - - - \"-\" 85 585 1100 - \"-\" \"-\" \"-\" \"-\" \"10.1.3.7:3306\" outbound|3306||mysql.default.svc.cluster.local 10.1.3.9:41032 10.1.3.7:3306 10.1.3.9:41029 - -\n",
        NULL);

    expect_format(rep, "envoy", 4, 0);
    expect_classes(rep, 2, (const char *[]) { "client_closed",
                   "upstream_refused" }, (long long []) { 1, 1 });
    json_decref(rep);
}


/* Apache in front of a backend that closes: AH01102 with (20014) or
   (70014) and no errno class, then AH00898 for the same request (one
   abort); the client's request body reset under proxy_http; mod_reqtimeout
   without an errno. */
Test(field_logs, apache_proxy_backend_closed)
{
    json_t  *rep = scan("error.log",
        "[Sat Nov 21 13:03:08.375594 2026] [proxy_http:error] [pid 12181:tid 14002] (20014)Internal error (specific information not available): [client 198.51.100.20:56870] AH01102: error reading status line from remote server 127.0.0.1:9001\n"
        "[Sat Nov 21 13:03:08.375838 2026] [proxy:error] [pid 12181:tid 14002] [client 198.51.100.20:56870] AH00898: Error reading from remote server returned by /api/1.1/createSession\n"
        "[Sat Nov 21 13:03:21.590558 2026] [proxy_http:error] [pid 12181:tid 14003] (70014)End of file found: [client 198.51.100.21:44116] AH01102: error reading status line from remote server 127.0.0.1:9001, referer: https://pad.example.test/p/x\n"
        "[Sat Nov 21 13:03:21.590747 2026] [proxy:error] [pid 12181:tid 14003] [client 198.51.100.21:44116] AH00898: Error reading from remote server returned by /api/1.1/createSession, referer: https://pad.example.test/p/x\n"
        "[Sat Nov 21 13:04:00.100000 2026] [proxy_http:error] [pid 12181:tid 14004] (104)Connection reset by peer: [client 198.51.100.22:50006] AH01095: prefetch request body failed to 127.0.0.1:9001 (127.0.0.1) from 198.51.100.22 ()\n"
        "[Sat Nov 21 13:04:01.100000 2026] [reqtimeout:info] [pid 21290] [client 198.51.100.23:63044] AH01382: Request header read timeout\n",
        NULL);

    expect_format(rep, "apache-error", 6, 0);
    expect_classes(rep, 3, (const char *[]) { "upstream_closed",
                   "client_reset", "client_timeout" },
                   (long long []) { 2, 1, 1 });
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "198.51.100.22");
    json_decref(rep);
}


/* Apache's access logs in `common` (httpd.conf's default: no referer, no
   agent; was generic, its 408s lost) and Debian's vhost_combined
   (other_vhosts_access.log; the client was read as "host:443"). */
Test(field_logs, apache_access_common_and_vhost_combined)
{
    json_t  *rep = scan("access_log",
        "198.51.100.40 - - [21/Nov/2026:10:00:01 +0100] \"GET /big.iso HTTP/1.1\" 200 1048576\n"
        "198.51.100.41 - - [21/Nov/2026:10:00:02 +0100] \"GET / HTTP/1.1\" 408 -\n"
        "198.51.100.42 - frank [21/Nov/2026:10:00:03 +0100] \"GET /ok HTTP/1.1\" 200 512\n",
        NULL);

    expect_format(rep, "apache-access", 3, 0);
    expect_classes(rep, 1, (const char *[]) { "client_timeout" },
                   (long long []) { 1 });
    cr_expect_str_eq(top_client(rep, "client_timeout", 0), "198.51.100.41");
    json_decref(rep);

    rep = scan("other_vhosts_access.log",
        "shop.example.test:443 198.51.100.50 - - [21/Nov/2026:10:00:01 +0100] \"GET /big.iso HTTP/1.1\" 200 1048576 \"-\" \"Mozilla/5.0\"\n"
        "shop.example.test:443 198.51.100.51 - - [21/Nov/2026:10:00:02 +0100] \"GET / HTTP/1.1\" 408 0 \"-\" \"-\"\n"
        "www.example.test:80 198.51.100.52 - - [21/Nov/2026:10:00:03 +0100] \"GET /ok HTTP/1.1\" 301 238 \"-\" \"curl/8.0\"\n",
        NULL);

    expect_format(rep, "apache-access", 3, 0);
    expect_classes(rep, 1, (const char *[]) { "client_timeout" },
                   (long long []) { 1 });
    cr_expect_str_eq(top_client(rep, "client_timeout", 0), "198.51.100.51");
    json_decref(rep);
}


/* Caddy run in a terminal or with `format console`: tab-separated columns,
   the fields as a JSON object at the end (was: generic). The short write
   (a plugin cut the body) is truncated. */
Test(field_logs, caddy_console_layout)
{
    json_t  *rep = scan("caddy.log",
        "2026/11/21 10:00:00.520\tINFO\tusing adjacent Caddyfile\n"
        "2026/11/21 10:00:00.523\tINFO\tadmin\tadmin endpoint started\t{\"address\": \"localhost:2019\"}\n"
        "2026/11/21 10:00:01.123\tERROR\thttp.log.error\tcontext canceled\t{\"request\": {\"remote_ip\": \"203.0.113.9\", \"client_ip\": \"203.0.113.9\", \"proto\": \"HTTP/2.0\", \"method\": \"GET\", \"host\": \"shop.example.test\", \"uri\": \"/api/x\"}, \"duration\": 1.2, \"status\": 502}\n"
        "2026/11/21 10:01:05.363\tERROR\thttp.handlers.reverse_proxy\taborting with incomplete response\t{\"error\": \"short write\"}\n"
        "2026/11/21 10:01:06.363\tERROR\thttp.handlers.reverse_proxy\taborting with incomplete response\t{\"upstream\": \"10.0.0.5:8080\", \"request\": {\"remote_ip\": \"203.0.113.10\", \"method\": \"GET\", \"host\": \"shop.example.test\", \"uri\": \"/dl\"}, \"error\": \"writing: write tcp 10.0.0.2:443->203.0.113.10:50124: write: broken pipe\"}\n",
        NULL);

    expect_format(rep, "caddy", 5, 2);
    expect_classes(rep, 3, (const char *[]) { "client_closed",
                   "broken_pipe", "truncated" }, (long long []) { 1, 1, 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"), "2026-11-21T10:01");
    json_decref(rep);
}


/* Istio with accessLogEncoding: JSON (was: generic, nothing read). */
Test(field_logs, envoy_json_access_log)
{
    json_t  *rep = scan("istio-proxy.json",
        "{\"start_time\":\"2026-11-21T10:00:01.310Z\",\"method\":\"GET\",\"path\":\"/productpage\",\"protocol\":\"HTTP/1.1\",\"response_code\":0,\"response_flags\":\"DC\",\"response_code_details\":\"downstream_remote_disconnect\",\"bytes_received\":0,\"bytes_sent\":0,\"duration\":5001,\"x_forwarded_for\":\"203.0.113.5\",\"user_agent\":\"Mozilla/5.0\",\"authority\":\"shop.example.test\",\"upstream_host\":\"10.1.3.4:9080\",\"downstream_remote_address\":\"203.0.113.5:52311\"}\n"
        "{\"start_time\":\"2026-11-21T10:00:03.310Z\",\"method\":\"GET\",\"path\":\"/reviews\",\"protocol\":\"HTTP/1.1\",\"response_code\":503,\"response_flags\":\"UC\",\"bytes_sent\":95,\"duration\":12,\"x_forwarded_for\":null,\"authority\":\"reviews:9080\",\"upstream_host\":\"10.1.3.5:9080\",\"downstream_remote_address\":\"10.1.3.9:52312\"}\n"
        "{\"start_time\":\"2026-11-21T10:00:04.310Z\",\"method\":null,\"path\":null,\"protocol\":null,\"response_code\":0,\"response_flags\":\"-\",\"bytes_sent\":3250,\"duration\":60012,\"upstream_host\":\"10.1.3.7:3306\",\"downstream_remote_address\":\"10.1.3.9:41028\"}\n",
        NULL);

    expect_format(rep, "envoy", 3, 0);
    expect_classes(rep, 2, (const char *[]) { "client_closed",
                   "upstream_closed" }, (long long []) { 1, 1 });
    cr_expect_str_eq(top_key(rep, "client_closed", "top_uris", 0),
                     "/productpage");
    json_decref(rep);
}


/*
 * combined with fields appended, the most common custom layout: $request_time
 * and $upstream_response_time at the end, or ingress-nginx's default
 * (request length and time, [upstream name], upstream address, length,
 * time, status, request id).  Without --log-format the line is read by its
 * combined head.
 */
Test(field_logs, combined_with_fields_appended)
{
    json_t  *rep = scan("access.log",
        "203.0.113.5 - - [05/Dec/2026:10:00:01 +0000] \"GET /api/items HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" 312 0.012 [shop-api-8080] [] 10.244.1.12:8080 512 0.012 200 5f2c7e0a1b2c3d4e5f60718293a4b5c6\n"
        "203.0.113.6 - - [05/Dec/2026:10:00:02 +0000] \"GET /api/slow HTTP/1.1\" 499 0 \"-\" \"curl/8.4.0\" 85 4.001 [shop-api-8080] [] 10.244.1.12:8080 0 4.000 - 6a2c7e0a1b2c3d4e5f60718293a4b5c6\n"
        "203.0.113.7 - - [05/Dec/2026:10:00:03 +0000] \"POST /upload HTTP/1.1\" 408 0 \"-\" \"okhttp/4.9\" 1200 60.001 [shop-api-8080] [] - - - - 7a2c7e0a1b2c3d4e5f60718293a4b5c6\n"
        "203.0.113.8 - - [05/Dec/2026:10:00:04 +0000] \"GET /big.iso HTTP/1.1\" 499 65536 \"-\" \"Wget/1.21\" 0.512 0.500\n",
        NULL);

    expect_format(rep, "nginx-access", 4, 0);
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 2);
    cr_expect_str_eq(top_client(rep, "client_closed", 0), "203.0.113.6");
    cr_expect_eq(rgt_rstscan_count(rep, "client_timeout"), 1);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 2);
    /* ingress-nginx's own layout is read whole: its upstream address */
    {
        json_t  *c = json_object_get(json_object_get(rep, "classes"),
                                     "client_closed");
        json_t  *u = json_array_get(json_object_get(c, "top_upstreams"), 0);

        cr_expect_str_eq(json_string_value(json_object_get(u, "key")),
                         "10.244.1.12:8080", "%s", out);
    }
    json_decref(rep);

    /* a line that is not combined up to its user agent stays unparsed */
    rep = scan("access2.log",
        "203.0.113.5 - - [05/Dec/2026:10:00:01 +0000] \"GET / HTTP/1.1\" 499 0 \"-\" \"curl/8.4.0\" 0.5\n"
        "203.0.113.5 - - [05/Dec/2026:10:00:02 +0000] \"GET / HTTP/1.1\" 499 0 \"-\"x 0.5\n",
        NULL);
    expect_format(rep, "nginx-access", 2, 1);
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 1);
    json_decref(rep);
}


/*
 * A JSON layout (log_format ... escape=json '{...}') that no --log-format
 * or nginx.conf describes: its keys are read by name (the variables', or
 * the shippers' @timestamp, client_ip, method + uri), a status as a string
 * or a number.
 */
Test(field_logs, nginx_json_access_log)
{
    json_t  *rep = scan("access.json",
        "{\"time\":\"2026-12-05T10:00:01+00:00\",\"remote_addr\":\"203.0.113.5\",\"request\":\"GET /api/items HTTP/1.1\",\"status\":\"200\",\"body_bytes_sent\":\"512\",\"request_time\":\"0.012\",\"http_referrer\":\"\",\"http_user_agent\":\"Mozilla/5.0\"}\n"
        "{\"time\":\"2026-12-05T10:00:02+00:00\",\"remote_addr\":\"203.0.113.6\",\"request\":\"GET /api/slow HTTP/1.1\",\"status\":\"499\",\"body_bytes_sent\":\"0\",\"request_time\":\"4.001\",\"http_referrer\":\"\",\"http_user_agent\":\"curl/8.4.0\"}\n"
        "{\"@timestamp\":\"2026-12-05T10:01:03+00:00\",\"client_ip\":\"203.0.113.7\",\"method\":\"POST\",\"uri\":\"/upload\",\"protocol\":\"HTTP/1.1\",\"status\":408,\"body_bytes_sent\":0,\"request_time\":60.001,\"upstream_addr\":\"10.0.0.5:8080\"}\n"
        "{\"time\":\"05/Dec/2026:10:01:04 +0000\",\"remote_addr\":\"203.0.113.6\",\"request\":\"GET /api/slow HTTP/1.1\",\"status\":\"499\",\"body_bytes_sent\":\"0\"}\n"
        "{\"level\":\"info\",\"msg\":\"an application's own JSON line\"}\n",
        NULL);
    json_t  *tl, *m;

    expect_format(rep, "nginx-access", 5, 1);
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 2);
    cr_expect_str_eq(top_client(rep, "client_closed", 0), "203.0.113.6");
    cr_expect_eq(rgt_rstscan_count(rep, "client_timeout"), 1);
    cr_expect_str_eq(top_client(rep, "client_timeout", 0), "203.0.113.7");

    /* the times were read, ISO 8601 and $time_local's text alike */
    tl = json_object_get(json_object_get(rep, "timeline"), "client_closed");
    cr_assert(json_is_array(tl), "%s", out);
    cr_expect_eq(json_array_size(tl), 2, "%s", out);
    m = json_array_get(tl, 1);
    cr_expect_str_eq(json_string_value(json_object_get(m, "minute")),
                     "2026-12-05T10:01+00:00");
    cr_expect_eq(json_integer_value(json_object_get(m, "count")), 1);
    json_decref(rep);
}


/*
 * Shippers that put each line into a JSON object: Filebeat's "message",
 * Google Cloud Logging's "textPayload", journalctl -o json's "MESSAGE".
 */
Test(field_logs, json_envelopes)
{
    static const struct { const char *name, *text; } c[] = {
        { "filebeat.json",
          "{\"@timestamp\":\"2026-12-05T10:00:01.000Z\",\"log\":{\"file\":{\"path\":\"/var/log/nginx/error.log\"}},\"message\":\"2026/12/05 10:00:01 [info] 31#31: *1 client prematurely closed connection while sending response to client, client: 203.0.113.5, server: shop.example.com, request: \\\"GET /big HTTP/1.1\\\", host: \\\"shop.example.com\\\"\",\"host\":{\"name\":\"web1\"}}\n"
          "{\"@timestamp\":\"2026-12-05T10:00:02.000Z\",\"log\":{\"file\":{\"path\":\"/var/log/nginx/error.log\"}},\"message\":\"2026/12/05 10:00:02 [info] 31#31: *2 recv() failed (104: Connection reset by peer) while waiting for request, client: 203.0.113.6, server: 0.0.0.0:80\",\"host\":{\"name\":\"web1\"}}\n" },
        { "gcp.json",
          "{\"insertId\":\"a1\",\"textPayload\":\"2026/12/05 10:00:01 [info] 31#31: *1 client prematurely closed connection while sending response to client, client: 203.0.113.5, server: shop.example.com\",\"timestamp\":\"2026-12-05T10:00:01Z\"}\n"
          "{\"insertId\":\"a2\",\"textPayload\":\"2026/12/05 10:00:02 [info] 31#31: *2 recv() failed (104: Connection reset by peer) while waiting for request, client: 203.0.113.6, server: 0.0.0.0:80\\n\",\"timestamp\":\"2026-12-05T10:00:02Z\"}\n" },
        { "journal.json",
          "{\"__REALTIME_TIMESTAMP\":\"1764928801000000\",\"_SYSTEMD_UNIT\":\"nginx.service\",\"MESSAGE\":\"2026/12/05 10:00:01 [info] 31#31: *1 client prematurely closed connection while sending response to client, client: 203.0.113.5, server: shop.example.com\"}\n"
          "{\"__REALTIME_TIMESTAMP\":\"1764928802000000\",\"_SYSTEMD_UNIT\":\"nginx.service\",\"MESSAGE\":\"2026/12/05 10:00:02 [info] 31#31: *2 recv() failed (104: Connection reset by peer) while waiting for request, client: 203.0.113.6, server: 0.0.0.0:80\"}\n" },
    };
    json_t  *rep;
    size_t   i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        rep = scan(c[i].name, c[i].text, NULL);
        expect_format(rep, "nginx-error", 2, 0);
        cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), 1, "%s",
                     c[i].name);
        cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1, "%s",
                     c[i].name);
        cr_expect_str_eq(top_client(rep, "client_reset", 0), "203.0.113.6");
        json_decref(rep);
    }
}


/* Spring Boot's JSON logs (logstash-logback-encoder; the ECS layout), also
   behind Kubernetes' CRI prefix: each object is a Java record with its
   time, and the exception is in "stack_trace" (was: read as a shipper's
   envelope, its "message" alone, or generic: nothing counted). */
Test(field_logs, java_json_logs)
{
    static const char  ls[] =
        "{\"@timestamp\":\"2026-11-21T10:00:01.147+01:00\",\"@version\":\"1\",\"message\":\"Servlet.service() threw exception\",\"logger_name\":\"o.a.c.c.C.[.[.[/].[dispatcherServlet]\",\"thread_name\":\"http-nio-8080-exec-3\",\"level\":\"ERROR\",\"level_value\":40000,\"stack_trace\":\"org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\\n\\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:353)\\n\"}\n"
        "{\"@timestamp\":\"2026-11-21T10:00:02.147+01:00\",\"@version\":\"1\",\"message\":\"Started App in 3.1 seconds\",\"logger_name\":\"com.example.App\",\"thread_name\":\"main\",\"level\":\"INFO\",\"level_value\":20000}\n";
    static const char  cri[] =
        "2026-11-21T09:00:01.150000000Z stdout F {\"@timestamp\":\"2026-11-21T09:00:01.147Z\",\"log.level\":\"ERROR\",\"log.logger\":\"com.example.PriceClient\",\"message\":\"call failed\",\"error.type\":\"java.net.SocketException\",\"error.stack_trace\":\"java.net.SocketException: Connection reset\\n\\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:323)\\n\",\"ecs.version\":\"8.11\"}\n"
        "2026-11-21T09:00:02.150000000Z stdout F {\"@timestamp\":\"2026-11-21T09:00:02.147Z\",\"@version\":\"1\",\"message\":\"Started App in 3.1 seconds\",\"logger_name\":\"com.example.App\",\"level\":\"INFO\"}\n";
    json_t             *rep;

    rep = scan("app.json", ls, NULL);
    expect_format(rep, "java", 2, 0);
    expect_classes(rep, 1, (const char *[]) { "broken_pipe" },
                   (long long []) { 1 });
    cr_expect_str_eq(first_minute(rep, "broken_pipe"),
                     "2026-11-21T10:00+01:00");
    json_decref(rep);

    rep = scan("app-cri.log", cri, NULL);
    expect_format(rep, "java", 2, 0);
    expect_classes(rep, 1, (const char *[]) { "upstream_reset" },
                   (long long []) { 1 });
    json_decref(rep);
}


/*
 * Spring Boot's console colors (spring.output.ansi.enabled=always), as
 * `docker logs` or a file of the console keeps them: ESC[..m around the
 * time, the level, the pid, the thread and the logger.  C() colors a
 * field; the plain text is the same without them.
 */
#define C(code, text)  "\033[" code "m" text "\033[0;39m"
#define SPRING_COLORED \
    C("2", "2026-12-01 10:15:32.123") " " C("31", "ERROR") " " C("35", "4242") \
    " " C("2", "---") " " C("2", "[nio-8080-exec-7]") " " \
    C("36", "o.a.c.c.C.[.[.[/].[dispatcherServlet]   ") " " C("2", ":") \
    " Servlet.service() for servlet [dispatcherServlet] threw exception\n" \
    "org.apache.catalina.connector.ClientAbortException: java.io.IOException: Broken pipe\n" \
    "\tat org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:353)\n" \
    "Caused by: java.io.IOException: Broken pipe\n" \
    C("2", "2026-12-01 10:15:33.456") " " C("33", " WARN") " " C("35", "4242") \
    " " C("2", "---") " " C("2", "[nio-8080-exec-2]") " " \
    C("36", ".m.m.a.ExceptionHandlerExceptionResolver") " " C("2", ":") \
    " Resolved [org.apache.catalina.connector.ClientAbortException: java.io.IOException: Connection reset by peer]\n" \
    C("2", "2026-12-01 10:15:34.789") " " C("32", " INFO") " " C("35", "4242") \
    " " C("2", "---") " " C("2", "[           main]") " " \
    C("36", "o.s.b.w.embedded.tomcat.TomcatWebServer ") " " C("2", ":") \
    " Tomcat started on port(s): 8080 (http) with context path ''\n"


/* A Java log's colored copy reads as the plain one: same records, same
   classes, nothing unparsed; so does an nginx error log with a colored
   level (its fast path, which reads no colors, is off for it). */
Test(field_logs, colored_lines_read_as_plain_ones)
{
    const char  *colored[] = { SPRING_COLORED,
        "2026/11/21 10:00:00 \033[36m[info]\033[0m 12#12: *5 writev() failed (104: Connection reset by peer) while sending to client, client: 203.0.113.5, server: shop.example.com, request: \"GET /app.js HTTP/1.1\", host: \"shop.example.com\"\n"
        "2026/11/21 10:00:00 \033[33m[warn]\033[0m 12#12: *6 an upstream response is buffered to a temporary file /var/cache/nginx/1 while reading upstream, client: 203.0.113.6, server: shop.example.com, request: \"GET /big HTTP/1.1\", upstream: \"http://10.0.0.5:8080/big\", host: \"shop.example.com\"\n"
        "2026/11/21 10:00:01 \033[31m[error]\033[0m 12#12: *7 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 203.0.113.6, server: shop.example.com, request: \"GET /api HTTP/1.1\", upstream: \"http://10.0.0.5:8080/api\", host: \"shop.example.com\"\n"
        "2026/11/21 10:00:02 \033[36m[info]\033[0m 12#12: *8 client 203.0.113.9 closed keepalive connection\n" };
    const char  *format[] = { "java", "nginx-error" };
    const char  *cls[][3] = { { "broken_pipe", "client_reset", NULL },
                              { "client_reset", "upstream_timeout",
                                "buffer_overflow" } };
    long long    lines[] = { 6, 4 };
    char         plain[4096], path[256];
    const char  *p;
    size_t       n, i, k;

    for (i = 0; i < 2; i++) {
        json_t  *rep[2];

        /* the plain copy: every ESC[...m taken out */
        for (n = 0, p = colored[i]; *p != '\0'; p++) {
            if (*p == '\033') {
                p = strchr(p, 'm');
                continue;
            }
            plain[n++] = *p;
        }
        plain[n] = '\0';
        cr_assert_null(strchr(plain, '\033'));

        put("plain.log", plain, path, sizeof(path));
        put("colored.log", colored[i], path, sizeof(path));
        rep[0] = scan_file("plain.log", NULL);
        rep[1] = scan_file("colored.log", NULL);

        for (k = 0; k < 2; k++) {
            expect_format(rep[k], format[i], lines[i], 0);
            cr_expect_eq(json_object_size(json_object_get(rep[k], "classes")),
                         cls[i][2] ? 3 : 2, "%s", format[i]);
            cr_expect_eq(rgt_rstscan_count(rep[k], cls[i][0]), 1);
            cr_expect_eq(rgt_rstscan_count(rep[k], cls[i][1]), 1);
        }
        cr_expect_str_eq(top_client(rep[1], "client_reset", 0),
                         i == 0 ? "" : "203.0.113.5");
        json_decref(rep[0]);
        json_decref(rep[1]);
    }
}


/* Colors that begin past the head (64 KiB of plain lines first: a process
   that forced them on later) are taken out of the lines they start. */
Test(field_logs, colors_past_the_head)
{
    char     text[96 * 1024], path[256];
    size_t   n = 0;
    json_t  *rep;
    int      i;

    for (i = 0; n < 70 * 1024; i++) {
        n += (size_t) snprintf(text + n, sizeof(text) - n,
                               "2026-12-01 10:15:%02d.%03d  INFO 4242 --- [main]"
                               " o.s.b.StartupInfoLogger : starting part %d\n",
                               i / 1000 % 60, i % 1000, i);
    }
    cr_assert_lt(n + sizeof(SPRING_COLORED), sizeof(text));
    memcpy(text + n, SPRING_COLORED, sizeof(SPRING_COLORED));

    put("late.log", text, path, sizeof(path));
    rep = scan_file("late.log", NULL);
    expect_format(rep, "java", i + 6, 0);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 2);
    cr_expect_eq(rgt_rstscan_count(rep, "broken_pipe"), 1);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
    json_decref(rep);
}


/* The colors inside a Docker json-file line (JSON-escaped, \u001b) and
   behind Kubernetes' CRI prefix: the same two aborts. */
Test(field_logs, colored_lines_behind_a_shipper)
{
    const char  *text = SPRING_COLORED, *p, *nl;
    char         docker[8192], cri[8192], path[256];
    size_t       d = 0, c = 0, i = 0;
    json_t      *rep;

    for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1, i++) {
        json_t  *o = json_object();
        char    *line, *js;

        line = strndup(p, (size_t) (nl + 1 - p));
        json_object_set_new(o, "log", json_string(line));
        json_object_set_new(o, "stream", json_string("stdout"));
        json_object_set_new(o, "time", json_string("2026-12-01T10:15:32.1Z"));
        js = json_dumps(o, JSON_COMPACT);
        /* as Docker (Go) writes it: \u001b, where jansson writes \u001B */
        for (char *e = js; (e = strstr(e, "\\u001B")) != NULL; e++) {
            e[5] = 'b';
        }
        if (i == 0) {
            cr_assert_not_null(strstr(js, "\\u001b["), "%s", js);
        }
        d += (size_t) snprintf(docker + d, sizeof(docker) - d, "%s\n", js);
        c += (size_t) snprintf(cri + c, sizeof(cri) - c,
                               "2026-12-01T10:15:3%zu.123456789Z stdout F %s",
                               i, line);
        free(js);
        free(line);
        json_decref(o);
    }
    cr_assert_eq(i, 6);

    put("docker.log", docker, path, sizeof(path));
    put("cri.log", cri, path, sizeof(path));

    for (i = 0; i < 2; i++) {
        rep = scan_file(i == 0 ? "docker.log" : "cri.log", NULL);
        expect_format(rep, "java", 6, 0);
        cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 2);
        cr_expect_eq(rgt_rstscan_count(rep, "broken_pipe"), 1);
        cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), 1);
        json_decref(rep);
    }
}


/*
 * The Common Log Format with fields after it: Tomcat's AccessLogValve
 * with %D (Spring Boot's server.tomcat.accesslog.pattern "common %D", "-"
 * for no body), and an nginx log_format of the same head with
 * $request_time, whose 499 is a client that left.  Both were "no parser
 * could read it".  (Combined with more fields stays nginx's:
 * combined_with_fields_appended.)
 */
Test(field_logs, common_format_with_fields_after_it)
{
    static const struct {
        const char  *name, *text, *client;
        size_t       classes;
        long long    closed, timeout;
    } logs[] = {
        { "localhost_access_log.2026-12-01.txt",
          "192.0.2.9 - - [01/Dec/2026:10:00:01 +0000] \"GET /app/report HTTP/1.1\" 200 - 15023\n"
          "192.0.2.9 - alice [01/Dec/2026:10:00:02 +0000] \"POST /app/save HTTP/1.1\" 302 - 41\n"
          "192.0.2.10 - - [01/Dec/2026:10:00:03 +0000] \"GET /app/big.pdf HTTP/1.1\" 200 1048576 3120\n",
          "", 0, 0, 0 },
        { "access.log",
          "203.0.113.7 - - [01/Dec/2026:10:00:01 +0000] \"GET /feed HTTP/1.1\" 499 0 12.004\n"
          "203.0.113.8 - - [01/Dec/2026:10:00:02 +0000] \"GET /feed HTTP/1.1\" 200 5120 0.031\n"
          "203.0.113.9 - - [01/Dec/2026:10:00:03 +0000] \"GET /slow HTTP/1.1\" 408 0 60.000\n",
          "203.0.113.7", 2, 1, 1 },
    };
    size_t  i;

    for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        json_t  *rep = scan(logs[i].name, logs[i].text, NULL);

        expect_format(rep, "apache-access", 3, 0);
        cr_expect_eq(json_object_size(json_object_get(rep, "classes")),
                     logs[i].classes, "%s", logs[i].name);
        cr_expect_eq(rgt_rstscan_count(rep, "client_closed"), logs[i].closed);
        cr_expect_eq(rgt_rstscan_count(rep, "client_timeout"),
                     logs[i].timeout);
        cr_expect_str_eq(top_client(rep, "client_closed", 0), logs[i].client);
        json_decref(rep);
    }
}
