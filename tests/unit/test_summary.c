/* The summary line: format, strict parse, escapes (module/README.md). */

#include <criterion/criterion.h>
#include <string.h>

#include "rg_escape.h"
#include "rg_summary.h"

#define EXAMPLE                                                              \
    "rstguard: log=error class=client_reset key=\"203.0.113.7\" "            \
    "suppressed=4213 passed=5 window=60s first=\"2026/11/21 10:00:01\" "     \
    "last=\"2026/11/21 10:00:59\" worker=1234 dry_run=0 "                    \
    "sample=\"recv() failed (104: Connection reset by peer) while ...\""

static rg_str
str(const char *s)
{
    rg_str  r = { s, strlen(s) };

    return r;
}


static rg_summary
example(void)
{
    rg_summary  s;

    memset(&s, 0, sizeof(s));
    s.log = RG_SUMMARY_LOG_ERROR;
    s.cls = RG_CLASS_CLIENT_RESET;
    s.key = str("203.0.113.7");
    s.suppressed = 4213;
    s.passed = 5;
    s.window = 60;
    s.first = str("2026/11/21 10:00:01");
    s.last = str("2026/11/21 10:00:59");
    s.worker = 1234;
    s.sample = str("recv() failed (104: Connection reset by peer) while ...");

    return s;
}


static int
parses(const char *text)
{
    rg_summary  s;

    return rg_summary_parse(text, strlen(text), &s) == 0;
}


Test(summary, formats_the_design_example_exactly)
{
    char        buf[2048];
    rg_summary  s = example();
    size_t      n;

    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_eq(n, strlen(EXAMPLE));
    cr_assert_eq(memcmp(buf, EXAMPLE, n), 0, "%.*s", (int) n, buf);
}


Test(summary, parses_the_design_example_into_every_field)
{
    rg_summary  s;

    cr_assert_eq(rg_summary_parse(EXAMPLE, strlen(EXAMPLE), &s), 0);
    cr_assert_eq(s.log, RG_SUMMARY_LOG_ERROR);
    cr_assert_eq(s.cls, RG_CLASS_CLIENT_RESET);
    cr_assert_eq(s.key.len, 11);
    cr_assert_eq(memcmp(s.key.p, "203.0.113.7", 11), 0);
    cr_assert_eq(s.suppressed, 4213);
    cr_assert_eq(s.passed, 5);
    cr_assert_eq(s.window, 60);
    cr_assert_eq(memcmp(s.first.p, "2026/11/21 10:00:01", 19), 0);
    cr_assert_eq(memcmp(s.last.p, "2026/11/21 10:00:59", 19), 0);
    cr_assert_eq(s.worker, 1234);
    cr_assert_eq(s.dry_run, 0);
    cr_assert_eq(s.sample.len,
                 strlen("recv() failed (104: Connection reset by peer) while ..."));
}


Test(summary, round_trips_every_escape_through_format_parse_unescape)
{
    char        buf[2048], out[256];
    const char  raw[] = "a\"b\\c\nd\re\tf\x1bg\x7fh\x01";
    rg_summary  s = example(), p;
    size_t      n;

    s.log = RG_SUMMARY_LOG_ACCESS;
    s.cls = RG_CLASS_STREAM_CANCELED;
    s.dry_run = 1;
    s.key.p = raw;
    s.key.len = sizeof(raw) - 1;
    s.sample = s.key;

    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_gt(n, 0);
    cr_assert_null(memchr(buf, '\n', n));
    cr_assert_null(memchr(buf, '\x1b', n));
    cr_assert_not_null(strstr(buf, "key=\"a\\\"b\\\\c\\nd\\re\\tf\\x1bg\\x7fh\\x01\""));

    cr_assert_eq(rg_summary_parse(buf, n, &p), 0, "%.*s", (int) n, buf);
    cr_assert_eq(p.log, RG_SUMMARY_LOG_ACCESS);
    cr_assert_eq(p.cls, RG_CLASS_STREAM_CANCELED);
    cr_assert_eq(p.dry_run, 1);
    cr_assert_eq(rg_summary_unescape(&p.key, out, sizeof(out)), sizeof(raw) - 1);
    cr_assert_eq(memcmp(out, raw, sizeof(raw) - 1), 0);
    cr_assert_eq(rg_summary_unescape(&p.sample, out, sizeof(out)),
                 sizeof(raw) - 1);
    cr_assert_eq(rg_summary_unescape(&p.sample, out, 3), (size_t) -1);
}


