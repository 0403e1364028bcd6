/*
 * The findings' thresholds, each pinned by evidence that shows it and
 * evidence that must not raise it.  (The end-to-end tests on real log
 * files are in test_findings_logs.c.)
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "print.h"

static rs_findings  *f;
static rs_agg        agg_one, *agg = &agg_one;  /* the same scan's aggregate */
static json_t       *kinds;     /* what kind() returned, freed at teardown */

static void setup(void)
{
    f = rs_findings_create();
    cr_assert_not_null(f);
    rs_agg_init(agg);
    kinds = json_array();
}

static void teardown(void)
{
    rs_findings_free(f);
    rs_agg_free(agg);
    json_decref(kinds);
}

TestSuite(findings, .init = setup, .fini = teardown);

/* The findings of c as the --json report writes them. */
static json_t *
findings_json(const rs_findings *c, const rs_agg *a)
{
    rs_finding_list  *l = rs_findings_build(c, a);
    json_t           *j;

    cr_assert_not_null(l);
    j = rs_json_findings(l);
    rs_finding_list_free(l);
    cr_assert_not_null(j);
    return j;
}

/* The report's `truncations` of c. */
static json_t *
truncations_json(const rs_findings *c)
{
    rs_finding_list  *l = rs_findings_build(c, agg);
    json_t           *j;

    cr_assert_not_null(l);
    j = rs_json_truncations(l);
    rs_finding_list_free(l);
    cr_assert_not_null(j);
    return j;
}

static rs_obs
req(int64_t sec, rg_class cls, int status)
{
    rs_obs  o;

    rs_obs_init(&o);
    o.cls = cls;
    o.has_time = 1;
    o.sec = sec;
    o.access = 1;
    o.bytes = 100;
    o.lines = 1;
    o.status = status;
    o.line = "a log line";
    o.line_len = 10;
    return o;
}

/* What the scanner does with an abort: the aggregate counts it under its
   client (user_navigation's clients come from there), findings notes it. */
static void
observe(const rs_obs *o, const char *client)
{
    rs_record  r;

    cr_assert_eq(rs_findings_observe(f, o), 0);
    if (o->cls == RG_CLASS_NONE) {
        return;
    }
    memset(&r, 0, sizeof(r));
    r.cls = o->cls;
    r.seen = 1;
    r.bytes = o->bytes;
    r.ts.valid = (uint8_t) o->has_time;
    r.ts.sec = o->sec;
    r.client.p = client;
    r.client.len = strlen(client);
    cr_assert_eq(rs_agg_record(agg, &r), 0);
}

/* The findings of one kind; asserts there are exactly `n`. */
static json_t *
kind(json_t *all, const char *k, size_t n)
{
    json_t  *out = json_array(), *v;
    size_t   i;

    json_array_foreach(all, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "kind")), k) == 0) {
            json_array_append(out, v);
        }
    }
    cr_assert_eq(json_array_size(out), n, "%s: %s", k,
                 json_dumps(all, JSON_INDENT(1)));
    json_array_append_new(kinds, out);
    return out;
}

/* a and b are the same JSON; both are printed when not. */
static void
same_json(json_t *a, json_t *b)
{
    cr_assert(json_equal(a, b), "%s\n---\n%s", json_dumps(a, JSON_INDENT(1)),
              json_dumps(b, JSON_INDENT(1)));
}

static json_int_t
num(json_t *finding, const char *key)
{
    json_t  *v = json_object_get(json_object_get(finding, "numbers"), key);

    cr_assert(json_is_integer(v), "numbers.%s", key);
    return json_integer_value(v);
}

static double
real(json_t *finding, const char *key)
{
    json_t  *v = json_object_get(json_object_get(finding, "numbers"), key);

    cr_assert(json_is_number(v), "numbers.%s", key);
    return json_number_value(v);
}

/* n 499s from `clients` browsers, 0.4 s each, plus 10x as many 200s */
static void
navigation(int n, int clients, const char *agent, int64_t request_ms)
{
    char  ip[32];

    for (int i = 0; i < n; i++) {
        snprintf(ip, sizeof(ip), "203.0.113.%d", i % clients);
        rs_obs o = req(1000 + i, RG_CLASS_CLIENT_CLOSED, 499);
        o.agent = agent;
        o.agent_len = strlen(agent);
        o.request_ms = request_ms;
        observe(&o, ip);
        for (int j = 0; j < 10; j++) {
            rs_obs ok = req(1000 + i, RG_CLASS_NONE, 200);
            observe(&ok, ip);
        }
    }
}

#define FIREFOX "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Firefox/120.0"

