/*
 * A hostile rule inside nginx: `rstguard_rules` adds a rule whose regex
 * backtracks exponentially, `rstguard_error_log on` runs it on every line
 * nginx writes, and clients keep requesting URIs that make nginx write the
 * line it explodes on.  Each such line costs the worker one bounded PCRE2
 * run (README "Hostile rules and lines"), and the module's cost guard
 * switches the rule off once it has hit the limits on GUARD_HITS lines in
 * a worker within a summary interval, with one alert per interval for the
 * whole server.  So no worker stalls: ordinary requests made meanwhile
 * keep a bounded latency, the rule costs at most GUARD_HITS limit hits per
 * worker and interval, the crafted lines are all written (a limit hit is
 * no match, a rule switched off matches nothing), no worker dies, and
 * rstscan, given the same rule, counts and names every hit.
 */

#define _GNU_SOURCE             /* strptime */

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rg_rules.h"
#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define HOSTILE_CLIENTS   4
#define HOSTILE_SECONDS   5
#define WORKERS           2             /* RGT_CONF_HEAD */
#define INTERVAL          2             /* rstguard_summary_interval, s */
#define GUARD_HITS        5             /* module/ngx_http_rstguard_guard.c */
/* crafted requests per client at most: rstscan, which has no guard, pays
   the full PCRE2 bound on each of their lines */
#define HOSTILE_MAX       100
#define AS                200           /* a's in the crafted URI (< NAME_MAX) */
/* an ordinary request while the hostile ones run: generous for a shared
   2-core machine, yet far below what one stalled worker would cause */
#define LATENCY_BOUND_MS  1000


static rgt_nginx  ngx;
static char       uri[AS + 2];

static void setup(void) { cr_assert_eq(rgt_nginx_init(&ngx), 0); }
static void teardown(void) { rgt_nginx_cleanup(&ngx); }

TestSuite(injection_hostile_rule, .init = setup, .fini = teardown,
          .timeout = 120);

#define HOSTILE_CONF                                                         \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=10r/m burst=5;\n"                     \
    "    rstguard_error_log on;\n"                                           \
    "    rstguard_rules @PREFIX@/hostile.yaml;\n"                            \
    "    rstguard_summary_interval 2s;\n"                                    \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"

/*
 * First, outside nginx, the rule is shown to really exhaust PCRE2 (JIT, as
 * the module runs it) on the very message nginx will write.
 */
static void
check_rule_explodes(void)
{
    char           msg[1024], path[600];
    rg_ruleset    *rs = rg_ruleset_create();
    rg_matcher    *m;
    rg_error       err = { "" };
    rg_fields      f;
    size_t         i;

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_add_buffer(rs, "hostile.yaml", RGT_HOSTILE_RULE,
                                       strlen(RGT_HOSTILE_RULE), &err), 0,
                 "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    m = rg_matcher_create(rs);
    cr_assert_not_null(m);

    snprintf(msg, sizeof(msg), "open() \"%s%s\" failed (2: No such file or"
             " directory)", rgt_nginx_path(&ngx, "html", path, sizeof(path)),
             uri);
    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = msg;
    f.f[RG_FIELD_MESSAGE].len = strlen(msg);
    f.f[RG_FIELD_ACTION].p = "";

    cr_assert_null(rg_match(m, RG_FORMAT_NGINX_ERROR, &f));
    cr_assert_eq(rg_matcher_limit_hits(m), 1);
    for (i = 0; i < rg_ruleset_count(rs); i++) {
        if (strcmp(rg_rule_id(rg_ruleset_rule(rs, i)), "hostile.backtrack")
            == 0)
        {
            cr_assert_eq(rg_matcher_rule_limit_hits(m, i), 1);
        }
    }

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}

typedef struct {
    pthread_t  tid;
    long       requests;
    long       worst_ms;
    int        failed;
} hostile_client;

static volatile int  hostile_stop;

/* Requests the crafted URI back to back until told to stop (or done). */
static void *
hostile_run(void *arg)
{
    hostile_client  *c = arg;
    long long        t;
    long             ms;

    while (!hostile_stop && c->requests < HOSTILE_MAX) {
        t = rgt_now_ms();
        if (rgt_http_get(ngx.port[0], "127.0.0.3", uri, NULL, 0) != 404) {
            c->failed++;
        }
        ms = (long) (rgt_now_ms() - t);
        c->worst_ms = ms > c->worst_ms ? ms : c->worst_ms;
        c->requests++;
    }

    return NULL;
}

/* The slowest of n ordinary requests, spaced 20 ms apart. */
static long
worst_ordinary(int n)
{
    long long  t;
    long       ms, worst = 0;

    for (int i = 0; i < n; i++) {
        t = rgt_now_ms();
        cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.2", "/index.html",
                                  NULL, 0), 200);
        ms = (long) (rgt_now_ms() - t);
        worst = ms > worst ? ms : worst;
        rgt_msleep(20);
    }

    return worst;
}

/*
 * The cost guard's alerts: each names the rule, and no two fall in the
 * same interval (the module's windows are the clock's seconds divided by
 * INTERVAL; nginx logs local time).  Returns how many there are.
 */