Test(summary, cuts_only_the_sample_to_fit_and_stays_parseable)
{
    char        buf[300], big[1000];
    rg_summary  s = example(), p;
    size_t      n, i;

    memset(big, '"', sizeof(big));
    s.sample.p = big;
    s.sample.len = sizeof(big);

    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_gt(n, 0);
    cr_assert_leq(n, sizeof(buf));
    cr_assert_eq(buf[n - 1], '"');
    cr_assert_eq(rg_summary_parse(buf, n, &p), 0, "%.*s", (int) n, buf);
    /* whole escapes only: an even number of bytes of \" pairs */
    cr_assert_eq(p.sample.len % 2, 0);
    for (i = 0; i < p.sample.len; i += 2) {
        cr_assert_eq(memcmp(p.sample.p + i, "\\\"", 2), 0);
    }

    /* no room even for the fixed fields: no line at all */
    cr_assert_eq(rg_summary_format(buf, 60, &s), 0);
}


Test(summary, refuses_to_format_invalid_fields)
{
    char        buf[2048];
    rg_summary  s = example();

    s.cls = RG_CLASS_NONE;
    cr_assert_eq(rg_summary_format(buf, sizeof(buf), &s), 0);
    s = example();
    s.dry_run = 2;
    cr_assert_eq(rg_summary_format(buf, sizeof(buf), &s), 0);
    s = example();
    s.first = str("2026/11/21");
    cr_assert_eq(rg_summary_format(buf, sizeof(buf), &s), 0);
}


Test(summary, rejects_everything_not_exactly_in_the_grammar)
{
    char    buf[4096];
    size_t  i;

    static const char  *bad[] = {
        /* a trailing byte, a newline, a missing field */
        EXAMPLE " ",
        EXAMPLE "\n",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0",
        /* wrong prefix, unknown log and class, fields out of order */
        "rstguard:  log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=stream class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_resets key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" passed=0 "
        "suppressed=1 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        /* numbers: leading zero, sign, overflow, missing unit, dry_run 2 */
        "rstguard: log=error class=client_reset key=\"k\" suppressed=01 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=-1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" "
        "suppressed=18446744073709551616 passed=0 window=60s "
        "first=\"2026/11/21 10:00:01\" last=\"2026/11/21 10:00:59\" "
        "worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60 first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=2 sample=\"\"",
        /* times: wrong shape */
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026-11-21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        /* quoting: bare quote, unknown escape, short \x, unquoted, raw LF */
        "rstguard: log=error class=client_reset key=\"k\"\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\\q\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\\x1\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=k suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\"",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"a\nb\"",
        "rstguard: log=error class=client_reset key=\"k\" suppressed=1 "
        "passed=0 window=60s first=\"2026/11/21 10:00:01\" "
        "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"a\\\"",
        "",
    };

    cr_assert(parses(EXAMPLE));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_not(parses(bad[i]), "accepted: %s", bad[i]);
    }

    /* every proper prefix of a valid line is rejected */
    for (i = 0; i < strlen(EXAMPLE); i++) {
        rg_summary  s;

        memcpy(buf, EXAMPLE, i);
        cr_assert_neq(rg_summary_parse(buf, i, &s), 0, "prefix %zu", i);
    }
}


Test(summary, parses_whole_nginx_lines_with_their_level)
{
    const char  *line = "2026/11/21 10:01:00 [info] 1234#1234: " EXAMPLE;
    rg_summary   s;
    int          level;

    cr_assert_eq(rg_summary_parse_line(line, strlen(line), &s, &level), 0);
    cr_assert_eq(level, 7);
    cr_assert_eq(s.suppressed, 4213);

    line = "2026/11/21 10:01:00 [error] 9#0: " EXAMPLE;
    cr_assert_eq(rg_summary_parse_line(line, strlen(line), &s, &level), 0);
    cr_assert_eq(level, 4);

    /* a request line that only mentions a summary is not one */
    line = "2026/11/21 10:01:00 [error] 9#0: *5 open() \"/" EXAMPLE "\"";
    cr_assert_neq(rg_summary_parse_line(line, strlen(line), &s, NULL), 0);
    line = "2026/11/21 10:01:00 [loud] 9#0: " EXAMPLE;
    cr_assert_neq(rg_summary_parse_line(line, strlen(line), &s, NULL), 0);
    line = "2026/11/21 10:01:00 [info] 9: " EXAMPLE;
    cr_assert_neq(rg_summary_parse_line(line, strlen(line), &s, NULL), 0);
}


Test(escape, line_escapes_only_cr_lf_and_esc)
{
    char        out[64];
    const char  in[] = "GET /x\n2026/11/21 [info]\r\x1b[31m\"\\";
    size_t      n;

    cr_assert_eq(rg_escape_line_count(in, sizeof(in) - 1), 3);
    n = rg_escape_line(in, sizeof(in) - 1, out, sizeof(out));
    cr_assert_eq(n, strlen("GET /x\\n2026/11/21 [info]\\r\\x1b[31m\"\\"));
    cr_assert_eq(memcmp(out, "GET /x\\n2026/11/21 [info]\\r\\x1b[31m\"\\", n), 0);
    cr_assert_eq(rg_escape_line(in, sizeof(in) - 1, out, 10), (size_t) -1);
    cr_assert_eq(rg_escape_line_count("plain", 5), 0);
}
