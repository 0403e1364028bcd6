/*
 * Hostile rule files: each bound of a rule file (core/README.md,
 * "Hardening") fails the load with the exact FILE:LINE:COLUMN and message,
 * and the refusal takes under a second of wall time (these files loaded
 * for minutes before the bounds: the second is a hang guard, generous for
 * a loaded CI machine, not a speed claim; an alarm kills a test that
 * hangs outright: Criterion's own .timeout leaks under LeakSanitizer).
 * Bad bytes are reported where they are.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rgt_hostile.h"
#include "rgt_tmp.h"
#include "rg_rules.h"


/* a hang guard for every test of the suite (SIGALRM ends the test) */
static void
arm(void)
{
    alarm(30);
}


static void
disarm(void)
{
    alarm(0);
}


TestSuite(rules_hostile, .init = arm, .fini = disarm);


/* The text a generator makes, in memory. */
static char *
gen_text(void (*gen)(FILE *, size_t), size_t n, size_t *len)
{
    char  *text;
    FILE  *f = open_memstream(&text, len);

    cr_assert_not_null(f);
    gen(f, n);
    cr_assert_eq(fclose(f), 0);

    return text;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* Loads text as "h.yaml" (after the shipped rules when shipped is set);
   asserts the load fails with exactly "h.yaml" + tail and adds nothing. */
static void
expect_refused(const char *text, size_t len, int shipped, const char *tail)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    char         want[1024];
    size_t       before;
    double       t0;

    cr_assert_not_null(rs);
    if (shipped) {
        cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    }
    before = rg_ruleset_count(rs);

    snprintf(want, sizeof(want), "h.yaml%s", tail);
    t0 = now();
    cr_assert_eq(rg_ruleset_add_buffer(rs, "h.yaml", text, len, &err), -1,
                 "the hostile file loaded");
    cr_expect_lt(now() - t0, 1.0, "refused after %.2f s", now() - t0);
    cr_expect_str_eq(err.msg, want);
    cr_expect_eq(rg_ruleset_count(rs), before);
    rg_ruleset_destroy(rs);
}


Test(rules_hostile, too_many_rules_fail_at_the_first_one_over)
{
    size_t   len;
    char    *text = gen_text(rgt_hostile_rules, 10001, &len);

    /* rule 10,001 starts at line 4 * 10000 + 1 */
    expect_refused(text, len, 0, ":40001:3: too many rules: a ruleset holds"
                   " at most 10000");
    free(text);
}

Test(rules_hostile, the_rule_limit_counts_the_rules_loaded_before)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    size_t       shipped, len;
    char        *text, want[128];

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    shipped = rg_ruleset_count(rs);
    cr_assert_gt(shipped, 0);
    rg_ruleset_destroy(rs);

    text = gen_text(rgt_hostile_rules, 10000, &len);
    /* the first over is rule number 10000 - shipped of the file */
    snprintf(want, sizeof(want), ":%zu:3: too many rules: a ruleset holds at"
             " most 10000", 4 * (10000 - shipped) + 1);
    expect_refused(text, len, 1, want);
    free(text);
}

Test(rules_hostile, eighty_four_thousand_rules_stop_at_the_size_limit)
{
    size_t   len, i, line = 1, col = 1;
    char    *text = gen_text(rgt_hostile_rules, 84064, &len), want[128];

    cr_assert_gt(len, 4u << 20);

    /* the position of the first byte past 4 MiB, counted here */
    for (i = 0; i < (4u << 20); i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(want, sizeof(want), ":%zu:%zu: the file is larger than 4 MiB,"
             " the limit of a rule file", line, col);
    expect_refused(text, len, 0, want);
    free(text);
}

/* The limit itself loads, in time linear in the file: ids are hashed. */
Test(rules_hostile, ten_thousand_rules_load)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    size_t       len;
    char        *text = gen_text(rgt_hostile_rules, 10000, &len);

    cr_assert_eq(rg_ruleset_add_buffer(rs, "h.yaml", text, len, &err), 0,
                 "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 10000);
    cr_expect_str_eq(rg_rule_id(rg_ruleset_rule(rs, 9999)), "h.9999");
    cr_expect_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    rg_ruleset_destroy(rs);
    free(text);
}

Test(rules_hostile, flow_nesting_200000_levels)
{
    size_t   len;
    char    *text = gen_text(rgt_hostile_nesting, 200000, &len);

    expect_refused(text, len, 0,
                   ":1:33: nested too deep: rule files nest at most 32");
    free(text);
}

Test(rules_hostile, flow_mappings_and_block_lists_nest_as_deep)
{
    size_t  i;
    char   *text = malloc(2 * 4 * 100000 + 16);

    cr_assert_not_null(text);

    for (i = 0; i < 100000; i++) {
        memcpy(text + 4 * i, "{a: ", 4);
    }
    /* the 33rd "{a: " opens at column 4 * 32 + 1 */
    expect_refused(text, 4 * 100000, 0,
                   ":1:129: nested too deep: rule files nest at most 32");

    for (i = 0; i < 100000; i++) {
        memcpy(text + 2 * i, "- ", 2);
    }
    memcpy(text + 2 * i, "x\n", 2);
    expect_refused(text, 2 * 100000 + 2, 0,
                   ":1:65: nested too deep: rule files nest at most 32");
    free(text);
}

Test(rules_hostile, a_pattern_longer_than_4096_bytes)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    size_t       len;
    char        *text = gen_text(rgt_hostile_long_pattern, 4097, &len);

    expect_refused(text, len, 0, ":4:10: rule \"h.long\": \"match\" is 4097"
                   " bytes long; a pattern has at most 4096");
    free(text);

    text = gen_text(rgt_hostile_long_pattern, 4096, &len);
    cr_expect_eq(rg_ruleset_add_buffer(rs, "h.yaml", text, len, &err), 0,
                 "%s", err.msg);
    rg_ruleset_destroy(rs);
    free(text);
}

