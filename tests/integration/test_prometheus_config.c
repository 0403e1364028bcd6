/*
 * The shipped monitoring config against the real module:
 *
 *   - config/prometheus/rstguard.rules.yml passes `promtool check rules`,
 *     and its alerts fire on the series that should raise them and not
 *     before (`promtool test rules` on tests/data/prometheus/);
 *   - rstguard_status?format=prometheus of a real nginx, after real aborts
 *     in the access and the error log, passes `promtool check metrics`;
 *   - every series the rules and config/grafana/rstguard.json read is one
 *     the endpoint writes (read from it, never from a list here) or a rule
 *     records, and every dashboard expression is valid PromQL.
 */

#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define RULES      "config/prometheus/rstguard.rules.yml"
#define DASHBOARD  "config/grafana/rstguard.json"
#define MAX_NAMES  256

static rgt_nginx     ngx;
static rgt_upstream  slow, trunc;
static int           upstreams;

static void
setup(void)
{
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    if (upstreams) {
        rgt_mod_upstreams_stop(&slow, &trunc);
    }
}

TestSuite(prometheus_config, .init = setup, .fini = teardown, .timeout = 90);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log @PREFIX@/logs/access.log;\n"                             \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard_zone zone=other:32k rate=10r/m;\n"                         \
    "    rstguard zone=rg;\n"                                                \
    "    rstguard_error_log on;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location /slow-up/ { proxy_pass http://127.0.0.1:@PORT1@; }\n"  \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"


typedef struct {
    char    *name[MAX_NAMES];
    size_t   n;
} names;


static void
names_add(names *s, const char *p, size_t len)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strlen(s->name[i]) == len && strncmp(s->name[i], p, len) == 0) {
            return;
        }
    }
    cr_assert_lt(s->n, MAX_NAMES);
    s->name[s->n] = strndup(p, len);
    cr_assert_not_null(s->name[s->n]);
    s->n++;
}


static int
names_has(const names *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], name) == 0) {
            return 1;
        }
    }

    return 0;
}


static void
names_free(names *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->name[i]);
    }
    s->n = 0;
}


static char *
read_root(const char *rel)
{
    char   path[1024];
    char  *text;

    snprintf(path, sizeof(path), "%s/%s", getenv("RSTGUARD_ROOT"), rel);
    text = rgt_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);

    return text;
}


static void
need_promtool(void)
{
    int    status;
    char  *out = rgt_run("command -v promtool", &status);

    free(out);
    if (status != 0) {
        cr_skip_test("promtool is not installed (Debian package prometheus;"
                     " make test installs it)");
    }
}


/* the identifier at p: [A-Za-z_:][A-Za-z0-9_:]* */
static size_t
ident_len(const char *p)
{
    size_t  n = 0;

    if (!(isalpha((unsigned char) p[0]) || p[0] == '_' || p[0] == ':')) {
        return 0;
    }
    while (isalnum((unsigned char) p[n]) || p[n] == '_' || p[n] == ':') {
        n++;
    }

    return n;
}


/* past the string literal that starts at p ("...", '...' or `...`) */
static const char *
skip_string(const char *p)
{
    char  q = *p++;

    while (*p && *p != q) {
        p += (*p == '\\' && p[1]) ? 2 : 1;
    }

    return *p ? p + 1 : p;
}


/* past the bracket that closes the one at p ({ [ or (), strings skipped */
static const char *
skip_group(const char *p)
{
    char  open = *p, close = open == '{' ? '}' : open == '[' ? ']' : ')';
    int   depth = 0;

    while (*p) {
        if (*p == '"' || *p == '\'' || *p == '`') {
            p = skip_string(p);
            continue;
        }
        if (*p == open) {
            depth++;
        } else if (*p == close && --depth == 0) {
            return p + 1;
        }
        p++;
    }

    return p;
}


