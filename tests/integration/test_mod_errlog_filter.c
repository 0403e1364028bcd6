/*
 * The error-log filter (rstguard_error_log on) and its summaries, against
 * the real nginx with 2 workers and the error log at info.
 *
 * Every run with the limiter is compared with the same traffic under
 * `rstguard_dry_run on` (the reference, which holds nothing back): for
 * every (class, key), the lines written plus the suppressed= of the
 * summaries must equal the reference's lines, exactly.  Lines are
 * classified with the very engine the module uses (core/), keyed by their
 * client: field; summaries are read with the strict parser of rstscan.
 */

#define _GNU_SOURCE             /* memmem */

#include <criterion/criterion.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "rg_nginx_error.h"
#include "rg_rules.h"
#include "rg_summary.h"
#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define NKEYS       8           /* clients 127.0.0.2 .. 127.0.0.9 */
#define PER_KEY     4           /* aborts of each kind per client */
#define PASSES      2           /* burst=1: two lines per key and class */
#define SLOW_MS     20000
/* the harness's readiness probes connect from here and close at once */
#define PROBE_KEY   "127.0.0.1"

static rgt_nginx     ngx;
static rgt_upstream  up;
static rg_ruleset   *rules;
static rg_matcher   *matcher;

static const rgt_upstream_opts  slow = {
    .mode = RGT_UP_SLOW, .delay_ms = SLOW_MS, .io_timeout_ms = 30000
};

/* the upstream first: nginx's ports are then picked among those still free */
static void
start_upstream_and_prefix(void)
{
    cr_assert_eq(rgt_upstream_start(&up, &slow), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
setup(void)
{
    rg_error  err;

    start_upstream_and_prefix();
    rules = rg_ruleset_create();
    cr_assert_eq(rg_ruleset_add_shipped(rules, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rules, &err), 0, "%s", err.msg);
    matcher = rg_matcher_create(rules);
    cr_assert_not_null(matcher);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&up);
    rg_matcher_destroy(matcher);
    rg_ruleset_destroy(rules);
}

TestSuite(mod_errlog, .init = setup, .fini = teardown, .timeout = 90);


/* --- configuration ------------------------------------------------------ */

/*
 * Upstream "slow" is the in-process slow upstream (aborts wait there),
 * "refused" a closed port.  Server PORT0 proxies /slow and /refused; the
 * options add error_log lines and servers where each test needs them.
 */
#define FILTER_CONF                                                          \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "%s\n"                                                                   \
    "events { worker_connections 512; }\n"                                   \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    %s\n"                                                               \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard_error_log %s;\n"                                           \
    "    rstguard_summary_interval %s;\n"                                    \
    "    %s\n"                                                               \
    "    %s\n"                                                               \
    "    upstream slow { server 127.0.0.1:%d; }\n"                           \
    "    upstream refused { server 127.0.0.1:%d; }\n"                        \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        listen 127.0.0.1:@PORT2@ @HTTP2@;\n"                            \
    "        root @PREFIX@/html;\n"                                          \
    "        location /slow { proxy_pass http://slow; }\n"                   \
    "        location /refused { proxy_pass http://refused; }\n"             \
    "    }\n"                                                                \
    "    %s\n"                                                               \
    "}\n"                                                                    \
    "%s\n"

typedef struct {
    const char  *main_log;      /* main-level error_log lines */
    const char  *zone;          /* http{} lines before the usual zone */
    const char  *interval;      /* rstguard_summary_interval */
    int          filter_off;    /* rstguard_error_log off */
    int          dry_run;
    const char  *http_extra;    /* more of http{} */
    const char  *servers;       /* more servers */
    const char  *after_http;    /* main-level lines after http{} */
    const char  *probe_log;     /* where PORT0 logs at info; "" if nowhere */
} conf_opts;

/*
 * Waits until the harness's readiness probes (one connection from
 * 127.0.0.1 per start and per reload, closed at once) have been logged.
 * Their line is a client_closed abort decided in the zone: if it raced
 * with the next test abort in the other worker, the try-lock would let
 * that abort through uncharged (as designed), and exact counts would vary.
 */
static void
settle(const conf_opts *o, size_t probes)
{
    const char  *rel = o->probe_log ? o->probe_log : "logs/error.log";
    char        *text;
    size_t       got = 0;

    if (*rel == '\0') {
        return;
    }

    for (int i = 0; i < 200 && got < probes; i++) {
        if (i > 0) {
            rgt_msleep(50);
        }
        text = rgt_nginx_read(&ngx, rel);
        got = text ? rgt_count_lines(text, "closed connection while waiting "
                                           "for request, client: "
                                           PROBE_KEY ",") : 0;
        free(text);
    }
    cr_assert_geq(got, probes, "%zu probe lines in %s", got, rel);
}

static void
start_nginx(const conf_opts *o)
{
    char  conf[8192];
    int   closed, taken;

    /* a closed port, and not one picked for nginx */
    do {
        closed = rgt_closed_port();
        cr_assert_gt(closed, 0);
        taken = 0;
        for (int i = 0; i < RGT_PORTS; i++) {
            taken |= closed == ngx.port[i];
        }
    } while (taken);

    snprintf(conf, sizeof(conf), FILTER_CONF,
             o->main_log ? o->main_log
                         : "error_log @PREFIX@/logs/error.log info;",
             o->zone ? o->zone : "",
             o->filter_off ? "off" : "on",
             o->interval ? o->interval : "60s",
             o->dry_run ? "rstguard_dry_run on;" : "",
             o->http_extra ? o->http_extra : "", up.port, closed,
             o->servers ? o->servers : "",
             o->after_http ? o->after_http : "");

    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    settle(o, 1);
}

/* The reference run starts afresh: a new prefix, new upstream. */
static void
restart_fresh(const conf_opts *o)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&up);
    memset(&up, 0, sizeof(up));
    start_upstream_and_prefix();
    start_nginx(o);
}


