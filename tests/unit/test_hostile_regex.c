/*
 * Hostile regexes on crafted lines: a rule that really exhausts each of
 * PCRE2's limits, with JIT and interpreted, is stopped within the stated
 * bound, counted as a limit hit against that rule, and is no match for
 * that rule only.  Then end to end: rstscan over a log of such lines
 * finishes in bounded time, still counts the real aborts beside them, and
 * names the rule in --json ("limit_rules") and in the text report.
 *
 * The bound (README "Hostile rules and lines"): one regex run is at most
 * RG_MATCH_LIMIT (1,000,000) backtracking steps, RG_DEPTH_LIMIT frames,
 * RG_HEAP_LIMIT_KIB of heap or RG_JIT_STACK_MAX of JIT stack, on at most
 * RG_SUBJECT_CAP (4096) bytes of a field whatever the line's length; a
 * line runs at most the prefilter plus each rule's regexes.  Measured on
 * this machine: 1.5-4 ms with JIT, 13 ms interpreted, per exhausted run.
 * The tests allow 250 ms of CPU per line, far above that and far below a
 * hang.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rg_rules.h"
#include "rgt_nginx.h"
#include "rgt_tmp.h"

#define HOSTILE_LINE_BOUND_S  0.25

/*
 * CPU seconds, not wall time: the bound is on the work a line costs, and
 * a busy machine (CI, a parallel build) must not stretch it.  A runaway
 * regex burns CPU and is still caught.
 */
static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* CPU seconds of the children waited for (rstscan run through rgt_run). */
static double
children_now(void)
{
    struct rusage  ru;

    getrusage(RUSAGE_CHILDREN, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
           + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* 60 nested captures: deep frames for the interpreter's heap and JIT's stack */
#define NESTED60                                                             \
    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a"         \
    "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))"

typedef struct {
    const char  *name;
    const char  *pattern;
    int          jit;
    char         last;          /* the subject: 'a' x (len - 1) + last */
} hostile;

/* What each of PCRE2's limits takes to be reached (PCRE2 10.42, Debian). */
static const hostile  cases[] = {
    /* exponential backtracking: every split of the a's */
    { "match limit, JIT", "^(a+)+$", 1, 'b' },
    { "match limit, interpreted", "^(a+)+$", 0, 'b' },
    { "match limit (alternation), JIT", "^(?:a|aa)+$", 1, 'b' },
    { "match limit (alternation), interpreted", "^(?:a|aa)+$", 0, 'b' },
    /* a frame per repetition of a group that captures */
    { "depth limit, interpreted", "^((a)|b)*$", 0, 'a' },
    /* the same, with frames 60 captures wide */
    { "heap limit, interpreted", "^" NESTED60 "*$", 0, 'a' },
    { "JIT stack limit", "^" NESTED60 "*$", 1, 'a' },
};

static char  subject[1 << 20];

/*
 * Loads the hostile rule (first) and a plain one that matches the same
 * line (second), for the generic format.
 */
