/*
 * One ruleset, one matcher per thread: two threads classify the nginx
 * sample log at the same time and each gets exactly what one thread alone
 * gets (the module and rstscan's two scanning threads depend on it).
 */

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"

#define ROUNDS  50

typedef struct {
    const rg_ruleset  *rs;
    char             **lines;
    size_t             n;
    size_t             cls[RG_CLASS_COUNT];
    uint64_t           hits;
} job;

static char   text[1 << 16];
static char  *lines[1024];


static size_t
load_lines(void)
{
    FILE    *f = fopen(trh_data("samples/nginx-error.log"), "r");
    size_t   len, n = 0;
    char    *p, *nl;

    cr_assert_not_null(f);
    len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';

    for (p = text; *p != '\0' && n < 1024; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl);
        *nl = '\0';
        lines[n++] = p;
    }

    return n;
}


static void *
classify(void *arg)
{
    job             *j = arg;
    rg_matcher      *m = rg_matcher_create(j->rs);
    rg_nginx_error   e;
    const rg_rule   *r;

    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < j->n; i++) {
            if (rg_nginx_error_parse(j->lines[i], strlen(j->lines[i]), &e) == 0
                && (r = rg_match(m, RG_FORMAT_NGINX_ERROR, &e.fields)) != NULL)
            {
                j->cls[rg_rule_class(r)]++;
            }
        }
    }

    j->hits = rg_matcher_limit_hits(m);
    rg_matcher_destroy(m);

    return NULL;
}


Test(rules_threads, matchers_share_one_ruleset)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    pthread_t    t[2];
    job          alone = { 0 }, par[2] = { { 0 }, { 0 } };
    size_t       n, total = 0;

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    n = load_lines();
    cr_assert_eq(n, 161);

    alone = (job) { rs, lines, n, { 0 }, 0 };
    classify(&alone);

    for (int i = 0; i < 2; i++) {
        par[i] = (job) { rs, lines, n, { 0 }, 0 };
        cr_assert_eq(pthread_create(&t[i], NULL, classify, &par[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    }

    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        cr_expect_eq(par[0].cls[c], alone.cls[c]);
        cr_expect_eq(par[1].cls[c], alone.cls[c]);
        total += alone.cls[c];
    }
    /* 64 aborts in the sample (see test_rules_samples.c) */
    cr_expect_eq(total, 64 * ROUNDS);
    cr_expect_eq(par[0].hits + par[1].hits + alone.hits, 0);

    rg_ruleset_destroy(rs);
}