/* --- traffic ------------------------------------------------------------ */

static const char *
client(int k)
{
    static const char  *addr[NKEYS] = {
        "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5",
        "127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"
    };

    return addr[k];
}

/* One client gives up while nginx waits for the slow upstream: one line. */
static void
abort_waiting(int port, const char *path, const char *from,
    rgt_abort_how how)
{
    unsigned long  n;
    int            fd;

    n = rgt_upstream_requests(&up);
    fd = rgt_open_request(port, from, path, 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_upstream_wait_requests(&up, n + 1, 10000), 0);
    n = rgt_upstream_aborted(&up);
    rgt_abort(fd, how, 5000);
    /* nginx closed the upstream: it has logged the abort */
    cr_assert_eq(rgt_upstream_wait_aborted(&up, n + 1, 10000), 0);
}

static unsigned long  h2_want;

static int
h2_wait_upstream(void *arg)
{
    (void) arg;
    return rgt_upstream_wait_requests(&up, h2_want, 10000);
}

/* An HTTP/2 stream canceled while nginx waits: "client canceled stream". */
static void
cancel_stream(const char *from)
{
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = from, .path = "/slow",
                         .how = RGT_H2_CANCEL_WAITING,
                         .wait_fn = h2_wait_upstream };
    unsigned long  n;

    RGT_NEED(RGT_HTTP_V2);
    h2_want = rgt_upstream_requests(&up) + 1;
    n = rgt_upstream_aborted(&up);
    cr_assert_eq(rgt_h2_request(ngx.port[2], &o, &res), 0);
    cr_assert_eq(res.canceled, 1);
    cr_assert_eq(rgt_upstream_wait_aborted(&up, n + 1, 10000), 0);
}

/* `rounds` aborts of each kind from clients [k0, k1) on port:path. */
static void
aborts(int port, const char *path, int k0, int k1, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        for (int k = k0; k < k1; k++) {
            abort_waiting(port, path, client(k), RGT_FIN);
            abort_waiting(port, path, client(k), RGT_RST);
        }
    }
}

/*
 * `rounds` aborts of each kind (FIN: client_closed, RST: client_reset)
 * from every client, beside requests that must never be held back.
 */
static void
traffic(int rounds)
{
    char  uri[256];

    for (int r = 0; r < rounds; r++) {
        aborts(ngx.port[0], "/slow", 0, NKEYS, 1);
        for (int k = 0; k < NKEYS; k++) {
            cancel_stream(client(k));
        }

        snprintf(uri, sizeof(uri), "/missing-%d", r);
        cr_assert_eq(rgt_http_get(ngx.port[0], client(r % NKEYS), uri, NULL,
                                  0), 404);
        cr_assert_eq(rgt_http_get(ngx.port[0], client(r % NKEYS),
                                  "/refused", NULL, 0), 502);
        /* an abort phrase inside a URI is a 404, not an abort */
        cr_assert_eq(rgt_http_get(ngx.port[0], client(r % NKEYS),
            "/y(104:%20Connection%20reset%20by%20peer)%20while%20sending"
            "%20to%20client", NULL, 0), 404);
    }
}


/* --- reading the logs ----------------------------------------------------- */

typedef struct {
    rg_class   cls;
    char       key[64];
    long       lines;           /* abort lines written */
    long       suppressed;      /* summaries' suppressed= */
    long       passed;          /* summaries' passed= */
    long       summaries;
    int        dry_run;         /* a summary said dry_run=1 */
} tally_row;

typedef struct {
    tally_row  row[64];
    size_t     n;
    long       open_failed;     /* 404 "open() ... failed" lines */
    long       refused;         /* connect() failed (111 ...) lines */
    long       phrase_404;      /* 404s whose URI has the abort phrase */
    long       summaries;
    long       lines;
} tally;

static tally_row *
row(tally *t, rg_class cls, const char *key, size_t key_len)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->row[i].cls == cls && strlen(t->row[i].key) == key_len
            && memcmp(t->row[i].key, key, key_len) == 0)
        {
            return &t->row[i];
        }
    }

    cr_assert_lt(t->n, sizeof(t->row) / sizeof(t->row[0]));
    cr_assert_lt(key_len, sizeof(t->row[0].key));
    tally_row *r = &t->row[t->n++];
    memset(r, 0, sizeof(*r));
    r->cls = cls;
    memcpy(r->key, key, key_len);

    return r;
}

static int
has(const char *line, size_t len, const char *needle)
{
    return memmem(line, len, needle, strlen(needle)) != NULL;
}

