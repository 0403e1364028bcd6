/*
 * Regressions found by `make fuzz`: one test per finding, named after what
 * broke.  The input that found it is kept in tests/fuzz/corpus/<target>/
 * (named regress-*), so the fuzzer replays it on every run too.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "findings.h"
#include "partial.h"
#include "parse.h"
#include "report.h"
#include "rg_summary.h"
#include "shipper.h"
#include "rgt_nginx.h"

#define SUMMARY_HEAD                                                         \
    "rstguard: log=error class=client_reset key=\""
#define SUMMARY_TAIL                                                         \
    "\" suppressed=1 passed=0 window=60s first=\"2026/11/21 10:00:01\" "    \
    "last=\"2026/11/21 10:00:59\" worker=1 dry_run=0 sample=\"\""

/*
 * fuzz target summary: the parser accepted "\x2b" for "+", a spelling the
 * module never writes (rg_summary_format writes "+"), so a line outside
 * the grammar was taken for a summary.  Only bytes below 0x20 (other than
 * \n \r \t, which have their own escapes) and 0x7f may be spelled \xHH.
 */
Test(fuzz_regressions, summary_rejects_hex_escape_of_a_byte_written_plain)
{
    static const char  *bad[] = {
        SUMMARY_HEAD "a\\x2b" SUMMARY_TAIL,      /* '+' */
        SUMMARY_HEAD "\\x22" SUMMARY_TAIL,       /* '"' has \" */
        SUMMARY_HEAD "\\x5c" SUMMARY_TAIL,       /* '\' has \\ */
        SUMMARY_HEAD "\\x0a" SUMMARY_TAIL,       /* LF has \n */
        SUMMARY_HEAD "\\x09" SUMMARY_TAIL,       /* TAB has \t */
        SUMMARY_HEAD "\\x80" SUMMARY_TAIL,       /* high bytes go raw */
    };
    static const char  *good[] = {
        SUMMARY_HEAD "\\x1b" SUMMARY_TAIL,
        SUMMARY_HEAD "\\x00" SUMMARY_TAIL,
        SUMMARY_HEAD "\\x7f" SUMMARY_TAIL,
        SUMMARY_HEAD "\\n\\r\\t\\\"\\\\" SUMMARY_TAIL,
    };
    rg_summary  s;
    size_t      i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(rg_summary_parse(bad[i], strlen(bad[i]), &s), -1,
                     "accepted: %s", bad[i]);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cr_expect_eq(rg_summary_parse(good[i], strlen(good[i]), &s), 0,
                     "rejected: %s", good[i]);
    }
}

/*
 * The oracle the fuzz target checks, on the line it broke: whatever the
 * parser accepts, rg_summary_format writes back byte for byte.
 */
Test(fuzz_regressions, summary_parse_then_format_is_the_identity)
{
    static const char  line[] = SUMMARY_HEAD "203.0\xd4\xce" "13.7\\x1b\\n"
        SUMMARY_TAIL;
    char        key[64], out[1024];
    rg_summary  s, raw;
    size_t      n;

    cr_assert_eq(rg_summary_parse(line, sizeof(line) - 1, &s), 0);
    raw = s;
    n = rg_summary_unescape(&s.key, key, sizeof(key));
    cr_assert_eq(n, 13);
    cr_assert_eq(memcmp(key, "203.0\xd4\xce" "13.7\x1b\n", 13), 0);
    raw.key.p = key;
    raw.key.len = n;
    raw.sample.p = "";
    raw.sample.len = 0;
    n = rg_summary_format(out, sizeof(out), &raw);
    cr_assert_eq(n, sizeof(line) - 1);
    cr_assert_eq(memcmp(out, line, n), 0, "%.*s", (int) n, out);
}

/*
 * fuzz target log_format: a layout without $request ("\xa2") left the
 * request field NULL, and rs_request_path computed NULL + 0 (undefined
 * behaviour UBSan reports) before checking for NULL.
 */
Test(fuzz_regressions, request_path_of_a_layout_without_request)
{
    rs_parser  ps;
    rs_parsed  out;
    char       err[256];
    rg_str     none = { NULL, 0 }, path;

    path = rs_request_path(none);
    cr_assert_null(path.p);
    cr_assert_eq(path.len, 0);

    cr_assert_eq(rs_parser_init(&ps, "\xa2", err, sizeof(err)), 0, "%s", err);
    rs_parsed_reset(&out);
    cr_assert_eq(rs_parse_nginx_access(&ps, "\xa2", 1, &out), 0);
    cr_assert_null(out.f.f[RG_FIELD_REQUEST].p);
    path = rs_request_path(out.f.f[RG_FIELD_REQUEST]);
    cr_assert_null(path.p);
}

/*
 * make asan (UBSan): a report with no timeline point or burst for a class
 * sorted them with qsort(NULL, 0, ...), undefined behaviour in every
 * rstscan run.  An empty aggregate reports nothing, without a sort.
 */
Test(fuzz_regressions, report_of_nothing_sorts_nothing)
{
    rs_agg          agg;
    rs_report       rep;
    rs_report_opts  opts = { .top = 10, .burst_n = 3, .burst_seconds = 60 };

    rs_agg_init(&agg);
    cr_assert_eq(rs_report_build(&rep, &agg, &opts), 0);
    cr_assert_eq(rep.nclasses, 0);
    cr_assert_eq(rep.nbursts, 0);
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        cr_assert_eq(rep.ntimeline[c], 0);
    }
    rs_report_free(&rep);
    rs_agg_free(&agg);
}

