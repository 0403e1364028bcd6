/*
 * Hostile rule files given to the real nginx: `nginx -t` fails with the
 * rules engine's FILE:LINE:COLUMN message, in under a second of wall time
 * (these files ran `nginx -t` for over two minutes before the bounds of
 * core/README.md, "Hardening"; the second is a hang guard with room for a
 * loaded machine, the check itself takes milliseconds).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rgt_hostile.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(mod_hostile_rules, .init = setup, .fini = teardown, .timeout = 60);

#define HOSTILE_CONF                                                         \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_rules %s replace;\n"                                       \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"


/* Writes the generated file under conf/, runs nginx -t on a config that
   loads only it; asserts exit 1 within a second and "PATH" + tail in its
   [emerg] line. */
static void
expect_nginx_t_refuses(void (*gen)(FILE *, size_t), size_t n,
    const char *tail)
{
    char             path[600], conf[2048], out[8192], want[1024];
    struct timespec  t0, t1;
    double           s;
    int              rc;

    rgt_nginx_path(&ngx, "conf/hostile.yaml", path, sizeof(path));
    cr_assert_eq(rgt_hostile_write(path, gen, n), 0);

    snprintf(conf, sizeof(conf), HOSTILE_CONF, path);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = rgt_nginx_test_conf(&ngx, out, sizeof(out));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s = (double) (t1.tv_sec - t0.tv_sec)
        + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;

    cr_assert_eq(rc, 1, "nginx -t accepted the hostile file:\n%s", out);
    cr_expect_lt(s, 1.0, "nginx -t took %.2f s", s);

    /*
     * "[emerg] PID#TID: PATH:LINE:COLUMN: message in nginx.conf:N" from an
     * nginx built with --error-log-path=stderr (Debian's), "nginx: [emerg]
     * PATH:..." from one with a log file as its default (nginx.org's)
     */
    snprintf(want, sizeof(want), " %s%s in ", path, tail);
    cr_expect_not_null(strstr(out, "[emerg]"), "%s", out);
    cr_expect_not_null(strstr(out, want), "want \"%s\" in:\n%s", want, out);
}


Test(mod_hostile_rules, flow_nesting_200000_levels)
{
    expect_nginx_t_refuses(rgt_hostile_nesting, 200000,
                           ":1:33: nested too deep: rule files nest at most"
                           " 32");
}

Test(mod_hostile_rules, ten_thousand_and_one_rules)
{
    expect_nginx_t_refuses(rgt_hostile_rules, 10001,
                           ":40001:3: too many rules: a ruleset holds at"
                           " most 10000");
}

Test(mod_hostile_rules, a_file_over_4_mib)
{
    expect_nginx_t_refuses(rgt_hostile_comments, (4u << 20) + 1,
                           ":65537:1: the file is larger than 4 MiB, the"
                           " limit of a rule file");
}

Test(mod_hostile_rules, a_pattern_over_4096_bytes)
{
    expect_nginx_t_refuses(rgt_hostile_long_pattern, 5000,
                           ":4:10: rule \"h.long\": \"match\" is 5000 bytes"
                           " long; a pattern has at most 4096");
}
