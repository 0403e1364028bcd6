/*
 * rstscan's pipeline end to end on real files: format detection, the
 * syslog prefix, rotation order, --since/--until/--tz, Java folding and
 * its limits, every bad input (missing, directory, truncated gzip, NUL,
 * CRLF, invalid UTF-8, a line of several MiB, an empty file) and merging
 * aggregates.  Rules: the shipped ones plus a few for the formats whose
 * shipped rules are pinned by their own tests.
 */

#define _GNU_SOURCE

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "agg.h"
#include "print.h"
#include "report.h"
#include "rotate.h"
#include "scan.h"
#include "scan_files.h"
#include "searcher.h"
#include "rgt_tmp.h"

static char         dir[RGT_TMP_DIR_MAX];
static rg_ruleset  *rules;

/* test rules for formats other than nginx (ids do not clash: test.*) */
static const char  test_rules[] =
    "- id: test.haproxy.cd\n  format: haproxy\n  class: client_closed\n"
    "  match: '^C[DRH]'\n"
    "- id: test.apache.reset\n  format: apache-error\n"
    "  class: client_reset\n  match: '^\\(104\\)'\n"
    "- id: test.java.pipe\n  format: java\n  class: broken_pipe\n"
    "  match: 'Broken pipe'\n"
    "- id: test.java.abort\n  format: java\n  class: client_closed\n"
    "  match: 'ClientAbortException'\n"
    "- id: test.generic\n  format: generic\n  class: conn_aborted\n"
    "  match: 'Software caused connection abort'\n";

static void
setup(void)
{
    rg_error  err;

    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "scan"), 0);
    rules = rg_ruleset_create();
    cr_assert_eq(rg_ruleset_add_shipped(rules, &err), 0, "%s", err.msg);
    cr_assert_eq(rg_ruleset_add_buffer(rules, "test.yaml", test_rules,
                                       strlen(test_rules), &err), 0,
                 "%s", err.msg);
    cr_assert_eq(rg_ruleset_compile(rules, &err), 0, "%s", err.msg);
}

static void
teardown(void)
{
    rg_ruleset_destroy(rules);
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(scan_pipeline, .init = setup, .fini = teardown, .timeout = 30);

static const char *
path_of(const char *name)
{
    static char  buf[4][256];
    static int   i;

    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

static const char *
write_file(const char *name, const char *data, size_t len)
{
    const char  *p = path_of(name);
    FILE        *f = fopen(p, "wb");

    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

#define write_text(name, text) write_file(name, text, strlen(text))

static void
scan_cfg(rs_agg *agg, const rs_scan_config *cfg, const char **files,
    size_t n)
{
    char         err[256];
    rs_scanner  *sc;

    rs_agg_init(agg);
    sc = rs_scanner_create(cfg, agg, err, sizeof(err));
    cr_assert_not_null(sc, "%s", err);
    for (size_t i = 0; i < n; i++) {
        rs_scan_path(sc, files[i]);
    }
    rs_scanner_destroy(sc);
}

static char *json_of_files(const char **files, size_t n, int threads,
    uint64_t chunk, size_t keys);
static json_int_t json_count(const char *text, const char *cls);

static void
scan1(rs_agg *agg, const char *file)
{
    rs_scan_config  cfg = { .format = -1, .rules = rules, .year = 2026 };

    scan_cfg(agg, &cfg, &file, 1);
}

#define NGX_RESET(t, ip)                                                    \
    "2026/11/21 " t " [info] 1#1: *1 recv() failed (104: Connection reset" \
    " by peer) while reading client request line, client: " ip ","        \
    " server: s\n"

#define NGX_CLOSED(t, ip)                                                   \
    "2026/11/21 " t " [info] 1#1: *2 client prematurely closed connection" \
    " while sending response to client, client: " ip ", server: s,"       \
    " request: \"GET /f HTTP/1.1\", host: \"h\"\n"

/* --- detection ----------------------------------------------------------- */

Test(scan_pipeline, auto_detects_every_format)
{
    static const struct { const char *name, *text, *format; } c[] = {
        { "a", NGX_RESET("10:00:00", "1.1.1.1"), "nginx-error" },
        { "b", "1.1.1.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\""
               " 499 0 \"-\" \"-\"\n", "nginx-access" },
        { "c", "[Sat Nov 21 10:00:00.1 2026] [proxy:error] [pid 1:tid 2]"
               " (104)Connection reset by peer: [client 1.1.1.1:1] AH01\n",
               "apache-error" },
        { "d", "1.1.1.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\""
               " 200 5 \"-\" \"-\" X\n", "apache-access" },
        { "e", "Nov 21 10:00:00 lb haproxy[1]: 1.1.1.1:5 [21/Nov/2026:"
               "10:00:00.1] fe be/s 1/0/1/-1/2 -1 0 - - CD-- 1/1/0/0/0 0/0"
               " \"GET / HTTP/1.1\"\n", "haproxy" },
        { "f", "21-Nov-2026 10:00:00.123 SEVERE [exec-1] x\n\tat a.b(c)\n",
               "java" },
        { "g", "nothing known here\n", "generic" },
        { "h", "", "generic" },
    };
    rs_agg  agg;

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        scan1(&agg, write_text(c[i].name, c[i].text));
        cr_assert_str_eq(agg.files[0].format, c[i].format, "file %s",
                         c[i].name);
        cr_assert_eq(agg.files[0].detected, 1);
        /* a file of lines no parser reads is named (an empty one is not) */
        if (strcmp(c[i].name, "g") == 0) {
            cr_assert_not_null(agg.files[0].error);
            cr_assert_not_null(strstr(agg.files[0].error, "/g: no parser "
                               "could read it (format generic): 0 of 1 lines"
                               " carry abort phrases"), "%s",
                               agg.files[0].error);
            cr_assert_eq(agg.files[0].unreadable, 1);
        } else {
            cr_assert_null(agg.files[0].error, "file %s: %s", c[i].name,
                           agg.files[0].error);
        }
        rs_agg_free(&agg);
    }
}

Test(scan_pipeline, syslog_prefix_is_stripped_for_every_format)
{
    rs_agg  agg;

    scan1(&agg, write_text("s.log",
        "Nov 21 10:00:00 web1 nginx[12]: " NGX_RESET("10:00:00", "1.1.1.1")
        "<13>Nov 21 10:00:01 web1 nginx: " NGX_RESET("10:00:01", "1.1.1.1")
        "2026-11-21T10:00:02+00:00 web1 nginx[12]: "
        NGX_CLOSED("10:00:02", "2.2.2.2")
        "<13>1 2026-11-21T10:00:03Z web1 nginx 12 - - "
        NGX_RESET("10:00:03", "1.1.1.1")));
    cr_assert_str_eq(agg.files[0].format, "nginx-error");
    cr_assert_eq(agg.lines, 4);
    cr_assert_eq(agg.unparsed, 0);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 3);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    rs_agg_free(&agg);

    scan1(&agg, write_text("h.log", "Nov 21 10:00:00 lb haproxy[1]:"
        " 1.1.1.1:5 [21/Nov/2026:10:00:00.1] fe be/s 1/0/1/-1/2 -1 0 - -"
        " CD-- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"\n"));
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    rs_agg_free(&agg);
}

/* --- rotation ------------------------------------------------------------ */

Test(scan_pipeline, rotated_sets_read_oldest_first)
{
    const char  *in[] = {
        "other.log", "access.log", "access.log.1", "access.log.10.gz",
        "access.log.2.gz", "error.log-20261121", "error.log",
        "error.log-20261119.gz", "access.log-20261120", "-",
    };
    const char  *want[] = {
        "other.log", "access.log.10.gz", "access.log.2.gz", "access.log.1",
        "access.log-20261120", "access.log", "error.log-20261119.gz",
        "error.log-20261121", "error.log", "-",
    };

    cr_assert_eq(rs_rotate_order(in, 10), 0);
    for (int i = 0; i < 10; i++) {
        cr_assert_str_eq(in[i], want[i], "position %d", i);
    }
}

/* --- time range and zone ------------------------------------------------- */

Test(scan_pipeline, since_until_and_tz)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026 };
    rs_agg          agg;
    const char     *f;

    cfg.rules = rules;
    f = write_text("t.log", NGX_RESET("09:59:59", "1.1.1.1")
                   NGX_RESET("10:00:00", "1.1.1.1") "untimed junk\n"
                   NGX_RESET("10:05:00", "1.1.1.1")
                   NGX_RESET("10:05:01", "1.1.1.1"));

    cr_assert_eq(rs_time_parse_arg("2026-11-21 10:00", &cfg.since), 0);
    cr_assert_eq(rs_time_parse_arg("2026-11-21 10:05:00", &cfg.until), 0);
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 2);
    /* the untimed line goes with the timed line before it */
    cr_assert_eq(agg.lines, 3);
    cr_assert_eq(agg.unparsed, 1);
    rs_agg_free(&agg);

    /* --tz gives naive times an offset: 10:00 at +02:00 is 08:00 UTC */
    cfg.tz = "+02:00";
    cr_assert_eq(rs_time_parse_arg("2026-11-21T08:00:00Z", &cfg.since), 0);
    cr_assert_eq(rs_time_parse_arg("2026-11-21T08:05:00Z", &cfg.until), 0);
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 2);
    rs_agg_free(&agg);

    cfg.tz = "Europe/Berlin";      /* UTC+1 in November */
    cr_assert_eq(rs_time_parse_arg("2026-11-21T09:00:00Z", &cfg.since), 0);
    cr_assert_eq(rs_time_parse_arg("2026-11-21T09:05:00Z", &cfg.until), 0);
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 2);

    rs_report       rep;
    rs_report_opts  o = { .top = 10, .burst_n = 10, .burst_seconds = 60 };
    char            buf[64];

    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    cr_assert_eq(rep.ntimeline[RG_CLASS_CLIENT_RESET], 2);
    cr_assert_str_eq(rs_time_format(&rep.timeline[RG_CLASS_CLIENT_RESET][0]
                                    .minute, 0, buf, sizeof(buf)),
                     "2026-11-21T10:00+01:00");
    rs_report_free(&rep);
    rs_agg_free(&agg);

    /* without a range the zone still applies, to every format */
    memset(&cfg.since, 0, sizeof(rs_ts));
    memset(&cfg.until, 0, sizeof(rs_ts));
    cfg.tz = "-03:30";
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    cr_assert_eq(rep.ntimeline[RG_CLASS_CLIENT_RESET], 3);
    cr_assert_str_eq(rs_time_format(&rep.timeline[RG_CLASS_CLIENT_RESET][0]
                                    .minute, 0, buf, sizeof(buf)),
                     "2026-11-21T09:59-03:30");
    cr_assert_eq(rep.timeline[RG_CLASS_CLIENT_RESET][0].minute.sec,
                 rs_civil_to_sec(2026, 11, 21, 13, 29, 0));
    rs_report_free(&rep);
    rs_agg_free(&agg);
}

