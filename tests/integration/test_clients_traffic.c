/*
 * build/rgt_traffic, the demo's and the benchmarks' traffic tool, against
 * the stock nginx with the module loaded and `rstguard off`: what it
 * reports (--json) must be exactly what nginx logged, per kind and per
 * client address, and bad arguments must fail with a clear message.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_nginx.h"

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(clients_traffic, .init = setup, .fini = teardown, .timeout = 90);

/* PORT0 HTTP/1.1, PORT1 h2c, PORT2 the slow upstream rgt_traffic runs */
#define TRAFFIC_CONF                                                         \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format m 'st=$status ra=$remote_addr uri=$request_uri';\n"      \
    "    access_log @PREFIX@/logs/access.log m;\n"                           \
    "    rstguard off;\n"                                                    \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        listen 127.0.0.1:@PORT1@ @HTTP2@;\n"                            \
    "        root @PREFIX@/html;\n"                                          \
    "        location /slow { proxy_pass http://127.0.0.1:@PORT2@; }\n"      \
    "    }\n"                                                                \
    "}\n"

/* Runs rgt_traffic with args; its exit status, stdout+stderr in out. */
static int
run_traffic(const char *args, char *out, size_t size)
{
    char    cmd[2048];
    FILE   *p;
    size_t  len;
    int     st;

    snprintf(cmd, sizeof(cmd), "%s/rgt_traffic %s 2>&1",
             getenv("RSTGUARD_BUILD"), args);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    len = fread(out, 1, size - 1, p);
    out[len] = '\0';
    st = pclose(p);

    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static json_int_t
jint(json_t *root, const char *obj, const char *key)
{
    json_t  *o = json_object_get(root, obj);

    cr_assert(json_is_object(o), "no \"%s\" object", obj);
    cr_assert(json_is_integer(json_object_get(o, key)), "no %s.%s", obj,
              key);

    return json_integer_value(json_object_get(o, key));
}

static void
start_nginx(void)
{
    cr_assert_eq(rgt_nginx_write_conf(&ngx, TRAFFIC_CONF), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
}

static char *
access_log(void)
{
    char   path[700];
    char  *log;

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    log = rgt_read_file(rgt_nginx_path(&ngx, "logs/access.log", path,
                                       sizeof(path)), NULL);
    cr_assert_not_null(log);

    return log;
}

Test(clients_traffic, mix_of_aborts_and_normal_requests_as_reported)
{
    char          args[512], out[16384], needle[64];
    char         *log;
    json_t       *root, *by, *a;
    json_error_t  err;
    const char   *addr;

    RGT_NEED(RGT_HTTP_V2);
    start_nginx();
    snprintf(args, sizeof(args), "--port %d --h2-port %d --upstream-port %d "
             "--normal 20 --aborts 30 --kind mix --from 127.0.0.2-127.0.0.6 "
             "--path /index.html --abort-path /slow --concurrency 4 --json",
             ngx.port[0], ngx.port[1], ngx.port[2]);
    cr_assert_eq(run_traffic(args, out, sizeof(out)), 0, "%s", out);

    root = json_loads(out, 0, &err);
    cr_assert_not_null(root, "%s: %s", err.text, out);
    cr_assert_eq(jint(root, "normal", "requested"), 20);
    cr_assert_eq(jint(root, "normal", "ok"), 20);
    cr_assert_eq(jint(root, "normal", "failed"), 0);
    cr_assert_eq(jint(root, "aborts", "requested"), 30);
    cr_assert_eq(jint(root, "aborts", "rst"), 10);
    cr_assert_eq(jint(root, "aborts", "fin"), 10);
    cr_assert_eq(jint(root, "aborts", "h2cancel"), 10);
    cr_assert_eq(jint(root, "aborts", "failed"), 0);
    cr_assert(json_is_false(json_object_get(root, "cut_short")));

    by = json_object_get(root, "by_address");
    cr_assert_eq(json_object_size(by), 5);

    /* rgt_traffic returned after its last abort; nginx may still log it */
    rgt_msleep(300);
    log = access_log();
    cr_assert_eq(rgt_count_lines(log, "st=200 "), 20, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "st=499 "), 30, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "st="), 50, "%s", log);

    json_object_foreach(by, addr, a) {
        json_int_t  n = json_integer_value(json_object_get(a, "normal"));
        json_int_t  k = json_integer_value(json_object_get(a, "aborts"));

        /* 50 jobs round robin over 5 addresses */
        cr_assert_eq(n + k, 10, "%s", addr);
        snprintf(needle, sizeof(needle), "ra=%s ", addr);
        cr_assert_eq(rgt_count_lines(log, needle), 10, "%s", addr);
    }

    free(log);
    json_decref(root);
}

Test(clients_traffic, text_report_and_clients_range)
{
    char   args[512], out[4096], *log;

    start_nginx();
    snprintf(args, sizeof(args), "--port %d --upstream-port %d --normal 6 "
             "--aborts 6 --kind rst --clients 3 --path /index.html",
             ngx.port[0], ngx.port[2]);
    cr_assert_eq(run_traffic(args, out, sizeof(out)), 0, "%s", out);

    cr_assert_not_null(strstr(out, "rgt_traffic: normal=6 ok=6 failed=0 "
                              "aborts=6 rst=6 fin=0 h2cancel=0 "
                              "abort_failed=0 "), "%s", out);
    cr_assert_not_null(strstr(out, " addresses=3 127.0.0.2:2/2 "
                              "127.0.0.3:2/2 127.0.0.4:2/2\n"), "%s", out);

    rgt_msleep(300);
    log = access_log();
    cr_assert_eq(rgt_count_lines(log, "st=499 ra=127.0.0.3 uri=/slow"), 2,
                 "%s", log);
    cr_assert_eq(rgt_count_lines(log, "st=200 ra=127.0.0.4 uri=/index.html"),
                 2, "%s", log);
    free(log);
}

Test(clients_traffic, duration_bounds_the_run)
{
    char   args[512], out[4096];

    start_nginx();
    /* 1 s cannot hold 400 aborts at 1 s each on 2 threads */
    snprintf(args, sizeof(args), "--port %d --upstream-port %d --normal 0 "
             "--aborts 400 --kind fin --abort-delay 1000 --concurrency 2 "
             "--duration 1", ngx.port[0], ngx.port[2]);
    cr_assert_eq(run_traffic(args, out, sizeof(out)), 1, "%s", out);
    cr_assert_not_null(strstr(out, " cut_short "), "%s", out);
    cr_assert_not_null(strstr(out, "aborts=400 rst=0 fin=2 "), "%s", out);
}

Test(clients_traffic, bad_arguments_are_named)
{
    char  out[4096];

    cr_assert_eq(run_traffic("--port 80 --from 10.0.0.1", out, sizeof(out)),
                 2);
    cr_assert_str_eq(out, "rgt_traffic: --from \"10.0.0.1\": only loopback "
                     "addresses (127.0.0.0/8)\n");

    cr_assert_eq(run_traffic("--port 80 --kind smash", out, sizeof(out)), 2);
    cr_assert_str_eq(out, "rgt_traffic: --kind \"smash\": rst, fin, "
                     "h2cancel or mix\n");

    cr_assert_eq(run_traffic("--port 99999", out, sizeof(out)), 2);
    cr_assert_str_eq(out, "rgt_traffic: --port: \"99999\" is not a number in "
                     "1..65535\n");

    cr_assert_eq(run_traffic("--normal 1", out, sizeof(out)), 2);
    cr_assert_str_eq(out, "rgt_traffic: --port is required\n");

    cr_assert_eq(run_traffic("--port 80 --kind h2cancel --aborts 1", out,
                             sizeof(out)), 2);
    cr_assert_str_eq(out, "rgt_traffic: --kind h2cancel needs --h2-port\n");
}

Test(clients_traffic, free_ports_are_distinct_and_unused)
{
    char  out[256];
    int   p[3], fd;

    cr_assert_eq(run_traffic("--free-ports 3", out, sizeof(out)), 0);
    cr_assert_eq(sscanf(out, "%d %d %d", &p[0], &p[1], &p[2]), 3, "%s", out);

    for (int i = 0; i < 3; i++) {
        cr_assert_gt(p[i], 0);
        cr_assert_neq(p[i], p[(i + 1) % 3]);
        fd = rgt_connect(p[i], NULL, 0);
        cr_assert_eq(fd, -1, "port %d is listening", p[i]);
    }
}
