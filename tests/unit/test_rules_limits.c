/*
 * PCRE2 limits: a pattern that explodes on a crafted line stops quickly,
 * counts one limit hit, is no match for that rule only, and never fails
 * the run; with JIT and with the interpreter.  Subjects are capped at
 * RG_SUBJECT_CAP.
 */

#include <criterion/criterion.h>
#include <string.h>
#include <malloc.h>
#include <time.h>

#include "test_rules_helpers.h"

static char  line[RG_SUBJECT_CAP + 64];


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static const char *
match_id(rg_matcher *m, const char *s, size_t len)
{
    rg_fields       f;
    const rg_rule  *r;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE] = (rg_str) { s, len };
    r = rg_match(m, RG_FORMAT_GENERIC, &f);

    return r ? rg_rule_id(r) : "none";
}


static void
catastrophic(int jit)
{
    static const char  rules[] =
        "- {id: evil, format: generic, class: client_reset,"
        " match: '^(a+)+$'}\n"
        "- {id: tail, format: generic, class: broken_pipe, match: 'b$'}\n";
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;
    rg_error     err = { "" };
    double       t;
    size_t       n = RG_SUBJECT_CAP - 1;

    rg_ruleset_set_jit(rs, jit);
    cr_assert_eq(rg_ruleset_add_buffer(rs, "evil.yaml", rules, strlen(rules),
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    if (jit) {
        cr_assert_gt(rg_ruleset_jit_count(rs), 0);
    } else {
        cr_assert_eq(rg_ruleset_jit_count(rs), 0);
    }
    m = rg_matcher_create(rs);
    cr_assert_not_null(m);

    /* 4095 'a' then 'b': (a+)+ tries every split of the a's */
    memset(line, 'a', n);
    line[n] = 'b';

    t = now();
    cr_expect_str_eq(match_id(m, line, n + 1), "tail");
    cr_expect_eq(rg_matcher_limit_hits(m), 1);
    cr_expect_str_eq(match_id(m, line, n + 1), "tail");
    cr_expect_eq(rg_matcher_limit_hits(m), 2);
    /* generous: each hit takes milliseconds, a hang would take years */
    cr_expect_lt(now() - t, 5.0, "took %.3f s", now() - t);

    /* the same rule still matches what it should, without a hit */
    cr_expect_str_eq(match_id(m, "aaaa", 4), "evil");
    cr_expect_str_eq(match_id(m, "x", 1), "none");
    cr_expect_eq(rg_matcher_limit_hits(m), 2);

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


Test(rules_limits, catastrophic_pattern_with_jit)
{
    catastrophic(1);
}


Test(rules_limits, catastrophic_pattern_interpreted)
{
    catastrophic(0);
}


/* Matchers count their own hits: one per thread. */
Test(rules_limits, hits_are_per_matcher)
{
    static const char  rules[] =
        "- {id: evil, format: generic, class: client_reset,"
        " match: '^(x+x+)+$'}\n";
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *a, *b;
    rg_error     err = { "" };

    cr_assert_eq(rg_ruleset_add_buffer(rs, "e.yaml", rules, strlen(rules),
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    a = rg_matcher_create(rs);
    b = rg_matcher_create(rs);

    memset(line, 'x', 3000);
    line[3000] = 'z';
    cr_expect_str_eq(match_id(a, line, 3001), "none");
    cr_expect_eq(rg_matcher_limit_hits(a), 1);
    cr_expect_eq(rg_matcher_limit_hits(b), 0);
    cr_expect_str_eq(match_id(b, "xxx", 3), "evil");

    rg_matcher_destroy(a);
    rg_matcher_destroy(b);
    rg_ruleset_destroy(rs);
}


/*
 * A rule switched off in a matcher runs no more (no hit, no match, also
 * through its format's prefilter, which the other rules then do without),
 * the other rules still answer, memoised answers do not bring it back,
 * and switched on again it matches and hits as before.
 */
Test(rules_limits, a_rule_switched_off_runs_no_more)
{
    static const char  rules[] =
        "- {id: first, format: generic, class: client_closed,"
        " match: '^closed'}\n"
        "- {id: evil, format: generic, class: client_reset,"
        " match: '^(a+)+$'}\n"
        "- {id: tail, format: generic, class: broken_pipe, match: 'b$'}\n";
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;
    rg_error     err = { "" };
    size_t       n = RG_SUBJECT_CAP - 1, evil = 1;

    cr_assert_eq(rg_ruleset_add_buffer(rs, "evil.yaml", rules, strlen(rules),
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    cr_assert_str_eq(rg_rule_id(rg_ruleset_rule(rs, evil)), "evil");
    m = rg_matcher_create(rs);
    cr_assert_not_null(m);
    memset(line, 'a', n);
    line[n] = 'b';

    cr_assert_str_eq(match_id(m, "aaaa", 4), "evil");   /* memoised */
    cr_assert_str_eq(match_id(m, line, n + 1), "tail");
    cr_assert_eq(rg_matcher_rule_limit_hits(m, evil), 1);

    cr_assert_eq(rg_matcher_rule_off(m, evil, 1), 0);
    cr_assert(rg_matcher_rule_is_off(m, evil));
    cr_assert_str_eq(match_id(m, line, n + 1), "tail");
    cr_assert_str_eq(match_id(m, "aaaa", 4), "none");
    cr_assert_str_eq(match_id(m, "closed now", 10), "first");
    cr_assert_eq(rg_matcher_limit_hits(m), 1);

    cr_assert_eq(rg_matcher_rule_off(m, evil, 0), 0);
    cr_assert(!rg_matcher_rule_is_off(m, evil));
    cr_assert_str_eq(match_id(m, "aaaa", 4), "evil");
    cr_assert_str_eq(match_id(m, line, n + 1), "tail");
    cr_assert_eq(rg_matcher_rule_limit_hits(m, evil), 2);

    cr_assert_eq(rg_matcher_rule_off(m, 3, 1), -1);

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


Test(rules_limits, subjects_are_capped)
{
    static const char  rules[] =
        "- {id: end, format: generic, class: client_reset, match: 'X$'}\n";
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;
    rg_error     err = { "" };

    cr_assert_eq(rg_ruleset_add_buffer(rs, "c.yaml", rules, strlen(rules),
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    m = rg_matcher_create(rs);

    memset(line, 'a', sizeof(line));
    line[RG_SUBJECT_CAP - 1] = 'X';
    cr_expect_str_eq(match_id(m, line, RG_SUBJECT_CAP), "end");
    line[RG_SUBJECT_CAP - 1] = 'a';
    line[RG_SUBJECT_CAP] = 'X';
    /* the X is byte 4097: past the cap, so "X$" is not seen */
    cr_expect_str_eq(match_id(m, line, RG_SUBJECT_CAP + 1), "none");
    cr_expect_eq(rg_matcher_limit_hits(m), 0);

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


/* Matching allocates nothing: the heap is the same size after a thousand
   rounds of lines through the shipped rules (JIT and interpreter). */
static void
no_allocation(int jit)
{
    static const char *const  lines[] = {
        "2026/11/21 10:00:04 [info] 7#7: *9 writev() failed (104: Connection "
        "reset by peer) while sending to client, client: 192.0.2.1, server: s",
        "2026/11/21 10:00:04 [error] 7#7: *9 open() \"/x\" failed (2: No such "
        "file or directory), client: 192.0.2.1, server: s",
        "2026/11/21 10:00:04 [info] 7#7: *9 client 192.0.2.1 closed keepalive "
        "connection",
    };
    rg_ruleset      *rs = rg_ruleset_create();
    rg_matcher      *m;
    rg_error         err = { "" };
    rg_nginx_error   e;
    struct mallinfo2 before, after;
    size_t           hits = 0;

    rg_ruleset_set_jit(rs, jit);
    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    m = rg_matcher_create(rs);
    cr_assert_not_null(m);

    before = mallinfo2();
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < 3; i++) {
            cr_assert_eq(rg_nginx_error_parse(lines[i], strlen(lines[i]), &e),
                         0);
            hits += rg_match(m, RG_FORMAT_NGINX_ERROR, &e.fields) != NULL;
        }
    }
    after = mallinfo2();

    cr_expect_eq(hits, 1000);
    cr_expect_eq(after.uordblks, before.uordblks);
    cr_expect_eq(after.hblkhd, before.hblkhd);
    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


Test(rules_limits, matching_allocates_nothing_with_jit)
{
    no_allocation(1);
}


Test(rules_limits, matching_allocates_nothing_interpreted)
{
    no_allocation(0);
}
