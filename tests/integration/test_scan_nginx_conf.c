/*
 * rstscan --nginx-conf on what a real nginx wrote: the module's own access
 * log, in a custom log_format that logs $rstguard_class, is read right
 * once rstscan reads the layout from `nginx -T` (and is a file no parser
 * reads without it).
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

#define RG_LAYOUT                                                            \
    "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent "      \
    "class=$rstguard_class done=$request_completion"

static rgt_nginx     ngx;
static rgt_upstream  slow;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&slow);
}

TestSuite(scan_nginx_conf, .init = setup, .fini = teardown, .timeout = 90);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg '" RG_LAYOUT "';\n"                                   \
    "    rstguard on;\n"                                                     \
    "    access_log @PREFIX@/logs/rg.log rg;\n"                              \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location /slow { proxy_pass http://127.0.0.1:%d; }\n"           \
    "    }\n"                                                                \
    "}\n"



Test(scan_nginx_conf, module_access_log_in_its_own_layout)
{
    rgt_upstream_opts  so = { .mode = RGT_UP_SLOW, .delay_ms = 8000 };
    char               conf[4096], log[700], *text, *out;
    int                st, fd;
    json_t            *rep;
    size_t             lines;

    cr_assert_eq(rgt_upstream_start(&slow, &so), 0);
    snprintf(conf, sizeof(conf), CONF, slow.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/rg.log", log, sizeof(log));

    /* two clients reset while nginx waits for the upstream, one closes */
    for (unsigned long i = 1; i <= 3; i++) {
        fd = rgt_open_request(ngx.port[0], "127.0.0.2", "/slow", 0);
        cr_assert_neq(fd, -1);
        cr_assert_eq(rgt_upstream_wait_requests(&slow, i, 10000), 0);
        rgt_abort(fd, i < 3 ? RGT_RST : RGT_FIN, 5000);
        cr_assert_eq(rgt_upstream_wait_aborted(&slow, i, 10000), 0);
    }
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.3", "/index.html",
                                  NULL, 0), 200);
    }
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    text = rgt_read_file(log, NULL);
    cr_assert_not_null(text);
    for (lines = 0, out = text; (out = strchr(out, '\n')) != NULL; out++) {
        lines++;
    }
    cr_assert_eq(rgt_count_lines(text, " 499 "), 3, "%s", text);
    free(text);

    /* without the configuration no layout fits: named, never clean */
    {
        char  cmd[1200];

        snprintf(cmd, sizeof(cmd), "RSTSCAN_NGINX_CONF= '%s' --fail-on"
                 " client_reset '%s' 2>&1", getenv("RSTGUARD_RSTSCAN"), log);
        out = rgt_run(cmd, &st);
        cr_assert_not_null(out);
        cr_expect_eq(st, 2, "%s", out);
        cr_expect_not_null(strstr(out, "no parser could read it"), "%s", out);
        free(out);
    }

    /* with `nginx -T` on stdin: every line read, the module's classes */
    {
        char  cmd[2048];

        snprintf(cmd, sizeof(cmd), "'%s' -T -q -p '%s' -c '%s' | '%s' --json"
                 " --nginx-conf - '%s'",
                 getenv("RSTGUARD_NGINX") ? getenv("RSTGUARD_NGINX")
                                          : "/usr/sbin/nginx",
                 ngx.prefix, ngx.conf, getenv("RSTGUARD_RSTSCAN"), log);
        out = rgt_run(cmd, &st);
        cr_assert_not_null(out);
        cr_assert_eq(st, 0, "%s", out);
        rep = json_loads(out, 0, NULL);
        cr_assert_not_null(rep, "%s", out);
        free(out);
    }

    cr_expect_eq(json_integer_value(json_object_get(rep, "lines")),
                 (json_int_t) lines, "%zu lines", lines);
    cr_expect_eq(json_integer_value(json_object_get(rep, "unparsed")), 0);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset")
                 + rgt_rstscan_count(rep, "client_closed"), 3);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")),
                 (size_t) ((rgt_rstscan_count(rep, "client_reset") > 0)
                           + (rgt_rstscan_count(rep, "client_closed") > 0)));
    json_decref(rep);
}