/* rstscan --json ARGS from the repository root: the parsed report. */
static json_t *
rstscan_json(const char *args)
{
    char          cmd[2048], *out;
    int           st;
    json_t       *j;
    json_error_t  je;

    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' --json %s",
             getenv("RSTGUARD_ROOT"), getenv("RSTGUARD_RSTSCAN"), args);
    out = rgt_run(cmd, &st);
    cr_assert_not_null(out);
    cr_assert_eq(st, 0, "%s: %s", cmd, out);
    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): %s", je.text, out);
    free(out);

    return j;
}

/*
 * fuzz target auto: log text that is not UTF-8 (a finding's evidence, a
 * URI) made jansson refuse the string: the findings came back NULL and
 * rstscan quit with "out of memory", and a top URI made --json print a
 * broken document.  Such text now comes out with '?' for its non-ASCII
 * bytes.
 */
Test(fuzz_regressions, reports_keep_log_text_that_is_not_utf8)
{
    char    path[256];
    FILE   *f;
    json_t *j, *top;

    j = rstscan_json("tests/fuzz/corpus/auto/regress-findings-not-utf8");
    cr_assert_gt(json_array_size(json_object_get(j, "findings")), 0);
    json_decref(j);

    snprintf(path, sizeof(path), "/tmp/rgt-utf8.%d.log", (int) getpid());
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("2026/11/21 10:00:01 [info] 1#1: *2 recv() failed (104: Connection"
          " reset by peer) while reading client request line, client: "
          "10.0.0.1, server: _, request: \"GET /\xfe\xffz HTTP/1.1\"\n", f);
    cr_assert_eq(fclose(f), 0);

    j = rstscan_json(path);
    unlink(path);
    top = json_object_get(json_object_get(json_object_get(j, "classes"),
                                          "client_reset"), "top_uris");
    cr_assert_eq(json_array_size(top), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 0),
                                                       "key")), "/??z");
    json_decref(j);
}

/*
 * fuzz targets apache and log_format (the long runs): an empty line of a
 * file whose head looks like Docker's json-file was held at sh->buf +
 * sh->len while sh->buf was still NULL (rs_room allocated nothing for 0
 * bytes): NULL + 0 under UBSan, and the record's text came back NULL.
 * The inputs are kept as corpus/{apache,log_format}/regress-docker-empty-line.
 */
Test(fuzz_regressions, docker_empty_line_is_an_empty_record)
{
    rs_shipper   sh;
    const char  *p = "";
    size_t       len = 0;
    uint64_t     bytes = 1, lines = 0;

    memset(&sh, 0, sizeof(sh));
    sh.kind = RS_SHIP_DOCKER;

    cr_assert_eq(rs_ship_line(&sh, &p, &len, &bytes, &lines), 1);
    cr_assert_not_null(p, "an empty record's text is not NULL");
    cr_assert_eq(len, 0);
    cr_assert_eq(lines, 1);
    cr_assert_eq(bytes, 1);
    rs_ship_free(&sh);
}


/*
 * fuzz target partial: a --partial document's timeline held the minute
 * 179525538829920923, and the report multiplied it by 60 into seconds
 * (UBSan: signed integer overflow in rs_report_timeline).  No scan writes
 * a minute whose seconds do not fit in 64 bits: such a document is
 * rejected, naming the timeline; the largest minute that fits is taken.
 */
static int
add_timeline_minute(long long minute, char *err, size_t errlen)
{
    char         *text = NULL;
    size_t        len = 0;
    FILE         *mem;
    json_t       *doc;
    rs_agg        agg;
    rs_findings  *f = rs_findings_create();
    int           rc;

    /* a document of one cell as a scan writes it, its minute then set */
    cr_assert_not_null(f);
    rs_agg_init(&agg);
    cr_assert_eq(rs_agg_add_cell(&agg, 29920920, RG_CLASS_CLIENT_RESET, 2),
                 0);
    mem = open_memstream(&text, &len);
    cr_assert_not_null(mem);
    cr_assert_eq(rs_partial_write(mem, &agg, f), 0);
    fclose(mem);
    rs_agg_free(&agg);

    doc = json_loads(text, 0, NULL);
    cr_assert_not_null(doc, "%s", text);
    free(text);
    cr_assert_eq(json_array_set_new(json_array_get(json_object_get(doc,
                     "timeline"), 0), 0, json_integer(minute)), 0);

    rs_agg_init(&agg);
    rc = rs_partial_add(doc, &agg, f, err, errlen);
    if (rc == 0) {
        rs_report       rep;
        rs_report_opts  o = { .top = 10, .burst_n = 10, .burst_seconds = 60 };

        cr_assert_eq(agg.ncells, 1);
        cr_assert_eq(rs_report_build(&rep, &agg, &o), 0);
        cr_assert_eq(rep.ntimeline[RG_CLASS_CLIENT_RESET], 1);
        cr_assert_eq(rep.timeline[RG_CLASS_CLIENT_RESET][0].minute.sec,
                     (int64_t) minute * 60);
        rs_report_free(&rep);
    }

    rs_agg_free(&agg);
    rs_findings_free(f);
    json_decref(doc);

    return rc;
}

Test(fuzz_regressions, partial_timeline_minute_past_64_bit_seconds_is_rejected)
{
    char  err[256] = "";

    cr_assert_eq(add_timeline_minute(179525538829920923LL, err, sizeof(err)),
                 -1);
    cr_assert_not_null(strstr(err, "timeline"), "%s", err);
    cr_assert_eq(add_timeline_minute(INT64_MIN / 60 - 1, err, sizeof(err)),
                 -1);
    cr_assert_eq(add_timeline_minute(INT64_MAX / 60, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_eq(add_timeline_minute(INT64_MIN / 60, err, sizeof(err)), 0,
                 "%s", err);
}