static void
tally_line(tally *t, const char *line, size_t len)
{
    rg_summary      s;
    rg_nginx_error  pe;
    const rg_rule  *rule;
    char            key[64];
    size_t          n;
    int             level;

    t->lines++;

    if (rg_summary_parse_line(line, len, &s, &level) == 0) {
        /*
         * Written at the level of the lines it stands for (client-side
         * lines are info, upstream ones error), server-wide (version 3,
         * one key per line here: these tests have few keys).
         */
        cr_assert_eq(level, rg_class_is_client_side(s.cls) ? 7 : 4,
                     "%.*s", (int) len, line);
        cr_assert_eq(s.version, 3, "%.*s", (int) len, line);
        cr_assert_eq(s.keys, 1, "%.*s", (int) len, line);
        n = rg_summary_unescape(&s.key, key, sizeof(key));
        cr_assert_neq(n, (size_t) -1);
        tally_row *r = row(t, s.cls, key, n);
        r->suppressed += (long) s.suppressed;
        r->passed += (long) s.passed;
        r->summaries++;
        r->dry_run |= s.dry_run;
        t->summaries++;
        return;
    }

    cr_assert_not(has(line, len, "rstguard: "),
                   "not in the grammar: %.*s", (int) len, line);

    if (has(line, len, "open() \"")) {
        t->open_failed++;
        if (has(line, len, "/y(104: Connection reset by peer) while "
                "sending to client\" failed"))
        {
            t->phrase_404++;
        }
    }
    if (has(line, len, "connect() failed (111: Connection refused) "
            "while connecting to upstream"))
    {
        t->refused++;
    }

    if (rg_nginx_error_parse(line, len, &pe) != 0) {
        return;
    }
    rule = rg_match(matcher, RG_FORMAT_NGINX_ERROR, &pe.fields);
    if (rule == NULL) {
        return;
    }
    cr_assert_not_null(pe.fields.f[RG_FIELD_CLIENT].p, "%.*s", (int) len, line);
    row(t, rg_rule_class(rule), pe.fields.f[RG_FIELD_CLIENT].p,
        pe.fields.f[RG_FIELD_CLIENT].len)->lines++;
}

static void
tally_text(tally *t, const char *text)
{
    const char  *p, *nl;

    for (p = text; *p != '\0'; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl, "unterminated line: %s", p);
        tally_line(t, p, (size_t) (nl - p));
    }
}

static char *
read_rel(const char *rel)
{
    char  *text = rgt_nginx_read(&ngx, rel);

    cr_assert_not_null(text, "cannot read %s", rel);

    return text;
}

static void
tally_file(tally *t, const char *rel)
{
    char  *text = read_rel(rel);

    tally_text(t, text);
    free(text);
}

static tally_row *
find(tally *t, rg_class cls, const char *key)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->row[i].cls == cls && strcmp(t->row[i].key, key) == 0) {
            return &t->row[i];
        }
    }

    return NULL;
}

/*
 * The heart of every comparison: for every (class, key) of either run,
 * lines + suppressed of the limited run == lines of the reference.
 */
static void
expect_honest(tally *lim, tally *ref)
{
    for (size_t i = 0; i < ref->n; i++) {
        tally_row *r = &ref->row[i];
        tally_row *l = find(lim, r->cls, r->key);

        if (strcmp(r->key, PROBE_KEY) == 0) {
            continue;
        }

        cr_assert_not_null(l, "%s %s missing", rg_class_name(r->cls), r->key);
        cr_assert_eq(l->lines + l->suppressed, r->lines,
                     "%s %s: %ld lines + %ld suppressed != %ld",
                     rg_class_name(r->cls), r->key, l->lines, l->suppressed,
                     r->lines);
    }

    for (size_t i = 0; i < lim->n; i++) {
        tally_row *l = &lim->row[i];

        if (strcmp(l->key, PROBE_KEY) == 0) {
            continue;
        }

        cr_assert_not_null(find(ref, l->cls, l->key), "%s %s only limited",
                           rg_class_name(l->cls), l->key);
    }
}

/* Every client's aborts: `passes` lines, the rest in summaries. */
static void
expect_limited_keys(tally *t, int k0, int k1, long aborts, long passes,
    int dry_run, int nclasses)
{
    static const rg_class  cls[3] = {
        RG_CLASS_CLIENT_CLOSED, RG_CLASS_CLIENT_RESET,
        RG_CLASS_STREAM_CANCELED
    };

    for (int k = k0; k < k1; k++) {
        for (int c = 0; c < nclasses; c++) {
            tally_row *r = find(t, cls[c], client(k));

            cr_assert_not_null(r, "no %s for %s", rg_class_name(cls[c]),
                               client(k));
            cr_assert_eq(r->lines, dry_run ? aborts : passes,
                         "%s %s: %ld lines", rg_class_name(cls[c]),
                         client(k), r->lines);
            cr_assert_eq(r->suppressed, aborts - passes, "%s %s: %ld",
                         rg_class_name(cls[c]), client(k), r->suppressed);
            cr_assert_eq(r->dry_run, dry_run);
        }
    }
}

/* FIN and RST aborts from every client */
static void
expect_limited(tally *t, long aborts, long passes, int dry_run)
{
    expect_limited_keys(t, 0, NKEYS, aborts, passes, dry_run, 2);
}