Test(findings, user_navigation_from_many_browsers)
{
    navigation(40, 20, FIREFOX, 400);

    json_t *all = findings_json(f, agg);
    json_t *nav = json_array_get(kind(all, "user_navigation", 1), 0);

    cr_assert_str_eq(json_string_value(json_object_get(nav, "class")),
                     "client_closed");
    cr_assert_eq(num(nav, "aborts"), 40);
    cr_assert_eq(num(nav, "clients"), 20);
    cr_assert_float_eq(real(nav, "top_client_share"), 0.05, 1e-9);
    cr_assert_float_eq(real(nav, "median_request_s"), 0.4, 1e-9);
    cr_assert_float_eq(real(nav, "browser_share"), 1.0, 1e-9);
    const char *advice = json_string_value(json_object_get(nav, "advice"));
    cr_assert_not_null(strstr(advice, "`rstguard_zone zone=rstguard:1m"
                              " rate=10r/m burst=5 key=$remote_addr;`"),
                       "%s", advice);
    cr_assert_not_null(strstr(advice, "if=$rstguard_log"), "%s", advice);
    kind(all, "overload", 0);
    json_decref(all);
}

/* The same finding as the C value every printer reads (finding.h). */
Test(findings, user_navigation_as_a_struct)
{
    navigation(40, 20, FIREFOX, 400);

    rs_finding_list *l = rs_findings_build(f, agg);
    cr_assert_not_null(l);
    cr_assert_eq(l->n, 1);
    cr_assert_eq(l->ntrunc, 0);
    const rs_finding *fd = &l->v[0];
    cr_assert_eq(fd->kind, RS_FD_USER_NAVIGATION);
    cr_assert_str_eq(rs_finding_name(fd->kind), "user_navigation");
    cr_assert_eq(fd->cls, RG_CLASS_CLIENT_CLOSED);
    cr_assert_eq(fd->u.nav.aborts, 40);
    cr_assert_eq(fd->u.nav.clients, 20);
    cr_assert_float_eq(fd->u.nav.top_client_share, 0.05, 1e-9);
    cr_assert_float_eq(fd->u.nav.median_request_s, 0.4, 1e-9);
    cr_assert_float_eq(fd->u.nav.browser_share, 1.0, 1e-9);
    cr_assert_not_null(strstr(fd->advice, "if=$rstguard_log"), "%s",
                       fd->advice);
    rs_finding_list_free(l);
}

/* Log text that is not UTF-8 reads the same in every printer: '?'. */
Test(findings, evidence_not_utf8_is_ascii)
{
    rs_obs  o = req(1000, RG_CLASS_UPSTREAM_REFUSED, -1);

    o.access = 0;
    o.line = "refused \xff\xfe caf\xc3\xa9";
    o.line_len = strlen(o.line);
    observe(&o, "10.0.0.1");

    rs_finding_list *l = rs_findings_build(f, agg);
    cr_assert_not_null(l);
    cr_assert_eq(l->n, 1);
    cr_assert_eq(l->v[0].kind, RS_FD_BACKEND_DOWN);
    cr_assert_str_eq(l->v[0].evidence, "1 record; e.g. refused ?? caf??");
    rs_finding_list_free(l);
}

Test(findings, no_user_navigation_from_one_bot)
{
    navigation(40, 20, "curl/8.0", 400);     /* not browsers */
    json_t *all = findings_json(f, agg);
    kind(all, "user_navigation", 0);
    json_decref(all);
}

Test(findings, no_user_navigation_from_long_requests_or_one_client)
{
    navigation(40, 20, FIREFOX, 30000);      /* 30 s each: not navigation */
    json_t *all = findings_json(f, agg);
    kind(all, "user_navigation", 0);
    json_decref(all);

    rs_findings_free(f);
    f = rs_findings_create();
    navigation(40, 1, FIREFOX, 400);         /* one client */
    all = findings_json(f, agg);
    kind(all, "user_navigation", 0);
    json_decref(all);
}

/* An rstguard summary: n aborts of cls from client held back. */
static void
summary(rg_class cls, const char *client, uint64_t n)
{
    rs_record  r;

    rs_findings_suppressed(f, cls, n);
    memset(&r, 0, sizeof(r));
    r.cls = cls;
    r.suppressed = n;
    r.client.p = client;
    r.client.len = strlen(client);
    cr_assert_eq(rs_agg_record(agg, &r), 0);
}

/*
 * The aborts the module held back count under their client: they were
 * that client's aborts, and the client it holds back most is the busiest.
 */
Test(findings, user_navigation_counts_held_back_aborts_under_their_client)
{
    navigation(40, 20, FIREFOX, 400);       /* 20 clients, 2 aborts each */
    summary(RG_CLASS_CLIENT_CLOSED, "203.0.113.0", 10);

    json_t *all = findings_json(f, agg);
    json_t *nav = json_array_get(kind(all, "user_navigation", 1), 0);
    cr_assert_eq(num(nav, "aborts"), 50);
    cr_assert_eq(num(nav, "clients"), 20);
    cr_assert_float_eq(real(nav, "top_client_share"), 0.24, 1e-9);
    cr_assert_not_null(strstr(json_string_value(json_object_get(nav,
        "evidence")), "50 client aborts from 20 clients, the busiest with"
        " 24%"));
    json_decref(all);

    /* 52 of 90 now: one client, not users navigating */
    summary(RG_CLASS_CLIENT_RESET, "203.0.113.0", 40);
    all = findings_json(f, agg);
    kind(all, "user_navigation", 0);
    json_decref(all);
}

