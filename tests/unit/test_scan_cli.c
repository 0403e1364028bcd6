/*
 * rstscan as a user runs it: the --json object key by key and value by
 * value on a fixture (tests/data/scan), the text report, stdin, --fail-on
 * and every exit status, invalid rules and layouts, bad inputs.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rgt_tmp.h"

static char  out[1 << 16], errtext[1 << 14];

/*
 * Runs rstscan from the repository root with args (a shell fragment);
 * returns its exit status, stdout in out, stderr in errtext.
 */
static int
run(const char *args)
{
    char    cmd[4096];
    FILE   *p, *e;
    size_t  n;
    int     st;

    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s 2>/tmp/rgt-scan-cli.%d",
             getenv("RSTGUARD_ROOT"), getenv("RSTGUARD_RSTSCAN"), args,
             (int) getpid());
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    st = pclose(p);

    snprintf(cmd, sizeof(cmd), "/tmp/rgt-scan-cli.%d", (int) getpid());
    e = fopen(cmd, "r");
    cr_assert_not_null(e);
    n = fread(errtext, 1, sizeof(errtext) - 1, e);
    errtext[n] = '\0';
    fclose(e);
    unlink(cmd);

    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

#define FIX  "tests/data/scan/"

Test(scan_cli, json_matches_the_fixture_exactly)
{
    json_error_t  je;
    json_t       *got, *want, *c;
    char          path[1024];

    cr_assert_eq(run("--json --burst 3/60 " FIX "error.log " FIX
                     "access.log"), 0, "%s", errtext);
    got = json_loads(out, 0, &je);
    cr_assert_not_null(got, "%s: %s", je.text, out);

    snprintf(path, sizeof(path), "%s/" FIX "expected.json",
             getenv("RSTGUARD_ROOT"));
    want = json_load_file(path, 0, &je);
    cr_assert_not_null(want, "%s", je.text);
    cr_assert(json_equal(got, want), "got %s", out);

    /* what the fixture pins, spelled out: 4 resets seen + 40 a summary
       held back, 4 lines of 163 bytes; two 499s and one error-log close;
       the three resets of 203.0.113.7 within 19 s are one burst, and
       the 40 the summary held back from 10:03:01 to 10:03:59, spread over
       those seconds, another */
    c = json_object_get(json_object_get(got, "classes"), "client_reset");
    cr_assert_eq(json_integer_value(json_object_get(c, "count")), 44);
    cr_assert_eq(json_integer_value(json_object_get(c, "suppressed")), 40);
    cr_assert_eq(json_integer_value(json_object_get(c, "bytes")), 4 * 163);
    c = json_object_get(json_object_get(got, "classes"), "client_closed");
    cr_assert_eq(json_integer_value(json_object_get(c, "count")), 3);
    cr_assert_eq(json_array_size(json_object_get(got, "bursts")), 2);
    /* 8 client abort records are 1145 of the 1905 bytes: log bloat (the
       upstream timeout is a fault, not counted there) */
    cr_assert_eq(json_array_size(json_object_get(got, "findings")), 1);
    cr_assert_str_eq(errtext, "");

    json_decref(got);
    json_decref(want);
}

Test(scan_cli, text_report_and_detection_note)
{
    cr_assert_eq(run(FIX "error.log"), 0);
    cr_assert_not_null(strstr(errtext, FIX "error.log: format nginx-error"
                              " (detected)"), "%s", errtext);
    cr_assert_not_null(strstr(out, "rstscan: 1 file, 9 lines, 1.5 KiB (1523"
                              " bytes)\n"), "%s", out);
    cr_assert_not_null(strstr(out, "unparsed lines: 1, limit hits: 0\n"));
    cr_assert_not_null(strstr(out, "client_reset     client             44"
                              "           40            652   42.81%\n"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "client_reset, top clients:\n"
                              "            40  203.0.113.9\n"
                              "             4  203.0.113.7\n"), "%s", out);
    /* the 40 held back from 10:03:01 to 10:03:59 and the reset at
       10:03:30 in their minute, none at 10:04 when the summary was written */
    cr_assert_not_null(strstr(out, "timeline, per minute:\n"));
    cr_assert_not_null(strstr(out, "  2026-11-21T10:03                     "
                              "41                0                0\n"),
                       "%s", out);
}

