/*
 * The frame, end to end: the module built against nginx-dev loads into the
 * stock /usr/sbin/nginx, `rstguard on|off` is accepted and bad values fail
 * `nginx -t`, nginx serves with it, and rstscan reads the log nginx wrote.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_nginx.h"

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(module_load, .init = setup, .fini = teardown, .timeout = 60);

#define SERVER_CONF                                                          \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log @PREFIX@/logs/access.log;\n"                             \
    "    rstguard on;\n"                                                     \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location /off/ { rstguard off; }\n"                             \
    "    }\n"                                                                \
    "}\n"

Test(module_load, nginx_t_accepts_the_module)
{
    char  out[8192];

    cr_assert_eq(rgt_nginx_write_conf(&ngx, SERVER_CONF), 0);
    cr_assert_eq(rgt_nginx_test_conf(&ngx, out, sizeof(out)), 0, "%s", out);
    cr_assert_not_null(strstr(out, "test is successful"), "%s", out);
}

Test(module_load, bad_flag_fails_nginx_t_naming_it)
{
    char  out[8192];

    cr_assert_eq(rgt_nginx_write_conf(&ngx, RGT_CONF_HEAD
        "http { @TEMP_PATHS@ server { listen 127.0.0.1:@PORT0@;"
        " rstguard maybe; } }\n"), 0);
    cr_assert_eq(rgt_nginx_test_conf(&ngx, out, sizeof(out)), 1, "%s", out);
    cr_assert_not_null(strstr(out, "invalid value \"maybe\""), "%s", out);
    cr_assert_not_null(strstr(out, "\"rstguard\""), "%s", out);
}

Test(module_load, serves_requests_and_rstscan_reads_its_log)
{
    char   cmd[2048], out[16384], path[600];
    FILE  *p;
    size_t got;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, SERVER_CONF), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    for (int i = 0; i < 5; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/index.html", NULL, 0), 200);
    }
    cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/missing", NULL, 0), 404);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    rgt_nginx_path(&ngx, "logs/access.log", path, sizeof(path));
    char *log = rgt_read_file(path, NULL);
    cr_assert_not_null(log);
    cr_assert_eq(rgt_count_lines(log, "\" 200 "), 5);
    cr_assert_eq(rgt_count_lines(log, "\" 404 "), 1);
    size_t bytes = strlen(log);
    free(log);

    snprintf(cmd, sizeof(cmd), "%s --json %s", getenv("RSTGUARD_RSTSCAN"),
             path);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    got = fread(out, 1, sizeof(out) - 1, p);
    out[got] = '\0';
    cr_assert_eq(pclose(p), 0);

    /* rstscan's report: both lines read, no abort among them */
    char expect[128];
    snprintf(expect, sizeof(expect), "\"lines\": 6,\n  \"bytes\": %zu,",
             bytes);
    cr_assert_not_null(strstr(out, expect), "%s", out);
    cr_assert_not_null(strstr(out, "\"format\": \"nginx-access\""), "%s",
                       out);
    cr_assert_not_null(strstr(out, "\"classes\": {}"), "%s", out);
}
