/* The summary line: format, strict parse, escapes (module/README.md). */

#include <criterion/criterion.h>
#include <string.h>

#include "rg_escape.h"
#include "rg_summary.h"

#define EXAMPLE                                                              \
    "rstguard: log=error class=client_reset key=\"203.0.113.7\" keys=1 "     \
    "suppressed=4213 passed=5 window=60s first=\"2026/11/21 10:00:01\" "     \
    "last=\"2026/11/21 10:00:59\" dry_run=0 "                                \
    "sample=\"recv() failed (104: Connection reset by peer) while ...\""

/* what modules before summaries v3 wrote: worker=, no keys= */
#define EXAMPLE_V2                                                           \
    "rstguard: log=error class=client_reset key=\"203.0.113.7\" "            \
    "suppressed=4213 passed=5 window=60s first=\"2026/11/21 10:00:01\" "     \
    "last=\"2026/11/21 10:00:59\" worker=1234 dry_run=0 "                    \
    "sample=\"recv() failed (104: Connection reset by peer) while ...\""

#define ALERT                                                                \
    "rstguard: alert log=error class=client_reset rate=12.50/s "            \
    "limit=10r/s window=60s top_key=\"203.0.113.7\" "                       \
    "top_upstream=\"10.0.0.5:8080\" "                                       \
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
    s.keys = 1;
    s.version = 3;
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
    cr_assert_eq(s.keys, 1);
    cr_assert_eq(s.version, 3);
    cr_assert_eq(s.dry_run, 0);
    cr_assert_eq(s.sample.len,
                 strlen("recv() failed (104: Connection reset by peer) while ..."));
}


Test(summary, still_parses_version_2_lines_and_writes_them_back)
{
    char        buf[2048];
    rg_summary  s;
    size_t      n;

    cr_assert_eq(rg_summary_parse(EXAMPLE_V2, strlen(EXAMPLE_V2), &s), 0);
    cr_assert_eq(s.version, 2);
    cr_assert_eq(s.worker, 1234);
    cr_assert_eq(s.keys, 1);
    cr_assert_eq(s.suppressed, 4213);
    cr_assert_eq(s.passed, 5);
    cr_assert_eq(s.dry_run, 0);
    cr_assert_eq(s.cls, RG_CLASS_CLIENT_RESET);

    /* the sample and key are plain here, so the parsed views format back */
    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_eq(n, strlen(EXAMPLE_V2));
    cr_assert_eq(memcmp(buf, EXAMPLE_V2, n), 0, "%.*s", (int) n, buf);

    /* a version 3 line with worker=, or a v2 line with keys=, is neither */
    cr_assert_not(parses("rstguard: log=error class=client_reset key=\"k\" "
                         "keys=2 suppressed=1 passed=0 window=60s "
                         "first=\"2026/11/21 10:00:01\" "
                         "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 "
                         "sample=\"\""));
    cr_assert_not(parses("rstguard: log=error class=client_reset key=\"k\" "
                         "suppressed=1 passed=0 window=60s "
                         "first=\"2026/11/21 10:00:01\" "
                         "last=\"2026/11/21 10:00:59\" dry_run=0 "
                         "sample=\"\""));
}


Test(summary, folds_other_keys_under_a_star)
{
    char        buf[2048];
    rg_summary  s = example(), p;
    size_t      n;

    s.key = str(RG_SUMMARY_OTHER_KEYS);
    s.keys = 981;
    s.suppressed = 88210;
    s.passed = 0;

    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_gt(n, 0);
    cr_assert_not_null(strstr(buf, " key=\"*\" keys=981 suppressed=88210 "
                                   "passed=0 window=60s "));
    cr_assert_eq(rg_summary_parse(buf, n, &p), 0);
    cr_assert_eq(p.keys, 981);
    cr_assert_eq(p.key.len, 1);
}


/* a line of nginx's 2048-byte buffer after its head, as the module cuts */
#define LINE_ROOM  (2048 - 128)

static void
check_cut_key(const char *key, size_t key_len, size_t sample_len)
{
    char        buf[LINE_ROOM], sample[600], out[4096];
    rg_summary  s = example(), p;
    size_t      n, k;

    memset(sample, 's', sizeof(sample));
    s.key.p = key;
    s.key.len = key_len;
    s.sample.p = sample;
    s.sample.len = sample_len;

    n = rg_summary_format(buf, sizeof(buf), &s);
    cr_assert_gt(n, 0, "a long key must not drop the summary");
    cr_assert_leq(n, sizeof(buf));
    cr_assert_eq(rg_summary_parse(buf, n, &p), 0, "%.*s", (int) n, buf);
    cr_assert_eq(p.suppressed, 4213);

    /* the key is a prefix of the real key, cut at a whole escape */
    k = rg_summary_unescape(&p.key, out, sizeof(out));
    cr_assert_neq(k, (size_t) -1);
    cr_assert_gt(k, 0);
    cr_assert_lt(k, key_len);
    cr_assert_eq(memcmp(out, key, k), 0);

    /* the sample was not crowded out: whole, or at least half the room */
    cr_assert(p.sample.len == sample_len || p.sample.len * 2 + 8 >= LINE_ROOM
              - (n - p.sample.len - p.key.len),
              "sample %zu of %zu", p.sample.len, sample_len);
}


