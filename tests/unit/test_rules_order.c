/*
 * Which rule wins: priority, then load order (files in C-locale name order
 * within a directory); --rules adds to the shipped rules, and without them
 * (--no-default-rules) only the given rules count.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_rules_helpers.h"
#include "rgt_tmp.h"

static rg_error  err;

#define ADD(rs, name, text) \
    rg_ruleset_add_buffer(rs, name, text, strlen(text), &err)


static rg_ruleset *
compiled(rg_ruleset *rs)
{
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    return rs;
}


static const char *
match_id(rg_matcher *m, rg_format format, const char *message)
{
    rg_fields       f;
    const rg_rule  *r;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = message;
    f.f[RG_FIELD_MESSAGE].len = strlen(message);
    r = rg_match(m, format, &f);

    return r ? rg_rule_id(r) : "none";
}


Test(rules_order, priority_then_load_order)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;

    cr_assert_eq(ADD(rs, "one.yaml",
        "- {id: first, format: generic, class: client_reset, match: 'a'}\n"
        "- {id: low, format: generic, class: broken_pipe, match: 'b',"
        " priority: -5}\n"), 0, "%s", err.msg);
    cr_assert_eq(ADD(rs, "two.yaml",
        "- {id: second, format: generic, class: broken_pipe, match: 'a'}\n"
        "- {id: high, format: generic, class: client_timeout, match: 'ab',"
        " priority: 10}\n"
        "- {id: late, format: generic, class: client_closed, match: 'b'}\n"),
        0, "%s", err.msg);
    m = rg_matcher_create(compiled(rs));
    cr_assert_not_null(m);

    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "xab"), "high");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "xa"), "first");
    /* priority -5 goes after the default 0, though loaded first */
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "xb"), "late");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "xyz"), "none");
    /* rules only see lines of their format */
    cr_expect_str_eq(match_id(m, RG_FORMAT_JAVA, "xab"), "none");

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


/* priority: an integer from -1000000 to 1000000, a sign allowed; larger
   numbers, however many digits, are errors and never wrap */
Test(rules_order, priority_bounds)
{
    static const char  *ok[] = { "1000000", "-1000000", "+7", "-0", "0" };
    static const char  *bad[] = {
        "1000001", "-1000001", "99999999999999999999", "18446744073709551617",
        "--5", "+-5", "5x", "-", "0x10"
    };
    char                text[256];
    size_t              i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        rg_ruleset  *rs = rg_ruleset_create();

        snprintf(text, sizeof(text), "- {id: p, format: generic, class:"
                 " client_reset, match: 'a', priority: %s}\n", ok[i]);
        cr_expect_eq(ADD(rs, "ok.yaml", text), 0, "%s: %s", ok[i], err.msg);
        rg_ruleset_destroy(rs);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rg_ruleset  *rs = rg_ruleset_create();

        snprintf(text, sizeof(text), "- {id: p, format: generic, class:"
                 " client_reset, match: 'a', priority: %s}\n", bad[i]);
        cr_expect_eq(ADD(rs, "bad.yaml", text), -1, "%s loaded", bad[i]);
        cr_expect_not_null(strstr(err.msg, "\"priority\" must be an integer"
                                  " from -1000000 to 1000000"), "%s: %s",
                           bad[i], err.msg);
        rg_ruleset_destroy(rs);
    }
}


static void
write_file(const char *dir, const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}


Test(rules_order, directory_loads_yaml_files_in_c_locale_order)
{
    char         dir[RGT_TMP_DIR_MAX];
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;

    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "rules"), 0);
    write_file(dir, "b.yml",
               "- {id: from-b, format: generic, class: client_reset, match: x}\n");
    write_file(dir, "a.yaml",
               "- {id: from-a, format: generic, class: client_reset, match: x}\n"
               "- {id: only-a, format: generic, class: client_reset, match: y}\n");
    /* 'B' (0x42) sorts before 'a' (0x61) in the C locale */
    write_file(dir, "B.yaml",
               "- {id: from-B, format: generic, class: client_reset, match: x}\n");
    write_file(dir, "notes.txt", "not: [yaml\n");
    write_file(dir, ".hidden.yaml", "not: [yaml\n");
    write_file(dir, "c.yaml.orig", "not: [yaml\n");

    cr_assert_eq(rg_ruleset_add_path(rs, dir, &err), 0, "%s", err.msg);
    cr_expect_eq(rg_ruleset_count(rs), 4);
    m = rg_matcher_create(compiled(rs));
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "x"), "from-B");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "y"), "only-a");

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}


#define KEEPALIVE "2026/11/21 10:00:08 [info] 2112#2112: *20 client " \
    "192.0.2.1 closed keepalive connection"
