/*
 * Loading rule files: every validation error names FILE:LINE:COLUMN and
 * fails the whole add; nothing is skipped.  Fixtures: tests/data/rules/.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"

#define ADD(rs, name, text) \
    rg_ruleset_add_buffer(rs, name, text, strlen(text), &err)


/* Loads tests/data/rules/REL; asserts failure, nothing added, and the exact
   message "PATH" + tail. */
static void
expect_error(const char *rel, const char *tail)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    char         path[4096], want[8192];

    snprintf(path, sizeof(path), "%s", trh_data(rel));
    snprintf(want, sizeof(want), "%s%s", path, tail);

    cr_assert_eq(rg_ruleset_add_path(rs, path, &err), -1, "%s loaded", rel);
    cr_expect_str_eq(err.msg, want);
    cr_expect_eq(rg_ruleset_count(rs), 0);
    rg_ruleset_destroy(rs);
}


Test(rules_load, unknown_key)
{
    expect_error("rules/unknown-key.yaml",
                 ":6:3: rule \"t.one\": unknown key \"adivce\"");
}

Test(rules_load, duplicate_key)
{
    expect_error("rules/duplicate-key.yaml",
                 ":5:3: rule \"t.one\": duplicate key \"class\"");
}

Test(rules_load, missing_key)
{
    expect_error("rules/missing-key.yaml",
                 ":6:3: rule \"t.two\": missing key \"class\"");
}

Test(rules_load, duplicate_id_in_one_file)
{
    char  tail[4200];

    snprintf(tail, sizeof(tail), ":9:7: duplicate id \"t.same\" (first "
             "defined at %s:1:7)", trh_data("rules/duplicate-id.yaml"));
    expect_error("rules/duplicate-id.yaml", tail);
}

Test(rules_load, unknown_class)
{
    expect_error("rules/unknown-class.yaml",
                 ":3:10: rule \"t.class\": unknown class \"client_rst\"");
}

Test(rules_load, unknown_format)
{
    expect_error("rules/unknown-format.yaml",
                 ":2:11: rule \"t.format\": unknown format \"nginx-errors\"");
}

Test(rules_load, unknown_field)
{
    expect_error("rules/unknown-field.yaml",
                 ":5:27: rule \"t.field\": unknown field \"acton\" in where");
}

Test(rules_load, regex_that_does_not_compile)
{
    expect_error("rules/bad-regex.yaml",
                 ":4:10: rule \"t.regex\": \"match\" does not compile: missing "
                 "closing parenthesis at offset 25");
    expect_error("rules/bad-where-regex.yaml",
                 ":6:13: rule \"t.where\": \"where.action\" does not compile: "
                 "missing terminating ] for character class at offset 20");
    /* logs carry any bytes: a pattern may not switch UTF on */
    expect_error("rules/utf-refused.yaml",
                 ":4:10: rule \"t.utf\": \"match\" does not compile: using UTF "
                 "is disabled by the application at offset 6");
}

Test(rules_load, wrong_value_types)
{
    expect_error("rules/bad-priority.yaml",
                 ":5:13: rule \"t.priority\": \"priority\" must be an integer "
                 "from -1000000 to 1000000");
    expect_error("rules/match-is-a-list.yaml",
                 ":5:5: rule \"t.list\": \"match\" must be a string");
    expect_error("rules/where-is-a-string.yaml",
                 ":5:10: rule \"t.where\": \"where\" must be a mapping of "
                 "field: regex");
    expect_error("rules/empty-value.yaml",
                 ":4:9: rule \"t.one\": \"match\" has no value");
}

Test(rules_load, file_shape)
{
    expect_error("rules/not-a-list.yaml",
                 ":1:1: a rule file must be a list of rules (\"- id: ...\")");
    expect_error("rules/rule-not-a-mapping.yaml",
                 ":5:3: a rule must be a mapping (id: ..., format: ..., "
                 "class: ..., match: ...)");
    expect_error("rules/yaml-syntax.yaml",
                 ":5:1: found unexpected end of stream while scanning a "
                 "quoted scalar");
}

Test(rules_load, duplicate_id_across_files_of_a_directory)
{
    char  tail[8400];

    snprintf(tail, sizeof(tail), "/20-second.yaml:6:7: duplicate id "
             "\"site.reset\" (first defined at %s/10-first.yaml:1:7)",
             trh_data("rules/dup-across"));
    expect_error("rules/dup-across", tail);
}