Test(scan_cli, stdin_and_explicit_format)
{
    cr_assert_eq(run("--json --format nginx-access - < " FIX "access.log"),
                 0, "%s", errtext);
    cr_assert_not_null(strstr(out, "\"path\": \"-\""), "%s", out);
    cr_assert_not_null(strstr(out, "\"lines\": 4,"), "%s", out);
    cr_assert_not_null(strstr(out, "\"client_closed\": {\n      \"count\": 2"),
                       "%s", out);
}

Test(scan_cli, fail_on_and_exit_statuses)
{
    cr_assert_eq(run("--fail-on client_reset " FIX "error.log"), 1);
    cr_assert_eq(run("--fail-on upstream_refused " FIX "error.log"), 0);
    /* aborts are 1 kB of the 1.5 kB: 50% holds, 90% does not */
    cr_assert_eq(run("--fail-on bloat=50 " FIX "error.log"), 1);
    cr_assert_eq(run("--fail-on bloat=90 " FIX "error.log"), 0);
    /* an input error wins over a held condition */
    cr_assert_eq(run("--fail-on client_reset " FIX "error.log /nonexistent"),
                 2);
    cr_assert_not_null(strstr(errtext, "rstscan: /nonexistent: No such file"
                              " or directory\n"), "%s", errtext);
    /* the other file was still scanned */
    cr_assert_not_null(strstr(out, "client_reset"));

    cr_assert_eq(run("--fail-on nonsense " FIX "error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid --fail-on \"nonsense\""));
    cr_assert_eq(run("--fail-on bloat=x " FIX "error.log"), 2);
    cr_assert_eq(run("--top x " FIX "error.log"), 2);
    cr_assert_eq(run("--burst 10 " FIX "error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid --burst \"10\""));
    cr_assert_eq(run("--since yesterday " FIX "error.log"), 2);
    cr_assert_eq(run("--tz Mars/Olympus " FIX "error.log"), 2);
    cr_assert_not_null(strstr(errtext, "unknown --tz zone \"Mars/Olympus\""));
    cr_assert_eq(run("--bogus " FIX "error.log"), 2);
    cr_assert_not_null(strstr(errtext, "unknown option \"--bogus\""));
    cr_assert_eq(run(""), 2);
    cr_assert_not_null(strstr(errtext, "no input given"));
    cr_assert_eq(run("--help"), 0);
    cr_assert_not_null(strstr(out, "--fail-on CLASS|bloat=PCT"));
}

/* The shell's order (x.log x.log.1 x.log.2.gz) is read oldest first. */
Test(scan_cli, rotated_set_is_read_oldest_first)
{
    char  dir[RGT_TMP_DIR_MAX], args[1024];

    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "rot"), 0);
    snprintf(args, sizeof(args), "cd '%s' && cp " FIX "error.log %s/x.log &&"
             " cp " FIX "error.log %s/x.log.1 && gzip -c " FIX "error.log >"
             " %s/x.log.2.gz", getenv("RSTGUARD_ROOT"), dir, dir, dir);
    cr_assert_eq(system(args), 0);

    snprintf(args, sizeof(args), "--json %s/x.log %s/x.log.1 %s/x.log.2.gz",
             dir, dir, dir);
    cr_assert_eq(run(args), 0, "%s", errtext);

    json_t  *rep = json_loads(out, 0, NULL), *files;
    char     want[3][256];

    cr_assert_not_null(rep);
    files = json_object_get(rep, "files");
    snprintf(want[0], sizeof(want[0]), "%s/x.log.2.gz", dir);
    snprintf(want[1], sizeof(want[1]), "%s/x.log.1", dir);
    snprintf(want[2], sizeof(want[2]), "%s/x.log", dir);
    for (int i = 0; i < 3; i++) {
        cr_assert_str_eq(json_string_value(json_object_get(
            json_array_get(files, (size_t) i), "path")), want[i]);
    }
    /* three copies: three times the fixture's counts */
    cr_assert_eq(json_integer_value(json_object_get(rep, "lines")), 27);
    json_decref(rep);

    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