/* the same and an HTTP/2 stream cancel: traffic() */
static void
expect_limited_h2(tally *t, long aborts, long passes, int dry_run)
{
    expect_limited_keys(t, 0, NKEYS, aborts, passes, dry_run, 3);
}

static void
expect_others(tally *t, long rounds)
{
    cr_assert_eq(t->open_failed, 2 * rounds);
    cr_assert_eq(t->phrase_404, rounds);
    cr_assert_eq(t->refused, rounds);
}


/* --- the tests ------------------------------------------------------------ */

#define STATUS_SERVER                                                        \
    "server {\n"                                                             \
    "        listen 127.0.0.1:@PORT3@;\n"                                    \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"

/* rstguard_status as JSON (caller frees). */
static json_t *
status_doc(void)
{
    static char   resp[65536];
    const char   *body;
    json_error_t  jerr;
    json_t       *doc;

    cr_assert_eq(rgt_http_get(ngx.port[3], NULL, "/status", resp,
                              sizeof(resp) - 1), 200);
    body = strstr(resp, "\r\n\r\n");
    cr_assert_not_null(body);
    doc = json_loads(body + 4, 0, &jerr);
    cr_assert_not_null(doc, "%s: %s", jerr.text, body);

    return doc;
}

static long long
status_int(json_t *v)
{
    cr_assert(json_is_integer(v));
    return json_integer_value(v);
}

/* The zone's error-log counter `what` of class cls, from rstguard_status. */
static long long
status_count(const char *cls, const char *what)
{
    json_t     *doc = status_doc();
    long long   n;

    n = status_int(json_object_get(json_object_get(json_object_get(
            json_object_get(json_object_get(json_object_get(doc, "zones"),
            "rg"), "lines"), "error"), cls), what));
    json_decref(doc);

    return n;
}

/* The error-log lines passed uncharged because the zone was locked. */
static long long
status_contended(void)
{
    json_t     *doc = status_doc();
    long long   n;

    n = status_int(json_object_get(json_object_get(json_object_get(
            json_object_get(doc, "zones"), "rg"), "contended"), "error"));
    json_decref(doc);

    return n;
}

/* The zone counted what the summaries say was held back. */
static void
expect_status(int dry_run)
{
    static const char  *cls[3] = {
        "client_closed", "client_reset", "stream_canceled"
    };

    for (int c = 0; c < 3; c++) {
        cr_assert_eq(status_count(cls[c], dry_run ? "dry_run" : "suppressed"),
                     NKEYS * (PER_KEY - PASSES), "%s", cls[c]);
        cr_assert_eq(status_count(cls[c], dry_run ? "suppressed" : "dry_run"),
                     0, "%s", cls[c]);
    }
}

Test(mod_errlog, holds_back_aborts_honestly_against_a_dry_run_reference)
{
    conf_opts  o = { .servers = STATUS_SERVER };
    tally      lim = { 0 }, ref = { 0 };

    start_nginx(&o);
    traffic(PER_KEY);
    expect_status(0);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&lim, "logs/error.log");

    o.dry_run = 1;
    restart_fresh(&o);
    traffic(PER_KEY);
    expect_status(1);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&ref, "logs/error.log");

    expect_limited_h2(&lim, PER_KEY, PASSES, 0);
    expect_limited_h2(&ref, PER_KEY, PASSES, 1);
    expect_others(&lim, PER_KEY);
    expect_others(&ref, PER_KEY);
    expect_honest(&lim, &ref);
}


/*
 * main error_log in two files (the second after http{}), server{},
 * location{} and a location served from its if{} block
 */
#define PLACES_SERVERS                                                       \
    "server {\n"                                                             \
    "        listen 127.0.0.1:@PORT1@;\n"                                    \
    "        error_log @PREFIX@/logs/server.log info;\n"                     \
    "        location /slow { proxy_pass http://slow; }\n"                   \
    "        location /loc/ {\n"                                             \
    "            error_log @PREFIX@/logs/loc.log info;\n"                    \
    "            proxy_pass http://slow;\n"                                  \
    "        }\n"                                                            \
    "        location /iff/ {\n"                                             \
    "            error_log @PREFIX@/logs/iff.log info;\n"                    \
    "            if ($request_method = GET) { proxy_pass http://slow; }\n"   \
    "            proxy_pass http://refused;\n"                               \
    "        }\n"                                                            \
    "    }\n"

static void
places_traffic(void)
{
    aborts(ngx.port[0], "/slow", 0, 2, PER_KEY);
    aborts(ngx.port[1], "/slow", 2, 4, PER_KEY);
    aborts(ngx.port[1], "/loc/x", 4, 6, PER_KEY);
    /* served by the if{} block's own configuration */
    aborts(ngx.port[1], "/iff/x", 6, NKEYS, PER_KEY);
}

/* Only the keys [k0, k1) have client-side rows here (besides probes). */
static void
expect_only_keys(tally *t, int k0, int k1)
{
    for (size_t i = 0; i < t->n; i++) {
        int  k;

        if (strcmp(t->row[i].key, PROBE_KEY) == 0) {
            continue;
        }
        for (k = k0; k < k1 && strcmp(t->row[i].key, client(k)) != 0; k++) {
            /* void */
        }
        cr_assert_lt(k, k1, "%s %s in the wrong log",
                     rg_class_name(t->row[i].cls), t->row[i].key);
    }
}

