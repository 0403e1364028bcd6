/*
 * rstscan over the logs a real nginx wrote: clients give up while nginx
 * waits for a slow upstream (RST and FIN -> 499), give up mid-download,
 * and an upstream cuts its body short; rstscan's JSON must count each of
 * those aborts exactly, in the error log, in a `combined` access log (only
 * the 499s) and in a layout with $request_completion (the 200s too).
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

#define BIG_SIZE  (4 * 1024 * 1024)
#define FULL_LAYOUT                                                          \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "        \
    "$body_bytes_sent \"$request_completion\" $sent_http_content_length "   \
    "\"$http_user_agent\""

static rgt_nginx     ngx;
static rgt_upstream  slow, trunc;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&slow);
    rgt_upstream_stop(&trunc);
}

TestSuite(scan_nginx, .init = setup, .fini = teardown, .timeout = 90);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format full '" FULL_LAYOUT "';\n"                               \
    "    access_log @PREFIX@/logs/access.log combined;\n"                    \
    "    access_log @PREFIX@/logs/full.log full;\n"                          \
    "    sendfile on;\n"                                                     \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        root @PREFIX@/html;\n"                                          \
    "        location /slow { proxy_pass http://127.0.0.1:%d; }\n"           \
    "        location /trunc { proxy_pass http://127.0.0.1:%d; }\n"          \
    "    }\n"                                                                \
    "}\n"

/* rstscan --json ARGS; the parsed report. */
static json_t *
rstscan(const char *args)
{
    char     err[512];
    int      st;
    json_t  *j;

    j = rgt_rstscan_json(NULL, &st, err, sizeof(err), "--json %s", args);
    cr_assert_not_null(j, "%s", err);
    cr_assert_eq(st, 0, "rstscan --json %s", args);
    return j;
}

/* The first of a class's top clients is key, with count records. */
static void
expect_top_client(json_t *rep, const char *cls, const char *key,
    long long count)
{
    json_t  *c;

    c = json_object_get(json_object_get(rep, "classes"), cls);
    c = json_array_get(json_object_get(c, "top_clients"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(c, "key")), key);
    cr_assert_eq(json_integer_value(json_object_get(c, "count")), count);
}

static void
abort_waiting(const char *from, rgt_abort_how how, unsigned long nth)
{
    int  fd = rgt_open_request(ngx.port[0], from, "/slow", 0);

    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_upstream_wait_requests(&slow, nth, 10000), 0);
    rgt_abort(fd, how, 5000);
    cr_assert_eq(rgt_upstream_wait_aborted(&slow, nth, 10000), 0);
}

Test(scan_nginx, counts_every_abort_nginx_logged)
{
    rgt_upstream_opts  so = { .mode = RGT_UP_SLOW, .delay_ms = 8000 };
    rgt_upstream_opts  to = { .mode = RGT_UP_TRUNCATE, .body_len = 100000,
                              .send_len = 1000 };
    char               conf[4096], resp[4096], args[2048];
    char               elog[700], alog[700], flog[700];
    json_t            *rep;

    cr_assert_eq(rgt_upstream_start(&slow, &so), 0);
    cr_assert_eq(rgt_upstream_start(&trunc, &to), 0);
    snprintf(conf, sizeof(conf), CONF, slow.port, trunc.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", BIG_SIZE), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/error.log", elog, sizeof(elog));
    rgt_nginx_path(&ngx, "logs/access.log", alog, sizeof(alog));
    rgt_nginx_path(&ngx, "logs/full.log", flog, sizeof(flog));

    /* two resets and one FIN while nginx waits for the upstream: 499s */
    abort_waiting("127.0.0.2", RGT_RST, 1);
    abort_waiting("127.0.0.2", RGT_RST, 2);
    abort_waiting("127.0.0.3", RGT_FIN, 3);
    cr_assert_eq(rgt_wait_lines(elog, "epoll_wait() reported", 3, 10000), 0);

    /* a download given up midway: 200 with an empty $request_completion */
    cr_assert_gt(rgt_abort_download(ngx.port[0], "127.0.0.4", "/big.bin",
                                    RGT_FIN, 16384, 200), 0);
    cr_assert_eq(rgt_wait_lines(elog, "while sending response to client", 1,
                                10000), 0);

    /* an upstream that promised 100000 bytes and sent 1000 */
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.5", "/trunc", resp,
                              sizeof(resp)), 200);

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.6", "/index.html",
                                  NULL, 0), 200);
    }
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* rgt_nginx_start's readiness probes connect and close without a
       request: "client closed connection while waiting for request" is a
       client_closed line too (rules/README.md) */
    char    *text = rgt_read_file(elog, NULL);
    size_t   probes;

    cr_assert_not_null(text);
    probes = rgt_count_lines(text, "client closed connection while waiting"
                             " for request");
    free(text);

    /* the error log: 2 resets, the FIN and the download, 1 cut body */
    rep = rstscan(elog);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
        json_object_get(rep, "files"), 0), "format")), "nginx-error");
    cr_assert_eq(rgt_rstscan_count(rep, "client_reset"), 2);
    cr_assert_eq(rgt_rstscan_count(rep, "client_closed"),
                 2 + (long long) probes);
    cr_assert_eq(rgt_rstscan_count(rep, "truncated"), 1);
    cr_assert_eq(json_object_size(json_object_get(rep, "classes")), 3);
    expect_top_client(rep, "client_reset", "127.0.0.2", 2);
    json_decref(rep);

    /* combined: only the three 499s */
    rep = rstscan(alog);
    cr_assert_eq(json_integer_value(json_object_get(rep, "lines")), 8);
    cr_assert_eq(json_integer_value(json_object_get(rep, "unparsed")), 0);
    cr_assert_eq(rgt_rstscan_count(rep, "client_closed"), 3);
    cr_assert_eq(json_object_size(json_object_get(rep, "classes")), 1);
    json_decref(rep);

    /* with $request_completion: the download too, and the cut body */
    snprintf(args, sizeof(args), "--log-format '%s' %s", FULL_LAYOUT, flog);
    rep = rstscan(args);
    cr_assert_eq(json_integer_value(json_object_get(rep, "unparsed")), 0);
    cr_assert_eq(rgt_rstscan_count(rep, "client_closed"), 4);
    cr_assert_eq(rgt_rstscan_count(rep, "truncated"), 1);
    cr_assert_eq(json_object_size(json_object_get(rep, "classes")), 2);
    json_decref(rep);

    /* all three at once: counts add up over the inputs */
    snprintf(args, sizeof(args), "--log-format '%s' %s %s", FULL_LAYOUT,
             elog, flog);
    rep = rstscan(args);
    cr_assert_eq(rgt_rstscan_count(rep, "client_closed"),
                 6 + (long long) probes);
    cr_assert_eq(rgt_rstscan_count(rep, "truncated"), 2);
    json_decref(rep);
}