static int
word_in(const char *p, size_t n, const char *const *list)
{
    for ( ; *list; list++) {
        if (strlen(*list) == n && strncasecmp(p, *list, n) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The series names a PromQL expression (or Grafana's label_values(...))
 * reads: identifiers that are not functions (followed by "("), not
 * aggregators, keywords or label lists (by/without/on/ignoring/group_*),
 * not inside {matchers}, [ranges] or strings, not Grafana's $variables.
 */
static void
series_of(const char *expr, names *out)
{
    static const char *const  aggregators[] = {
        "sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk",
        "bottomk", "quantile", "count_values", "group", NULL };
    static const char *const  label_lists[] = {
        "by", "without", "on", "ignoring", "group_left", "group_right", NULL };
    static const char *const  keywords[] = {
        "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
        NULL };
    const char  *p = expr, *q;
    size_t       n;

    while (*p) {
        if (*p == '{' || *p == '[') {
            p = skip_group(p);
            continue;
        }

        if (*p == '"' || *p == '\'' || *p == '`') {
            p = skip_string(p);
            continue;
        }

        if (*p == '$') {
            p++;
            p += *p == '{' ? (size_t) (skip_group(p) - p) : ident_len(p);
            continue;
        }

        if (isdigit((unsigned char) *p) || *p == '.') {
            while (isalnum((unsigned char) *p) || *p == '.') {
                p++;
            }
            continue;
        }

        n = ident_len(p);
        if (n == 0) {
            p++;
            continue;
        }

        for (q = p + n; *q == ' ' || *q == '\n' || *q == '\t'; q++) { }

        if (word_in(p, n, label_lists)) {
            p = *q == '(' ? skip_group(q) : q;

        } else if (n == 12 && strncmp(p, "label_values", n) == 0) {
            /* label_values(SERIES, LABEL): only SERIES is a series */
            const char  *end = *q == '(' ? skip_group(q) : q;

            for (q++; *q == ' '; q++) { }
            if (ident_len(q) > 0) {
                names_add(out, q, ident_len(q));
            }
            p = end;

        } else if (*q == '(' || word_in(p, n, aggregators)
                   || word_in(p, n, keywords))
        {
            p += n;

        } else {
            names_add(out, p, n);
            p += n;
        }
    }
}


/* every "expr:" of the rules file (one line, or a "|" block below it) */
static size_t
rule_exprs(const char *text, names *exprs)
{
    const char  *line, *next, *v;
    size_t       indent, n = 0;

    for (line = text; *line; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        indent = strspn(line, " ");
        if (strncmp(line + indent, "expr:", 5) != 0) {
            continue;
        }

        v = line + indent + 5;
        v += strspn(v, " ");
        if (*v != '|') {
            names_add(exprs, v, strcspn(v, "\n"));
            n++;
            continue;
        }

        /* the block: every following line indented deeper */
        const char  *start = next, *end = next;
        while (*end && (strspn(end, " ") > indent || *end == '\n')) {
            const char  *nl = strchr(end, '\n');
            end = nl ? nl + 1 : end + strlen(end);
        }
        names_add(exprs, start, (size_t) (end - start));
        n++;
        next = end;
    }

    return n;
}


/* the names after "- record:" */
static void
rule_records(const char *text, names *records)
{
    const char  *p;

    for (p = text; (p = strstr(p, "- record:")) != NULL; ) {
        p += 9;
        p += strspn(p, " ");
        names_add(records, p, strcspn(p, " \n"));
    }
}


/* the dashboard's PromQL: every target's expr, every query variable */
static void
dashboard_exprs(json_t *v, names *exprs, names *templates)
{
    const char  *key;
    json_t      *item, *type, *query;
    size_t       i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            dashboard_exprs(item, exprs, templates);
        }
        return;
    }

    if (!json_is_object(v)) {
        return;
    }

    type = json_object_get(v, "type");
    query = json_object_get(v, "query");
    if (json_is_string(type) && strcmp(json_string_value(type), "query") == 0
        && query != NULL)
    {
        if (json_is_object(query)) {
            query = json_object_get(query, "query");
        }
        cr_assert(json_is_string(query));
        names_add(templates, json_string_value(query),
                  strlen(json_string_value(query)));
        return;
    }

    json_object_foreach(v, key, item) {
        if (strcmp(key, "expr") == 0) {
            cr_assert(json_is_string(item));
            names_add(exprs, json_string_value(item),
                      strlen(json_string_value(item)));
        } else {
            dashboard_exprs(item, exprs, templates);
        }
    }
}


/*
 * The endpoint's text after real aborts: three resets from one client
 * while nginx waits for a slow upstream (access log: two passed, one
 * held; error log: their info lines through the filter).
 */
static char *
endpoint_text(void)
{
    char  *text;

    cr_assert_eq(rgt_mod_upstreams_start(&ngx, &slow, &trunc), 0);
    upstreams = 1;
    cr_assert_eq(rgt_nginx_write_conf(&ngx, CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2", "/slow-up/x",
                                       RGT_RST, 150), 0);
    }
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/access.log", "127.0.0.2", 3),
                 0);

    text = rgt_mod_prometheus(&ngx);
    cr_assert_not_null(text);
    cr_assert_not_null(strstr(text, "rstguard_lines_total{zone=\"rg\","
                                    "log=\"access\",class=\"client_reset\","
                                    "outcome=\"suppressed\"} 1\n"), "%s", text);

    return text;
}