/* Only the navigation classes count: clients, their aborts, the top. */
Test(findings, user_navigation_counts_only_navigation_aborts_per_client)
{
    char  ip[32];

    navigation(40, 20, FIREFOX, 400);
    for (int i = 0; i < 30; i++) {
        rs_obs o = req(2000 + i, RG_CLASS_UPSTREAM_TIMEOUT, 504);
        snprintf(ip, sizeof(ip), "192.0.2.%d", i);
        observe(&o, ip);
        observe(&o, "203.0.113.1");         /* also a navigating client */
        observe(&o, "203.0.113.1");
    }

    json_t *all = findings_json(f, agg);
    json_t *nav = json_array_get(kind(all, "user_navigation", 1), 0);
    cr_assert_eq(num(nav, "aborts"), 40);
    cr_assert_eq(num(nav, "clients"), 20);
    cr_assert_float_eq(real(nav, "top_client_share"), 0.05, 1e-9);
    json_decref(all);
}

Test(findings, no_user_navigation_from_four_navigating_clients)
{
    char  ip[32];

    navigation(40, 4, FIREFOX, 400);
    for (int i = 0; i < 10; i++) {          /* timeouts are no navigation */
        rs_obs o = req(2000 + i, RG_CLASS_CLIENT_TIMEOUT, 408);
        snprintf(ip, sizeof(ip), "192.0.2.%d", i);
        observe(&o, ip);
    }
    json_t *all = findings_json(f, agg);
    kind(all, "user_navigation", 0);
    json_decref(all);
}

/*
 * Past the client table's limit the smallest keys are dropped: the
 * clients still held are a lower bound ("at least"), and the zone is
 * sized for the limit, which the table held at once.
 */
Test(findings, user_navigation_past_the_client_limit)
{
    const rs_keytab  *t = &agg->keys[RS_DIM_CLIENT];
    char              want[128];
    json_int_t        held = 0;

    agg->keys[RS_DIM_CLIENT].limit = 16;
    navigation(60, 30, FIREFOX, 400);
    cr_assert(t->approximate);
    for (size_t i = 0; i < t->n; i++) {
        held += rs_keytab_first(t, &t->keys[i]) != NULL;
    }
    cr_assert(held >= 5 && held < 30, "%d", (int) held);

    json_t *all = findings_json(f, agg);
    json_t *nav = json_array_get(kind(all, "user_navigation", 1), 0);
    cr_assert_eq(num(nav, "aborts"), 60);
    cr_assert_eq(num(nav, "clients"), held);
    snprintf(want, sizeof(want), "60 client aborts from at least %d clients",
             (int) held);
    cr_assert_not_null(strstr(json_string_value(json_object_get(nav,
        "evidence")), want), "%s", json_string_value(json_object_get(nav,
        "evidence")));
    json_decref(all);
}

/* the server whose log the traffic below comes from */
static rg_server  traffic_server = RG_SERVER_NGINX;

/* minute i has 20*(i+1) requests of which abort_pct(i)% are 499 */
static void
traffic(int minutes, int (*abort_pct)(int))
{
    for (int m = 0; m < minutes; m++) {
        int n = 20 * (m + 1), bad = n * abort_pct(m) / 100;
        for (int i = 0; i < n; i++) {
            rs_obs o = req(600 + m * 60 + i % 60,
                           i < bad ? RG_CLASS_CLIENT_CLOSED : RG_CLASS_NONE,
                           i < bad ? 499 : 200);
            o.upstream_ms = 50;
            o.server = traffic_server;
            observe(&o, "198.51.100.1");
        }
    }
}

static int rising(int m) { return 2 + 4 * m; }
static int flat(int m) { (void) m; return 10; }

Test(findings, overload_when_aborts_rise_with_the_load)
{
    traffic(8, rising);

    json_t *all = findings_json(f, agg);
    json_t *o = json_array_get(kind(all, "overload", 1), 0);

    cr_assert_eq(num(o, "minutes"), 8);
    cr_assert_gt(real(o, "r_request_rate"), 0.9);
    json_t *peaks = json_object_get(json_object_get(o, "numbers"),
                                    "peak_minutes");
    cr_assert_eq(json_array_size(peaks), 5);
    json_t *top = json_array_get(peaks, 0);
    /* minute 7: 160 requests, 30% = 48 aborts, at 00:17 */
    cr_assert_str_eq(json_string_value(json_object_get(top, "minute")),
                     "1970-01-01T00:17");
    cr_assert_eq(json_integer_value(json_object_get(top, "requests")), 160);
    cr_assert_eq(json_integer_value(json_object_get(top, "aborts")), 48);
    json_decref(all);
}