#define PIPE "2026/11/21 10:00:05 [info] 2112#2112: *12 writev() failed " \
    "(32: Broken pipe) while sending to client, client: 192.0.2.1, server: s"
#define CUT "2026/11/21 10:00:21 [error] 2112#2112: *56 upstream prematurely " \
    "closed connection while reading upstream, client: 192.0.2.1, server: s"

static const char  site_rules[] =
    "# a site that counts keepalive closes and sees every early close of\n"
    "# its backend as upstream_closed\n"
    "- id: site.keepalive\n"
    "  format: nginx-error\n"
    "  class: client_closed\n"
    "  match: '^client \\S+ closed keepalive connection$'\n"
    "- id: site.upstream_closed\n"
    "  format: nginx-error\n"
    "  class: upstream_closed\n"
    "  match: '^upstream prematurely closed connection\\b'\n"
    "  priority: 1\n";


static const char *
nginx_class(rg_ruleset *rs, const char *line, const char **id)
{
    const rg_rule  *r;

    trh_rs = rs;
    trh_m = rg_matcher_create(rs);
    r = trh_nginx_error(line);
    *id = r ? rg_rule_id(r) : "none";
    rg_matcher_destroy(trh_m);
    trh_m = NULL;

    return trh_class(r);
}


Test(rules_order, extra_rules_add_to_the_shipped_ones)
{
    rg_ruleset  *rs = rg_ruleset_create();
    const char  *id;

    cr_assert_eq(rg_ruleset_add_shipped(rs, &err), 0, "%s", err.msg);
    cr_assert_eq(ADD(rs, "site.yaml", site_rules), 0, "%s", err.msg);
    compiled(rs);

    cr_expect_str_eq(nginx_class(rs, KEEPALIVE, &id), "client_closed");
    cr_expect_str_eq(id, "site.keepalive");
    cr_expect_str_eq(nginx_class(rs, PIPE, &id), "broken_pipe");
    cr_expect_str_eq(id, "nginx.broken_pipe.syscall");
    /* priority 1 puts the site's rule before the shipped one */
    cr_expect_str_eq(nginx_class(rs, CUT, &id), "upstream_closed");
    cr_expect_str_eq(id, "site.upstream_closed");

    rg_ruleset_destroy(rs);
}


Test(rules_order, extra_rules_alone_replace_the_shipped_ones)
{
    rg_ruleset  *rs = rg_ruleset_create();
    const char  *id;

    cr_assert_eq(ADD(rs, "site.yaml", site_rules), 0, "%s", err.msg);
    compiled(rs);
    cr_expect_eq(rg_ruleset_count(rs), 2);

    cr_expect_str_eq(nginx_class(rs, KEEPALIVE, &id), "client_closed");
    cr_expect_str_eq(nginx_class(rs, PIPE, &id), "none");
    cr_expect_str_eq(nginx_class(rs, CUT, &id), "upstream_closed");

    rg_ruleset_destroy(rs);
}


/* Patterns that would change meaning inside the prefilter's alternation
   run on their own and still match exactly as written. */
Test(rules_order, prefilter_keeps_every_rule_exact)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;

    cr_assert_eq(ADD(rs, "p.yaml",
        "- {id: backref, format: generic, class: client_reset,"
        " match: '^(\\w)\\1x'}\n"
        "- {id: commit, format: generic, class: client_reset,"
        " match: '^foo(*COMMIT)bar'}\n"
        "- {id: named, format: generic, class: client_reset,"
        " match: '^(?<w>q)\\k<w>'}\n"
        "- {id: extended, format: generic, class: client_reset,"
        " match: \"(?x) e e # a comment\"}\n"
        "- {id: quoted, format: generic, class: client_reset,"
        " match: '\\Q(*)'}\n"
        "- {id: plain-1, format: generic, class: broken_pipe, match: 'zzz'}\n"
        "- {id: plain-2, format: generic, class: broken_pipe,"
        " match: '^foo'}\n"
        "- {id: caseless, format: generic, class: broken_pipe,"
        " match: '(?i)^ABC'}\n"), 0, "%s", err.msg);
    m = rg_matcher_create(compiled(rs));

    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "aax"), "backref");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "abx"), "none");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "foobar"), "commit");
    /* (*COMMIT) fails only its own rule */
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "foobaz"), "plain-2");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "qq"), "named");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "ee"), "extended");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "a (*) b"), "quoted");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "xzzz"), "plain-1");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "abcd"), "caseless");
    cr_expect_str_eq(match_id(m, RG_FORMAT_GENERIC, "nothing"), "none");

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


