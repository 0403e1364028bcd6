/*
 * One HTTP/2 abort, one charge.  When a client cancels a stream while
 * nginx sends the response (RST_STREAM(CANCEL), the browser's Stop
 * button), nginx writes two lines for the one abort, with the same *cid
 * and request:
 *
 *   client canceled stream 1 while sending response to client, ...
 *   client prematurely closed connection while sending response to client
 *
 * The second follows the first's decision and class (stream_canceled)
 * without charging a budget, and both are counted.  Real HTTP/2 cancels
 * (rgt_h2, libnghttp2) against the real nginx; before the pair rule, the
 * second line was a client_closed line with a budget of its own, so with
 * that budget spent by other client_closed lines only the cancels of the
 * passed pairs were written.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define KEY         "127.0.0.5"
#define CANCELS     6
#define CLOSES      3           /* HTTP/1 client_closed lines first */
#define PASSES      2           /* rate=1r/m burst=1 */
#define BIG_SIZE    (4 * 1024 * 1024)
/* the harness's readiness probes: client_closed lines of their own key */
#define PROBE_LINE  "client: 127.0.0.1,"

#define CANCEL_LINE "client canceled stream 1 while sending response to "    \
                    "client, client: " KEY
#define FOLLOW_LINE "client prematurely closed connection while sending "    \
                    "response to client, client: " KEY
#define CLOSE_LINE  "client prematurely closed connection while reading "    \
                    "client request headers, client: " KEY

static rgt_nginx  ngx;

static void
setup(void)
{
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
}

TestSuite(mod_errlog_h2pair, .init = setup, .fini = teardown, .timeout = 90);

#define PAIR_CONF                                                            \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard_error_log on;\n"                                           \
    "    rstguard_dry_run %s;\n"                                             \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        listen 127.0.0.1:@PORT1@ http2 sndbuf=32k;\n"                   \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"


/* lines with needle that nginx wrote (not the samples of summaries) */
static size_t
written(const char *text, const char *needle)
{
    size_t       n = 0;
    const char  *line, *nl, *hit, *summ;

    for (line = text; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl);
        hit = strstr(line, needle);
        summ = strstr(line, "rstguard: log=");

        if (hit != NULL && hit < nl && (summ == NULL || summ > nl)) {
            n++;
        }
    }

    return n;
}


static void
start(int dry_run)
{
    char  conf[2048];

    snprintf(conf, sizeof(conf), PAIR_CONF, dry_run ? "on" : "off");
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", BIG_SIZE), 0);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);
}


/*
 * CLOSES HTTP/1 requests cut in their headers (client_closed), then
 * CANCELS HTTP/2 streams canceled mid-response, all from KEY; returns the
 * status document once every line has been decided.
 */
static json_t *
traffic(long *probes)
{
    static const char  partial[] = "GET /big.bin HTTP/1.1\r\nHost: x\r\n";
    rgt_h2_result      res;
    rgt_h2_opts        o = { .from = KEY, .path = "/big.bin",
                             .how = RGT_H2_CANCEL_AFTER_DATA };
    json_t            *doc = NULL;
    long               seen = -1;

    for (int i = 0; i < CLOSES; i++) {
        cr_assert_eq(rgt_abort_partial(ngx.port[0], KEY, partial,
                                       sizeof(partial) - 1, RGT_FIN, 100), 0);
    }

    for (int i = 0; i < CANCELS; i++) {
        cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s",
                     res.error);
        cr_assert_eq(res.status, 200);
        cr_assert_eq(res.canceled, 1);
        cr_assert_eq(res.acked, 1);
    }

    /* both lines of every pair, and the HTTP/1 lines, have been decided */
    for (int i = 0; i < 200; i++) {
        doc = rgt_mod_status(&ngx);
        cr_assert_not_null(doc);
        seen = rgt_mod_counter(doc, "rg", "error", "stream_canceled", "seen");
        if (seen == 2 * CANCELS
            && rgt_mod_counter(doc, "rg", "error", "client_closed", "seen")
               >= CLOSES)
        {
            /* each probe passed (one per start, within its key's burst) */
            char  *err = rgt_nginx_read(&ngx, "logs/error.log");

            cr_assert_not_null(err);
            *probes = (long) rgt_count_lines(err, PROBE_LINE);
            cr_assert_leq(*probes, PASSES, "%s", err);
            free(err);
            return doc;
        }
        json_decref(doc);
        rgt_msleep(50);
    }

    cr_assert_fail("%ld stream_canceled lines decided, %d expected", seen,
                   2 * CANCELS);
    return NULL;
}


Test(mod_errlog_h2pair, the_second_line_follows_the_cancel_uncharged)
{
    json_t  *doc;
    char    *err;
    long     probes;

    start(0);
    doc = traffic(&probes);

    /* every line counted, as stream_canceled; one charge per pair */
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "stream_canceled",
                                 "passed"), 2 * PASSES);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "stream_canceled",
                                 "suppressed"), 2 * (CANCELS - PASSES));
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_closed", "seen"),
                 CLOSES + probes);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_closed",
                                 "passed"), PASSES + probes);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_closed",
                                 "suppressed"), CLOSES - PASSES);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "error"), 0);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);

    /* whole pairs written, whole pairs held */
    cr_assert_eq(written(err, CANCEL_LINE), PASSES, "%s", err);
    cr_assert_eq(written(err, FOLLOW_LINE), PASSES, "%s", err);
    cr_assert_eq(written(err, CLOSE_LINE), PASSES, "%s", err);

    /* written + suppressed = what nginx wrote, per class */
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "stream_canceled",
                                            KEY, 0),
                 2 * (CANCELS - PASSES));
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "client_closed",
                                            KEY, 0), CLOSES - PASSES);
    free(err);
}


/* Under dry run every line is written, and the pairs are counted alike. */
Test(mod_errlog_h2pair, dry_run_counts_the_pairs_the_same_way)
{
    json_t  *doc;
    char    *err;
    long     probes;

    start(1);
    doc = traffic(&probes);

    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "stream_canceled",
                                 "passed"), 2 * PASSES);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "stream_canceled",
                                 "dry_run"), 2 * (CANCELS - PASSES));
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "stream_canceled",
                                 "suppressed"), 0);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_closed", "seen"),
                 CLOSES + probes);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_closed",
                                 "dry_run"), CLOSES - PASSES);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);

    cr_assert_eq(written(err, CANCEL_LINE), CANCELS, "%s", err);
    cr_assert_eq(written(err, FOLLOW_LINE), CANCELS, "%s", err);
    cr_assert_eq(written(err, CLOSE_LINE), CLOSES, "%s", err);
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "stream_canceled",
                                            KEY, 1),
                 2 * (CANCELS - PASSES));
    free(err);
}