/* Removes "[notice] PID#TID: exit" lines in place. */
static void
drop_exit_lines(char *text)
{
    char  *r, *w, *nl;

    for (r = w = text; *r != '\0'; r = nl + 1) {
        nl = strchr(r, '\n');
        cr_assert_not_null(nl);
        if (nl - r > 6 && memcmp(nl - 6, ": exit", 6) == 0
            && strstr(r, "[notice]") != NULL
            && strstr(r, "[notice]") < nl)
        {
            continue;
        }
        memmove(w, r, (size_t) (nl + 1 - r));
        w += nl + 1 - r;
    }
    *w = '\0';
}

typedef struct {
    long         pid;
    size_t       at;
    const char  *line;
    size_t       len;
} pid_line;


static int
pid_line_cmp(const void *x, const void *y)
{
    const pid_line  *a = x, *b = y;

    if (a->pid != b->pid) {
        return a->pid < b->pid ? -1 : 1;
    }

    return a->at < b->at ? -1 : a->at > b->at;
}


/*
 * The lines grouped by the process that wrote them, each process's lines
 * in their order (sorted by pid, then position): two worker processes
 * append to both files, and their lines may interleave differently in
 * each file, while each process writes the same lines in the same order.
 */
static char *
by_process(const char *text)
{
    pid_line  *v = NULL;
    size_t     n = 0, i;
    char      *out, *w;
    const char *r, *nl, *lvl;

    for (r = text; *r != '\0'; r = nl + 1) {
        nl = strchr(r, '\n');
        cr_assert_not_null(nl);
        v = realloc(v, (n + 1) * sizeof(pid_line));
        cr_assert_not_null(v);
        lvl = strstr(r, "] ");
        v[n].pid = lvl != NULL && lvl < nl ? strtol(lvl + 2, NULL, 10) : 0;
        v[n].at = n;
        v[n].line = r;
        v[n].len = (size_t) (nl + 1 - r);
        n++;
    }

    qsort(v, n, sizeof(pid_line), pid_line_cmp);

    out = w = malloc(strlen(text) + 1);
    cr_assert_not_null(out);
    for (i = 0; i < n; i++) {
        memcpy(w, v[i].line, v[i].len);
        w += v[i].len;
    }
    *w = '\0';
    free(v);

    return out;
}


static void
tally_places(tally *all, int dry_run)
{
    static const char  *file[4] = {
        "logs/error.log", "logs/server.log", "logs/loc.log", "logs/iff.log"
    };

    /* each chain holds back its own lines and carries their summaries */
    for (int f = 0; f < 4; f++) {
        tally  t = { 0 };

        tally_file(&t, file[f]);
        expect_limited_keys(&t, 2 * f, 2 * f + 2, PER_KEY, PASSES, dry_run,
                            2);
        expect_only_keys(&t, 2 * f, 2 * f + 2);
        tally_file(all, file[f]);
    }
}

Test(mod_errlog, filters_every_placement_and_two_files_stay_identical)
{
    conf_opts  o = {
        .servers = PLACES_SERVERS,
        .after_http = "error_log @PREFIX@/logs/error2.log info;"
    };
    tally      lim = { 0 }, ref = { 0 };
    char      *a, *b, *pa, *pb;

    start_nginx(&o);
    places_traffic();
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /*
     * One decision per line: the two files of the main chain agree, but
     * for nginx's own last "exit" lines, which go to the first file only
     * (ngx_exit_log copies one node, with or without rstguard).
     */
    a = read_rel("logs/error.log");
    b = read_rel("logs/error2.log");
    drop_exit_lines(a);
    drop_exit_lines(b);
    pa = by_process(a);
    pb = by_process(b);
    cr_assert_str_eq(pa, pb);
    cr_assert_not_null(strstr(a, "rstguard: log=error"));
    free(a);
    free(b);
    free(pa);
    free(pb);
    tally_places(&lim, 0);

    o.dry_run = 1;
    restart_fresh(&o);
    places_traffic();
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_places(&ref, 1);

    expect_honest(&lim, &ref);
}

Test(mod_errlog, counts_survive_reload_and_reopen)
{
    conf_opts  o = {
        .http_extra = "error_log @PREFIX@/logs/http.log info;",
        .probe_log = "logs/http.log"
    };
    tally      all = { 0 }, after = { 0 };
    char       from[700], to[700];

    start_nginx(&o);
    aborts(ngx.port[0], "/slow", 0, NKEYS, 2);
    cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    settle(&o, 2);
    aborts(ngx.port[0], "/slow", 0, NKEYS, 1);

    rgt_nginx_path(&ngx, "logs/http.log", from, sizeof(from));
    rgt_nginx_path(&ngx, "logs/http.log.1", to, sizeof(to));
    cr_assert_eq(rename(from, to), 0);
    cr_assert_eq(rgt_nginx_signal(&ngx, SIGUSR1), 0);
    /* the master and both workers have reopened */
    cr_assert_eq(rgt_wait_lines(rgt_nginx_path(&ngx, "logs/error.log", from,
                                               sizeof(from)),
                                "reopening logs", 3, 10000), 0);
    aborts(ngx.port[0], "/slow", 0, NKEYS, 1);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* the zone's budgets outlived the old workers: still 2 lines a key */
    tally_file(&all, "logs/http.log.1");
    tally_file(&all, "logs/http.log");
    expect_limited(&all, PER_KEY, PASSES, 0);

    /* after the reopen, lines and summaries went to the new file */
    tally_file(&after, "logs/http.log");
    cr_assert_gt(after.summaries, 0);
}