/* --- Java records -------------------------------------------------------- */

Test(scan_pipeline, java_stack_trace_is_one_record)
{
    rs_agg       agg;
#define JAVA_RECORD                                                         \
        "21-Nov-2026 10:00:00.123 SEVERE [exec-1] Servlet failed\n"           \
        " org.apache.catalina.connector.ClientAbortException:"              \
        " java.io.IOException: Broken pipe\n"                                \
        "\tat org.apache.catalina.connector.OutputBuffer.doFlush(X.java:1)\n" \
        "Caused by: java.io.IOException: Broken pipe\n"                      \
        "\t... 12 more\n"
    const char  *text =
        "orphan continuation line\n"
        JAVA_RECORD
        "21-Nov-2026 10:00:01.000 INFO [main] started\n"
        "21-Nov-2026 10:00:02.000 WARNING [exec-2] org.apache.catalina"
        ".connector.ClientAbortException\n";

    scan1(&agg, write_text("j.log", text));
    cr_assert_str_eq(agg.files[0].format, "java");
    cr_assert_eq(agg.lines, 8);
    cr_assert_eq(agg.unparsed, 1);
    cr_assert_eq(agg.cls[RG_CLASS_BROKEN_PIPE].count, 1);
    /* the whole record: its five physical lines */
    cr_assert_eq(agg.cls[RG_CLASS_BROKEN_PIPE].bytes, strlen(JAVA_RECORD));
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    rs_agg_free(&agg);
}

Test(scan_pipeline, java_record_limit_is_a_limit_hit)
{
    rs_agg   agg;
    char    *text, *p;
    size_t   cap = 128 + 10005 * 24;

    text = malloc(cap);
    p = text + sprintf(text, "21-Nov-2026 10:00:00.123 SEVERE x\n");
    for (int i = 0; i < 10004; i++) {
        p += sprintf(p, "\tat a.b(c:%05d)\n", i);
    }
    p += sprintf(p, "21-Nov-2026 10:00:01.000 INFO next\n");

    scan1(&agg, write_file("big.log", text, (size_t) (p - text)));
    cr_assert_eq(agg.limit_hits, 1);
    cr_assert_eq(agg.lines, 10006);
    /* 10,000 lines in the record, the 5 after it unparsed */
    cr_assert_eq(agg.unparsed, 5);
    rs_agg_free(&agg);
    free(text);
}

/* --- bad input ----------------------------------------------------------- */

Test(scan_pipeline, missing_and_directory_are_named_and_others_scanned)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026 };
    rs_agg          agg;
    const char     *files[3];

    cfg.rules = rules;
    files[0] = path_of("none.log");
    files[1] = dir;
    files[2] = write_text("ok.log", NGX_RESET("10:00:00", "1.1.1.1"));
    scan_cfg(&agg, &cfg, files, 3);

    cr_assert_eq(agg.nfiles, 3);
    cr_assert_not_null(strstr(agg.files[0].error, "none.log: No such file"));
    cr_assert_null(agg.files[0].format);
    cr_assert_not_null(strstr(agg.files[1].error, "is a directory"));
    cr_assert_null(agg.files[2].error);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 1);
    rs_agg_free(&agg);
}

Test(scan_pipeline, truncated_gzip_counts_what_was_read)
{
    rs_agg       agg;
    char        *text, *gz;
    size_t       n = 0, glen;
    const char  *line = NGX_RESET("10:00:00", "1.1.1.1");
    gzFile       g;
    FILE        *f;
    const char  *p = path_of("t.log.gz");

    text = malloc(2000 * strlen(line));
    for (int i = 0; i < 2000; i++) {
        memcpy(text + n, line, strlen(line));
        n += strlen(line);
    }
    g = gzopen(p, "wb");
    gzwrite(g, text, (unsigned) n);
    gzclose(g);

    gz = malloc(1 << 20);
    f = fopen(p, "rb");
    glen = fread(gz, 1, 1 << 20, f);
    fclose(f);
    write_file("t.log.gz", gz, glen / 2);

    scan1(&agg, p);
    cr_assert_not_null(agg.files[0].error);
    cr_assert_not_null(strstr(agg.files[0].error, "t.log.gz: truncated gzip"),
                       "%s", agg.files[0].error);
    cr_assert(agg.lines > 0 && agg.lines < 2000, "%lu lines",
              (unsigned long) agg.lines);
    /* every whole line decoded was counted, and the cut one as a line */
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count,
                 agg.bytes / strlen(line));
    cr_assert_eq(agg.lines, (agg.bytes + strlen(line) - 1) / strlen(line));
    rs_agg_free(&agg);
    free(text);
    free(gz);
}

Test(scan_pipeline, nul_crlf_utf8_and_empty_are_handled)
{
    rs_agg  agg;
    char    text[1024];
    size_t  n = 0;

    n += (size_t) sprintf(text + n, "%s", NGX_RESET("10:00:00", "1.1.1.1"));
    text[n - 1] = '\r';
    text[n++] = '\n';
    memcpy(text + n, "\0\0\0\0\n", 5);
    n += 5;
    n += (size_t) sprintf(text + n, "\xff\xfe invalid \xc3\x28 utf-8\n");
    n += (size_t) sprintf(text + n, "%s", NGX_CLOSED("10:00:01", "2.2.2.2"));

    scan1(&agg, write_file("n.log", text, n));
    cr_assert_str_eq(agg.files[0].format, "nginx-error");
    cr_assert_eq(agg.lines, 4);
    cr_assert_eq(agg.bytes, n);
    cr_assert_eq(agg.unparsed, 2);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 1);
    /* the CR is part of the record's bytes */
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].bytes,
                 strlen(NGX_RESET("10:00:00", "1.1.1.1")) + 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    rs_agg_free(&agg);

    scan1(&agg, write_text("empty.log", ""));
    cr_assert_eq(agg.lines, 0);
    cr_assert_eq(agg.bytes, 0);
    cr_assert_null(agg.files[0].error);
    rs_agg_free(&agg);
}

Test(scan_pipeline, line_of_several_mib_is_capped_and_counted)
{
    size_t       big = 5u << 20, n;
    char        *text = malloc(big + 1024);
    const char  *head = "2026/11/21 10:00:00 [info] 1#1: *1 recv() failed"
                        " (104: Connection reset by peer) while reading"
                        " client request line, client: 9.9.9.9, request:"
                        " \"GET /";
    rs_agg       agg;

    n = strlen(head);
    memcpy(text, head, n);
    memset(text + n, 'a', big - n);
    n = big;
    text[n++] = '\n';
    n += (size_t) sprintf(text + n, "%s", NGX_CLOSED("10:00:01", "2.2.2.2"));

    scan1(&agg, write_file("long.log", text, n));
    cr_assert_eq(agg.lines, 2);
    cr_assert_eq(agg.bytes, n);
    /* the message is at the start: still classified, all bytes counted */
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].bytes, big + 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    rs_agg_free(&agg);
    free(text);
}

