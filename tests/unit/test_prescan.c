/*
 * The prescan (rg_prescan.h): which literals a pattern requires, and the
 * line test on them, SSSE3 and plain, at every position of a line.  That
 * it never rules out a line a rule matches is checked on every mapping
 * case of the map_* suites (test_rules_helpers.c).
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "test_rules_helpers.h"


static void
expect_literals(const char *pattern, size_t n, const char *want)
{
    char  buf[512];

    cr_expect_eq(rg_prescan_literals(pattern, strlen(pattern), buf,
                                     sizeof(buf)),
                 n, "pattern %s: %s", pattern, buf);
    cr_expect_str_eq(buf, want, "pattern %s", pattern);
}


Test(prescan, literals_of_patterns)
{
    expect_literals("^client timed out\\b", 1, "client timed out");
    expect_literals("ab(?:cd|ef)gh", 2, "abcdgh|abefgh");
    /* an optional group breaks the run: only what is outside it */
    expect_literals("a(?:b|c)?def", 1, "def");
    /* a quantified byte ends the run; "+" keeps it (at least one) */
    expect_literals("abc+de", 1, "abc");
    expect_literals("xyz*de", 0, "");
    /* escaped punctuation is literal */
    expect_literals("a\\.b\\(c", 1, "a.b(c");
    /* a lookahead consumes nothing: what follows it counts */
    expect_literals("(?=abc)xyz", 1, "xyz");
    /* every branch must have one */
    expect_literals("[abc]def|ghi", 2, "def|ghi");
    expect_literals("abc|de", 0, "");
    /* the rarest piece wins: " (104: " beats a phrase of common words */
    expect_literals("^(?:client \\S+ closed keepalive connection) \\(104: ",
                    1, " (104: ");
    expect_literals("^\\w+\\(\\) failed(?: \\(SSL: [^)]*+\\))? \\((?:104|32): ",
                    2, " (104: | (32: ");
}


Test(prescan, unknown_syntax_gives_no_literal)
{
    expect_literals("(?i)client timed out", 0, "");
    expect_literals("client\\x20timed out", 0, "");
    expect_literals("\\Qclient timed\\E out", 0, "");
    expect_literals("(?<name>abc)def", 0, "");
    expect_literals("(*COMMIT)abcdef", 0, "");
    expect_literals("x{2}yz", 0, "");
    expect_literals("abc{def", 0, "");
    expect_literals("(abc", 0, "");
    expect_literals("abc)", 0, "");
    expect_literals("^(?:ab|c)$", 0, "");
    expect_literals("", 0, "");
}


TestSuite(prescan_lines, .init = trh_shipped_setup, .fini = trh_teardown);


/* One literal at every offset of lines of every length, both paths. */
Test(prescan_lines, every_position_and_length)
{
    static const char  *lit = " (104: ";
    char                line[80];
    size_t              len, off, n = strlen(lit);
    int                 simd;

    for (simd = 0; simd < 3; simd++) {
        rg_prescan_set_simd(trh_ps, simd);

        for (len = 0; len < sizeof(line); len++) {
            memset(line, 'x', len);
            cr_expect_eq(rg_prescan_may_match(trh_ps, RG_FORMAT_NGINX_ERROR,
                                              line, len), 0,
                         "simd %d, no literal, length %zu", simd, len);

            for (off = 0; off + n <= len; off++) {
                memset(line, 'x', len);
                memcpy(line + off, lit, n);
                cr_expect_eq(rg_prescan_may_match(trh_ps,
                                                  RG_FORMAT_NGINX_ERROR,
                                                  line, len), 1,
                             "simd %d, at %zu of %zu", simd, off, len);

                /* one byte less of it, at the end of the line */
                if (off + n == len) {
                    cr_expect_eq(rg_prescan_may_match(trh_ps,
                                     RG_FORMAT_NGINX_ERROR, line, len - 1),
                                 0, "simd %d, cut at %zu", simd, len);
                }
            }
        }
    }
}