/* Read from a file: the reader stops one byte past the limit. */
Test(rules_hostile, a_file_larger_than_4_mib)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_error     err = { "" };
    char         dir[RGT_TMP_DIR_MAX], path[RGT_TMP_DIR_MAX + 16];
    char         want[RGT_TMP_DIR_MAX + 128];
    double       t0;

    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "hostile"), 0);
    snprintf(path, sizeof(path), "%s/big.yaml", dir);
    cr_assert_eq(rgt_hostile_write(path, rgt_hostile_comments,
                                   (4u << 20) + 1), 0);

    /* 65,536 lines of 64 bytes are exactly 4 MiB: the next line is over */
    snprintf(want, sizeof(want), "%s:65537:1: the file is larger than 4 MiB,"
             " the limit of a rule file", path);
    t0 = now();
    cr_expect_eq(rg_ruleset_add_path(rs, path, &err), -1);
    cr_expect_lt(now() - t0, 1.0, "refused after %.2f s", now() - t0);
    cr_expect_str_eq(err.msg, want);

    /* exactly 4 MiB is allowed (comments only: no rules) */
    cr_assert_eq(rgt_hostile_write(path, rgt_hostile_comments, 4u << 20), 0);
    cr_expect_eq(rg_ruleset_add_path(rs, path, &err), 0, "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 0);

    rg_ruleset_destroy(rs);
    rgt_tmp_remove(dir);
}


static const char  rule_head[] =
    "- id: t.a\n"
    "  format: nginx-error\n";

Test(rules_hostile, a_nul_on_line_4)
{
    static const char  text[] =
        "- id: t.a\n"
        "  format: nginx-error\n"
        "  class: client_closed\n"
        "  match: 'x\0y'\n";

    expect_refused(text, sizeof(text) - 1, 0,
                   ":4:12: control characters are not allowed (byte 0x00)");
}

Test(rules_hostile, invalid_utf8_mid_line)
{
    char  text[256];

    snprintf(text, sizeof(text), "%s  class: client_cl\xff" "osed\n"
             "  match: 'x'\n", rule_head);
    expect_refused(text, strlen(text), 0,
                   ":3:19: invalid leading UTF-8 octet (byte 0xFF)");
}

/* Columns count characters, as libyaml's do (two 2-byte letters before);
   a bad trailing octet is named at the start of its character */
Test(rules_hostile, invalid_utf8_after_multibyte_letters)
{
    char  text[256];

    snprintf(text, sizeof(text), "%s  class: client_closed\n"
             "  advice: h\xc3\xa9h\xc3\xa9 \xc3\x28\n"
             "  match: 'x'\n", rule_head);
    expect_refused(text, strlen(text), 0,
                   ":4:16: invalid trailing UTF-8 octet (byte 0x28)");
}

Test(rules_hostile, a_utf8_sequence_cut_at_the_end)
{
    char  text[256];

    snprintf(text, sizeof(text), "%s  class: client_closed\n"
             "  match: 'x'\n# \xe2\x80", rule_head);
    expect_refused(text, strlen(text), 0,
                   ":5:3: incomplete UTF-8 octet sequence");
}

Test(rules_hostile, lines_end_at_cr_and_crlf_too)
{
    static const char  text[] =
        "- id: t.a\r\n"
        "  format: nginx-error\r"
        "  class: client_closed\n"
        "  match: '\x01'\n";

    expect_refused(text, sizeof(text) - 1, 0,
                   ":4:11: control characters are not allowed (byte 0x01)");
}