/* Envoy's records: its capacity settings, not nginx's worker_connections */
Test(findings, overload_on_envoy_records_in_its_words)
{
    traffic_server = RG_SERVER_ENVOY;
    traffic(8, rising);
    traffic_server = RG_SERVER_NGINX;

    json_t *all = findings_json(f, agg);
    json_t *o = json_array_get(kind(all, "overload", 1), 0);

    cr_assert_str_eq(json_string_value(json_object_get(o, "advice")),
                     "add capacity (more endpoints in the cluster, its"
                     " `circuit_breakers` max_connections,"
                     " max_pending_requests and max_requests sized for the"
                     " peak) or shed load at the peak minutes listed (a"
                     " `local_ratelimit` filter, the `overload_manager`);"
                     " check the upstream response times");
    json_decref(all);

    /* and nginx's own records keep nginx's words */
    rs_findings_free(f);
    f = rs_findings_create();
    traffic(8, rising);
    all = findings_json(f, agg);
    o = json_array_get(kind(all, "overload", 1), 0);
    cr_assert_not_null(strstr(json_string_value(json_object_get(o,
        "advice")), "worker_connections"));
    json_decref(all);
}

Test(findings, no_overload_when_aborts_only_follow_the_traffic)
{
    traffic(8, flat);
    json_t *all = findings_json(f, agg);
    kind(all, "overload", 0);
    json_decref(all);
}

Test(findings, idle_timeout_when_resets_cluster_at_60s)
{
    for (int i = 0; i < 12; i++) {
        rs_obs o = req(100 + i, RG_CLASS_CLIENT_CLOSED, 499);
        o.request_ms = 59500 + i * 100;     /* 59.5 .. 60.6 s */
        observe(&o, "192.0.2.1");
    }
    rs_obs o = req(200, RG_CLASS_CLIENT_CLOSED, 499);
    o.request_ms = 2000;
    observe(&o, "192.0.2.1");

    json_t *all = findings_json(f, agg);
    json_t *idle = json_array_get(kind(all, "idle_timeout", 1), 0);

    cr_assert_eq(num(idle, "records"), 12);
    cr_assert_eq(num(idle, "timed"), 13);
    cr_assert_float_eq(real(idle, "value_s"), 60.0, 0.11);
    cr_assert_str_eq(json_string_value(json_object_get(
        json_object_get(idle, "numbers"), "field")), "request_time");
    json_decref(all);
}

Test(findings, no_idle_timeout_when_times_spread)
{
    for (int i = 0; i < 30; i++) {
        rs_obs o = req(100 + i, RG_CLASS_CLIENT_CLOSED, 499);
        o.request_ms = 5000 + i * 3000;
        observe(&o, "192.0.2.1");
    }
    json_t *all = findings_json(f, agg);
    kind(all, "idle_timeout", 0);
    json_decref(all);
}

static void
response(const char *uri, int64_t body, int completion, int status)
{
    rs_obs o = req(100, RG_CLASS_NONE, status);
    o.uri = uri;
    o.uri_len = strlen(uri);
    o.body_bytes = body;
    o.completion = completion;
    observe(&o, "192.0.2.9");
}

Test(findings, output_buffer_when_a_uri_stops_at_8k)
{
    for (int i = 0; i < 3; i++) {
        response("/report.jsp", 8192, -1, 200);
    }
    response("/report.jsp", 31000, -1, 200);
    response("/other", 4096, -1, 200);

    json_t *all = findings_json(f, agg);
    json_t *ob = json_array_get(kind(all, "output_buffer", 1), 0);
    cr_assert_eq(num(ob, "uris"), 1);
    json_t *t = json_array_get(json_object_get(json_object_get(ob, "numbers"),
                                               "truncations"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(t, "uri")),
                     "/report.jsp");
    cr_assert_eq(json_integer_value(json_object_get(t, "count")), 3);
    cr_assert_eq(json_integer_value(json_array_get(
        json_object_get(t, "sizes"), 0)), 8192);
    cr_assert_eq(json_integer_value(json_object_get(t, "largest")), 31000);
    json_decref(all);
}

/*
 * A URI keeps its first four distinct page multiples (each with its exact
 * count; a fifth is not one cut), through a merge and the --partial state.
 */