static rg_ruleset *
load(const char *pattern, int jit)
{
    char         yaml[2048];
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    snprintf(yaml, sizeof(yaml),
             "- id: hostile.rule\n"
             "  format: generic\n"
             "  class: client_reset\n"
             "  priority: 10\n"
             "  match: '%s'\n"
             "- id: plain.rule\n"
             "  format: generic\n"
             "  class: broken_pipe\n"
             "  match: '^aaa'\n", pattern);

    cr_assert_not_null(rs);
    rg_ruleset_set_jit(rs, jit);
    cr_assert_eq(rg_ruleset_add_buffer(rs, "hostile.yaml", yaml, strlen(yaml),
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rg_rule_id(rg_ruleset_rule(rs, 0)), "hostile.rule");

    return rs;
}

static const rg_rule *
match(rg_matcher *m, size_t len)
{
    rg_fields  f;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = subject;
    f.f[RG_FIELD_MESSAGE].len = len;
    f.f[RG_FIELD_LINE] = f.f[RG_FIELD_MESSAGE];

    return rg_match(m, RG_FORMAT_GENERIC, &f);
}

Test(hostile_regex, each_pcre2_limit_is_a_bounded_limit_hit_of_its_rule)
{
    size_t  i, len = RG_SUBJECT_CAP;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const hostile   *h = &cases[i];
        rg_ruleset      *rs = load(h->pattern, h->jit);
        rg_matcher      *m = rg_matcher_create(rs);
        const rg_rule   *r;
        double           t;

        cr_assert_not_null(m);
        cr_assert_eq(rg_ruleset_jit_count(rs) > 0, h->jit, "%s", h->name);

        memset(subject, 'a', len - 1);
        subject[len - 1] = h->last;

        t = now();
        r = match(m, len);
        t = now() - t;

        /* the hostile rule hit its limit: no match for it, one hit for it;
           the plain rule behind it still answers */
        cr_expect_not_null(r, "%s", h->name);
        if (r != NULL) {
            cr_expect_str_eq(rg_rule_id(r), "plain.rule", "%s", h->name);
        }
        cr_expect_eq(rg_matcher_limit_hits(m), 1, "%s: %llu hits", h->name,
                     (unsigned long long) rg_matcher_limit_hits(m));
        cr_expect_eq(rg_matcher_rule_limit_hits(m, 0), 1, "%s", h->name);
        cr_expect_eq(rg_matcher_rule_limit_hits(m, 1), 0, "%s", h->name);
        cr_expect_lt(t, HOSTILE_LINE_BOUND_S, "%s took %.3f s", h->name, t);

        rg_matcher_destroy(m);
        rg_ruleset_destroy(rs);
    }
}

/*
 * A 1 MiB line costs what its first RG_SUBJECT_CAP bytes cost: the subject
 * is capped, so the exhausted run is no longer.  What lies beyond the cap
 * is never seen: uncapped, the 'c' just past it would let the rule match
 * at once; capped, the 4096 a's exhaust it.
 */
Test(hostile_regex, a_megabyte_line_is_matched_on_its_first_4k_only)
{
    rg_ruleset     *rs = load("^(a+)+[bc]", 1);
    rg_matcher     *m = rg_matcher_create(rs);
    const rg_rule  *r;
    double          t;
    size_t          len = sizeof(subject);

    memset(subject, 'a', len);
    subject[RG_SUBJECT_CAP] = 'c';     /* just past the cap */
    subject[len - 1] = 'b';

    t = now();
    for (int i = 0; i < 10; i++) {
        r = match(m, len);
        cr_assert_not_null(r);
        cr_assert_str_eq(rg_rule_id(r), "plain.rule");
    }
    t = now() - t;

    cr_expect_eq(rg_matcher_limit_hits(m), 10);
    cr_expect_eq(rg_matcher_rule_limit_hits(m, 0), 10);
    cr_expect_lt(t, 10 * HOSTILE_LINE_BOUND_S, "took %.3f s", t);

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


/* --- end to end: rstscan over a log full of crafted lines ---------------- */

#define HOSTILE_LINES  40
#define ABORT_LINES    5

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "hostile"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

/*
 * An nginx error log: HOSTILE_LINES 404s for a URI of 1900 a's (what a
 * client gets nginx to write with one request) between ABORT_LINES real
 * resets, and a rule whose nested `(a+)+` before `"\)` backtracks
 * exponentially on those messages (the `)` it requires is on the line, so
 * PCRE2's required-character check does not save it).
 */
static void
write_inputs(char *log, char *rules, size_t size)
{
    FILE  *f;
    char   as[1901];
    int    i;

    memset(as, 'a', sizeof(as) - 1);
    as[sizeof(as) - 1] = '\0';

    snprintf(log, size, "%s/error.log", dir);
    f = fopen(log, "w");
    cr_assert_not_null(f);
    for (i = 0; i < HOSTILE_LINES; i++) {
        fprintf(f, "2026/11/21 10:00:%02d [error] 7#7: *%d open() "
                "\"/usr/share/nginx/html/%s\" failed (2: No such file or "
                "directory), client: 192.0.2.%d, server: _, request: "
                "\"GET /%s HTTP/1.1\", host: \"x\"\n", i % 60, i + 1, as,
                i % 7 + 1, as);
        if (i % (HOSTILE_LINES / ABORT_LINES) == 0) {
            fprintf(f, "2026/11/21 10:00:%02d [info] 7#7: *%d writev() "
                    "failed (104: Connection reset by peer) while sending "
                    "to client, client: 198.51.100.9, server: _, request: "
                    "\"GET /big HTTP/1.1\", host: \"x\"\n", i % 60, i + 100);
        }
    }
    cr_assert_eq(fclose(f), 0);

    snprintf(rules, size, "%s/hostile.yaml", dir);
    f = fopen(rules, "w");
    cr_assert_not_null(f);
    fputs("- id: hostile.backtrack\n"
          "  format: nginx-error\n"
          "  class: client_closed\n"
          "  match: '^open\\(\\) \"[^\"]*/(a+)+\"\\)'\n", f);
    cr_assert_eq(fclose(f), 0);
}

/* Runs rstscan with args; its exit status, stdout in out. */
static int
rstscan(const char *args, char *out, size_t size, double *took)
{
    char    cmd[4096], *text;
    int     st;
    double  t;

    snprintf(cmd, sizeof(cmd), "'%s' %s", getenv("RSTGUARD_RSTSCAN"), args);
    t = children_now();
    text = rgt_run(cmd, &st);
    *took = children_now() - t;
    cr_assert_not_null(text);
    snprintf(out, size, "%s", text);
    free(text);

    cr_assert_neq(st, -1, "%s", cmd);
    return st;
}

/* limit_hits and limit_rules say: HOSTILE_LINES hits, all hostile.backtrack */
static void
expect_named(json_t *j, const char *out)
{
    json_t  *lr = json_object_get(j, "limit_rules");

    cr_expect_eq(json_integer_value(json_object_get(j, "limit_hits")),
                 HOSTILE_LINES, "%s", out);
    cr_assert_eq(json_array_size(lr), 1, "%s", out);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(lr, 0),
                                                       "id")),
                     "hostile.backtrack");
    cr_expect_eq(json_integer_value(json_object_get(json_array_get(lr, 0),
                                                    "hits")),
                 HOSTILE_LINES);
}

