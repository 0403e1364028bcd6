/* test_rules_helpers.h - what the rules and mapping suites share. */

#ifndef TEST_RULES_HELPERS_H
#define TEST_RULES_HELPERS_H

#include "rg_java.h"
#include "rg_nginx_error.h"
#include "rg_prescan.h"
#include "rg_rules.h"

/* The shipped rules, compiled, and one matcher: set up per test. */
extern rg_ruleset  *trh_rs;
extern rg_matcher  *trh_m;
extern rg_prescan  *trh_ps;     /* checked on every matched case */

void trh_shipped_setup(void);
void trh_teardown(void);

/* The class name of a rule, "none" for NULL. */
const char *trh_class(const rg_rule *rule);

/* Parses an nginx error line (asserting it parses) and matches it. */
const rg_rule *trh_nginx_error(const char *line);

/* Matches a record whose fields are only message (and one more field). */
const rg_rule *trh_message(rg_format format, const char *message,
    rg_field field, const char *value);

/* Resolves a Java record given as lines separated by '\n'. */
rg_class trh_java(const char *record);

/* Expects field id of f to be want, byte for byte. */
void trh_expect_field(const rg_fields *f, rg_field id, const char *want);

/* A path under tests/data (RSTGUARD_ROOT, else the current directory). */
const char *trh_data(const char *rel);

#endif /* TEST_RULES_HELPERS_H */