Test(findings, output_buffer_keeps_four_sizes_per_uri_through_merge_and_state)
{
    rs_findings  *half = rs_findings_create(), *back = rs_findings_create();
    char          err[256];

    for (int k = 1; k <= 5; k++) {          /* 4, 8, 12, 16, 20 KiB */
        for (int i = 0; i < 2 + k; i++) {
            response("/cut.jsp", 4096 * k, -1, 200);
        }
    }
    response("/cut.jsp", 4096 * 256, -1, 200);      /* 1 MiB: no cut size */
    response("/cut.jsp", 2000000, -1, 200);         /* the largest */

    /* the other half of a scan: one more at 8 KiB, a new URI */
    rs_findings  *whole = f;
    f = half;
    response("/cut.jsp", 8192, -1, 200);
    for (int i = 0; i < 3; i++) {
        response("/b", 12288, -1, 200);
    }
    response("/b", 50000, -1, 200);
    f = whole;
    cr_assert_eq(rs_findings_merge(f, half), 0);

    json_t *state = rs_findings_state(f);
    cr_assert_not_null(state);
    cr_assert_eq(rs_findings_merge_state(back, state, err, sizeof(err)), 0,
                 "%s", err);

    for (int pass = 0; pass < 2; pass++) {
        json_t *t = truncations_json(pass ? back : f);
        /* most responses first, then by URI and size */
        long want[][3] = {                  /* uri: count, size, largest */
            { 6, 16384, 2000000 }, { 5, 8192, 2000000 }, { 5, 12288, 2000000 },
            { 3, 12288, 50000 }, { 3, 4096, 2000000 },
        };
        const char *uri[] = { "/cut.jsp", "/cut.jsp", "/cut.jsp", "/b",
                              "/cut.jsp" };

        cr_assert_eq(json_array_size(t), 5, "%s", json_dumps(t, 0));
        for (size_t i = 0; i < 5; i++) {
            json_t *c = json_array_get(t, i);
            cr_assert_str_eq(json_string_value(json_object_get(c, "uri")),
                             uri[i], "%zu: %s", i, json_dumps(t, 0));
            cr_assert_eq(json_integer_value(json_object_get(c, "count")),
                         want[i][0], "%zu: %s", i, json_dumps(t, 0));
            cr_assert_eq(json_integer_value(json_array_get(
                json_object_get(c, "sizes"), 0)), want[i][1], "%zu: %s", i,
                json_dumps(t, 0));
            cr_assert_eq(json_integer_value(json_object_get(c, "largest")),
                         want[i][2], "%zu: %s", i, json_dumps(t, 0));
        }
        json_decref(t);
    }

    json_t *again = rs_findings_state(back);
    same_json(state, again);
    json_decref(again);
    json_decref(state);
    rs_findings_free(half);
    rs_findings_free(back);
}

/*
 * 40,000 URIs of 400 bytes with one page-sized response each are more
 * than the URI table holds (8 MiB): it drops its lighter half, again and
 * again, and the URI cut 400 times stays, exact; the evidence says how far
 * a count may be short, through --partial too.
 */
Test(findings, output_buffer_past_the_uri_bound_keeps_the_cut_uri)
{
    char          uri[512], err[256];
    rs_findings  *back = rs_findings_create();

    for (int i = 0; i < 40000; i++) {
        snprintf(uri, sizeof(uri), "/img/%06d/%0390d", i, 0);
        response(uri, 8192, -1, 200);
        if (i % 100 == 0) {
            response("/report.jsp", 8192, -1, 200);
        }
    }
    response("/report.jsp", 31000, -1, 200);

    json_t *all = findings_json(f, agg);
    json_t *ob = json_array_get(kind(all, "output_buffer", 1), 0);
    cr_assert_eq(num(ob, "uris"), 1);
    cr_assert_str_eq(json_string_value(json_object_get(ob, "evidence")),
                     "1 URI stops at one exact size: 400 responses for"
                     " /report.jsp end at 8192 bytes (2 x 4 KiB) while the"
                     " largest was 31000 bytes; more URIs had page-sized"
                     " responses than are kept, so each count may be short by"
                     " up to 1");
    json_t *t = json_array_get(json_object_get(json_object_get(ob, "numbers"),
                                               "truncations"), 0);
    cr_assert_eq(json_integer_value(json_object_get(t, "count")), 400);

    json_t *state = rs_findings_state(f);
    json_t *uris = json_object_get(state, "uris");
    cr_assert_lt(json_array_size(uris), 40000 / 2);
    cr_assert_eq(json_integer_value(json_array_get(json_object_get(state,
                 "counters"), 2)), 1);
    cr_assert_eq(rs_findings_merge_state(back, state, err, sizeof(err)), 0,
                 "%s", err);
    json_t *again = findings_json(back, agg);
    same_json(all, again);
    json_decref(again);
    json_decref(state);
    json_decref(all);
    rs_findings_free(back);
}