Test(prescan_lines, ordinary_nginx_lines_are_ruled_out)
{
    static const char  *no[] = {
        "2026/11/21 10:00:01 [info] 2112#2112: *1 client 2001:db8::7 closed keepalive connection",
        "2026/11/21 10:00:01 [error] 2112#2112: *2 open() \"/var/www/html/x.js\" failed (2: No such file or directory), client: 203.0.113.7, server: shop.example.com, request: \"GET /x.js HTTP/1.1\", host: \"shop.example.com\"",
        "2026/11/21 10:00:01 [crit] 2112#2112: *3 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 203.0.113.7, server: 0.0.0.0:443",
        "2026/11/21 10:00:01 [error] 2112#2112: *4 limiting requests, excess: 10.520 by zone \"one\", client: 203.0.113.7, server: shop.example.com",
    };
    static const char  *yes[] = {
        "2026/11/21 10:00:01 [info] 2112#2112: *5 client prematurely closed connection while reading client request line, client: 2001:db8::7, server: shop.example.com",
        "2026/11/21 10:00:01 [info] 2112#2112: *6 writev() failed (32: Broken pipe) while sending to client, client: 203.0.113.7, server: shop.example.com",
    };
    size_t  i;
    int     simd;

    cr_assert(rg_prescan_active(trh_ps, RG_FORMAT_NGINX_ERROR));

    for (simd = 0; simd < 3; simd++) {
        rg_prescan_set_simd(trh_ps, simd);

        for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
            cr_expect_eq(rg_prescan_may_match(trh_ps, RG_FORMAT_NGINX_ERROR,
                                              no[i], strlen(no[i])), 0,
                         "simd %d: %s", simd, no[i]);
            cr_expect_null(trh_nginx_error(no[i]), "%s", no[i]);
        }

        for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
            cr_expect_eq(rg_prescan_may_match(trh_ps, RG_FORMAT_NGINX_ERROR,
                                              yes[i], strlen(yes[i])), 1,
                         "simd %d: %s", simd, yes[i]);
            cr_expect_not_null(trh_nginx_error(yes[i]), "%s", yes[i]);
        }
    }
}


/* A format with a rule whose literals cannot be read lets every line by. */
Test(prescan, format_with_an_unreadable_rule_is_inactive)
{
    static const char  yaml[] =
        "- id: t.case\n"
        "  format: generic\n"
        "  class: client_reset\n"
        "  match: '(?i)connection reset'\n"
        "- id: t.plain\n"
        "  format: nginx-error\n"
        "  class: client_reset\n"
        "  match: '^reset here\\b'\n";
    rg_error     err = { "" };
    rg_ruleset  *rs = rg_ruleset_create();
    rg_prescan  *ps;

    cr_assert_eq(rg_ruleset_add_buffer(rs, "t.yaml", yaml, sizeof(yaml) - 1,
                                       &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rs, &err), 0, "%s", err.msg);
    ps = rg_prescan_create(rs);
    cr_assert_not_null(ps);

    cr_expect(!rg_prescan_active(ps, RG_FORMAT_GENERIC));
    cr_expect_eq(rg_prescan_may_match(ps, RG_FORMAT_GENERIC, "nothing", 7), 1);
    /* no rule of its own: nothing to test, every line goes to rg_match */
    cr_expect(!rg_prescan_active(ps, RG_FORMAT_HAPROXY));
    cr_expect(rg_prescan_active(ps, RG_FORMAT_NGINX_ERROR));
    cr_expect_eq(rg_prescan_may_match(ps, RG_FORMAT_NGINX_ERROR,
                                      "xx reset here", 13), 1);
    cr_expect_eq(rg_prescan_may_match(ps, RG_FORMAT_NGINX_ERROR,
                                      "xx reset her", 12), 0);

    rg_prescan_destroy(ps);
    rg_ruleset_destroy(rs);
}


/* The head-only check takes exactly the lines the full parse takes. */
Test(prescan, nginx_head_check_agrees_with_the_full_parse)
{
    static const struct {
        const char  *line;
        int          ok;
    } lines[] = {
        { "2026/11/21 10:00:01 [info] 2112#2112: *1 client closed connection, client: 1.2.3.4, server: s", 1 },
        { "2026/11/21 10:00:01 [error] 2112#0: open() \"/x\" failed (2: No such file or directory)\n", 1 },
        { "2026/11/21 10:00:01 [notice] 1#1: signal process started", 1 },
        { "2026/11/21 10:00:01 [bogus] 1#1: x", 0 },
        { "2026/11/21 10:00:01 [info] 1#: x", 0 },
        { "2026/11/21 10:00:01 [info] 1#1 x", 0 },
        { "2026/11/21 10:00:0", 0 },
        { "2026/11/21 10:00:01 [warn] 12#34: *5 \r\n", 1 },
        { "2026/11/21 10:00:01 [warn] 12#34:\r\n", 0 },
        { "2026/11/21 10:00:01 [warn] 12345678901234567890#3: x", 0 },
        { "2026/11/21 10:00:01 [debug] 12#34: ", 1 },
        { "not an nginx line", 0 },
        { "", 0 },
    };
    rg_nginx_error  full;
    size_t          i, len;

    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        len = strlen(lines[i].line);
        cr_expect_eq(rg_nginx_error_parse(lines[i].line, len, &full) == 0,
                     lines[i].ok, "%s", lines[i].line);
        cr_expect_eq(rg_nginx_error_head_ok(lines[i].line, len),
                     lines[i].ok, "%s", lines[i].line);
    }
}