/* A searcher reset onto another reader (the next chunk of a file) drops
   what it had buffered of the last one, and counts
   lines from 1 again. */
Test(scan_pipeline, searcher_reset_starts_over_on_the_next_reader)
{
    const char  *a, *b;
    char         err[256];
    rs_reader   *ra, *rb, *rc;
    rs_searcher *s;
    rs_line      ln;

    a = write_file("ra.txt", "one\ntwo\nthree\n", 14);
    b = write_file("rb.txt", "0123456789four\nfive", 19);

    ra = rs_reader_open(a, err, sizeof(err));
    cr_assert_not_null(ra);
    s = rs_searcher_create(ra);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.len, 3);
    cr_assert_eq(memcmp(ln.p, "one", 3), 0);
    rs_reader_close(ra);

    /* the chunk of b from byte 10: "four\nfive" */
    rb = rs_reader_open_range(b, 10, 9, err, sizeof(err));
    cr_assert_not_null(rb);
    rs_searcher_reset(s, rb);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.len, 4);
    cr_assert_eq(ln.bytes, 5);
    cr_assert_eq(ln.lineno, 1);
    cr_assert_eq(memcmp(ln.p, "four", 4), 0);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.len, 4);
    cr_assert_eq(ln.lineno, 2);
    cr_assert_eq(memcmp(ln.p, "five", 4), 0);
    cr_assert_eq(rs_searcher_next(s, &ln), 0);
    rs_reader_close(rb);

    /* at its end, then on again: the first line of the new reader */
    rc = rs_reader_open_range(a, 4, 10, err, sizeof(err));
    cr_assert_not_null(rc);
    rs_searcher_reset(s, rc);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.lineno, 1);
    cr_assert_eq(ln.len, 3);
    cr_assert_eq(memcmp(ln.p, "two", 3), 0);
    rs_searcher_destroy(s);
    rs_reader_close(rc);
}

Test(scan_pipeline, searcher_hands_out_capped_long_lines)
{
    const char  *p;
    size_t       big = 3u << 20;
    char        *text = malloc(big + 16), err[256];
    rs_reader   *r;
    rs_searcher *s;
    rs_line      ln;

    memset(text, 'x', big);
    memcpy(text + big, "\nok\r\nlast", 9);
    p = write_file("l.txt", text, big + 9);

    r = rs_reader_open(p, err, sizeof(err));
    cr_assert_not_null(r);
    s = rs_searcher_create(r);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.truncated, 1);
    cr_assert_eq(ln.len, RS_LINE_CAP);
    cr_assert_eq(ln.bytes, big + 1);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.len, 2);
    cr_assert_eq(ln.bytes, 4);
    cr_assert_eq(memcmp(ln.p, "ok", 2), 0);
    cr_assert_eq(rs_searcher_next(s, &ln), 1);
    cr_assert_eq(ln.len, 4);
    cr_assert_eq(ln.bytes, 4);
    cr_assert_eq(ln.lineno, 3);
    cr_assert_eq(rs_searcher_next(s, &ln), 0);
    rs_searcher_destroy(s);
    rs_reader_close(r);
    free(text);
}

/*
 * The lines a searcher hands out from r: every third step through
 * rs_searcher_lines and rs_searcher_skip (the light path's way, one line
 * at a time), the others through rs_searcher_next, as one text of
 * "lineno bytes truncated|line" records.  The caller frees it.
 */
static char *
searched_lines(rs_reader *r, size_t *len)
{
    rs_searcher  *s = rs_searcher_create(r);
    size_t        cap = 1u << 20, n = 0, k, step = 0, ll;
    char         *out = malloc(cap);
    const char   *p, *nl;
    rs_line       ln;
    int           rc;

    cr_assert_not_null(s);
    cr_assert_not_null(out);

    for ( ;; step++) {
        if (step % 3 == 0 && rs_searcher_lines(s, &p, &k)) {
            nl = memchr(p, '\n', k);
            cr_assert_not_null(nl);
            ll = (size_t) (nl - p);
            ln.p = p;
            ln.bytes = ll + 1;
            ln.truncated = ll > RS_LINE_CAP;
            ln.len = ln.truncated ? RS_LINE_CAP
                     : ll > 0 && p[ll - 1] == '\r' ? ll - 1 : ll;
            ln.lineno = 0;
            rs_searcher_skip(s, ll + 1, 1);
        } else {
            rc = rs_searcher_next(s, &ln);
            cr_assert_geq(rc, 0);
            if (rc == 0) {
                break;
            }
        }

        if (cap - n < ln.len + 64) {
            cap = cap * 2 + ln.len;
            out = realloc(out, cap);
            cr_assert_not_null(out);
        }
        n += (size_t) snprintf(out + n, cap - n, "%llu %d|",
                               (unsigned long long) ln.bytes,
                               (int) ln.truncated);
        memcpy(out + n, ln.p, ln.len);
        n += ln.len;
        out[n++] = '\n';
    }

    rs_searcher_destroy(s);
    *len = n;
    return out;
}

/*
 * A plain file is read 128 KiB at a time, a gzip or zstd one from its
 * decoding thread's 256 KiB blocks: the buffer's edges fall elsewhere.
 * From a gzip and a zstd copy the searcher hands out the plain file's
 * lines, byte for byte: lines longer than RS_LINE_CAP are cut whether the
 * buffer held them whole or not (a 70 KiB line used to come whole from
 * one read and cut from another), lines just under it, CRLF, no newline
 * at the end.
 */
Test(scan_pipeline, searcher_hands_out_the_same_lines_from_plain_gzip_and_zstd)
{
    size_t       cap = 6u << 20, n = 0, i, k, len[3];
    char        *text = malloc(cap), err[256], cmd[1024], *got[3];
    const char  *plain, *names[3];
    rs_reader   *r;
    gzFile       g;

    cr_assert_not_null(text);
    for (i = 0; n < (5u << 20); i++) {
        k = i % 40 == 7 ? 300000 + i           /* longer than a block */
            : i % 40 == 9 ? 70000 + i % 5000   /* past the cap, whole in
                                                  a block */
            : i % 40 == 11 ? RS_LINE_CAP - 1
            : i * 37 % 500;
        for (size_t j = 0; j < k; j++) {
            text[n + j] = (char) ('a' + (i + j) % 26);
        }
        n += k;
        if (i % 13 == 0) {
            text[n++] = '\r';
        }
        text[n++] = '\n';
    }
    memcpy(text + n, "the last line", 13);
    n += 13;

    plain = write_file("swap.log", text, n);
    g = gzopen(path_of("swap.log.gz"), "wb1");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, text, (unsigned) n), (int) n);
    cr_assert_eq(gzclose(g), Z_OK);
    snprintf(cmd, sizeof(cmd), "zstd -q -f -o '%s' '%s'",
             path_of("swap.log.zst"), plain);
    cr_assert_eq(system(cmd), 0, "%s", cmd);

    names[0] = "swap.log";
    names[1] = "swap.log.gz";
    names[2] = "swap.log.zst";
    for (i = 0; i < 3; i++) {
        r = rs_reader_open(path_of(names[i]), err, sizeof(err));
        cr_assert_not_null(r, "%s", err);
        got[i] = searched_lines(r, &len[i]);
        rs_reader_close(r);
    }

    /* the plain file's own: the 300 KiB lines cut, the last line there */
    cr_assert_not_null(memmem(got[0], len[0], "\n300008 1|", 10));
    cr_assert_not_null(memmem(got[0], len[0], "\n13 0|the last line\n",
                              20));

    for (i = 1; i < 3; i++) {
        cr_assert_eq(len[i], len[0], "%s", names[i]);
        cr_assert(memcmp(got[i], got[0], len[0]) == 0, "%s", names[i]);
        free(got[i]);
    }

    free(got[0]);
    free(text);
}

/* --- access-log classes and merging -------------------------------------- */

