/*
 * The matcher's memo for short subjects (rg_rules_match.c): the answer it
 * remembers is the answer the rules give, whatever the order of records
 * and whichever `where` field differs, and an answer that hit a PCRE2
 * limit is never remembered (each such record counts its own hit).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"


static rg_fields
access(const char *status, const char *completion)
{
    rg_fields  f;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = status;
    f.f[RG_FIELD_MESSAGE].len = strlen(status);
    if (completion != NULL) {
        f.f[RG_FIELD_COMPLETION].p = completion;
        f.f[RG_FIELD_COMPLETION].len = strlen(completion);
    }

    return f;
}


static const char *
id(const rg_rule *r)
{
    return r ? rg_rule_id(r) : "none";
}


TestSuite(rules_memo, .init = trh_shipped_setup, .fini = trh_teardown);


/* The same statuses again and again, with and without a completion: a
   fresh matcher for every record gives the same answers. */
Test(rules_memo, remembered_answers_are_the_rules_answers)
{
    static const struct {
        const char  *status, *completion;
    } rec[] = {
        { "200", NULL }, { "499", NULL }, { "200", "" }, { "200", "OK" },
        { "408", NULL }, { "204", "" }, { "499", "" }, { "200", NULL },
        { "2000", "" }, { "", NULL }, { "404", "" },
    };
    rg_fields       f;
    rg_matcher     *fresh;
    const rg_rule  *a, *b;
    size_t          i;
    int             round;

    for (round = 0; round < 3; round++) {
        for (i = 0; i < sizeof(rec) / sizeof(rec[0]); i++) {
            f = access(rec[i].status, rec[i].completion);
            a = rg_match(trh_m, RG_FORMAT_NGINX_ACCESS, &f);
            fresh = rg_matcher_create(trh_rs);
            b = rg_match(fresh, RG_FORMAT_NGINX_ACCESS, &f);
            rg_matcher_destroy(fresh);
            cr_expect_str_eq(id(a), id(b), "round %d: %s/%s", round,
                             rec[i].status,
                             rec[i].completion ? rec[i].completion : "(none)");
        }
    }

    /* the exact answers, remembered or not */
    f = access("200", "");
    cr_expect_str_eq(trh_class(rg_match(trh_m, RG_FORMAT_NGINX_ACCESS, &f)),
                     "client_closed");
    f = access("200", NULL);
    cr_expect_str_eq(trh_class(rg_match(trh_m, RG_FORMAT_NGINX_ACCESS, &f)),
                     "none");
    f = access("499", NULL);
    cr_expect_str_eq(trh_class(rg_match(trh_m, RG_FORMAT_NGINX_ACCESS, &f)),
                     "client_closed");
}


/* A short subject that exhausts the match limit: ten records, ten hits. */
Test(rules_memo, a_limit_hit_is_never_remembered)
{
    static const char  yaml[] =
        "- id: hostile.rule\n"
        "  format: generic\n"
        "  class: client_reset\n"
        "  match: '^(a+)+$'\n";
    char             subject[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
    rg_error         err = { "" };
    rg_ruleset      *rs = rg_ruleset_create();
    rg_matcher      *m;
    rg_fields        f;
    int              i;

    cr_assert_eq(rg_ruleset_add_buffer(rs, "h.yaml", yaml, sizeof(yaml) - 1,
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    m = rg_matcher_create(rs);
    cr_assert_not_null(m);

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = subject;
    f.f[RG_FIELD_MESSAGE].len = strlen(subject);

    for (i = 0; i < 10; i++) {
        cr_expect_null(rg_match(m, RG_FORMAT_GENERIC, &f));
    }
    cr_expect_eq(rg_matcher_limit_hits(m), 10);
    cr_expect_eq(rg_matcher_rule_limit_hits(m, 0), 10);

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}