Test(prometheus_config, rules_pass_promtool_check_and_unit_tests)
{
    char    cmd[1024], want[64], *text, *out;
    int     status;
    size_t  nrules;
    names   exprs = { .n = 0 };

    need_promtool();

    /* as many rules as the file has records and alerts */
    text = read_root(RULES);
    nrules = rgt_count_lines(text, "- record:") + rgt_count_lines(text,
                                                                  "- alert:");
    cr_assert_geq(rgt_count_lines(text, "- alert:"), 4);
    cr_assert_eq(rule_exprs(text, &exprs), nrules);
    names_free(&exprs);
    free(text);

    snprintf(cmd, sizeof(cmd), "cd '%s' && promtool check rules " RULES
             " 2>&1", getenv("RSTGUARD_ROOT"));
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "%s", out);
    snprintf(want, sizeof(want), "SUCCESS: %zu rules found\n", nrules);
    cr_assert_not_null(strstr(out, want), "want %s in\n%s", want, out);
    free(out);

    snprintf(cmd, sizeof(cmd), "cd '%s' && promtool test rules"
             " tests/data/prometheus/rstguard.rules.test.yml 2>&1",
             getenv("RSTGUARD_ROOT"));
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_not_null(strstr(out, "SUCCESS"), "%s", out);
    free(out);
}


Test(prometheus_config, endpoint_passes_promtool_check_metrics)
{
    char   cmd[1024], path[600], *text, *out;
    int    status;

    need_promtool();
    text = endpoint_text();

    rgt_nginx_path(&ngx, "metrics.txt", path, sizeof(path));
    cr_assert_eq(rgt_nginx_write_file(&ngx, "metrics.txt", text, strlen(text)),
                 0);
    /* promtool lints too (HELP, TYPE, _total on counters): no output */
    snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s' 2>&1", path);
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "%s\n%s", out, text);
    cr_assert_str_eq(out, "", "%s", text);
    free(out);
    free(text);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