#define FORGED_URI                                                           \
    "/x%0A2026/11/21%2000:00:00%20[info]%201%231:%20forged%0D%1B[31m"
#define FORGED_LINE  "\n2026/11/21 00:00:00 [info] 1#1: forged"

/* One request for the forging URI on a fresh nginx; its error log. */
static char *
forge(conf_opts *o)
{
    restart_fresh(o);
    cr_assert_eq(rgt_http_get(ngx.port[0], client(0), FORGED_URI, NULL, 0),
                 404);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    return read_rel("logs/error.log");
}

Test(mod_errlog, a_uri_cannot_forge_a_line)
{
    conf_opts  o = { .filter_off = 1 };
    char      *text;

    /* without the filter nginx writes the decoded newline: a forged line */
    text = forge(&o);
    cr_assert_not_null(strstr(text, FORGED_LINE), "%s", text);
    free(text);

    o.filter_off = 0;
    text = forge(&o);
    cr_assert_null(strstr(text, FORGED_LINE), "%s", text);
    cr_assert_null(strchr(text, '\r'));
    cr_assert_null(strchr(text, '\x1b'));
    cr_assert_not_null(strstr(text, "/x\\n2026/11/21 00:00:00 [info] 1#1: "
                                    "forged\\r\\x1b[31m\" failed"), "%s", text);
    cr_assert_eq(rgt_count_lines(text, "forged"), 1);
    free(text);
}

Test(mod_errlog, error_log_at_error_still_works)
{
    conf_opts  o = { .main_log = "error_log @PREFIX@/logs/error.log error;",
                     .probe_log = "" };
    tally      t = { 0 };

    start_nginx(&o);
    traffic(2);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&t, "logs/error.log");

    /* aborts are info lines: never formatted, never summarised */
    expect_others(&t, 2);
    for (size_t i = 0; i < t.n; i++) {
        cr_assert_eq(t.row[i].cls, RG_CLASS_UPSTREAM_REFUSED);
    }
    cr_assert_eq(t.summaries, 0);
}

static long
summarised(const char *rel)
{
    tally  t = { 0 };
    long   sum = 0;

    tally_file(&t, rel);
    for (size_t i = 0; i < t.n; i++) {
        sum += t.row[i].suppressed;
    }

    return sum;
}

Test(mod_errlog, summaries_come_on_the_timer_and_only_when_needed)
{
    conf_opts  o = { .interval = "1s" };
    tally      before = { 0 }, after = { 0 };
    long       want = NKEYS * 2 * (PER_KEY - PASSES);
    int        i;

    start_nginx(&o);
    aborts(ngx.port[0], "/slow", 0, NKEYS, PER_KEY);

    /* nginx is still running: only the timer can have written these */
    for (i = 0; i < 100 && summarised("logs/error.log") < want; i++) {
        rgt_msleep(100);
    }
    cr_assert_eq(summarised("logs/error.log"), want);
    tally_file(&before, "logs/error.log");
    expect_limited(&before, PER_KEY, PASSES, 0);

    /* quiet windows and the exit add no summary */
    rgt_msleep(2500);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&after, "logs/error.log");
    cr_assert_eq(after.summaries, before.summaries);
}

/* A UDP socket on a free loopback port, for syslog:server=. */
static int
udp_listen(int *port)
{
    struct sockaddr_in  sin = { .sin_family = AF_INET };
    socklen_t           len = sizeof(sin);
    int                 fd;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    cr_assert_neq(fd, -1);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
    *port = ntohs(sin.sin_port);

    return fd;
}

Test(mod_errlog, syslog_gets_the_same_lines_as_the_file)
{
    char       main_log[512], dgram[4096], *text, *all;
    conf_opts  o = { 0 };
    tally      file = { 0 }, sys = { 0 };
    size_t     used = 0, cap = 1 << 20;
    ssize_t    n;
    int        fd, port;

    fd = udp_listen(&port);
    snprintf(main_log, sizeof(main_log),
             "error_log @PREFIX@/logs/error.log info;\n"
             "error_log syslog:server=127.0.0.1:%d,tag=nginx info;", port);
    o.main_log = main_log;

    start_nginx(&o);
    aborts(ngx.port[0], "/slow", 0, NKEYS, PER_KEY);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* each datagram is "<PRI>TIME HOST nginx: " and the line, without LF */
    all = malloc(cap);
    cr_assert_not_null(all);
    while ((n = recv(fd, dgram, sizeof(dgram), 0)) > 0) {
        char  *line = memmem(dgram, (size_t) n, "nginx: ", 7);

        cr_assert_not_null(line);
        line += 7;
        size_t len = (size_t) (dgram + n - line);
        cr_assert_lt(used + len + 1, cap);
        memcpy(all + used, line, len);
        used += len;
        all[used++] = '\n';
    }
    all[used] = '\0';
    close(fd);

    text = read_rel("logs/error.log");
    tally_text(&file, text);
    tally_text(&sys, all);
    expect_limited(&file, PER_KEY, PASSES, 0);
    expect_limited(&sys, PER_KEY, PASSES, 0);
    cr_assert_eq(sys.summaries, file.summaries);
    free(text);
    free(all);
}