Test(findings, no_output_buffer_from_users_leaving_or_smaller_pages)
{
    /* empty $request_completion: users leaving, never a cut */
    for (int i = 0; i < 5; i++) {
        response("/report.jsp", 8192, 0, 200);
    }
    response("/report.jsp", 31000, 1, 200);
    /* the same size, but nothing larger: a page of exactly 8 KiB */
    for (int i = 0; i < 5; i++) {
        response("/exact", 8192, 1, 200);
    }
    /* 499s stop anywhere */
    for (int i = 0; i < 5; i++) {
        response("/big", 16384, -1, 499);
    }
    response("/big", 90000, -1, 200);

    json_t *all = findings_json(f, agg);
    kind(all, "output_buffer", 0);
    json_decref(all);
}

Test(findings, output_buffer_names_the_buffer)
{
    rs_obs o = req(100, RG_CLASS_BUFFER_OVERFLOW, -1);
    o.access = 0;
    o.message = "upstream sent too big header while reading response header"
                " from upstream";
    o.message_len = strlen(o.message);
    observe(&o, "192.0.2.9");
    observe(&o, "192.0.2.9");

    json_t *all = findings_json(f, agg);
    json_t *ob = json_array_get(kind(all, "output_buffer", 1), 0);
    cr_assert_eq(num(ob, "records"), 2);
    cr_assert_not_null(strstr(json_string_value(json_object_get(ob, "advice")),
                              "proxy_buffer_size"));
    json_decref(all);
}

Test(findings, log_bloat_with_java_signatures)
{
    static const char *sig = "org.apache.catalina.connector."
                             "ClientAbortException: java.io.IOException:"
                             " Broken pipe";
    for (int i = 0; i < 5; i++) {
        rs_obs o = req(100, RG_CLASS_BROKEN_PIPE, -1);
        o.access = 0;
        o.bytes = 3000;
        o.lines = 40;
        o.signature = sig;
        o.signature_len = strlen(sig);
        observe(&o, "-");
    }
    for (int i = 0; i < 10; i++) {
        rs_obs o = req(100, RG_CLASS_NONE, -1);
        o.access = 0;
        o.bytes = 100;
        observe(&o, "-");
    }

    json_t *all = findings_json(f, agg);
    json_t *b = json_array_get(kind(all, "log_bloat", 1), 0);
    cr_assert_eq(num(b, "abort_bytes"), 15000);
    cr_assert_eq(num(b, "total_bytes"), 16000);
    cr_assert_float_eq(real(b, "share"), 0.9375, 1e-9);
    json_t *st = json_array_get(json_object_get(json_object_get(b, "numbers"),
                                                "stack_traces"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(st, "signature")), sig);
    cr_assert_eq(json_integer_value(json_object_get(st, "records")), 5);
    cr_assert_eq(json_integer_value(json_object_get(st, "lines")), 200);
    cr_assert_eq(json_integer_value(json_object_get(st, "bytes")), 15000);
    json_decref(all);
}

/* One Java abort record with its exception line. */
static void
java_abort(const char *sig, uint64_t bytes, uint32_t lines)
{
    rs_obs o = req(100, RG_CLASS_BROKEN_PIPE, -1);
    o.access = 0;
    o.bytes = bytes;
    o.lines = lines;
    o.signature = sig;
    o.signature_len = strlen(sig);
    observe(&o, "-");
}

#define HEAVY  "org.apache.catalina.connector.ClientAbortException:" \
               " java.io.IOException: Broken pipe"

static json_t *
bloat_of(rs_findings *c)
{
    json_t *all = findings_json(c, agg);
    json_t *b = json_incref(json_array_get(kind(all, "log_bloat", 1), 0));
    json_decref(all);
    return b;
}

/* 4096 distinct exception lines are all kept, exactly */
Test(findings, log_bloat_keeps_4096_exception_lines_exactly)
{
    char  sig[128];

    for (int i = 0; i < 4095; i++) {
        snprintf(sig, sizeof(sig), "java.io.IOException: Broken pipe to"
                 " 10.0.%d.%d", i / 256, i % 256);
        java_abort(sig, 100, 2);
        if (i % 1000 == 0) {
            java_abort(HEAVY, 3000, 40);
        }
    }

    json_t *b = bloat_of(f);
    const char *ev = json_string_value(json_object_get(b, "evidence"));
    cr_assert_str_eq(ev, "4100 client abort records take 424500 of the log's 424500"
                     " bytes (100.0%); Java stack traces of aborts lead, see"
                     " numbers");
    json_t *st = json_object_get(json_object_get(b, "numbers"),
                                 "stack_traces");
    cr_assert_eq(json_array_size(st), 5);
    json_t *top = json_array_get(st, 0);
    cr_assert_str_eq(json_string_value(json_object_get(top, "signature")),
                     HEAVY);
    cr_assert_eq(json_integer_value(json_object_get(top, "records")), 5);
    cr_assert_eq(json_integer_value(json_object_get(top, "bytes")), 15000);
    json_t *state = rs_findings_state(f);
    cr_assert_eq(json_array_size(json_object_get(state, "sigs")), 4096);
    cr_assert_eq(json_integer_value(json_object_get(state, "sigs_dropped")),
                 0);
    json_decref(state);
    json_decref(b);
}