Test(rules_load, duplicate_of_a_shipped_id)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    size_t       shipped;
    char         want[4400];

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    shipped = rg_ruleset_count(rs);
    cr_assert_gt(shipped, 0);

    cr_assert_eq(rg_ruleset_add_path(rs, trh_data("rules/shipped-id.yaml"),
                                     &err), -1);
    cr_expect_eq(rg_ruleset_count(rs), shipped);
    snprintf(want, sizeof(want), "%s:2:7: duplicate id "
             "\"nginx.upstream_refused\" (first defined at nginx.yaml:",
             trh_data("rules/shipped-id.yaml"));
    cr_expect(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
    rg_ruleset_destroy(rs);
}

Test(rules_load, missing_file_and_empty_directory)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    char         want[4400];

    cr_assert_eq(rg_ruleset_add_path(rs, trh_data("rules/nope.yaml"), &err), -1);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
             trh_data("rules/nope.yaml"));
    cr_expect_str_eq(err.msg, want);

    /* read as a stream (a pipe works too), and bounded */
    cr_assert_eq(rg_ruleset_add_path(rs, "/dev/zero", &err), -1);
    cr_expect_str_eq(err.msg, "/dev/zero:1:4194305: the file is larger than "
                     "4 MiB, the limit of a rule file");
    cr_assert_eq(rg_ruleset_add_path(rs, "/dev/null", &err), 0, "%s", err.msg);

    cr_assert_eq(rg_ruleset_add_path(rs, trh_data("samples"), &err), -1);
    snprintf(want, sizeof(want), "%s: no *.yaml or *.yml rule file",
             trh_data("samples"));
    cr_expect_str_eq(err.msg, want);
    rg_ruleset_destroy(rs);
}

/* A failing file leaves the ruleset exactly as it was. */
Test(rules_load, a_failed_add_changes_nothing)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    cr_assert_eq(ADD(rs, "a.yaml",
        "- {id: a.1, format: generic, class: client_reset, match: x}\n"), 0,
        "%s", err.msg);
    cr_assert_eq(ADD(rs, "b.yaml",
        "- {id: b.1, format: generic, class: broken_pipe, match: y}\n"
        "- {id: b.2, format: generic, class: nope, match: z}\n"), -1);
    cr_expect_str_eq(err.msg, "b.yaml:2:37: rule \"b.2\": unknown class \"nope\"");
    cr_expect_eq(rg_ruleset_count(rs), 1);

    /* b.1 was rolled back, so its id is free again */
    cr_assert_eq(ADD(rs, "c.yaml",
        "- {id: b.1, format: generic, class: broken_pipe, match: y}\n"), 0,
        "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 2);
    rg_ruleset_destroy(rs);
}

/* The shipped files themselves load, and every rule names a known class. */
Test(rules_load, shipped_rules_load)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    cr_expect_gt(rg_ruleset_count(rs), 20);
    cr_expect_gt(rg_ruleset_jit_count(rs), rg_ruleset_count(rs));
    rg_ruleset_destroy(rs);
}

Test(rules_load, empty_file_has_no_rules)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    cr_assert_eq(ADD(rs, "e.yaml", "# nothing\n"), 0, "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 0);
    rg_ruleset_destroy(rs);
}


Test(rules_load, rule_without_id)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    cr_assert_eq(ADD(rs, "x.yaml",
        "- {format: generic, class: client_reset, match: x}\n"), -1);
    cr_expect_str_eq(err.msg, "x.yaml:1:3: rule without \"id\"");
    cr_assert_eq(ADD(rs, "x.yaml",
        "- {format: generic, clas: client_reset, match: x}\n"), -1);
    cr_expect_str_eq(err.msg, "x.yaml:1:21: rule \"?\": unknown key \"clas\"");
    cr_assert_eq(ADD(rs, "x.yaml", "- {id: [a, b], format: generic}\n"), -1);
    cr_expect_str_eq(err.msg, "x.yaml:1:8: rule \"?\": \"id\" must be a string");
    cr_expect_eq(rg_ruleset_count(rs), 0);
    rg_ruleset_destroy(rs);
}


/* Each YAML document of a file is a list of rules. */
Test(rules_load, several_documents_in_one_file)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };

    cr_assert_eq(ADD(rs, "docs.yaml",
        "---\n- {id: d.1, format: generic, class: client_reset, match: x}\n"
        "---\n- {id: d.2, format: generic, class: broken_pipe, match: y}\n"
        "...\n"), 0, "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 2);
    cr_assert_eq(ADD(rs, "docs2.yaml",
        "---\n- {id: e.1, format: generic, class: client_reset, match: x}\n"
        "---\nid: e.2\n"), -1);
    cr_expect_str_eq(err.msg, "docs2.yaml:4:1: a rule file must be a list of "
                     "rules (\"- id: ...\")");
    cr_expect_eq(rg_ruleset_count(rs), 2);
    rg_ruleset_destroy(rs);
}