/* A file that opens but cannot be read (EIO): named, the others read. */
Test(scan_cli, read_error_is_named_and_other_inputs_scanned)
{
    cr_assert_eq(run("--json /proc/self/mem " FIX "access.log"), 2);
    cr_assert_str_eq(errtext, "rstscan: /proc/self/mem: read error at byte 0:"
                     " Input/output error\n");
    cr_assert_not_null(strstr(out, "\"error\": \"/proc/self/mem: read error"
                              " at byte 0: Input/output error\""), "%s", out);
    cr_assert_not_null(strstr(out, "\"lines\": 4,"), "%s", out);
}

Test(scan_cli, invalid_rules_and_layout_are_usage_errors)
{
    cr_assert_eq(run("--rules " FIX "bad-rule.yaml " FIX "error.log"), 2);
    cr_assert_not_null(strstr(errtext, FIX "bad-rule.yaml:7:"), "%s",
                       errtext);
    cr_assert_eq(out[0], '\0');

    cr_assert_eq(run("--log-format '$remote_addr $nope' " FIX "access.log"),
                 2);
    cr_assert_str_eq(errtext, "rstscan: invalid --log-format: unknown"
                     " variable \"$nope\" at column 14\n");
}

Test(scan_cli, rules_replace_and_add)
{
    /* without the shipped rules, only the file's one rule classifies */
    cr_assert_eq(run("--json --no-default-rules --rules " FIX "one-rule.yaml "
                     FIX "error.log"), 0, "%s", errtext);
    cr_assert_not_null(strstr(out, "\"client_reset\": {\n      \"count\": 44"),
                       "%s", out);
    cr_assert_null(strstr(out, "\"upstream_timeout\""));

    cr_assert_eq(run("--json --no-default-rules " FIX "error.log"), 0);
    /* a summary still counts what the module held back */
    cr_assert_not_null(strstr(out, "\"client_reset\": {\n      \"count\": 40"),
                       "%s", out);
}


/* -j N: a number from 1 to 256, in --help; anything else a usage error */
Test(scan_cli, jobs_option)
{
    cr_assert_eq(run("--help"), 0);
    cr_assert_not_null(strstr(out, "-j, --jobs N"), "%s", out);
    cr_assert_eq(run("-j 0 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid -j \"0\": expected a number"
                              " from 1 to 256"), "%s", errtext);
    cr_assert_eq(run("--jobs 257 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("-j " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("-j 3 --json " FIX "../samples/nginx-error.log"), 0);
    cr_assert_not_null(strstr(out, "\"classes\""), "%s", out);
}


/* --top and --burst: numbers within their bounds, the error names both */
Test(scan_cli, numbers_out_of_bounds_are_named)
{
    cr_assert_eq(run("--top 1000001 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid --top \"1000001\": expected"
                              " a number from 0 to 1000000"), "%s", errtext);
    cr_assert_eq(run("--top 99999999999999999999999 "
                     FIX "../samples/nginx-error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid --top"), "%s", errtext);
    cr_assert_eq(run("--top -1 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--burst 1000000001/60 "
                     FIX "../samples/nginx-error.log"), 2);
    cr_assert_not_null(strstr(errtext, "invalid --burst \"1000000001/60\":"
                              " expected N/SECONDS such as 10/60 (N from 1"
                              " to 1000000000, SECONDS from 1 to"
                              " 100000000)"), "%s", errtext);
    cr_assert_eq(run("--burst 10/100000001 "
                     FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--burst 10/18446744073709551616 "
                     FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--burst 10/ " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--burst /60 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--burst 0/60 " FIX "../samples/nginx-error.log"), 2);
    cr_assert_eq(run("--top 1000000 --burst 1000000000/100000000 --json "
                     FIX "../samples/nginx-error.log"), 0, "%s", errtext);
}


/*
 * The first and last 30 lines of sample as two files: `merge` of their
 * --partial documents prints exactly what one direct run over both does.
 */
static void
merge_of_halves_is_the_direct_run(const char *sample)
{
    char  direct[sizeof(out)], cmd[1024];

    int   me = (int) getpid();

    snprintf(cmd, sizeof(cmd), "/tmp/rgt-halves.%d", me);
    cr_assert_eq(mkdir(cmd, 0700), 0);
    snprintf(cmd, sizeof(cmd), "--version >/dev/null"
             " && head -n 30 %s > /tmp/rgt-halves.%d/a.log"
             " && tail -n 30 %s > /tmp/rgt-halves.%d/b.log", sample, me,
             sample, me);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof(cmd), "/tmp/rgt-halves.%d/a.log"
             " /tmp/rgt-halves.%d/b.log", me, me);
    cr_assert_eq(run(cmd), 0);
    memcpy(direct, out, sizeof(out));
    cr_assert_not_null(strstr(direct, "client_closed"), "%s", direct);
    snprintf(cmd, sizeof(cmd), "--partial /tmp/rgt-halves.%d/a.log"
             " > /tmp/rgt-halves.%d/a.json && '%s' --partial"
             " /tmp/rgt-halves.%d/b.log > /tmp/rgt-halves.%d/b.json"
             " && '%s' merge /tmp/rgt-halves.%d/a.json"
             " /tmp/rgt-halves.%d/b.json; st=$?; rm -rf /tmp/rgt-halves.%d;"
             " exit $st", me, me, getenv("RSTGUARD_RSTSCAN"), me, me,
             getenv("RSTGUARD_RSTSCAN"), me, me, me);
    cr_assert_eq(run(cmd), 0, "%s", errtext);
    cr_assert_str_eq(out, direct);
}

typedef struct {
    const char  *cls;
    int          count;
} want_class;

/*
 * rstscan --json sample: detected as format, no line unparsed, exactly the
 * classes of want with their counts; the document (the caller frees it).
 */
static json_t *
scan_sample(const char *sample, const char *format, const want_class *want,
    size_t nwant)
{
    char     args[512];
    json_t  *doc, *cls;

    snprintf(args, sizeof(args), "--json %s", sample);
    cr_assert_eq(run(args), 0);
    doc = json_loads(out, 0, NULL);
    cr_assert_not_null(doc, "%s", out);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
        json_object_get(doc, "files"), 0), "format")), format);
    cr_assert_eq(json_integer_value(json_object_get(doc, "unparsed")), 0);
    cls = json_object_get(doc, "classes");
    cr_assert_eq(json_object_size(cls), nwant, "%s", out);
    for (size_t i = 0; i < nwant; i++) {
        cr_expect_eq(json_integer_value(json_object_get(json_object_get(cls,
                     want[i].cls), "count")), want[i].count, "%s", want[i].cls);
    }
    return doc;
}