Test(rules_order, where_needs_every_field_present)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;
    rg_fields    f;

    cr_assert_eq(ADD(rs, "w.yaml",
        "- id: w\n  format: nginx-access\n  class: client_closed\n"
        "  match: '^2'\n  where: { completion: '^$', host: '^h' }\n"), 0,
        "%s", err.msg);
    m = rg_matcher_create(compiled(rs));

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE] = (rg_str) { "200", 3 };
    f.f[RG_FIELD_HOST] = (rg_str) { "host", 4 };
    cr_expect_null(rg_match(m, RG_FORMAT_NGINX_ACCESS, &f));
    f.f[RG_FIELD_COMPLETION] = (rg_str) { "OK", 2 };
    cr_expect_null(rg_match(m, RG_FORMAT_NGINX_ACCESS, &f));
    f.f[RG_FIELD_COMPLETION] = (rg_str) { "", 0 };
    cr_expect_str_eq(trh_class(rg_match(m, RG_FORMAT_NGINX_ACCESS, &f)),
                     "client_closed");
    f.f[RG_FIELD_MESSAGE] = (rg_str) { NULL, 0 };
    cr_expect_null(rg_match(m, RG_FORMAT_NGINX_ACCESS, &f));

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


Test(rules_order, matcher_needs_a_compiled_ruleset)
{
    rg_ruleset  *rs = rg_ruleset_create();

    cr_expect_null(rg_matcher_create(rs));
    compiled(rs);
    cr_assert_eq(ADD(rs, "late.yaml",
        "- {id: late, format: generic, class: client_reset, match: x}\n"), 0);
    cr_expect_null(rg_matcher_create(rs));
    rg_ruleset_destroy(rs);
}


static const char *
match_action(rg_matcher *m, const char *message, const char *action)
{
    rg_fields       f;
    const rg_rule  *r;

    memset(&f, 0, sizeof(f));
    f.f[RG_FIELD_MESSAGE].p = message;
    f.f[RG_FIELD_MESSAGE].len = strlen(message);
    f.f[RG_FIELD_ACTION].p = action;
    f.f[RG_FIELD_ACTION].len = action ? strlen(action) : 0;
    r = rg_match(m, RG_FORMAT_NGINX_ERROR, &f);

    return r ? rg_rule_id(r) : "none";
}


/*
 * Anchored rules: the prefilter's match names the first rule whose
 * `match` matches and the rules before it are skipped; a rule whose
 * `where` fails passes the record on to the next ones, duplicates of its
 * pattern included.
 */
Test(rules_order, anchored_rules_skip_to_the_first_that_matches)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;

    cr_assert_eq(ADD(rs, "a.yaml",
        "- {id: zz, format: nginx-error, class: client_closed,"
        " match: '^zz'}\n"
        "- {id: ax, format: nginx-error, class: client_reset, match: '^a',"
        " where: {action: '^x$'}}\n"
        "- {id: a, format: nginx-error, class: broken_pipe, match: '^a'}\n"
        "- {id: ab, format: nginx-error, class: client_timeout,"
        " match: '^ab'}\n"
        "- {id: b, format: nginx-error, class: stream_canceled,"
        " match: '^b'}\n"), 0, "%s", err.msg);
    m = rg_matcher_create(compiled(rs));
    cr_assert_not_null(m);

    cr_expect_str_eq(match_action(m, "ab", "x"), "ax");
    cr_expect_str_eq(match_action(m, "ab", "y"), "a");
    cr_expect_str_eq(match_action(m, "ab", NULL), "a");
    cr_expect_str_eq(match_action(m, "bz", "x"), "b");
    cr_expect_str_eq(match_action(m, "zz", NULL), "zz");
    cr_expect_str_eq(match_action(m, "ba", NULL), "b");
    cr_expect_str_eq(match_action(m, "c", NULL), "none");

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}


/*
 * One rule not anchored: an earlier rule may match further into the
 * message than a later anchored one matches at its start, so no rule is
 * skipped ("c" matches "ac" at offset 1 and comes first).
 */
Test(rules_order, unanchored_rules_are_never_skipped)
{
    rg_ruleset  *rs = rg_ruleset_create();
    rg_matcher  *m;

    cr_assert_eq(ADD(rs, "a.yaml",
        "- {id: c, format: nginx-error, class: client_closed, match: 'c'}\n"
        "- {id: a, format: nginx-error, class: client_reset, match: '^a'}\n"
        "- {id: d, format: nginx-error, class: broken_pipe, match: '^d'}\n"),
        0, "%s", err.msg);
    m = rg_matcher_create(compiled(rs));
    cr_assert_not_null(m);

    cr_expect_str_eq(match_action(m, "ac", NULL), "c");
    cr_expect_str_eq(match_action(m, "ab", NULL), "a");
    cr_expect_str_eq(match_action(m, "dc", NULL), "c");
    cr_expect_str_eq(match_action(m, "d", NULL), "d");

    rg_matcher_destroy(m);
    rg_ruleset_destroy(rs);
}
