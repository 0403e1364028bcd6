/*
 * rstguard_status: the zone counters as JSON and in the Prometheus text
 * format, the same from every worker and across a reload; and a zone too
 * small for its keys evicts the oldest buckets, counts the evictions,
 * alerts once per interval and never fails a request.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
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

TestSuite(mod_status, .init = setup, .fini = teardown, .timeout = 60);

#define STATUS_CONF                                                          \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"                            \
    "    access_log @PREFIX@/logs/all.log rg;\n"                             \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard_zone zone=tiny:32k rate=1r/m burst=0 key=$arg_k\n"         \
    "                  global_rate=1000r/s global_burst=100000;\n"           \
    "    rstguard zone=rg;\n"                                                \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location /slow-up/ { proxy_pass http://127.0.0.1:@PORT1@; }\n"  \
    "        location /trunc-up/ {\n"                                        \
    "            proxy_pass http://127.0.0.1:@PORT2@;\n"                     \
    "            rstguard zone=tiny;\n"                                      \
    "            rstguard_classes truncated;\n"                              \
    "        }\n"                                                            \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"


static char *
prometheus(void)
{
    char  *body = rgt_mod_prometheus(&ngx);

    cr_assert_not_null(body);

    return body;
}


/* every worker (and every fetch) answers the same text */
static char *
prometheus_agreed(void)
{
    char  *first, *again;

    first = prometheus();

    for (int i = 0; i < 6; i++) {
        again = prometheus();
        cr_assert_str_eq(again, first);
        free(again);
    }

    return first;
}


static void
assert_has(const char *text, const char *line)
{
    cr_assert_eq(rgt_count_lines(text, line), 1, "'%s' not in\n%s", line,
                 text);
}


Test(mod_status, prometheus_and_json_agree_across_workers_and_reload)
{
    char    *text, *again;
    json_t  *doc;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, STATUS_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* three resets from one key: two pass, one is held */
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2", "/slow-up/x",
                                       RGT_RST, 150), 0);
    }
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 3), 0);

    text = prometheus_agreed();

    assert_has(text, "# TYPE rstguard_lines_total counter");
    assert_has(text, "rstguard_lines_total{zone=\"rg\",log=\"access\","
                     "class=\"client_reset\",outcome=\"passed\"} 2");
    assert_has(text, "rstguard_lines_total{zone=\"rg\",log=\"access\","
                     "class=\"client_reset\",outcome=\"suppressed\"} 1");
    assert_has(text, "rstguard_lines_total{zone=\"rg\",log=\"access\","
                     "class=\"client_reset\",outcome=\"dry_run\"} 0");
    assert_has(text, "rstguard_lines_total{zone=\"rg\",log=\"error\","
                     "class=\"client_reset\",outcome=\"passed\"} 0");
    assert_has(text, "# TYPE rstguard_zone_entries gauge");
    assert_has(text, "rstguard_zone_entries{zone=\"rg\"} 1");
    assert_has(text, "rstguard_zone_entries{zone=\"tiny\"} 0");
    assert_has(text, "# TYPE rstguard_zone_evictions_total counter");
    assert_has(text, "rstguard_zone_evictions_total{zone=\"rg\"} 0");
    assert_has(text, "rstguard_contended_total{zone=\"rg\",log=\"error\"} 0");

    /* one series per zone, log, class and outcome; nothing else counted */
    cr_assert_eq(rgt_count_lines(text, "rstguard_lines_total{"),
                 2 * 2 * 15 * 3);
    /* one alert counter per zone and client-side class (7), none fired */
    assert_has(text, "# TYPE rstguard_alerts_total counter");
    assert_has(text, "rstguard_alerts_total{zone=\"rg\","
                     "class=\"client_reset\"} 0");
    cr_assert_eq(rgt_count_lines(text, "rstguard_alerts_total{"), 2 * 7);

    /* zero: 180 series but 2, the entries of "tiny", 2 evictions, 4
       contended, 2 limit_hits, 2 rules_switched_off and 14 alerts
       counters */
    assert_has(text, "rstguard_limit_hits_total{zone=\"rg\"} 0");
    assert_has(text, "# TYPE rstguard_rules_switched_off_total counter");
    assert_has(text, "rstguard_rules_switched_off_total{zone=\"rg\"} 0");
    cr_assert_eq(rgt_count_lines(text, "} 0\n"),
                 178 + 1 + 2 + 4 + 2 + 2 + 14,
                 "%s", text);

    /* JSON says the same */
    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_reset", "seen"),
                 3);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_reset",
                                 "passed"), 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_reset",
                                 "suppressed"), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(
                     json_object_get(doc, "zones"), "rg"), "entries")), 1);
    json_decref(doc);

    /* the counters live in the zone: a reload keeps them */
    cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    again = prometheus_agreed();
    cr_assert_str_eq(again, text);

    free(again);
    free(text);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


Test(mod_status, full_zone_evicts_oldest_and_never_fails_a_request)
{
    char    path[64], *text, *log, file[600];
    json_t *doc;
    long    entries, evictions;
    int     n = 600;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, STATUS_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* every request a new key: far more buckets than 32k holds */
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "/trunc-up/t?k=key%04d", i);
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.3", path, NULL, 0),
                     200);
    }
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "c=truncated", n),
                 0);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);

    json_t  *z = json_object_get(json_object_get(doc, "zones"), "tiny");

    entries = (long) json_integer_value(json_object_get(z, "entries"));
    evictions = (long) json_integer_value(json_object_get(z, "evictions"));

    /* burst=0: each key's first truncation passes, and every key was new */
    cr_assert_eq(rgt_mod_counter(doc, "tiny", "access", "truncated", "seen"),
                 n);
    cr_assert_eq(rgt_mod_counter(doc, "tiny", "access", "truncated",
                                 "passed"), n);
    cr_assert_gt(entries, 10);
    cr_assert_lt(entries, n);
    cr_assert_eq(entries + evictions, n, "entries %ld evictions %ld",
                 entries, evictions);
    json_decref(doc);

    text = prometheus();
    char  line[128];
    snprintf(line, sizeof(line),
             "rstguard_zone_evictions_total{zone=\"tiny\"} %ld", evictions);
    assert_has(text, line);
    free(text);

    /* every request was answered and logged, kept */
    log = rgt_read_file(rgt_nginx_path(&ngx, "logs/all.log", file,
                                       sizeof(file)), NULL);
    cr_assert_not_null(log);
    cr_assert_eq(rgt_count_lines(log, "c=truncated l=1 s=200 m=99000 "), n);
    free(log);

    /* one alert per summary interval (60s), however many evictions */
    log = rgt_read_file(rgt_nginx_path(&ngx, "logs/error.log", file,
                                       sizeof(file)), NULL);
    cr_assert_not_null(log);
    cr_assert_eq(rgt_count_lines(log, "[alert]"), 1, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "rstguard zone \"tiny\" is full, the "
                                      "oldest entries are evicted"), 1);
    free(log);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}