Test(scan_pipeline, completion_and_content_length)
{
    rs_scan_config  cfg = { .format = RG_FORMAT_NGINX_ACCESS, .year = 2026 };
    rs_agg          agg;
    const char     *f;

    cfg.rules = rules;
    cfg.log_format = "$remote_addr [$time_local] \"$request\" $status"
                     " $body_bytes_sent \"$request_completion\""
                     " $sent_http_content_length";
    f = write_text("c.log",
        "1.1.1.1 [21/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 100"
        " \"OK\" 100\n"                                  /* complete */
        "1.1.1.1 [21/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 50"
        " \"\" 100\n"                                    /* client left */
        "1.1.1.1 [21/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 40"
        " \"OK\" 100\n"                                  /* cut short */
        "1.1.1.1 [21/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 404 40"
        " \"\" -\n"                                      /* no abort */
        "1.1.1.1 [21/Nov/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 499 0"
        " \"\" -\n");
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.unparsed, 0);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 2);
    cr_assert_eq(agg.cls[RG_CLASS_TRUNCATED].count, 1);
    rs_agg_free(&agg);

    /* plain combined: only 499 and 408 */
    cfg.log_format = NULL;
    f = write_text("comb.log",
        "1.1.1.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 5"
        " \"-\" \"-\"\n"
        "1.1.1.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 499 0"
        " \"-\" \"-\"\n"
        "1.1.1.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 408 0"
        " \"-\" \"-\"\n");
    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_TIMEOUT].count, 1);
    cr_assert_eq(agg.cls[RG_CLASS_TRUNCATED].count, 0);
    rs_agg_free(&agg);
}

Test(scan_pipeline, merged_shards_equal_one_scan)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026 };
    rs_agg          one, a, b;
    const char     *files[2];
    rs_report       r1, r2;
    rs_report_opts  o = { .top = 10, .burst_n = 3, .burst_seconds = 60 };

    cfg.rules = rules;
    files[0] = write_text("x1.log", NGX_RESET("10:00:00", "1.1.1.1")
                          NGX_RESET("10:00:10", "1.1.1.1")
                          NGX_CLOSED("10:00:20", "2.2.2.2"));
    files[1] = write_text("x2.log", NGX_RESET("10:00:20", "1.1.1.1")
                          NGX_RESET("10:02:00", "3.3.3.3"));
    scan_cfg(&one, &cfg, files, 2);
    scan_cfg(&a, &cfg, files, 1);
    scan_cfg(&b, &cfg, files + 1, 1);
    cr_assert_eq(rs_agg_merge(&a, &b), 0);

    cr_assert_eq(a.lines, one.lines);
    cr_assert_eq(a.bytes, one.bytes);
    cr_assert_eq(a.nfiles, 2);
    cr_assert_eq(memcmp(a.cls, one.cls, sizeof(one.cls)), 0);

    cr_assert_eq(rs_report_build(&r1, &one, &o), 0);
    cr_assert_eq(rs_report_build(&r2, &a, &o), 0);
    cr_assert_eq(r1.nclasses, r2.nclasses);
    cr_assert_eq(r2.classes[0].ntop[RS_DIM_CLIENT], 2);
    cr_assert_str_eq(r2.classes[0].top[RS_DIM_CLIENT][0].key, "1.1.1.1");
    cr_assert_eq(r2.classes[0].top[RS_DIM_CLIENT][0].count, 3);
    /* the burst spans both shards */
    cr_assert_eq(r1.nbursts, 1);
    cr_assert_eq(r2.nbursts, 1);
    cr_assert_eq(r2.bursts[0].count, 3);
    cr_assert_str_eq(r2.bursts[0].key, "1.1.1.1");
    cr_assert_eq(r2.ntimeline[RG_CLASS_CLIENT_RESET], 2);
    cr_assert_eq(r2.timeline[RG_CLASS_CLIENT_RESET][0].count, 3);

    rs_report_free(&r1);
    rs_report_free(&r2);
    rs_agg_free(&one);
    rs_agg_free(&a);
    rs_agg_free(&b);
}

/* A file cut in two and scanned by two threads counts exactly the same. */
Test(scan_pipeline, two_threads_count_what_one_does)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026 };
    rs_agg          one, two;
    rs_report       r1, r2;
    rs_report_opts  o = { .top = 5, .burst_n = 3, .burst_seconds = 60 };
    size_t          cap = 10u << 20, n = 0;
    char           *text = malloc(cap + 512);
    const char     *f;
    int             i = 0;

    cfg.rules = rules;
    while (n < 9u << 20) {
        /* a fifth aborts */
        n += (size_t) sprintf(text + n, i % 5 == 0 ? "2026/11/21 10:%02d:%02d"
            " [info] 1#1: *1 recv() failed (104: Connection reset by peer)"
            " while reading client request line, client: 10.0.%d.%d,"
            " server: s\n" : "2026/11/21 10:%02d:%02d [notice] 1#1: some"
            " ordinary line %d %d\n", i / 60 % 60, i % 60, i % 7, i % 251);
        i++;
    }
    f = write_file("split.log", text, n);
    free(text);

    cfg.threads = 1;
    scan_cfg(&one, &cfg, &f, 1);
    cfg.threads = 2;
    scan_cfg(&two, &cfg, &f, 1);

    cr_assert_eq(two.nfiles, 1);
    cr_assert_eq(two.files[0].lines, (uint64_t) i);
    cr_assert_eq(two.files[0].bytes, n);
    cr_assert_eq(two.lines, one.lines);
    cr_assert_eq(two.bytes, one.bytes);
    cr_assert_eq(memcmp(two.cls, one.cls, sizeof(one.cls)), 0);
    cr_assert_eq(two.cls[RG_CLASS_CLIENT_RESET].count, (uint64_t) (i + 4) / 5);

    cr_assert_eq(rs_report_build(&r1, &one, &o), 0);
    cr_assert_eq(rs_report_build(&r2, &two, &o), 0);
    cr_assert_eq(r1.nbursts, r2.nbursts);
    for (size_t k = 0; k < r1.nbursts; k++) {
        cr_assert_str_eq(r1.bursts[k].key, r2.bursts[k].key);
        cr_assert_eq(r1.bursts[k].count, r2.bursts[k].count);
    }
    for (size_t k = 0; k < r1.classes[0].ntop[RS_DIM_CLIENT]; k++) {
        cr_assert_str_eq(r1.classes[0].top[RS_DIM_CLIENT][k].key,
                         r2.classes[0].top[RS_DIM_CLIENT][k].key);
        cr_assert_eq(r1.classes[0].top[RS_DIM_CLIENT][k].count,
                     r2.classes[0].top[RS_DIM_CLIENT][k].count);
    }
    cr_assert_eq(r1.ntimeline[RG_CLASS_CLIENT_RESET],
                 r2.ntimeline[RG_CLASS_CLIENT_RESET]);

    rs_report_free(&r1);
    rs_report_free(&r2);
    rs_agg_free(&one);
    rs_agg_free(&two);
}

/* The --json text of agg's report (agg freed); the caller frees it. */
static char *
json_of_agg(rs_agg *agg)
{
    rs_report_opts  o = { .top = 5, .burst_n = 3, .burst_seconds = 60 };
    rs_report       rep;
    char           *text = NULL;
    size_t          len = 0;
    FILE           *out;

    cr_assert_eq(rs_report_build(&rep, agg, &o), 0);
    out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    cr_assert_eq(rs_print_json(&rep, out), 0);
    fclose(out);
    rs_report_free(&rep);
    rs_agg_free(agg);
    return text;
}

/* The --json text of one scan of file with `threads` threads, chunks of
   `chunk` bytes; the caller frees it. */
static char *
json_of_scan(const char *file, int threads, uint64_t chunk)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026, .threads = threads,
                            .split_chunk = chunk };
    rs_agg          agg;

    cfg.rules = rules;
    scan_cfg(&agg, &cfg, &file, 1);
    return json_of_agg(&agg);
}

/*
 * The --json of file scanned in 1 MiB chunks, the same with 1, 2 and 7
 * threads (7 leave chunks to whoever is free first, so the joins happen
 * out of scanning order); the caller frees it.
 */
static char *
json_any_threads(const char *file)
{
    char  *j1 = json_of_scan(file, 1, 1u << 20);
    char  *j2 = json_of_scan(file, 2, 1u << 20);
    char  *j7 = json_of_scan(file, 7, 1u << 20);

    cr_assert_str_eq(j2, j1);
    cr_assert_str_eq(j7, j1);
    free(j2);
    free(j7);
    return j1;
}

/* A class's count in a --json text; with cls NULL, its lines. */
static json_int_t
json_count(const char *text, const char *cls)
{
    json_error_t  e;
    json_t       *doc = json_loads(text, 0, &e), *v;
    json_int_t    n;

    cr_assert_not_null(doc, "%s", e.text);
    v = cls == NULL ? json_object_get(doc, "lines")
        : json_object_get(json_object_get(json_object_get(doc, "classes"),
                                          cls), "count");
    cr_assert(json_is_integer(v), "%s", cls ? cls : "lines");
    n = json_integer_value(v);
    json_decref(doc);
    return n;
}

