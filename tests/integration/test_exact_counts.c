/*
 * Exact counts from limited logs: the real module's error-log filter holds
 * most aborts back and writes summaries; rstscan over that error log must
 * report the true number of aborts per client (lines + suppressed=), and
 * a dry run's summaries (dry_run=1) must add nothing.
 */

#define _GNU_SOURCE             /* memmem */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rg_summary.h"
#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

#define NKEYS    4              /* clients 127.0.0.2 .. 127.0.0.5 */
#define PER_KEY  5
/*
 * The zone gives no global_rate/global_burst: the class's budget is twice
 * the key's (RG_DEFAULT_GLOBAL_FACTOR), 2r/m burst 2, so 3 lines at once
 * for all clients together; it drains one line per 30 s, far longer than
 * the test runs.  The first of the 3 is the start's readiness probe
 * (connect, close: "client closed connection while waiting for request",
 * client_closed from 127.0.0.1), written long before the first abort.
 */
#define GLOBAL_AT_ONCE  3
/*
 * The summaries are written at the exit, after the traffic (interval 60s):
 * a summary written on the timer takes the zone's lock, and an abort line
 * another worker writes meanwhile passes uncharged as `contended` (the
 * filter never waits), which a busy machine made happen now and then.
 * The timer's own summaries are tested in test_mod_summaries.c.
 */
#define WRITTEN         (GLOBAL_AT_ONCE - 1)

static rgt_nginx     ngx;
static rgt_upstream  up;

static const rgt_upstream_opts  slow = {
    .mode = RGT_UP_SLOW, .delay_ms = 20000, .io_timeout_ms = 30000
};

static void
setup(void)
{
    cr_assert_eq(rgt_upstream_start(&up, &slow), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&up);
}

TestSuite(exact_counts, .init = setup, .fini = teardown, .timeout = 90);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard_error_log on;\n"                                           \
    "    rstguard_summary_interval 60s;\n"                                   \
    "    %s\n"                                                               \
    "    upstream slow { server 127.0.0.1:%d; }\n"                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location /slow { proxy_pass http://slow; }\n"                   \
    "    }\n"                                                                \
    "}\n"

/* Each client gives up PER_KEY times while nginx waits for the upstream. */
static void
traffic(void)
{
    char           from[32];
    unsigned long  n;
    int            fd;

    for (int i = 0; i < PER_KEY; i++) {
        for (int k = 0; k < NKEYS; k++) {
            snprintf(from, sizeof(from), "127.0.0.%d", k + 2);
            n = rgt_upstream_requests(&up);
            fd = rgt_open_request(ngx.port[0], from, "/slow", 0);
            cr_assert_neq(fd, -1);
            cr_assert_eq(rgt_upstream_wait_requests(&up, n + 1, 10000), 0);
            n = rgt_upstream_aborted(&up);
            rgt_abort(fd, RGT_FIN, 5000);
            cr_assert_eq(rgt_upstream_wait_aborted(&up, n + 1, 10000), 0);
        }
    }
}

/* rstscan --json over the error log. */
static json_t *
scan(const char *log)
{
    char     err[512];
    int      st;
    json_t  *doc;

    doc = rgt_rstscan_json(NULL, &st, err, sizeof(err),
                           "--json --top 20 --format nginx-error '%s'", log);
    cr_assert_not_null(doc, "%s", err);
    cr_assert_eq(st, 0);
    return doc;
}

/* top_clients count of key in class cls, 0 when not listed */
static json_int_t
client_count(json_t *doc, const char *cls, const char *key)
{
    size_t   i;
    json_t  *e, *tops = json_object_get(json_object_get(json_object_get(doc,
                            "classes"), cls), "top_clients");

    json_array_foreach(tops, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "key")), key) == 0) {
            return json_integer_value(json_object_get(e, "count"));
        }
    }
    return 0;
}