Test(summary, cuts_a_long_or_escaped_key_to_fit_one_line)
{
    char  key[2000];

    memset(key, '7', 1950);
    check_cut_key(key, 1950, 200);
    check_cut_key(key, 1950, 0);
    check_cut_key(key, 1950, 600);

    /* 480 bytes of \x01 grow to 1,920 bytes of \x01 escapes */
    memset(key, '\x01', 480);
    check_cut_key(key, 480, 200);
    check_cut_key(key, 480, 600);
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


Test(alert, formats_and_parses_the_design_example)
{
    char      buf[2048];
    rg_alert  a, p;
    size_t    n;

    memset(&a, 0, sizeof(a));
    a.log = RG_SUMMARY_LOG_ERROR;
    a.cls = RG_CLASS_CLIENT_RESET;
    a.rate_centi = 1250;
    a.limit = 10;
    a.limit_unit = 's';
    a.window = 60;
    a.top_key = str("203.0.113.7");
    a.top_upstream = str("10.0.0.5:8080");
    a.sample = str("recv() failed (104: Connection reset by peer) while ...");

    n = rg_alert_format(buf, sizeof(buf), &a);
    cr_assert_eq(n, strlen(ALERT), "%.*s", (int) n, buf);
    cr_assert_eq(memcmp(buf, ALERT, n), 0, "%.*s", (int) n, buf);

    cr_assert_eq(rg_alert_parse(buf, n, &p), 0);
    cr_assert_eq(p.log, RG_SUMMARY_LOG_ERROR);
    cr_assert_eq(p.cls, RG_CLASS_CLIENT_RESET);
    cr_assert_eq(p.rate_centi, 1250);
    cr_assert_eq(p.limit, 10);
    cr_assert_eq(p.limit_unit, 's');
    cr_assert_eq(p.window, 60);
    cr_assert_eq(p.top_key.len, 11);
    cr_assert_eq(memcmp(p.top_upstream.p, "10.0.0.5:8080", 13), 0);

    /* a summary is not an alert, nor the other way round */
    cr_assert_neq(rg_alert_parse(EXAMPLE, strlen(EXAMPLE), &p), 0);
    cr_assert_not(parses(ALERT));
}


Test(alert, rejects_everything_not_exactly_in_the_grammar)
{
    char      buf[4096];
    rg_alert  a;
    size_t    i;

    static const char  *bad[] = {
        ALERT " ",
        ALERT "\n",
        /* rate: no decimals, one decimal, a sign; unit; order */
        "rstguard: alert log=error class=client_reset rate=12/s limit=10r/s "
        "window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=12.5/s "
        "limit=10r/s window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=-1.00/s "
        "limit=10r/s window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=1.00/s "
        "limit=10r/h window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=1.00/s "
        "limit=10r/s window=60s top_upstream=\"\" top_key=\"k\" sample=\"\"",
        "rstguard: alert log=stream class=client_reset rate=1.00/s "
        "limit=10r/s window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=nothing rate=1.00/s "
        "limit=10r/s window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=1.00/s "
        "limit=010r/s window=60s top_key=\"k\" top_upstream=\"\" sample=\"\"",
        "rstguard: alert log=error class=client_reset rate=1.00/s "
        "limit=10r/s window=60s top_key=\"k\\q\" top_upstream=\"\" sample=\"\"",
        "",
    };

    cr_assert_eq(rg_alert_parse(ALERT, strlen(ALERT), &a), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_neq(rg_alert_parse(bad[i], strlen(bad[i]), &a), 0,
                      "accepted: %s", bad[i]);
    }

    for (i = 0; i < strlen(ALERT); i++) {
        memcpy(buf, ALERT, i);
        cr_assert_neq(rg_alert_parse(buf, i, &a), 0, "prefix %zu", i);
    }
}


Test(alert, parses_whole_lines_and_cuts_long_values_to_fit)
{
    const char  *line = "2026/11/21 10:01:00 [warn] 1234#1234: " ALERT;
    char         buf[LINE_ROOM], key[2000];
    rg_alert     a, p;
    int          level;
    size_t       n;

    cr_assert_eq(rg_alert_parse_line(line, strlen(line), &a, &level), 0);
    cr_assert_eq(level, 5);
    cr_assert_eq(a.rate_centi, 1250);

    memset(key, '\x01', sizeof(key));
    a.top_key.p = key;
    a.top_key.len = sizeof(key);
    a.top_upstream = a.top_key;
    a.sample = a.top_key;
    a.limit_unit = 'm';

    n = rg_alert_format(buf, sizeof(buf), &a);
    cr_assert_gt(n, 0);
    cr_assert_eq(rg_alert_parse(buf, n, &p), 0, "%.*s", (int) n, buf);
    cr_assert_eq(p.limit_unit, 'm');
    cr_assert_gt(p.top_key.len, 0);
    cr_assert_gt(p.sample.len, 0);
    cr_assert_gt(p.top_upstream.len, 0);
}