/*
 * -j N over several inputs (scan_files.h): the split file beside an
 * access log (another format), a gzip and a zstd file of its own lines
 * (the first and second halves), read a file per worker, committed in the
 * order given: 1, 2 and 7 threads print the same JSON, with two inputs
 * and with four (the large file split alone by every thread, then the
 * three others a worker each).
 */
static void
several_inputs_print_the_same_json(const char *big, const char *text,
    size_t n, int lines)
{
    char         cmd[1024], acc[8192], *j1, *j2, *j7, name[4][256];
    const char  *f[4] = { name[0], name[1], name[2], name[3] };
    size_t       half, alen = 0, nf, c;
    gzFile       g;
    int          k;

    for (k = 0; k < 60; k++) {
        alen += (size_t) snprintf(acc + alen, sizeof(acc) - alen,
            "10.5.0.%d - - [21/Nov/2026:10:00:%02d +0000] \"GET /a%d"
            " HTTP/1.1\" %d 0 \"-\" \"curl/8.0\"\n", k, k, k % 7,
            k % 3 == 0 ? 499 : 200);
    }

    half = (const char *) memchr(text + n / 2, '\n', n / 2) + 1 - text;
    /* path_of's buffers are reused: the names are copied */
    snprintf(name[0], sizeof(name[0]), "%s", big);
    snprintf(name[1], sizeof(name[1]), "%s",
             write_file("jobs-access.log", acc, alen));
    snprintf(name[2], sizeof(name[2]), "%s", path_of("jobs-a.log.gz"));
    g = gzopen(f[2], "wb");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, text, (unsigned) half), (int) half);
    cr_assert_eq(gzclose(g), Z_OK);
    write_file("jobs-b.log", text + half, n - half);
    snprintf(cmd, sizeof(cmd), "zstd -q -f -o '%s' '%s'",
             path_of("jobs-b.log.zst"), path_of("jobs-b.log"));
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(name[3], sizeof(name[3]), "%s", path_of("jobs-b.log.zst"));

    for (nf = 2; nf <= 4; nf += 2) {
        j1 = json_of_files(f, nf, 1, 1u << 20, 0);
        j2 = json_of_files(f, nf, 2, 1u << 20, 0);
        j7 = json_of_files(f, nf, 7, 1u << 20, 0);
        cr_assert_str_eq(j2, j1, "%zu inputs", nf);
        cr_assert_str_eq(j7, j1, "%zu inputs", nf);
        c = (size_t) json_count(j1, NULL);
        cr_assert_eq(c, (size_t) (nf == 2 ? lines + 60 : 2 * lines + 60),
                     "%zu inputs: %zu lines", nf, c);
        cr_assert_eq(json_count(j1, "client_closed"),
                     (nf == 2 ? 1 : 2) * ((lines + 1) / 3) + 20);
        free(j1);
        free(j2);
        free(j7);
    }
}

/*
 * -j N: a file cut into nine chunks gives byte for byte the same report
 * with 1, 2 and 7 threads (7 threads leave two chunks to whoever is free
 * first, so the joins happen out of scanning order).
 */
Test(scan_pipeline, one_two_and_seven_threads_print_the_same_json)
{
    size_t       n = 0;
    char        *text = malloc((10u << 20) + 512), *j1;
    const char  *f;
    int          i = 0;

    while (n < 9u << 20) {
        n += (size_t) sprintf(text + n, i % 3 == 0 ? "2026/11/21 10:%02d:%02d"
            " [info] 1#1: *%d recv() failed (104: Connection reset by peer)"
            " while reading client request line, client: 10.2.%d.%d,"
            " server: s\n" : i % 3 == 1 ? "2026/11/21 10:%02d:%02d [info]"
            " 1#1: *%d client prematurely closed connection while sending"
            " response to client, client: 10.3.%d.%d, server: s\n"
            : "2026/11/21 10:%02d:%02d [notice] 1#1: *%d ordinary %d %d\n",
            i / 3000 % 60, i / 50 % 60, i, i % 13, i % 97);
        i++;
    }
    f = write_file("jobs.log", text, n);

    j1 = json_any_threads(f);
    /* and it counted what was written: a third of the lines each */
    cr_assert_eq(json_count(j1, "client_reset"), (i + 2) / 3);
    cr_assert_eq(json_count(j1, "client_closed"), (i + 1) / 3);
    cr_assert_eq(json_count(j1, NULL), i);
    free(j1);

    several_inputs_print_the_same_json(f, text, n, i);
    free(text);
}

/* The --json of files scanned as rstscan scans them (scan_files.h) with
   `threads` threads, chunks of `chunk` bytes and `keys` keys per table
   held exactly; the caller frees it. */
static char *
json_of_files(const char **files, size_t n, int threads, uint64_t chunk,
    size_t keys)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026, .threads = threads,
                            .split_chunk = chunk, .key_limit = keys };
    rs_agg          agg;
    char            err[256];

    cfg.rules = rules;
    rs_agg_init(&agg);
    cr_assert_geq(rs_scan_files(&cfg, &agg, files, n, NULL, NULL, err,
                                sizeof(err)), 0, "%s", err);
    return json_of_agg(&agg);
}

/*
 * Key tables that overflow (here at 1,500 keys, with 20,000 clients in a
 * file cut into ten chunks) drop their smallest keys, and which keys
 * survive depends on the order records arrive in.  Two threads used to
 * add their chunks' records as they came, so the approximate top lists
 * changed from run to run; each chunk's records now wait until the chunks
 * before it are in (batch.h, rs_held), and 1, 2 and 7 threads print the
 * same JSON, on one file and on that file beside a second one.
 */
Test(scan_pipeline, overflowing_key_tables_end_the_same_for_every_j)
{
    size_t       n = 0;
    char        *text = malloc((10u << 20) + 512), *j1, *j2, *j7;
    const char  *f[2];
    int          i = 0, k;

    while (n < 9u << 20) {
        k = (int) ((unsigned) i * 7919u % 20000u);
        n += (size_t) sprintf(text + n, i % 2 == 0 ? "2026/11/21 10:%02d:%02d"
            " [info] 1#1: *%d recv() failed (104: Connection reset by peer)"
            " while reading client request line, client: 10.4.%d.%d,"
            " server: s\n" : "2026/11/21 10:%02d:%02d [notice] 1#1: *%d"
            " ordinary %d %d\n", i / 3000 % 60, i / 50 % 60, i, k / 250,
            k % 250);
        i++;
    }
    f[0] = write_file("keys.log", text, n);
    f[1] = write_text("keys2.log", NGX_RESET("11:00:00", "10.9.9.9")
                      NGX_RESET("11:00:01", "10.4.0.0"));
    free(text);

    for (size_t files = 1; files <= 2; files++) {
        j1 = json_of_files(f, files, 1, 1u << 20, 1500);
        j2 = json_of_files(f, files, 2, 1u << 20, 1500);
        j7 = json_of_files(f, files, 7, 1u << 20, 1500);
        cr_assert_not_null(strstr(j1, "\"top\": true"), "not approximate");
        cr_assert_str_eq(j2, j1, "%zu files", files);
        cr_assert_str_eq(j7, j1, "%zu files", files);
        free(j1);
        free(j2);
        free(j7);
    }
}

/*
 * The JSON timeline, parsed back by jansson, holds each point of the
 * report's timeline in order, as an object of exactly "minute" and
 * "count" (print_json.c writes the points without jansson).
 */
static void
timeline_parses_back(const rs_report *rep, const char *text)
{
    json_error_t  e;
    json_t       *doc, *arr, *pt;
    char          buf[64];
    size_t        c, j, classes = 0;

    doc = json_loads(text, 0, &e);
    cr_assert_not_null(doc, "line %d: %s", e.line, e.text);

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        arr = json_object_get(json_object_get(doc, "timeline"),
                              rg_class_name((rg_class) c));
        if (rep->ntimeline[c] == 0) {
            cr_assert_null(arr);
            continue;
        }

        classes++;
        cr_assert_eq(json_array_size(arr), rep->ntimeline[c]);
        for (j = 0; j < rep->ntimeline[c]; j++) {
            pt = json_array_get(arr, j);
            cr_assert_eq(json_object_size(pt), 2);
            cr_assert_str_eq(json_string_value(json_object_get(pt, "minute")),
                             rs_time_format(&rep->timeline[c][j].minute, 0,
                                            buf, sizeof(buf)));
            cr_assert_eq(json_integer_value(json_object_get(pt, "count")),
                         (json_int_t) rep->timeline[c][j].count);
        }
    }

    cr_assert_eq(json_object_size(json_object_get(doc, "timeline")), classes);
    cr_assert_eq(classes, 2);
    json_decref(doc);
}