static long
guard_alerts(const char *text)
{
    const char  *line, *nl, *p;
    struct tm    tm;
    long         n = 0, window, seen[64];

    for (line = text; *line != '\0'; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl);
        p = strstr(line, "rstguard: rule \"");
        if (p == NULL || p > nl) {
            continue;
        }

        cr_assert_not_null(strstr(line, "[alert] "), "%.*s",
                           (int) (nl - line), line);
        cr_assert_eq(strncmp(p, "rstguard: rule \"hostile.backtrack\" hit "
                             "PCRE2's limits on 5 lines, switched off until "
                             "the end of this 2s window\n",
                             (size_t) (nl + 1 - p)), 0, "%.*s",
                     (int) (nl - line), line);

        memset(&tm, 0, sizeof(tm));
        tm.tm_isdst = -1;
        cr_assert_not_null(strptime(line, "%Y/%m/%d %H:%M:%S", &tm));
        window = (long) mktime(&tm) / INTERVAL;

        for (long i = 0; i < n; i++) {
            cr_assert_neq(seen[i], window, "two alerts in one interval");
        }
        cr_assert_lt(n, 64);
        seen[n++] = window;
    }

    return n;
}


Test(injection_hostile_rule, a_worker_never_stalls_and_every_hit_is_named)
{
    hostile_client  c[HOSTILE_CLIENTS];
    char            path[600], rules[600], cmd[2048], *text, *out;
    long            before, during, requests = 0, started, windows;
    long long       hits, off;
    json_t         *doc;
    int             i, rounds, st;
    json_t         *j, *lr;
    json_error_t    je;

    uri[0] = '/';
    memset(uri + 1, 'a', AS);
    uri[AS + 1] = '\0';
    check_rule_explodes();

    cr_assert_eq(rgt_nginx_write_file(&ngx, "hostile.yaml", RGT_HOSTILE_RULE,
                                      strlen(RGT_HOSTILE_RULE)), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hi\n", 3), 0);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, HOSTILE_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    before = worst_ordinary(10);

    started = (long) time(NULL);
    hostile_stop = 0;
    memset(c, 0, sizeof(c));
    for (i = 0; i < HOSTILE_CLIENTS; i++) {
        cr_assert_eq(pthread_create(&c[i].tid, NULL, hostile_run, &c[i]), 0);
    }

    /* ordinary requests for as long as the hostile ones run */
    rounds = HOSTILE_SECONDS * 1000 / 25;
    during = worst_ordinary(rounds);

    hostile_stop = 1;
    for (i = 0; i < HOSTILE_CLIENTS; i++) {
        pthread_join(c[i].tid, NULL);
        cr_expect_eq(c[i].failed, 0);
        cr_expect_lt(c[i].worst_ms, LATENCY_BOUND_MS, "a crafted request took"
                     " %ld ms", c[i].worst_ms);
        requests += c[i].requests;
    }

    cr_expect_lt(during, LATENCY_BOUND_MS, "an ordinary request took %ld ms"
                 " while crafted lines were logged (%ld ms before)", during,
                 before);
    cr_assert_gt(requests, HOSTILE_CLIENTS * 10, "only %ld crafted requests",
                 requests);
    cr_log_info("%ld crafted lines in %d s; the slowest ordinary request"
                " took %ld ms (%ld ms before)", requests, HOSTILE_SECONDS,
                during, before);

    /*
     * The guard: the rule cost at most GUARD_HITS limit hits per worker in
     * each interval the attack touched (so the crafted lines were cheap
     * after that, whatever their number), and was switched off at least
     * once, each time said once (guard_alerts() below) and counted.
     */
    windows = (long) time(NULL) / INTERVAL - started / INTERVAL + 1;
    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    hits = json_integer_value(json_object_get(json_object_get(
               json_object_get(doc, "zones"), "rg"), "limit_hits"));
    off = json_integer_value(json_object_get(json_object_get(
              json_object_get(doc, "zones"), "rg"), "rules_switched_off"));
    json_decref(doc);
    cr_assert_gt(requests, GUARD_HITS * WORKERS * windows, "too few crafted"
                 " lines (%ld) to show the guard", requests);
    cr_assert_leq(hits, GUARD_HITS * WORKERS * windows, "%lld limit hits "
                  "for %ld crafted lines in %ld intervals", hits, requests,
                  windows);
    cr_assert_geq(off, 1);
    cr_assert_leq(off, windows);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    text = rgt_read_file(path, NULL);
    cr_assert_not_null(text);

    /* every crafted line was written (a limit hit is no match, never a
       hold), and no worker died */
    cr_assert_eq((long) rgt_count_lines(text, "aaaa\" failed (2: No such"),
                 requests, "%zu lines for %ld requests",
                 rgt_count_lines(text, "aaaa\" failed (2: No such"), requests);
    cr_assert_eq(rgt_count_lines(text, "exited on signal"), 0, "%s", text);
    cr_assert_eq(guard_alerts(text), off, "%s", text);
    free(text);

    /* rstscan with the same rule (no guard): one hit per crafted line */
    rgt_nginx_path(&ngx, "hostile.yaml", rules, sizeof(rules));
    snprintf(cmd, sizeof(cmd), "'%s' --json --format nginx-error --rules '%s'"
             " '%s'", getenv("RSTGUARD_RSTSCAN"), rules, path);
    out = rgt_run(cmd, &st);
    cr_assert_not_null(out);
    cr_assert_eq(st, 0, "%s", out);

    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, out);
    cr_expect_eq(json_integer_value(json_object_get(j, "limit_hits")),
                 requests);
    lr = json_object_get(j, "limit_rules");
    cr_assert_eq(json_array_size(lr), 1, "%s", out);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(lr, 0),
                                                       "id")),
                     "hostile.backtrack");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(lr, 0),
                                                    "hits")), requests);
    json_decref(j);
    free(out);
}
