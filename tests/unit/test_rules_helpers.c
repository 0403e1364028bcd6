/* test_rules_helpers.c - fixtures shared by the rules and mapping suites. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_rules_helpers.h"

rg_ruleset  *trh_rs;
rg_matcher  *trh_m;
rg_prescan  *trh_ps;


/*
 * Every mapping case also checks the prescan (rg_prescan.h): a text a rule
 * matched must never be one it rules out, on the SIMD and the plain path.
 */
static void
trh_prescan_check(rg_format format, const char *text, const rg_rule *r)
{
    rg_prescan  *ps;
    int          simd;

    if (r == NULL) {
        return;
    }

    /* of the ruleset the case ran on (some suites set trh_rs themselves) */
    ps = rg_prescan_create(trh_rs);
    cr_assert_not_null(ps);

    for (simd = 0; simd < 3; simd++) {
        rg_prescan_set_simd(ps, simd);
        cr_expect(rg_prescan_may_match(ps, format, text, strlen(text)),
                  "prescan (simd %d) rules out what %s matched: %s", simd,
                  rg_rule_id(r), text);
    }

    rg_prescan_destroy(ps);
}


void
trh_shipped_setup(void)
{
    rg_error  err = { "" };

    trh_rs = rg_ruleset_create();
    cr_assert_not_null(trh_rs);
    cr_assert_eq(rg_ruleset_add_shipped(trh_rs, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(trh_rs, &err), 0, "%s", err.msg);
    trh_m = rg_matcher_create(trh_rs);
    cr_assert_not_null(trh_m);
    trh_ps = rg_prescan_create(trh_rs);
    cr_assert_not_null(trh_ps);
}


void
trh_teardown(void)
{
    rg_matcher_destroy(trh_m);
    rg_prescan_destroy(trh_ps);
    rg_ruleset_destroy(trh_rs);
    trh_ps = NULL;
    trh_m = NULL;
    trh_rs = NULL;
}


const char *
trh_class(const rg_rule *rule)
{
    return rule == NULL ? "none" : rg_class_name(rg_rule_class(rule));
}


const rg_rule *
trh_nginx_error(const char *line)
{
    rg_nginx_error  e;

    const rg_rule   *r;

    cr_assert_eq(rg_nginx_error_parse(line, strlen(line), &e), 0,
                 "does not parse: %s", line);

    r = rg_match(trh_m, RG_FORMAT_NGINX_ERROR, &e.fields);
    trh_prescan_check(RG_FORMAT_NGINX_ERROR, line, r);

    return r;
}


const rg_rule *
trh_message(rg_format format, const char *message, rg_field field,
    const char *value)
{
    rg_fields       f;
    const rg_rule  *r;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = message;
    f.f[RG_FIELD_MESSAGE].len = strlen(message);
    f.f[RG_FIELD_LINE] = f.f[RG_FIELD_MESSAGE];

    if (value != NULL) {
        f.f[field].p = value;
        f.f[field].len = strlen(value);
    }

    r = rg_match(trh_m, format, &f);
    trh_prescan_check(format, message, r);

    return r;
}


rg_class
trh_java(const char *record)
{
    static rg_java_record  rec;
    const char            *p = record, *nl;
    int                    first = 1;

    rg_java_record_reset(&rec);

    while (*p != '\0') {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            nl = p + strlen(p);
        }
        rg_java_record_line(&rec, trh_m, p, (size_t) (nl - p), first);
        first = 0;
        p = *nl ? nl + 1 : nl;
    }

    return rg_java_record_class(&rec);
}


void
trh_expect_field(const rg_fields *f, rg_field id, const char *want)
{
    rg_str  v = f->f[id];

    cr_expect(v.len == strlen(want)
              && (v.len == 0 || memcmp(v.p, want, v.len) == 0),
              "field %d: \"%.*s\", expected \"%s\"", (int) id, (int) v.len,
              v.p ? v.p : "", want);
}


const char *
trh_data(const char *rel)
{
    static char  path[4096];
    const char  *root = getenv("RSTGUARD_ROOT");

    snprintf(path, sizeof(path), "%s/tests/data/%s", root ? root : ".", rel);

    return path;
}
