/*
 * The access-log side end to end: real clients abort real requests against
 * the stock nginx with the module (2 workers), each scenario from its own
 * address so that keys differ.  The same traffic runs once with
 * `rstguard_dry_run on` as the reference; with the limiter on, for every
 * (class, key) the lines kept plus the lines held equal the reference, and
 * the expected classes and counts are pinned exactly.
 *
 * Two access logs: all.log writes every request with its decision
 * ($rstguard_log), access.log only what `if=$rstguard_log` keeps.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

static rgt_nginx     ngx;
static rgt_upstream  slow, trunc;

static void setup(void)
{
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    cr_assert_eq(rgt_mod_upstreams_start(&ngx, &slow, &trunc), 0);
}

static void teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_mod_upstreams_stop(&slow, &trunc);
}

TestSuite(mod_access, .init = setup, .fini = teardown, .timeout = 90);

#define ACCESS_CONF                                                          \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"                            \
    "    access_log @PREFIX@/logs/all.log rg;\n"                             \
    "    access_log @PREFIX@/logs/access.log rg if=$rstguard_log;\n"         \
    "    rstguard_zone zone=rg:1m rate=%s burst=%s\n"                        \
    "                  global_rate=6000r/m global_burst=1000;\n"             \
    "    rstguard on;\n"                                                     \
    "    %s\n"                                                               \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /444 { return 444; }\n"                              \
    "        listen 127.0.0.1:@PORT3@ @HTTP2@;\n"                            \
    "        location /slow-up/ { proxy_pass http://127.0.0.1:@PORT1@; }\n"  \
    "        location /trunc-up/ { proxy_pass http://127.0.0.1:@PORT2@; }\n" \
    "        location /slow/ { alias @PREFIX@/html/; send_timeout 1s; }\n"   \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"

/* writes the config and the files it serves; extra goes into http{} */
static int
write_conf(const char *rate, const char *burst, const char *extra)
{
    char  conf[4096];

    snprintf(conf, sizeof(conf), ACCESS_CONF, rate, burst, extra);

    if (rgt_nginx_write_conf(&ngx, conf) != 0
        || rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6) != 0
        || rgt_nginx_make_file(&ngx, "html/big.bin", 8 << 20) != 0)
    {
        return -1;
    }

    return 0;
}

/* every scenario runs this many times from its own address */
#define REPEAT  3

/* 1r/m burst=1: of REPEAT quick aborts per (key, class), 2 pass */
#define KEPT    2

/* an h2c stream cancel from `from`: RST_STREAM(CANCEL) */
static void
h2_cancel(const char *from, const char *path, rgt_h2_how how)
{
    rgt_h2_opts    o = { .from = from, .path = path, .how = how,
                         .wait_ms = 150 };
    rgt_h2_result  res;

    RGT_NEED(RGT_HTTP_V2);
    cr_assert_eq(rgt_h2_request(ngx.port[3], &o, &res), 0);
    cr_assert(res.canceled && res.acked);
}


static void
run_traffic(void)
{
    int  i, fd[REPEAT];

    for (i = 0; i < REPEAT; i++) {
        /* FIN and RST while nginx waits on the slow upstream: 499 */
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2",
                                       "/slow-up/a", RGT_FIN, 150), 0);
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.3",
                                       "/slow-up/a", RGT_RST, 150), 0);

        /* FIN and RST in the middle of a large static download */
        cr_assert_eq(rgt_abort_download(ngx.port[0], "127.0.0.4", "/big.bin",
                                        RGT_FIN, 16384, 150), 16384);
        cr_assert_eq(rgt_abort_download(ngx.port[0], "127.0.0.5", "/big.bin",
                                        RGT_RST, 16384, 150), 16384);

        /* HTTP/2 stream cancels: mid-download and waiting on upstream */
        h2_cancel("127.0.0.10", "/big.bin", RGT_H2_CANCEL_AFTER_DATA);
        h2_cancel("127.0.0.11", "/slow-up/b", RGT_H2_CANCEL_WAITING);

        /* return 444 is not an abort; neither are normal requests */
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.7", "/444", NULL, 0),
                     -1);
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.8", "/index.html",
                                  NULL, 0), 200);
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.8", "/missing",
                                  NULL, 0), 404);

        /* the upstream promises 100000 bytes and sends 1000 */
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.9", "/trunc-up/c",
                                  NULL, 0), 200);
    }

    /* send timeouts (1s) run side by side */
    for (i = 0; i < REPEAT; i++) {
        fd[i] = rgt_open_request(ngx.port[0], "127.0.0.6", "/slow/big.bin",
                                 RGT_SMALL_RCVBUF);
        cr_assert_neq(fd[i], -1);
        cr_assert_eq(rgt_read_some(fd[i], 16384, 5000), 16384);
    }

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=127.0.0.6 ",
                                    REPEAT), 0);

    for (i = 0; i < REPEAT; i++) {
        close(fd[i]);
    }

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 11 * REPEAT),
                 0);
}