/*
 * The timeline rendered ahead by the thread that builds it (--json) is
 * byte for byte what rs_print_json streams, with offsets and several
 * classes; past RS_JSON_AHEAD_POINTS it is left to the stream.
 */
Test(scan_pipeline, timeline_rendered_ahead_is_what_is_streamed)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026, .tz = "+05:45" };
    rs_agg          agg;
    rs_report       rep;
    rs_report_opts  o = { .top = 10, .burst_n = 3, .burst_seconds = 60 };
    char           *text = malloc(1u << 20), *a = NULL, *b = NULL;
    size_t          n = 0, alen = 0, blen = 0;
    const char     *f;
    FILE           *m;
    int             i;

    cfg.rules = rules;
    for (i = 0; i < 3000; i++) {
        n += (size_t) snprintf(text + n, 400, "2026/11/21 %02d:%02d:%02d"
            " [info] 1#1: *1 %s, client: 10.0.0.%d, server: s\n",
            i / 600, i / 10 % 60, i % 60, i % 3 ? "recv() failed (104:"
            " Connection reset by peer) while reading client request line"
            : "client prematurely closed connection while reading client"
            " request line", i % 9);
    }
    f = write_file("ahead.log", text, n);
    free(text);
    scan_cfg(&agg, &cfg, &f, 1);

    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    cr_assert_null(rep.ahead);
    m = open_memstream(&a, &alen);
    cr_assert_eq(rs_print_json(&rep, m), 0);
    fclose(m);
    rs_report_free(&rep);

    o.series_done = rs_json_timeline_ahead;
    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    cr_assert_not_null(rep.ahead);
    cr_assert_gt(rep.ntimeline[RG_CLASS_CLIENT_RESET], 250);
    cr_assert_gt(rep.ntimeline[RG_CLASS_CLIENT_CLOSED], 250);
    m = open_memstream(&b, &blen);
    cr_assert_eq(rs_print_json(&rep, m), 0);
    fclose(m);
    timeline_parses_back(&rep, b);
    rs_report_free(&rep);

    cr_assert_eq(alen, blen);
    cr_assert_str_eq(a, b);
    cr_assert_not_null(strstr(a, "\"minute\": \"2026-11-21T04:59+05:45\""));

    free(a);
    free(b);
    rs_agg_free(&agg);
}

/* --- key tables ---------------------------------------------------------- */

Test(scan_pipeline, keytab_is_exact_below_its_limit_and_says_when_not)
{
    rs_keytab  t;
    rs_kcell  *c;
    char       key[32];

    rs_keytab_init(&t, 1000);
    for (int i = 0; i < 1000; i++) {
        int  n = snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);

        for (int cls = 0; cls < 3; cls++) {
            c = rs_keytab_cell(&t, cls, key, (size_t) n);
            cr_assert_not_null(c);
            c->count += (uint64_t) (i % 5 == 0 ? 100 : 1);
        }
    }
    cr_assert_eq(t.n, 1000);
    cr_assert_eq(t.ncells, 3000);
    cr_assert_eq(t.approximate, 0);

    /* the 1001st key prunes: the 800 keys of total 3 go, the 200 of 300
       stay with their counts, and "new" comes in */
    c = rs_keytab_cell(&t, 0, "new", 3);
    cr_assert_not_null(c);
    cr_assert_eq(t.approximate, 1);
    cr_assert_eq(t.dropped_max, 4);
    cr_assert_eq(t.n, 201);
    cr_assert_eq(t.ncells, 601);
    for (size_t i = 0; i < t.n - 1; i++) {
        const rs_kcell  *k;
        int              cells = 0;

        for (k = rs_keytab_first(&t, &t.keys[i]); k != NULL;
             k = rs_keytab_next(&t, k))
        {
            cr_assert_eq(k->count, 100);
            cells++;
        }
        cr_assert_eq(cells, 3);
    }
    cr_assert_eq(memcmp(rs_keytab_text(&t, &t.keys[0]), "10.0.0.0", 8), 0);
    cr_assert_eq(memcmp(rs_keytab_text(&t, &t.keys[199]), "10.0.3.227", 10),
                 0);                                /* i = 995 */
    rs_keytab_free(&t);
}

/*
 * A prune that leaves at most one event list sets the list array's
 * capacity to 1; the next lists must still find room (growing 1 by half
 * added nothing, and a split scan of 250,000 aborting clients hung).
 */
Test(scan_pipeline, keytab_grows_its_lists_after_a_prune_that_kept_none)
{
    rs_keytab  t;
    rs_kcell  *c;
    uint64_t   ticks = 0;
    char       key[32];
    int        i, n;

    /* the hang this pins fails as SIGALRM (Criterion's own .timeout
       leaves an allocation LeakSanitizer reports under make asan) */
    alarm(20);

    rs_keytab_init(&t, 100);
    for (i = 0; i < 100; i++) {
        n = snprintf(key, sizeof(key), "10.1.0.%d", i);
        c = rs_keytab_cell(&t, 0, key, (size_t) n);
        cr_assert_not_null(c);
        c->count++;
        cr_assert_eq(rs_kcell_event(&t, c, 1000, 0, 0, 1, 1, &ticks), 0);
    }
    cr_assert_eq(t.ntimes, 0);              /* one second each: inline */

    c = rs_keytab_cell(&t, 0, "prune", 5);  /* the 101st key prunes */
    cr_assert_not_null(c);
    cr_assert_eq(t.approximate, 1);
    cr_assert_eq(t.times_cap, 1);

    /* three keys with events in two seconds: three lists */
    for (i = 0; i < 3; i++) {
        n = snprintf(key, sizeof(key), "10.2.0.%d", i);
        c = rs_keytab_cell(&t, 0, key, (size_t) n);
        cr_assert_not_null(c);
        cr_assert_eq(rs_kcell_event(&t, c, 2000, 0, 0, 1, 1, &ticks), 0);
        cr_assert_eq(rs_kcell_event(&t, c, 2001, 0, 0, 2, 1, &ticks), 0);
    }
    cr_assert_eq(t.ntimes, 3);
    cr_assert_geq(t.times_cap, 3);
    cr_assert_eq(ticks, 6);
    for (i = 0; i < 3; i++) {
        cr_assert_eq(t.times[i]->n, 2);
        cr_assert_eq(t.times[i]->v[1].n, 2);
    }
    rs_keytab_free(&t);
    alarm(0);
}

/* The event list of the key 10.3.x.y (i = x * 256 + y) as written below:
   seconds 5000 + i % 7 .. with i % 5 + 2 ticks of n = tick + 1. */
static void
expect_list(const rs_keytab *t, int i)
{
    char             key[32];
    int              n = snprintf(key, sizeof(key), "10.3.%d.%d", i / 256,
                                  i % 256);
    size_t           j;
    const rs_key    *k = NULL;
    const rs_times  *tm;
    rs_times         one;
    rs_tick          tick;

    for (j = 0; j < t->n; j++) {
        if (t->keys[j].len == (uint32_t) n
            && memcmp(rs_keytab_text(t, &t->keys[j]), key, (size_t) n) == 0)
        {
            k = &t->keys[j];
        }
    }
    cr_assert_not_null(k, "%s", key);

    tm = rs_kcell_times(t, rs_keytab_first(t, k), &one, &tick);
    cr_assert_eq(tm->n, (uint32_t) (i % 5 + 2), "%s", key);
    cr_assert_eq(tm->base, 5000 + i % 7, "%s", key);
    for (j = 0; j < tm->n; j++) {
        cr_assert_eq(tm->v[j].d, (int32_t) j, "%s", key);
        cr_assert_eq(tm->v[j].n, (uint32_t) j + 1, "%s", key);
    }
}

/*
 * A table's lists are carved from its own chunks (keytab.h): 30,000 lists
 * of two to six ticks take several chunks, and each reads back what was
 * added; the lists a prune frees are used again before a new chunk.
 */