Test(prometheus_config, rules_and_dashboard_read_only_defined_series)
{
    char        cmd[1024], path[600], *text, *rules, *line, *dash;
    const char  *p;
    int         status;
    size_t      i, j, used = 0;
    names       defined = { .n = 0 }, exprs = { .n = 0 }, tmpl = { .n = 0 };
    names       series = { .n = 0 }, records = { .n = 0 };
    names       rule_series = { .n = 0 };
    json_t     *doc;
    json_error_t  jerr;
    FILE       *f;

    need_promtool();

    /* what the endpoint writes: the name of every sample */
    text = endpoint_text();
    for (p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "") {
        if (*p != '#' && *p != '\n') {
            names_add(&defined, p, strcspn(p, "{ \n"));
        }
    }
    cr_assert_geq(defined.n, 5, "%s", text);

    rules = read_root(RULES);
    rule_records(rules, &records);
    cr_assert_gt(records.n, 0);
    for (i = 0; i < records.n; i++) {
        cr_assert(!names_has(&defined, records.name[i]),
                  "the record %s shadows a series", records.name[i]);
        names_add(&defined, records.name[i], strlen(records.name[i]));
    }

    /* the rules read only those */
    rule_exprs(rules, &exprs);
    for (i = 0; i < exprs.n; i++) {
        series_of(exprs.name[i], &rule_series);
    }
    cr_assert_gt(rule_series.n, 0);
    for (i = 0; i < rule_series.n; i++) {
        cr_assert(names_has(&defined, rule_series.name[i]), "the rules read"
                  " %s, which neither the endpoint writes nor a rule"
                  " records:\n%s", rule_series.name[i], text);
    }
    names_free(&exprs);

    /* and so does the dashboard */
    dash = read_root(DASHBOARD);
    doc = json_loads(dash, 0, &jerr);
    cr_assert_not_null(doc, DASHBOARD ":%d:%d: %s", jerr.line, jerr.column,
                       jerr.text);
    dashboard_exprs(doc, &exprs, &tmpl);
    json_decref(doc);
    cr_assert_gt(exprs.n, 0);
    cr_assert_gt(tmpl.n, 0);
    for (i = 0; i < exprs.n; i++) {
        series_of(exprs.name[i], &series);
    }
    for (i = 0; i < tmpl.n; i++) {
        series_of(tmpl.name[i], &series);
    }
    for (i = 0; i < series.n; i++) {
        cr_assert(names_has(&defined, series.name[i]), "the dashboard reads"
                  " %s, which neither the endpoint writes nor a rule"
                  " records", series.name[i]);
    }

    /* every recorded series is shown, or read by another rule */
    for (i = 0; i < records.n; i++) {
        cr_assert(names_has(&series, records.name[i])
                  || names_has(&rule_series, records.name[i]),
                  "%s is recorded but read by nothing", records.name[i]);
        used += names_has(&series, records.name[i]);
    }
    cr_assert_gt(used, 0);

    /*
     * The dashboard's PromQL parses: each expression, Grafana's variables
     * given values, as a recording rule of a file promtool checks.
     */
    rgt_nginx_path(&ngx, "dashboard.rules.yml", path, sizeof(path));
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "groups:\n  - name: dashboard\n    rules:\n");
    for (i = 0; i < exprs.n; i++) {
        fprintf(f, "      - record: dashboard:expr%zu\n        expr: |\n"
                "          ", i);
        for (p = exprs.name[i]; *p; p++) {
            if (strncmp(p, "$__rate_interval", 16) == 0) {
                fputs("5m", f);
                p += 15;
            } else if (*p == '$') {
                fputs(".*", f);
                for (j = 1; isalnum((unsigned char) p[j]) || p[j] == '_'; j++)
                { }
                p += j - 1;
            } else {
                fputc(*p, f);
                if (*p == '\n') {
                    fputs("          ", f);
                }
            }
        }
        fputc('\n', f);
    }
    cr_assert_eq(fclose(f), 0);
    snprintf(cmd, sizeof(cmd), "promtool check rules '%s' 2>&1", path);
    line = rgt_run(cmd, &status);
    cr_assert_not_null(line);
    cr_assert_eq(status, 0, "%s", line);
    free(line);

    names_free(&series);
    names_free(&exprs);
    names_free(&tmpl);
    names_free(&records);
    names_free(&rule_series);
    names_free(&defined);
    free(dash);
    free(rules);
    free(text);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}