/* Four refused upstream connections from every client ([error] lines). */
static void
refused(void)
{
    for (int k = 0; k < NKEYS; k++) {
        for (int i = 0; i < PER_KEY; i++) {
            cr_assert_eq(rgt_http_get(ngx.port[0], client(k), "/refused",
                                      NULL, 0), 502);
        }
    }
}

Test(mod_errlog, only_listed_classes_are_held_and_warn_or_above_only_by_name)
{
    conf_opts  o = { 0 };
    tally      def = { 0 }, named = { 0 };

    /* default classes: client-side only, so every [error] refusal stays */
    start_nginx(&o);
    refused();
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&def, "logs/error.log");
    for (int k = 0; k < NKEYS; k++) {
        tally_row *r = find(&def, RG_CLASS_UPSTREAM_REFUSED, client(k));

        cr_assert_not_null(r);
        cr_assert_eq(r->lines, PER_KEY);
        cr_assert_eq(r->summaries, 0);
    }

    /* named: an [error] class is held; client_reset, not named, is not */
    o.http_extra = "rstguard_classes client_closed upstream_refused;";
    restart_fresh(&o);
    refused();
    aborts(ngx.port[0], "/slow", 0, NKEYS, PER_KEY);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    tally_file(&named, "logs/error.log");

    for (int k = 0; k < NKEYS; k++) {
        tally_row *r = find(&named, RG_CLASS_UPSTREAM_REFUSED, client(k));

        cr_assert_not_null(r);
        cr_assert_eq(r->lines, PASSES);
        cr_assert_eq(r->suppressed, PER_KEY - PASSES);

        r = find(&named, RG_CLASS_CLIENT_CLOSED, client(k));
        cr_assert_not_null(r);
        cr_assert_eq(r->lines, PASSES);
        cr_assert_eq(r->suppressed, PER_KEY - PASSES);

        r = find(&named, RG_CLASS_CLIENT_RESET, client(k));
        cr_assert_not_null(r);
        cr_assert_eq(r->lines, PER_KEY);
        cr_assert_eq(r->summaries, 0);
    }
}

/*
 * A zone too small for its keys: the "is full" alert is logged from
 * inside the limiter, i.e. while rstguard's writer is deciding a line.
 * That nested line must pass untouched (no deadlock, no lost line), and
 * every key, evicted or not, keeps being decided.
 */
#define TINY_ZONE                                                            \
    "rstguard_zone zone=tiny:32k rate=1r/m burst=0 global_rate=1000r/s "     \
    "global_burst=10000;"
#define NTINY  600

/* Waits for `n` lines of clients 127.0.1-3.y that closed at once. */
static void
wait_waiting_lines(size_t n)
{
    size_t  got = 0;
    char   *text;

    for (int i = 0; i < 200 && got < n; i++) {
        if (i > 0) {
            rgt_msleep(50);
        }
        text = read_rel("logs/error.log");
        /* not the harness's probes from 127.0.0.1 */
        got = rgt_count_lines(text, "client closed connection while waiting "
                                    "for request, client: 127.0.")
              - rgt_count_lines(text, "client closed connection while "
                                      "waiting for request, client: 127.0.0.");
        free(text);
    }
    cr_assert_eq(got, n);
}

Test(mod_errlog, a_full_zone_alerts_from_inside_the_writer_and_loses_nothing)
{
    conf_opts  o = { .http_extra = "rstguard_classes client_closed;",
                     .zone = TINY_ZONE };
    char       from[32], needle[96], *text;
    int        fd;

    /* the tiny zone is the first declared one: the error log's zone */
    start_nginx(&o);

    for (int i = 0; i < NTINY; i++) {
        snprintf(from, sizeof(from), "127.0.%d.%d", 1 + i / 200, 1 + i % 200);
        fd = rgt_connect(ngx.port[0], from, 0);
        cr_assert_neq(fd, -1, "connect from %s", from);
        close(fd);

        /* in steps, so the listen queue never overflows */
        if (i % 50 == 49) {
            wait_waiting_lines((size_t) i + 1);
        }
    }

    cr_assert_eq(rgt_http_get(ngx.port[0], client(0), "/missing", NULL, 0),
                 404);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* every client's one line passed (burst=0, and each key was new) */
    text = read_rel("logs/error.log");
    for (int i = 0; i < NTINY; i++) {
        snprintf(needle, sizeof(needle), "waiting for request, client: "
                 "127.0.%d.%d, server", 1 + i / 200, 1 + i % 200);
        cr_assert_eq(rgt_count_lines(text, needle), 1, "%s", needle);
    }
    cr_assert_eq(rgt_count_lines(text, "rstguard zone \"tiny\" is full"), 1,
                 "%s", text);
    cr_assert_eq(rgt_count_lines(text, "[alert]"), 1, "%s", text);
    cr_assert_eq(rgt_count_lines(text, "rstguard: "), 0, "%s", text);
    free(text);
}