TestSuite(hostile_scan, .init = setup, .fini = teardown, .timeout = 120);

Test(hostile_scan, rstscan_bounds_counts_and_names_the_rule)
{
    static char   out[1 << 16];
    char          log[256], rules[256], args[1024];
    double        took;
    json_t       *j, *cls;
    json_error_t  je;

    write_inputs(log, rules, sizeof(log));

    snprintf(args, sizeof(args), "--json --format nginx-error --rules %s %s",
             rules, log);
    cr_assert_eq(rstscan(args, out, sizeof(out), &took), 0, "%s", out);
    cr_expect_lt(took, 1.0 + HOSTILE_LINES * HOSTILE_LINE_BOUND_S,
                 "rstscan took %.3f s", took);

    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, out);

    /* one hit per crafted line, all of them the hostile rule's */
    expect_named(j, out);

    /* the real aborts beside them are still counted; the 404s are none */
    cls = json_object_get(j, "classes");
    cr_expect_eq(json_integer_value(json_object_get(
        json_object_get(cls, "client_reset"), "count")), ABORT_LINES, "%s",
        out);
    cr_expect_null(json_object_get(cls, "client_closed"), "%s", out);
    cr_expect_eq(json_integer_value(json_object_get(j, "lines")),
                 HOSTILE_LINES + ABORT_LINES);
    json_decref(j);

    /* a shard's partial document carries it through `rstscan merge` */
    snprintf(args, sizeof(args), "--partial --format nginx-error --rules %s"
             " %s > %s/part.json && '%s' merge --json %s/part.json", rules,
             log, dir, getenv("RSTGUARD_RSTSCAN"), dir);
    cr_assert_eq(rstscan(args, out, sizeof(out), &took), 0, "%s", out);
    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, out);
    expect_named(j, out);
    json_decref(j);

    /* the text report names it too */
    snprintf(args, sizeof(args), "--format nginx-error --rules %s %s", rules,
             log);
    cr_assert_eq(rstscan(args, out, sizeof(out), &took), 0, "%s", out);
    cr_expect_not_null(strstr(out, "limit hits: 40\n"), "%s", out);
    cr_expect_not_null(strstr(out, "  rule hostile.backtrack hit PCRE2's"
                              " limits on 40 lines\n"), "%s", out);
}