/*
 * Past 4096 the half with the fewest bytes is dropped, again and again:
 * the heavy exception line stays, exact, and the evidence says how far
 * off a listed one can be; the bound survives --partial.
 */
Test(findings, log_bloat_past_4096_exception_lines_keeps_the_largest)
{
    char          sig[128], err[256];
    rs_findings  *back = rs_findings_create();

    for (int i = 0; i < 10000; i++) {
        snprintf(sig, sizeof(sig), "java.io.IOException: Broken pipe to"
                 " 10.0.%d.%d", i / 256, i % 256);
        java_abort(sig, 100, 2);
        if (i % 100 == 0) {
            java_abort(HEAVY, 3000, 40);
        }
    }

    json_t *b = bloat_of(f);
    cr_assert_str_eq(json_string_value(json_object_get(b, "evidence")),
                     "10100 client abort records take 1300000 of the log's 1300000"
                     " bytes (100.0%); Java stack traces of aborts lead, see"
                     " numbers (more than 4096 distinct exception lines: the"
                     " largest are listed, each short by at most 100 bytes)");
    json_t *top = json_array_get(json_object_get(json_object_get(b,
                                 "numbers"), "stack_traces"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(top, "signature")),
                     HEAVY);
    cr_assert_eq(json_integer_value(json_object_get(top, "records")), 100);
    cr_assert_eq(json_integer_value(json_object_get(top, "lines")), 4000);
    cr_assert_eq(json_integer_value(json_object_get(top, "bytes")), 300000);

    json_t *state = rs_findings_state(f);
    cr_assert_leq(json_array_size(json_object_get(state, "sigs")), 4096);
    cr_assert_eq(json_integer_value(json_object_get(state, "sigs_dropped")),
                 100);
    cr_assert_eq(rs_findings_merge_state(back, state, err, sizeof(err)), 0,
                 "%s", err);
    json_t *again = bloat_of(back);
    same_json(b, again);
    json_decref(again);
    json_decref(state);
    json_decref(b);
    rs_findings_free(back);
}

Test(findings, no_log_bloat_under_ten_percent)
{
    rs_obs o = req(100, RG_CLASS_CLIENT_CLOSED, 499);
    observe(&o, "x");
    for (int i = 0; i < 10; i++) {
        rs_obs ok = req(100, RG_CLASS_NONE, 200);
        observe(&ok, "x");
    }
    json_t *all = findings_json(f, agg);
    kind(all, "log_bloat", 0);
    json_decref(all);
}

Test(findings, backend_down_port_in_use_socket_misuse)
{
    rg_class  cls[] = { RG_CLASS_UPSTREAM_REFUSED, RG_CLASS_BIND_IN_USE,
                        RG_CLASS_SOCKET_CLOSED };
    const char *kinds[] = { "backend_down", "port_in_use", "socket_misuse" };

    json_t *none = findings_json(f, agg);
    for (int i = 0; i < 3; i++) {
        kind(none, kinds[i], 0);
    }
    json_decref(none);

    for (int i = 0; i < 3; i++) {
        rs_obs o = req(120 + i * 60, cls[i], -1);
        o.access = 0;
        observe(&o, "-");
    }
    rs_findings_suppressed(f, RG_CLASS_UPSTREAM_REFUSED, 5);

    json_t *all = findings_json(f, agg);
    for (int i = 0; i < 3; i++) {
        json_t *k = json_array_get(kind(all, kinds[i], 1), 0);
        cr_assert_eq(num(k, "records"), i == 0 ? 6 : 1);
        cr_assert_str_eq(json_string_value(json_object_get(k, "class")),
                         rg_class_name(cls[i]));
        cr_assert_str_eq(json_string_value(json_object_get(k, "evidence")),
                         i == 0 ? "6 records; e.g. a log line"
                                : "1 record; e.g. a log line");
    }
    json_decref(all);
}