/* (key, class) pairs the traffic makes, and how many of each */
static const struct {
    const char  *addr;
    const char  *cls;
    int          limited;       /* held beyond KEPT when not dry run */
} expected[] = {
    { "127.0.0.2", "client_closed", 1 },
    { "127.0.0.3", "client_reset", 1 },
    { "127.0.0.4", "client_closed", 1 },
    { "127.0.0.5", "client_reset", 1 },
    { "127.0.0.6", "client_timeout", 1 },
    { "127.0.0.10", "stream_canceled", 1 },
    { "127.0.0.11", "stream_canceled", 1 },
    { "127.0.0.9", "truncated", 0 },   /* server-side: never held */
};

#define NEXPECTED  (sizeof(expected) / sizeof(expected[0]))


static void
check_reference(const char *all, const char *kept, const char *errors)
{
    size_t  i;

    /* dry run holds nothing: both logs are the same */
    cr_assert_str_eq(all, kept);
    cr_assert_eq(rgt_count_lines(all, " l=0 "), 0);

    for (i = 0; i < NEXPECTED; i++) {
        cr_assert_eq(rgt_mod_count(all, expected[i].addr, expected[i].cls,
                                   NULL), REPEAT, "%s %s\n%s",
                     expected[i].addr, expected[i].cls, all);

        /* dry-run summaries say what would have been held, and add nothing */
        cr_assert_eq(rgt_mod_summary_suppressed(errors, "access",
                                                expected[i].cls,
                                                expected[i].addr, 1),
                     expected[i].limited ? REPEAT - KEPT : 0);
        cr_assert_eq(rgt_mod_summary_suppressed(errors, "access",
                                                expected[i].cls,
                                                expected[i].addr, 0), 0);
    }

    cr_assert_eq(rgt_count_lines(all, "a=127.0.0.7 c= l=1 s=444 "), REPEAT);
    cr_assert_eq(rgt_count_lines(all, "a=127.0.0.8 c= l=1 s=200 m=0 "),
                 REPEAT);
    cr_assert_eq(rgt_count_lines(all, "a=127.0.0.8 c= l=1 s=404 "), REPEAT);
    cr_assert_eq(rgt_count_lines(all, "c=truncated l=1 s=200 m=99000 "),
                 REPEAT);
    cr_assert_eq(rgt_count_lines(all, "a="), 11 * REPEAT);
}


/* kept + held per (key, class) equals the reference, exactly */

static void
check_limited(const char *all, const char *kept, const char *ref,
    const char *errors)
{
    size_t  i, want_kept;
    long    summed;

    for (i = 0; i < NEXPECTED; i++) {
        size_t  k = rgt_mod_count(kept, expected[i].addr, expected[i].cls,
                                  NULL);
        size_t  h = rgt_mod_count(all, expected[i].addr, expected[i].cls,
                                  "0");
        size_t  r = rgt_mod_count(ref, expected[i].addr, expected[i].cls,
                                  NULL);

        want_kept = expected[i].limited ? KEPT : REPEAT;

        cr_assert_eq(k + h, r, "%s %s", expected[i].addr, expected[i].cls);

        /* what the summaries say was held accounts for the rest */
        summed = rgt_mod_summary_suppressed(errors, "access", expected[i].cls,
                                            expected[i].addr, 0);
        cr_assert_eq((size_t) summed + k, r, "%s %s: summaries %ld",
                     expected[i].addr, expected[i].cls, summed);
        cr_assert_eq(k, want_kept, "%s %s kept %zu\n%s", expected[i].addr,
                     expected[i].cls, k, all);
        cr_assert_eq(h, REPEAT - want_kept);
    }

    /* every normal request and the 444s were kept */
    cr_assert_eq(rgt_count_lines(kept, "a=127.0.0.7 c= l=1 s=444 "), REPEAT);
    cr_assert_eq(rgt_count_lines(kept, "a=127.0.0.8 c= l=1 "), 2 * REPEAT);
    cr_assert_eq(rgt_count_lines(kept, " l=0 "), 0);
}


static void
check_status(int dry_run)
{
    /* client_closed and client_reset: 2 keys each; timeout: 1 key */
    static const char  *cls[] = { "client_closed", "client_reset",
                                  "client_timeout", "truncated",
                                  "broken_pipe", "stream_canceled" };
    static const long   keys[] = { 2, 2, 1, 1, 0, 2 };
    static const long   held[] = { 1, 1, 1, 0, 0, 1 };

    json_t  *doc;
    size_t   i;
    long     h;

    /* every worker answers the same */
    for (i = 0; i < 6; i++) {
        doc = rgt_mod_status(&ngx);
        cr_assert_not_null(doc);

        for (size_t j = 0; j < sizeof(cls) / sizeof(cls[0]); j++) {
            h = keys[j] * held[j] * (REPEAT - KEPT);

            cr_assert_eq(rgt_mod_counter(doc, "rg", "access", cls[j], "seen"),
                         keys[j] * REPEAT, "%s", cls[j]);
            cr_assert_eq(rgt_mod_counter(doc, "rg", "access", cls[j],
                                         "passed"),
                         keys[j] * REPEAT - h, "%s", cls[j]);
            cr_assert_eq(rgt_mod_counter(doc, "rg", "access", cls[j],
                                         "suppressed"),
                         dry_run ? 0 : h, "%s", cls[j]);
            cr_assert_eq(rgt_mod_counter(doc, "rg", "access", cls[j],
                                         "dry_run"),
                         dry_run ? h : 0, "%s", cls[j]);
        }

        json_decref(doc);
    }
}


