/* test_rules_helpers.c - fixtures shared by the rules and mapping suites. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_rules_helpers.h"

rg_ruleset  *trh_rs;
rg_matcher  *trh_m;


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
}


void
trh_teardown(void)
{
    rg_matcher_destroy(trh_m);
    rg_ruleset_destroy(trh_rs);
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

    cr_assert_eq(rg_nginx_error_parse(line, strlen(line), &e), 0,
                 "does not parse: %s", line);

    return rg_match(trh_m, RG_FORMAT_NGINX_ERROR, &e.fields);
}


const rg_rule *
trh_message(rg_format format, const char *message, rg_field field,
    const char *value)
{
    rg_fields  f;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = message;
    f.f[RG_FIELD_MESSAGE].len = strlen(message);
    f.f[RG_FIELD_LINE] = f.f[RG_FIELD_MESSAGE];

    if (value != NULL) {
        f.f[field].p = value;
        f.f[field].len = strlen(value);
    }

    return rg_match(trh_m, format, &f);
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


const char *
trh_data(const char *rel)
{
    static char  path[4096];
    const char  *root = getenv("RSTGUARD_ROOT");

    snprintf(path, sizeof(path), "%s/tests/data/%s", root ? root : ".", rel);

    return path;
}