/* Two collectors merged hold what one over the same records holds. */
Test(findings, merged_collectors_equal_one)
{
    rs_findings  *one = f, *a = rs_findings_create(), *b = rs_findings_create();
    rs_agg        agg_a, agg_b;

    rs_agg_init(&agg_a);
    rs_agg_init(&agg_b);

    for (int pass = 0; pass < 3; pass++) {
        f = pass == 0 ? one : pass == 1 ? a : b;
        agg = pass == 0 ? &agg_one : pass == 1 ? &agg_a : &agg_b;
        if (pass != 2) {
            navigation(40, 20, FIREFOX, 400);
            for (int i = 0; i < 3; i++) {
                response("/report.jsp", 8192, -1, 200);
            }
        }
        if (pass != 1) {
            traffic(8, rising);
            response("/report.jsp", 31000, -1, 200);
            rs_obs o = req(100, RG_CLASS_UPSTREAM_REFUSED, -1);
            observe(&o, "-");
        }
    }

    cr_assert_eq(rs_findings_merge(a, b), 0);
    cr_assert_eq(rs_agg_merge(&agg_a, &agg_b), 0);
    json_t *want = findings_json(one, &agg_one);
    json_t *got = findings_json(a, &agg_a);
    same_json(want, got);
    /* the cut URI needs both halves: three at 8 KiB here, the larger there */
    kind(got, "output_buffer", 1);
    kind(got, "backend_down", 1);

    /* into a collector that never wrote a histogram bin or a sketch cell,
       and that one into another (a merge reads only what a side wrote) */
    rs_findings *empty = rs_findings_create(), *first = rs_findings_create();
    cr_assert_eq(rs_findings_merge(first, a), 0);
    cr_assert_eq(rs_findings_merge(empty, first), 0);
    rs_findings_free(first);
    json_t *again = findings_json(empty, &agg_a);
    same_json(got, again);
    json_decref(again);
    /* bin by bin, as the state holds every histogram bin and sketch
       cell: the merge is the one collector, and so is an empty one
       merged with it */
    json_t *so = rs_findings_state(one), *sa = rs_findings_state(a),
           *se = rs_findings_state(empty);
    same_json(so, sa);
    same_json(sa, se);
    json_decref(so);
    json_decref(sa);
    json_decref(se);
    rs_findings_free(empty);
    json_decref(want);
    json_decref(got);
    rs_findings_free(b);
    f = one;
    agg = &agg_one;
    rs_findings_free(a);
    rs_agg_free(&agg_a);
    rs_agg_free(&agg_b);
}

/* a Java record names its buffer in the exception line, not its first */
Test(findings, output_buffer_names_the_buffer_from_a_java_exception)
{
    rs_obs o = req(100, RG_CLASS_BUFFER_OVERFLOW, -1);
    o.access = 0;
    o.line = "21-Nov-2026 10:01:48.042 SEVERE [exec-17] o.a.c.c.StandardHostValve"
             ".custom Exception Processing ErrorPage[errorCode=500]";
    o.line_len = strlen(o.line);
    o.signature = "java.lang.IllegalStateException: Cannot call sendError()"
                  " after the response has been committed";
    o.signature_len = strlen(o.signature);
    observe(&o, "-");

    json_t *all = findings_json(f, agg);
    json_t *ob = json_array_get(kind(all, "output_buffer", 1), 0);
    cr_assert_not_null(strstr(json_string_value(json_object_get(ob, "advice")),
                              "setBufferSize"));
    cr_assert_not_null(strstr(json_string_value(json_object_get(ob,
                              "evidence")), "1 record; e.g. 21-Nov-2026"));
    json_decref(all);
}

/* complete by $request_completion, yet short of its Content-Length */
Test(findings, output_buffer_from_a_content_length_shortfall)
{
    for (int i = 0; i < 2; i++) {
        rs_obs o = req(100, RG_CLASS_TRUNCATED, 200);
        o.completion = 1;
        o.content_length = 100000;
        o.body_bytes = 8192;
        o.uri = "/export.csv";
        o.uri_len = strlen(o.uri);
        observe(&o, "192.0.2.9");
    }
    /* the same shortfall with an empty completion is a user leaving */
    rs_obs o = req(100, RG_CLASS_CLIENT_CLOSED, 200);
    o.completion = 0;
    o.content_length = 100000;
    o.body_bytes = 8192;
    observe(&o, "192.0.2.9");

    json_t *all = findings_json(f, agg);
    json_t *ob = json_array_get(kind(all, "output_buffer", 1), 0);
    cr_assert_str_eq(json_string_value(json_object_get(ob, "class")),
                     "truncated");
    cr_assert_eq(num(ob, "records"), 2);
    cr_assert_eq(num(ob, "missing_bytes"), 2 * (100000 - 8192));
    json_decref(all);
}

/* upstream timeouts at the upstream's idle limit of 300 s */
Test(findings, idle_timeout_on_the_upstream_response_time)
{
    for (int i = 0; i < 6; i++) {
        rs_obs o = req(100 + i, RG_CLASS_UPSTREAM_TIMEOUT, 504);
        o.upstream_ms = 299000 + i * 400;
        observe(&o, "192.0.2.1");
    }

    json_t *all = findings_json(f, agg);
    json_t *idle = json_array_get(kind(all, "idle_timeout", 1), 0);
    cr_assert_str_eq(json_string_value(json_object_get(
        json_object_get(idle, "numbers"), "field")), "upstream_response_time");
    cr_assert_float_eq(real(idle, "value_s"), 300.0, 1.1);
    cr_assert_eq(num(idle, "records"), 6);
    json_decref(all);
}
