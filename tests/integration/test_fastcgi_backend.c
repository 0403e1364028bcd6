/*
 * A FastCGI backend (PHP-FPM's place behind fastcgi_pass) that ends its
 * stdout before any header, as a worker killed mid-request does: the real
 * nginx writes "upstream prematurely closed FastCGI stdout while reading
 * response header from upstream" and answers 502.  That is the backend's
 * fault: rstscan counts it upstream_closed, and the error-log filter
 * writes every such line (no upstream class is held back by default).
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

#define N_REQ  5

static rgt_nginx     ngx;
static rgt_upstream  fcgi;

static const rgt_upstream_opts  fcgi_opts = { .mode = RGT_UP_FASTCGI_EMPTY };

static void
setup(void)
{
    cr_assert_eq(rgt_upstream_start(&fcgi, &fcgi_opts), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&fcgi);
}

TestSuite(fastcgi_backend, .init = setup, .fini = teardown, .timeout = 60);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log @PREFIX@/logs/access.log combined;\n"                    \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard_error_log on;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location ~ \\.php$ {\n"                                         \
    "            fastcgi_param SCRIPT_FILENAME /srv$fastcgi_script_name;\n"  \
    "            fastcgi_pass 127.0.0.1:%d;\n"                               \
    "        }\n"                                                            \
    "    }\n"                                                                \
    "}\n"

Test(fastcgi_backend, empty_stdout_is_upstream_closed)
{
    char     conf[4096], resp[4096], elog[700], alog[700], err[512];
    char    *text;
    json_t  *rep;
    size_t   probes;
    int      i, st;

    snprintf(conf, sizeof(conf), CONF, fcgi.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/error.log", elog, sizeof(elog));
    rgt_nginx_path(&ngx, "logs/access.log", alog, sizeof(alog));

    for (i = 0; i < N_REQ; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.4", "/index.php",
                                  resp, sizeof(resp)), 502, "%s", resp);
    }

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* every line written: an upstream class is never held back */
    text = rgt_read_file(elog, NULL);
    cr_assert_not_null(text);
    cr_expect_eq(rgt_count_lines(text, "[error]"), N_REQ, "%s", text);
    cr_expect_eq(rgt_count_lines(text, "upstream prematurely closed FastCGI "
                                       "stdout while reading response "
                                       "header from upstream, client: "
                                       "127.0.0.4,"), N_REQ, "%s", text);
    cr_expect_eq(rgt_count_lines(text, "rstguard: "), 0, "%s", text);
    /* rgt_nginx_start's readiness probes: a connection closed unused */
    probes = rgt_count_lines(text, "client closed connection while waiting"
                                   " for request, client: 127.0.0.1,");
    free(text);

    rep = rgt_rstscan_json(NULL, &st, err, sizeof(err), "--json %s", elog);
    cr_assert_not_null(rep, "%s", err);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_closed"), N_REQ);
    cr_expect_eq(rgt_rstscan_count(rep, "client_closed"),
                 (long long) probes);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")),
                 probes > 0 ? 2u : 1u);
    json_decref(rep);

    /* the access log's 502s are no abort: nothing to count there */
    rep = rgt_rstscan_json(NULL, &st, err, sizeof(err),
                           "--json --log-format combined %s", alog);
    cr_assert_not_null(rep, "%s", err);
    cr_expect_eq(json_integer_value(json_object_get(rep, "lines")), N_REQ);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 0);
    json_decref(rep);
}
