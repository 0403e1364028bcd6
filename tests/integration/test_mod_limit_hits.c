/*
 * rstguard_status's limit_hits: error-log lines whose classification hit a
 * PCRE2 limit, counted by each worker's matcher and added up in the zone
 * the error-log filter decides in, so every worker answers the same.
 *
 * `rstguard_rules` adds a rule whose regex backtracks exponentially on an
 * `open() ".../aaaa...a" failed` line (the hostile rule of
 * test_injection_hostile_rule.c); each 404 of such a URI makes nginx log
 * one line that costs exactly one limit hit, and is written (a limit hit is
 * no match).  A 404 of a short URI logs the same kind of line without a
 * hit.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define AS          200         /* a's in the crafted URI (< NAME_MAX) */
/*
 * per client; CLIENTS * CRAFTED stays below the cost guard's bound (5
 * lines per worker and interval), which would switch the rule off even
 * if every line went to one worker
 */
#define CRAFTED     2
#define CLIENTS     2           /* 127.0.0.3, 127.0.0.4 */
#define ORDINARY    2


static rgt_nginx  ngx;

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(mod_limit_hits, .init = setup, .fini = teardown, .timeout = 60);

/* two zones: the error-log filter decides in the first ("rg") */
#define LIMIT_CONF                                                           \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=10r/m burst=5;\n"                     \
    "    rstguard_zone zone=other:1m rate=10r/m burst=5;\n"                  \
    "    rstguard_error_log on;\n"                                           \
    "    rstguard_rules @PREFIX@/hostile.yaml;\n"                            \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"


static long long
limit_hits(json_t *doc, const char *zone)
{
    json_t  *v;

    v = json_object_get(json_object_get(json_object_get(doc, "zones"), zone),
                        "limit_hits");
    cr_assert(json_is_integer(v), "no limit_hits for zone %s", zone);

    return json_integer_value(v);
}


/* limit_hits of both zones, the same from whichever worker answers */
static long long
agreed_limit_hits(long long *other)
{
    long long  hits = -1, h;
    json_t    *doc;

    for (int i = 0; i < 6; i++) {
        doc = rgt_mod_status(&ngx);
        cr_assert_not_null(doc);
        h = limit_hits(doc, "rg");
        cr_assert(hits == -1 || h == hits, "%lld then %lld", hits, h);
        hits = h;
        *other = limit_hits(doc, "other");
        json_decref(doc);
    }

    return hits;
}


/* CRAFTED 404s of the crafted URI from one client; NULL when all were */
static void *
crafted(void *arg)
{
    static int   next;
    const char  *from = __atomic_fetch_add(&next, 1, __ATOMIC_SEQ_CST) % 2
                        ? "127.0.0.4" : "127.0.0.3";

    for (int i = 0; i < CRAFTED; i++) {
        if (rgt_http_get(ngx.port[0], from, arg, NULL, 0) != 404) {
            return (void *) 1;
        }
    }

    return NULL;
}


Test(mod_limit_hits, each_line_that_hits_a_pcre2_limit_counts_once)
{
    char       uri[AS + 2], line[128], *text, *err;
    long long  other;
    pthread_t  th[CLIENTS];
    void      *failed;

    uri[0] = '/';
    memset(uri + 1, 'a', AS);
    uri[AS + 1] = '\0';

    cr_assert_eq(rgt_nginx_write_file(&ngx, "hostile.yaml", RGT_HOSTILE_RULE,
                                      strlen(RGT_HOSTILE_RULE)), 0);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, LIMIT_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    cr_assert_eq(agreed_limit_hits(&other), 0);
    cr_assert_eq(other, 0);

    /* a short URI's line runs the rule without a hit */
    for (int i = 0; i < ORDINARY; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.2", "/nope", NULL, 0),
                     404);
    }

    /* two clients at once, so both workers add to the zone concurrently */
    for (int k = 0; k < CLIENTS; k++) {
        cr_assert_eq(pthread_create(&th[k], NULL, crafted, uri), 0);
    }
    for (int k = 0; k < CLIENTS; k++) {
        cr_assert_eq(pthread_join(th[k], &failed), 0);
        cr_assert_null(failed, "a crafted request did not get its 404");
    }

    /* the line is written (and counted) before the 404 is sent */
    cr_assert_eq(agreed_limit_hits(&other), CLIENTS * CRAFTED);
    cr_assert_eq(other, 0);

    text = rgt_mod_prometheus(&ngx);
    cr_assert_not_null(text);
    cr_assert_eq(rgt_count_lines(text, "# TYPE rstguard_limit_hits_total "
                                       "counter"), 1, "%s", text);
    cr_assert_eq(rgt_count_lines(text, "rstguard_limit_hits_total{"), 2);
    snprintf(line, sizeof(line), "\nrstguard_limit_hits_total{zone=\"rg\"} "
             "%d\n", CLIENTS * CRAFTED);
    cr_assert_not_null(strstr(text, line), "%s", text);
    cr_assert_not_null(strstr(text, "\nrstguard_limit_hits_total{zone="
                                    "\"other\"} 0\n"), "%s", text);
    free(text);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* every line was written: a limit hit is no match, never a hold */
    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "aaaa\" failed (2: No such file or "
                                      "directory), client: 127.0.0.3,"),
                 CRAFTED, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "aaaa\" failed (2: No such file or "
                                      "directory), client: 127.0.0.4,"),
                 CRAFTED, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "/nope\" failed (2: No such file or "
                                      "directory), client: 127.0.0.2,"),
                 ORDINARY, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "rstguard: log="), 0, "%s", err);
    free(err);
}