/* the first entry of a class's top list */
static const char *
top_key(json_t *doc, const char *cls, const char *list)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(
        json_object_get(json_object_get(doc, "classes"), cls), list), 0),
        "key"));
}

/*
 * Envoy's access log end to end: detected, each response flag's class
 * counted exactly, keyed by the X-Forwarded-For client, and two --partial
 * halves merged print what one run prints.
 */
Test(scan_cli, envoy_access_log_end_to_end)
{
    static const want_class  want[] = {
        { "client_closed", 20 }, { "upstream_refused", 5 },
        { "client_timeout", 5 }, { "upstream_closed", 5 },
        { "upstream_timeout", 5 },
    };
    json_t  *doc;

    doc = scan_sample("tests/data/samples/envoy-access.log", "envoy", want,
                      sizeof(want) / sizeof(want[0]));
    cr_assert_str_eq(top_key(doc, "upstream_refused", "top_clients"),
                     "203.0.113.10");
    json_decref(doc);

    merge_of_halves_is_the_direct_run("tests/data/samples/envoy-access.log");
}

/* Caddy's JSON log end to end, the same way. */
Test(scan_cli, caddy_log_end_to_end)
{
    static const want_class  want[] = {
        { "client_closed", 18 }, { "broken_pipe", 6 },
        { "upstream_refused", 6 }, { "truncated", 6 },
        { "upstream_timeout", 6 },
    };
    json_t  *doc;

    doc = scan_sample("tests/data/samples/caddy.log", "caddy", want,
                      sizeof(want) / sizeof(want[0]));
    cr_assert_eq(json_integer_value(json_object_get(doc, "lines")), 48);
    cr_assert_str_eq(top_key(doc, "truncated", "top_uris"), "/export.csv");
    json_decref(doc);

    merge_of_halves_is_the_direct_run("tests/data/samples/caddy.log");
}