Test(scan_pipeline, keytab_lists_share_chunks_and_reuse_what_a_prune_frees)
{
    rs_keytab  t;
    rs_kcell  *c;
    uint64_t   ticks = 0;
    char       key[32];
    int        i, j, n;
    size_t     chunks;

    rs_keytab_init(&t, 40000);
    for (i = 0; i < 30000; i++) {
        n = snprintf(key, sizeof(key), "10.3.%d.%d", i / 256, i % 256);
        c = rs_keytab_cell(&t, 1, key, (size_t) n);
        cr_assert_not_null(c);
        /* one more event for the first 10,000: they stay in a prune */
        c->count += (uint64_t) (i < 10000) + 1;
        for (j = 0; j < i % 5 + 2; j++) {
            cr_assert_eq(rs_kcell_event(&t, c, 5000 + i % 7 + j, 0, 0,
                                        (uint64_t) j + 1, 1, &ticks), 0);
        }
    }
    cr_assert_eq(t.ntimes, 30000);
    cr_assert_gt(t.ntchunks, 3, "%zu chunks", t.ntchunks);
    for (i = 0; i < 30000; i += 97) {
        expect_list(&t, i);
    }

    /* 10,001 keys more prune the table: the 20,000 counted once go, and
       their lists with them */
    for (i = 0; i < 10001; i++) {
        n = snprintf(key, sizeof(key), "10.4.%d.%d", i / 256, i % 256);
        cr_assert_not_null(rs_keytab_cell(&t, 0, key, (size_t) n));
    }
    cr_assert_eq(t.approximate, 1);
    cr_assert_eq(t.ntimes, 10000);
    chunks = t.ntchunks;

    /* 20,000 lists again: into the freed headers, no chunk more */
    for (i = 30000; i < 50000; i++) {
        n = snprintf(key, sizeof(key), "10.3.%d.%d", i / 256, i % 256);
        c = rs_keytab_cell(&t, 1, key, (size_t) n);
        cr_assert_not_null(c);
        c->count += 2;
        for (j = 0; j < i % 5 + 2; j++) {
            cr_assert_eq(rs_kcell_event(&t, c, 5000 + i % 7 + j, 0, 0,
                                        (uint64_t) j + 1, 1, &ticks), 0);
        }
    }
    cr_assert_eq(t.ntchunks, chunks);
    for (i = 0; i < 10000; i += 37) {
        expect_list(&t, i);
    }
    for (i = 30000; i < 50000; i += 41) {
        expect_list(&t, i);
    }

    rs_keytab_free(&t);
}

/* Times as far apart as int64_t allows (a --partial document may hold
   any): no burst partners, and no overflow on the way (UBSan, make asan). */
Test(scan_pipeline, times_beyond_int64_reach_are_no_burst_partners)
{
    rs_times  *tm = rs_times_new();

    cr_assert_not_null(tm);
    cr_assert_eq(rs_times_add(tm, -1000, 0, 0, 1), 0);
    cr_assert_eq(rs_times_add(tm, INT64_MAX, 0, 0, 1), 0);
    cr_assert_eq(rs_times_add(tm, INT64_MIN, 0, 0, 1), 0);
    cr_assert_eq(rs_times_add(tm, -1000 + INT32_MAX, 0, 0, 2), 0);
    cr_assert_eq(tm->n, 2);
    cr_assert_eq(tm->v[1].d, INT32_MAX);
    cr_assert_eq(tm->v[1].n, 2);
    rs_times_free(tm);
}

/* Long keys: the table prunes when their texts pass text_limit bytes,
   long before `limit` keys, and says so. */
Test(scan_pipeline, keytab_bounds_the_bytes_of_its_keys)
{
    rs_keytab  t;
    rs_kcell  *c;
    char       key[400];
    int        i;

    rs_keytab_init(&t, 200000);
    t.text_limit = 100 * 400;
    memset(key, 'u', sizeof(key));
    for (i = 0; i < 100; i++) {
        snprintf(key, 16, "/%05d", i);
        key[6] = 'u';
        c = rs_keytab_cell(&t, 0, key, sizeof(key));
        cr_assert_not_null(c);
        c->count += i < 10 ? 50 : 1;
    }
    cr_assert_eq(t.n, 100);
    cr_assert_eq(t.alen, 100 * 400);
    cr_assert_eq(t.approximate, 0);

    /* the 101st would pass the bound: the 90 keys of 1 go */
    snprintf(key, 16, "/%05d", 100);
    key[6] = 'u';
    c = rs_keytab_cell(&t, 0, key, sizeof(key));
    cr_assert_not_null(c);
    cr_assert_eq(t.approximate, 1);
    cr_assert_eq(t.dropped_max, 1);
    cr_assert_eq(t.n, 11);
    cr_assert_eq(t.alen, 11 * 400);
    for (i = 0; i < 10; i++) {
        cr_assert_eq(t.cells[t.keys[i].cell - 1].count, 50);
        cr_assert_eq(memcmp(rs_keytab_text(&t, &t.keys[i]), key, 1), 0);
    }
    rs_keytab_free(&t);
}

Test(scan_pipeline, top_lists_rank_by_count_then_key)
{
    rs_agg          agg;
    rs_report       rep;
    rs_report_opts  o = { .top = 2, .burst_n = 10, .burst_seconds = 60 };
    rs_record       r;
    const char     *keys[] = { "b", "a", "c", "a", "d", "c" };

    rs_agg_init(&agg);
    memset(&r, 0, sizeof(r));
    r.cls = RG_CLASS_BROKEN_PIPE;
    r.seen = 1;
    for (int i = 0; i < 6; i++) {
        r.client.p = keys[i];
        r.client.len = 1;
        cr_assert_eq(rs_agg_record(&agg, &r), 0);
    }

    cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
    cr_assert_eq(rep.classes[0].ntop[RS_DIM_CLIENT], 2);
    cr_assert_str_eq(rep.classes[0].top[RS_DIM_CLIENT][0].key, "a");
    cr_assert_eq(rep.classes[0].top[RS_DIM_CLIENT][0].count, 2);
    cr_assert_str_eq(rep.classes[0].top[RS_DIM_CLIENT][1].key, "c");
    rs_report_free(&rep);
    rs_agg_free(&agg);
}

Test(scan_pipeline, bursts_merge_overlapping_windows)
{
    rs_times  *tm = rs_times_new();
    rs_burst  *b = NULL;
    size_t     n = 0, cap = 0;
    /* 3 in 60 s: 0,10,20 | 50 overlaps (10..50) | 200,201,259 | 400 alone */
    int64_t    at[] = { 0, 10, 20, 50, 200, 201, 259, 400, 1000, 1059 };

    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        cr_assert_eq(rs_times_add(tm, 1000000 + at[i], 0, 0, 1), 0);
    }
    cr_assert_eq(rs_times_add(tm, 1000000 + 1059, 0, 0, 1), 0);

    cr_assert_eq(rs_bursts_find(tm, 3, 60, RG_CLASS_CLIENT_RESET, "k", &b,
                                &n, &cap), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(b[0].start.sec, 1000000);
    cr_assert_eq(b[0].end.sec, 1000050);
    cr_assert_eq(b[0].count, 4);
    cr_assert_eq(b[1].start.sec, 1000200);
    cr_assert_eq(b[1].end.sec, 1000259);
    cr_assert_eq(b[1].count, 3);
    /* two events in one second count twice */
    cr_assert_eq(b[2].start.sec, 1001000);
    cr_assert_eq(b[2].count, 3);
    free(b);
    rs_times_free(tm);
}

/* Java records are cut between records: two threads fold the same. */
Test(scan_pipeline, two_threads_fold_java_records_the_same)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026 };
    rs_agg          one, two;
    size_t          cap = 10u << 20, n = 0;
    char           *text = malloc(cap + 1024);
    const char     *f;
    int             i = 0;

    cfg.rules = rules;
    while (n < 9u << 20) {
        n += (size_t) sprintf(text + n, "21-Nov-2026 10:%02d:%02d.000 SEVERE"
            " [exec-%d] Servlet failed\n", i / 60 % 60, i % 60, i % 9);
        /* long traces, so the middle of the file falls inside one */
        for (int k = 0; k < 40; k++) {
            n += (size_t) sprintf(text + n, "\tat org.example.Frame%d.run"
                                  "(Frame.java:%d)\n", k, i);
        }
        n += (size_t) sprintf(text + n, i % 2 ? "Caused by: java.io"
            ".IOException: Broken pipe\n" : "\t... 7 more\n");
        i++;
    }
    f = write_file("java-split.log", text, n);
    free(text);

    cfg.threads = 1;
    scan_cfg(&one, &cfg, &f, 1);
    cfg.threads = 2;
    scan_cfg(&two, &cfg, &f, 1);

    cr_assert_str_eq(two.files[0].format, "java");
    cr_assert_eq(two.files[0].lines, (uint64_t) i * 42);
    cr_assert_eq(two.files[0].bytes, n);
    cr_assert_eq(two.unparsed, 0);
    cr_assert_eq(two.cls[RG_CLASS_BROKEN_PIPE].count, (uint64_t) i / 2);
    cr_assert_eq(memcmp(two.cls, one.cls, sizeof(one.cls)), 0);
    cr_assert_eq(two.lines, one.lines);
    rs_agg_free(&one);
    rs_agg_free(&two);
}


/* --- lines no rule can match (rg_prescan.h) ------------------------------ */

/*
 * Ordinary nginx error lines skip the context split and the rules; they
 * are still counted, a line that is no nginx line is still unparsed, and
 * a summary whose text holds no rule literal still gives its count.  The
 * same file with --since (which turns the shortcut off) counts the same.
 */