/* Lines of the client's aborts nginx wrote (summaries not counted). */
static size_t
abort_lines(const char *text, const char *client)
{
    size_t       n = 0;
    const char  *p, *nl;

    for (p = text; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        if (memmem(p, (size_t) (nl - p), client, strlen(client)) != NULL
            && memmem(p, (size_t) (nl - p), "rstguard: ", 10) == NULL)
        {
            n++;
        }
    }
    return n;
}

static void
run(int dry_run, size_t *lines, json_int_t *suppressed)
{
    char  conf[4096], path[600], key[32];

    snprintf(conf, sizeof(conf), CONF, dry_run ? "rstguard_dry_run on;" : "",
             up.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    traffic();
    /* summaries are written on exit too */
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    char *text = rgt_read_file(path, NULL);
    cr_assert_not_null(text);
    json_t *doc = scan(path);
    json_t *cc = json_object_get(json_object_get(doc, "classes"),
                                 "client_closed");

    *lines = 0;
    for (int k = 0; k < NKEYS; k++) {
        snprintf(key, sizeof(key), "client: 127.0.0.%d,", k + 2);
        *lines += abort_lines(text, key);
        snprintf(key, sizeof(key), "127.0.0.%d", k + 2);
        /* every abort of every client, held back or not */
        cr_assert_eq(client_count(doc, "client_closed", key), PER_KEY,
                     "dry_run=%d %s\n%s", dry_run, key, text);
    }
    *suppressed = json_integer_value(json_object_get(cc, "suppressed"));
    json_decref(doc);
    free(text);
}

Test(exact_counts, summaries_give_back_what_the_module_held)
{
    size_t      lines;
    json_int_t  suppressed;

    run(0, &lines, &suppressed);
    /*
     * Clients take turns: the first round's first two aborts fill the
     * global budget and everything after is held (each key's own burst=1
     * would have let two per client through), and summarised per key.
     */
    cr_assert_eq(lines, WRITTEN, "%zu", lines);
    cr_assert_eq(suppressed, NKEYS * PER_KEY - WRITTEN);
}

Test(exact_counts, dry_run_summaries_add_nothing)
{
    size_t      lines;
    json_int_t  suppressed;

    run(1, &lines, &suppressed);
    cr_assert_eq(lines, NKEYS * PER_KEY, "%zu", lines);
    cr_assert_eq(suppressed, 0);
}

/*
 * simulate on the error log: a dry run writes every line and its
 * summaries say what the module would have held; simulate, replaying the
 * lines with the same budgets, must hold back exactly that many.
 */
Test(exact_counts, simulate_predicts_the_error_log_filter)
{
    size_t        lines;
    json_int_t    suppressed, would_hold = 0, held = 0;
    char          path[600], cmd[2048];
    rg_summary    sum;
    const char   *p, *nl;
    json_error_t  je;

    run(1, &lines, &suppressed);

    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    char *text = rgt_read_file(path, NULL);
    cr_assert_not_null(text);
    for (p = text; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        if (rg_summary_parse_line(p, (size_t) (nl - p), &sum, NULL) == 0
            && sum.log == RG_SUMMARY_LOG_ERROR)
        {
            cr_assert_eq(sum.dry_run, 1);
            would_hold += (json_int_t) sum.suppressed;
        }
    }
    free(text);
    cr_assert_geq(would_hold, NKEYS * PER_KEY - WRITTEN);

    snprintf(cmd, sizeof(cmd), "'%s' simulate --rate 1r/m --burst 1 --json"
             " --format nginx-error '%s'", getenv("RSTGUARD_RSTSCAN"), path);
    FILE *pp = popen(cmd, "r");
    cr_assert_not_null(pp);
    json_t *doc = json_loadf(pp, 0, &je);
    cr_assert_eq(pclose(pp), 0);
    cr_assert_not_null(doc, "%s", je.text);

    const char  *cls;
    json_t      *v;
    json_object_foreach(json_object_get(doc, "classes"), cls, v) {
        held += json_integer_value(json_object_get(json_object_get(v, "held"),
                                                   "records"));
    }
    cr_assert_eq(held, would_hold, "%s", json_dumps(doc, JSON_INDENT(1)));
    json_decref(doc);
}