static char *
run_once(int dry_run, char **kept, char **errors)
{
    char  path[600], *all;

    cr_assert_eq(write_conf("1r/m", "1", dry_run ? "rstguard_dry_run on;" : ""),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    run_traffic();
    check_status(dry_run);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    all = rgt_read_file(rgt_nginx_path(&ngx, "logs/all.log", path,
                                       sizeof(path)), NULL);
    *kept = rgt_read_file(rgt_nginx_path(&ngx, "logs/access.log", path,
                                         sizeof(path)), NULL);
    *errors = rgt_read_file(rgt_nginx_path(&ngx, "logs/error.log", path,
                                           sizeof(path)), NULL);
    cr_assert_not_null(all);
    cr_assert_not_null(*kept);
    cr_assert_not_null(*errors);

    /* the next run starts from empty logs and a fresh zone (RGT_KEEP=1
       keeps both runs' logs side by side) */
    for (int i = 0; i < 3; i++) {
        const char  *rel = i == 0 ? "logs/all.log"
                         : i == 1 ? "logs/access.log" : "logs/error.log";
        char         to[600];

        snprintf(to, sizeof(to), "%s.%s",
                 rgt_nginx_path(&ngx, rel, path, sizeof(path)),
                 dry_run ? "dry" : "limited");
        cr_assert_eq(rename(path, to), 0);
    }

    return all;
}


Test(mod_access, limited_plus_held_equals_dry_run_reference)
{
    char  *ref_all, *ref_kept, *ref_errors, *all, *kept, *errors;

    ref_all = run_once(1, &ref_kept, &ref_errors);
    check_reference(ref_all, ref_kept, ref_errors);

    all = run_once(0, &kept, &errors);
    check_limited(all, kept, ref_all, errors);

    free(ref_errors);
    free(errors);
    free(ref_all);
    free(ref_kept);
    free(all);
    free(kept);
}


Test(mod_access, budgets_and_counters_survive_reload_and_reopen)
{
    char    path[600], old[600], *kept;
    json_t *doc;

    cr_assert_eq(write_conf("1r/m", "1", ""), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* KEPT aborts spend the key's burst */
    for (int i = 0; i < KEPT; i++) {
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2",
                                       "/slow-up/a", RGT_FIN, 150), 0);
    }
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", KEPT), 0);

    /* the zone (same name and size) and its buckets survive the reload */
    cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2", "/slow-up/a",
                                   RGT_FIN, 150), 0);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", KEPT + 1), 0);

    /* and a USR1 reopen changes nothing either */
    rgt_nginx_path(&ngx, "logs/access.log", path, sizeof(path));
    rgt_nginx_path(&ngx, "logs/access.log.1", old, sizeof(old));
    cr_assert_eq(rename(path, old), 0);
    cr_assert_eq(rgt_nginx_signal(&ngx, SIGUSR1), 0);
    cr_assert_eq(rgt_mod_wait_file(path), 0);

    cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2", "/slow-up/a",
                                   RGT_FIN, 150), 0);
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.8", "/index.html",
                              NULL, 0), 200);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", KEPT + 3), 0);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "seen"), KEPT + 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "passed"), KEPT);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "suppressed"), 2);
    json_decref(doc);

    /* a reload may change the rate: the next abort passes again */
    cr_assert_eq(write_conf("60r/s", "100", ""), 0);
    cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2", "/slow-up/a",
                                   RGT_FIN, 150), 0);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", KEPT + 4), 0);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    kept = rgt_read_file(old, NULL);
    cr_assert_not_null(kept);
    cr_assert_eq(rgt_count_lines(kept, "a=127.0.0.2 c=client_closed l=1 "),
                 KEPT);
    free(kept);

    kept = rgt_read_file(path, NULL);
    cr_assert_not_null(kept);
    /* after the reopen: the normal request and the abort after the new rate */
    cr_assert_eq(rgt_count_lines(kept, "a=127.0.0.2 c=client_closed l=1 "), 1,
                 "%s", kept);
    cr_assert_eq(rgt_count_lines(kept, "a=127.0.0.8 c= l=1 s=200 "), 1);
    free(kept);
}