Test(scan_pipeline, prescanned_lines_counted_exactly)
{
    rs_scan_config  cfg = { .format = RG_FORMAT_NGINX_ERROR, .year = 2026 };
    rs_agg          agg, all;
    const char     *f;

    cfg.rules = rules;
    f = write_text("light.log",
        "2026/11/21 10:00:00 [info] 1#1: *1 client 2001:db8::7 closed"
        " keepalive connection\n"
        NGX_RESET("10:00:01", "1.1.1.1")
        "2026/11/21 10:00:02 [error] 1#1: *2 open() \"/x.js\" failed (2: No"
        " such file or directory), client: 1.1.1.1, server: s, request:"
        " \"GET /x.js HTTP/1.1\", host: \"s\"\n"
        "not an nginx line\n"
        "2026/11/21 10:01:00 [info] 1#1: rstguard: log=error"
        " class=client_reset key=\"1.1.1.1\" suppressed=7 passed=5"
        " window=60s first=\"2026/11/21 10:00:01\""
        " last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"x\"\n"
        "2026/11/21 10:01:01 [info] 1#1: *3 client prematurely closed"
        " connection while reading client request line, client: 2.2.2.2,"
        " server: s\n");

    scan_cfg(&agg, &cfg, &f, 1);
    cr_assert_eq(agg.lines, 6);
    cr_assert_eq(agg.unparsed, 1);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].count, 1 + 7);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_RESET].suppressed, 7);
    cr_assert_eq(agg.cls[RG_CLASS_CLIENT_CLOSED].count, 1);

    cr_assert_eq(rs_time_parse_arg("2026-11-21", &cfg.since), 0);
    scan_cfg(&all, &cfg, &f, 1);
    cr_assert_eq(all.lines, agg.lines);
    cr_assert_eq(all.bytes, agg.bytes);
    cr_assert_eq(all.unparsed, agg.unparsed);
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        cr_assert_eq(all.cls[c].count, agg.cls[c].count, "class %d", c);
        cr_assert_eq(all.cls[c].bytes, agg.cls[c].bytes, "class %d", c);
    }

    rs_agg_free(&agg);
    rs_agg_free(&all);
}


/* --- split scans: chunks, contexts, file order --------------------------- */

typedef struct {
    uint64_t  lines;
    int       forks;
    char      first[128];       /* the first abort seen: its line */
} split_obs;

static void
split_seen(void *ctx, const rs_seen *seen)
{
    split_obs  *o = ctx;

    o->lines += seen->lines;
    if (o->first[0] == '\0' && seen->cls != RG_CLASS_NONE) {
        snprintf(o->first, sizeof(o->first), "%.*s", (int) seen->line.len,
                 seen->line.p);
    }
}

static void *
split_fork(void *ctx)
{
    ((split_obs *) ctx)->forks++;
    return calloc(1, sizeof(split_obs));
}

/* "first seen" as findings keeps it: the joined-into side's, if any */
static int
split_join(void *ctx, void *child)
{
    split_obs  *o = ctx, *c = child;

    o->lines += c->lines;
    if (o->first[0] == '\0') {
        memcpy(o->first, c->first, sizeof(o->first));
    }
    free(child);
    return 0;
}

/* A 9 MiB file with pct % aborts, scanned with two threads allowed, in
   chunks of `chunk` bytes (0: the default). */
static void
split_scan(int pct, uint64_t chunk, split_obs *obs, rs_agg *agg)
{
    rs_scan_config  cfg = { .format = -1, .year = 2026, .threads = 2,
                            .split_chunk = chunk };
    size_t          n = 0;
    char           *text = malloc((10u << 20) + 512);
    const char     *f;
    int             i = 0;

    cfg.rules = rules;
    cfg.observe = split_seen;
    cfg.observe_ctx = obs;
    cfg.observe_fork = split_fork;
    cfg.observe_join = split_join;

    /* the first abort is line 3 (client 10.1.0.3) */
    while (n < 9u << 20) {
        n += (size_t) sprintf(text + n, i % 100 < pct + 3 && i % 100 >= 3
            ? "2026/11/21 10:00:%02d [info] 1#1: *1 client prematurely closed"
              " connection while reading client request line, client:"
              " 10.1.%d.%d, server: s\n"
            : "2026/11/21 10:00:%02d [info] 1#1: *1 client 10.1.%d.%d closed"
              " keepalive connection\n", i % 60, i / 256 % 256, i % 256);
        i++;
    }
    f = write_file("dense.log", text, n);
    free(text);

    memset(obs, 0, sizeof(*obs));
    scan_cfg(agg, &cfg, &f, 1);
    cr_assert_eq(agg->lines, (uint64_t) i);
    cr_assert_eq(obs->lines, (uint64_t) i);
    cr_assert_eq(agg->cls[RG_CLASS_CLIENT_CLOSED].count,
                 (uint64_t) (i / 100 * pct
                             + (i % 100 < 3 ? 0 : i % 100 < pct + 3
                                ? i % 100 - 3 : pct)));
    cr_assert_not_null(strstr(obs->first, "client: 10.1.0.3, "),
                       "%s", obs->first);
}

/*
 * However many of its records are aborts, a large file is split: 60% and
 * 30% aborts are two chunks with a context each, as 5% are (a file under
 * 2 x RS_SPLIT_CHUNK), joined in file order; split_scan checks the counts.
 */
Test(scan_pipeline, abort_heavy_file_is_split_too)
{
    split_obs  obs;
    rs_agg     agg;

    split_scan(60, 0, &obs, &agg);
    cr_assert_eq(obs.forks, 2);
    rs_agg_free(&agg);

    split_scan(30, 0, &obs, &agg);
    cr_assert_eq(obs.forks, 2);
    rs_agg_free(&agg);

    split_scan(5, 0, &obs, &agg);
    cr_assert_eq(obs.forks, 2);
    rs_agg_free(&agg);
}


/*
 * Many chunks (nine of 1 MiB): the two workers take them in turn, more
 * than RS_SPLIT_AHEAD apart at times, and every chunk's context is joined
 * in file order (the first abort seen is the file's first); the counts
 * are exact (split_scan).
 */
Test(scan_pipeline, chunks_are_joined_in_file_order)
{
    split_obs  obs;
    rs_agg     agg;

    split_scan(5, 1u << 20, &obs, &agg);
    cr_assert_eq(obs.forks, 9);
    rs_agg_free(&agg);
}

/* One HTTP/2 line of connection cid about request /v/cid at second s. */
static size_t
h2_line(char *p, int s, int cid, const char *msg)
{
    return (size_t) sprintf(p, "2026/11/21 10:%02d:%02d [info] 1#1: *%d %s"
        " while sending response to client, client: 10.4.%d.%d, server: s,"
        " request: \"GET /v/%d HTTP/2.0\", host: \"s\"\n", s / 60 % 60,
        s % 60, cid, msg, cid / 256 % 256, cid % 256, cid);
}

/*
 * HTTP/2 (rules/README.md): a cancelled stream is a "client canceled
 * stream" line and, same *cid and request, a "client prematurely closed
 * connection" line: one stream_canceled.  Twenty other lines sit between
 * the two, so the 1 MiB chunks of a 9 MiB file cut pairs: 1, 2 and 7
 * threads count what one pass counts.  Every fourth pair has a second
 * close (a cancel absorbs one), every fifth a close of another
 * connection (never absorbed).
 */
Test(scan_pipeline, http2_cancel_and_close_are_one_abort_across_chunks)
{
    size_t       n = 0;
    char        *text = malloc((10u << 20) + 4096), *j1;
    const char  *f;
    int          g = 0, lines = 0, extra = 0, other = 0;

    while (n < 9u << 20) {
        n += h2_line(text + n, g, g + 1, "client canceled stream 1");
        for (int k = 0; k < 20; k++) {
            n += (size_t) sprintf(text + n, "2026/11/21 10:00:00 [notice]"
                                  " 1#1: *%d ordinary %d\n", 5000000 + k, g);
        }
        n += h2_line(text + n, g, g + 1, "client prematurely closed"
                     " connection");
        lines += 22;
        if (g % 4 == 0) {
            n += h2_line(text + n, g, g + 1, "client prematurely closed"
                         " connection");
            lines++;
            extra++;
        }
        if (g % 5 == 0) {
            n += h2_line(text + n, g, g + 2000000, "client prematurely"
                         " closed connection");
            lines++;
            other++;
        }
        g++;
    }
    f = write_file("h2.log", text, n);
    free(text);

    j1 = json_any_threads(f);
    cr_assert_eq(json_count(j1, "stream_canceled"), g);
    cr_assert_eq(json_count(j1, "client_closed"), extra + other);
    cr_assert_eq(json_count(j1, NULL), lines);
    free(j1);
}