#define PP_CONF                                                              \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        listen 127.0.0.1:@PORT1@ proxy_protocol;\n"                     \
    "        root @PREFIX@/html;\n"                                          \
    "    }\n"                                                                \
    "}\n"

/*
 * Behind a load balancer that speaks the PROXY protocol (AWS NLB, HAProxy
 * `send-proxy`), its health checks connect and close: nginx writes
 * "client closed connection while reading PROXY protocol" (was: no class)
 * and, for a reset, "recv() failed (104: ...) while reading PROXY
 * protocol".  Three closes and two resets on the proxy_protocol port; a
 * client that sends the header and a request is served.
 */
Test(scan_nginx, proxy_protocol_health_checks_are_client_closes)
{
    static const char  req[] = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\n"
                               "GET /index.html HTTP/1.0\r\n\r\n";
    char               elog[700], buf[512];
    char              *text;
    size_t             probes;
    json_t            *rep;
    int                fd;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, PP_CONF), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/error.log", elog, sizeof(elog));

    for (int i = 0; i < 3; i++) {
        fd = rgt_connect(ngx.port[1], "127.0.0.8", 0);
        cr_assert_neq(fd, -1);
        close(fd);
    }
    cr_assert_eq(rgt_wait_lines(elog, "client closed connection while"
                                " reading PROXY protocol", 3, 10000), 0);

    for (int i = 0; i < 2; i++) {
        fd = rgt_connect(ngx.port[1], "127.0.0.9", 0);
        cr_assert_neq(fd, -1);
        rgt_msleep(50);
        rgt_close_rst(fd);
    }
    cr_assert_eq(rgt_wait_lines(elog, "(104: Connection reset by peer) while"
                                " reading PROXY protocol", 2, 10000), 0);

    fd = rgt_connect(ngx.port[1], "127.0.0.10", 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_send_all(fd, req, sizeof(req) - 1), 0);
    cr_assert_gt(read(fd, buf, sizeof(buf)), 12);
    cr_assert_eq(strncmp(buf, "HTTP/1.1 200", 12), 0, "%.40s", buf);
    close(fd);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* the readiness probes on both ports ("waiting for request", or
       "reading PROXY protocol") are closes too */
    text = rgt_read_file(elog, NULL);
    cr_assert_not_null(text);
    probes = rgt_count_lines(text, "client closed connection while");
    cr_assert_geq(probes, 3);
    free(text);

    rep = rstscan(elog);
    cr_assert_eq(json_integer_value(json_object_get(rep, "unparsed")), 0);
    cr_assert_eq(rgt_rstscan_count(rep, "client_closed"), (long long) probes);
    cr_assert_eq(rgt_rstscan_count(rep, "client_reset"), 2);
    cr_assert_eq(json_object_size(json_object_get(rep, "classes")), 2);
    expect_top_client(rep, "client_reset", "127.0.0.9", 2);
    json_decref(rep);
}