/*
 * One file of a chain on a full disk (/dev/full: every write is ENOSPC):
 * nginx's rule skips that file for the rest of the second, and the other
 * file of the chain still gets every line and summary.
 */
Test(mod_errlog, a_full_disk_on_one_file_loses_nothing_on_the_other)
{
    conf_opts  o = {
        .main_log = "error_log @PREFIX@/logs/error.log info;\n"
                    "error_log /dev/full info;"
    };
    tally      t = { 0 };

    start_nginx(&o);
    aborts(ngx.port[0], "/slow", 0, NKEYS, PER_KEY);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    tally_file(&t, "logs/error.log");
    expect_limited(&t, PER_KEY, PASSES, 0);
}

/* --- both workers at once ------------------------------------------------ */

#define NPAR     NKEYS
#define PAR_PER  6              /* aborts of each kind per client */

typedef struct {
    int            k;
    int            port;
    rgt_upstream   up;
    int            failed;      /* which step failed, 0 if none */
} par_client;

/* One client's aborts, each on its own upstream so waits stay exact. */
static void *
par_run(void *arg)
{
    par_client     *pc = arg;
    char            path[32];
    unsigned long   n;
    int             fd;

    snprintf(path, sizeof(path), "/par%d", pc->k);

    for (int r = 0; r < PAR_PER && !pc->failed; r++) {
        for (int how = RGT_FIN; how <= RGT_RST && !pc->failed; how++) {
            n = rgt_upstream_requests(&pc->up);
            fd = rgt_open_request(pc->port, client(pc->k), path, 0);
            if (fd == -1) {
                pc->failed = 1;
            } else if (rgt_upstream_wait_requests(&pc->up, n + 1, 20000)) {
                pc->failed = 2;
                close(fd);
            } else {
                n = rgt_upstream_aborted(&pc->up);
                rgt_abort(fd, (rgt_abort_how) how, 5000);
                if (rgt_upstream_wait_aborted(&pc->up, n + 1, 20000)) {
                    pc->failed = 3;
                }
            }
        }
    }

    return NULL;
}

/*
 * Clients abort in parallel, so both workers decide at the same moments:
 * whenever one finds the zone locked it lets its line through uncharged
 * and counts it as contended.  Nothing deadlocks, and the counts stay
 * exact: every extra line is one the zone counted as contended.
 */
Test(mod_errlog, parallel_aborts_stay_exact_and_count_contention)
{
    static par_client  pc[NPAR];
    char               ups[2048], locs[2048], servers[3072];
    conf_opts          o = { 0 };
    pthread_t          th[NPAR];
    tally              t = { 0 };
    long               extra = 0;
    size_t             u = 0, l = 0;

    for (int k = 0; k < NPAR; k++) {
        static const rgt_upstream_opts  slow_k = {
            .mode = RGT_UP_SLOW, .delay_ms = SLOW_MS, .io_timeout_ms = 30000
        };

        memset(&pc[k], 0, sizeof(pc[k]));
        pc[k].k = k;
        cr_assert_eq(rgt_upstream_start(&pc[k].up, &slow_k), 0);
        u += (size_t) snprintf(ups + u, sizeof(ups) - u,
                               "upstream par%d { server 127.0.0.1:%d; }\n",
                               k, pc[k].up.port);
        l += (size_t) snprintf(locs + l, sizeof(locs) - l,
                               "location /par%d { proxy_pass http://par%d; }\n",
                               k, k);
    }
    snprintf(servers, sizeof(servers),
             "server { listen 127.0.0.1:@PORT1@; %s }\n" STATUS_SERVER, locs);
    o.http_extra = ups;
    o.servers = servers;

    /* the upstreams above started after nginx's ports were picked */
    restart_fresh(&o);

    for (int k = 0; k < NPAR; k++) {
        pc[k].port = ngx.port[1];
        cr_assert_eq(pthread_create(&th[k], NULL, par_run, &pc[k]), 0);
    }
    for (int k = 0; k < NPAR; k++) {
        pthread_join(th[k], NULL);
        cr_assert_eq(pc[k].failed, 0, "client %d failed at step %d", k,
                     pc[k].failed);
    }

    long long contended = status_contended();
    cr_log_info("contended lines: %lld", contended);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    for (int k = 0; k < NPAR; k++) {
        rgt_upstream_stop(&pc[k].up);
    }

    tally_file(&t, "logs/error.log");
    for (int k = 0; k < NPAR; k++) {
        static const rg_class  cls[2] = {
            RG_CLASS_CLIENT_CLOSED, RG_CLASS_CLIENT_RESET
        };

        for (int c = 0; c < 2; c++) {
            tally_row *r = find(&t, cls[c], client(k));

            cr_assert_not_null(r);
            cr_assert_eq(r->lines + r->suppressed, PAR_PER, "%s %s",
                         rg_class_name(cls[c]), client(k));
            cr_assert_geq(r->lines, PASSES);
            extra += r->lines - PASSES;
        }
    }
    cr_assert_eq(extra, contended, "%ld extra lines, %lld contended", extra,
                 contended);
}
