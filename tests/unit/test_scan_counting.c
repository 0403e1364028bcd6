/*
 * How rstscan counts (analyzer/README.md): an abort that shows in a
 * server's access log and its error log is kept per kind of log (by_log)
 * and the text headline counts it once; the lines a summary of the module
 * held back count everywhere a written line counts (spread over the
 * summary's first..last in the timeline, under its key in the top lists
 * and bursts); `merge` prints what one direct run prints whatever the
 * order of the parts.  rstscan runs as a user runs it, on lines written
 * here in the shapes nginx and the module write.
 */

#define _GNU_SOURCE             /* asprintf */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "count"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(scan_counting, .init = setup, .fini = teardown, .timeout = 60);

/* Runs rstscan with args (a shell fragment) in dir; its stdout, malloc'd. */
static char *
scan(const char *args)
{
    char    cmd[4096], buf[4096];
    FILE   *p, *m;
    char   *out = NULL;
    size_t  len = 0, n;

    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s 2>/dev/null", dir,
             getenv("RSTGUARD_RSTSCAN"), args);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    m = open_memstream(&out, &len);
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
        fwrite(buf, 1, n, m);
    }
    fclose(m);
    cr_assert_eq(pclose(p), 0, "%s", cmd);
    return out;
}

static json_t *
scan_json(const char *args)
{
    char         *out = scan(args);
    json_error_t  je;
    json_t       *doc = json_loads(out, 0, &je);

    cr_assert_not_null(doc, "%s: %s", je.text, out);
    free(out);
    return doc;
}

static void
write_file(const char *name, const char *text)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static json_int_t
num(json_t *o, const char *path)
{
    char  key[128];
    const char *dot;

    while ((dot = strchr(path, '.')) != NULL) {
        snprintf(key, sizeof(key), "%.*s", (int) (dot - path), path);
        o = json_object_get(o, key);
        path = dot + 1;
    }
    o = json_object_get(o, path);
    cr_assert(json_is_integer(o), "%s", path);
    return json_integer_value(o);
}

/* The count of the timeline point of cls at minute; 0 when none. */
static json_int_t
at_minute(json_t *doc, const char *cls, const char *minute)
{
    json_t  *pts = json_object_get(json_object_get(doc, "timeline"), cls);
    json_t  *pt;
    size_t   i;

    json_array_foreach(pts, i, pt) {
        if (strcmp(json_string_value(json_object_get(pt, "minute")), minute)
            == 0)
        {
            return json_integer_value(json_object_get(pt, "count"));
        }
    }
    return 0;
}

/* The count of key in a class's top list; -1 when it is not listed. */
static json_int_t
in_top(json_t *doc, const char *cls, const char *list, const char *key)
{
    json_t  *top, *e;
    size_t   i;

    top = json_object_get(json_object_get(json_object_get(doc, "classes"),
                                          cls), list);
    json_array_foreach(top, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "key")), key) == 0) {
            return json_integer_value(json_object_get(e, "count"));
        }
    }
    return -1;
}

#define ERR_CLOSE(t, cid, ip, uri) \
    "2026/11/21 " t " [info] 1234#1234: *" cid " client prematurely closed" \
    " connection while sending response to client, client: " ip ", server:" \
    " example.com, request: \"GET " uri " HTTP/1.1\", host:"               \
    " \"example.com\"\n"

#define ACC(ip, t, uri, st) \
    ip " - - [21/Nov/2026:" t " +0000] \"GET " uri " HTTP/1.1\" " st \
    " 0 \"-\" \"Mozilla/5.0\"\n"

/* Three aborts that both logs of one server show, one timeout each log
   alone shows, and one the module held back (log=access). */
static void
two_logs(void)
{
    write_file("error.log",
        ERR_CLOSE("10:00:01", "1", "198.51.100.1", "/a")
        ERR_CLOSE("10:00:02", "2", "198.51.100.2", "/b")
        ERR_CLOSE("10:00:03", "3", "198.51.100.3", "/c")
        "2026/11/21 10:00:09 [error] 1234#1234: *7 upstream timed out (110:"
        " Connection timed out) while reading response header from upstream,"
        " client: 198.51.100.4, server: example.com, request: \"GET /slow"
        " HTTP/1.1\", upstream: \"http://10.0.0.5:8080/slow\", host:"
        " \"example.com\"\n");
    write_file("access.log",
        ACC("198.51.100.1", "10:00:01", "/a", "499")
        ACC("198.51.100.2", "10:00:02", "/b", "499")
        ACC("198.51.100.3", "10:00:03", "/c", "499")
        ACC("198.51.100.4", "10:00:09", "/slow", "504")
        ACC("198.51.100.5", "10:00:20", "/d", "408"));
}

Test(scan_counting, by_log_per_class_and_a_headline_that_counts_once)
{
    json_t  *doc, *cls;
    char    *text;

    two_logs();
    doc = scan_json("--json error.log access.log");
    cls = json_object_get(doc, "classes");

    cr_assert_eq(num(cls, "client_closed.count"), 6);
    cr_assert_eq(num(cls, "client_closed.by_log.access"), 3);
    cr_assert_eq(num(cls, "client_closed.by_log.error"), 3);
    cr_assert_eq(num(cls, "upstream_timeout.by_log.access"), 0);
    cr_assert_eq(num(cls, "upstream_timeout.by_log.error"), 1);
    cr_assert_eq(num(cls, "client_timeout.by_log.access"), 1);
    cr_assert_eq(num(cls, "client_timeout.by_log.error"), 0);
    json_decref(doc);

    /* 3 closes (once, by the access log) + 1 + 1 of 8 records */
    text = scan("error.log access.log");
    cr_assert_not_null(strstr(text, "\naborts: 5 (8 records: client_closed"
                              " is in both the access and the error logs,"
                              " so each abort there is counted once, by the"
                              " access log)\n"), "%s", text);
    free(text);

    /* one kind of log: no headline, the report as it always was */
    text = scan("error.log");
    cr_assert_null(strstr(text, "aborts:"), "%s", text);
    free(text);
}

Test(scan_counting, by_log_survives_partial_and_merge)
{
    json_t  *doc, *cls;
    char     args[1024];

    two_logs();
    snprintf(args, sizeof(args), "--partial error.log > p1.json 2>/dev/null && '%s'"
             " --partial access.log > p2.json 2>/dev/null", getenv("RSTGUARD_RSTSCAN"));
    free(scan(args));
    doc = scan_json("merge --json p1.json p2.json");
    cls = json_object_get(doc, "classes");
    cr_assert_eq(num(cls, "client_closed.by_log.access"), 3);
    cr_assert_eq(num(cls, "client_closed.by_log.error"), 3);
    cr_assert_eq(num(cls, "client_timeout.by_log.access"), 1);
    json_decref(doc);
}

#define SUMMARY(t, log, cls, key, n, first, last, dry) \
    "2026/11/21 " t " [info] 1234#1234: rstguard: log=" log " class=" cls \
    " key=\"" key "\" suppressed=" n " passed=5 window=180s first=\""     \
    "2026/11/21 " first "\" last=\"2026/11/21 " last "\" worker=1234"     \
    " dry_run=" dry " sample=\"recv() failed (104: Connection reset by"   \
    " peer) while reading client request line\"\n"

#define RESET(t, cid, ip) \
    "2026/11/21 " t " [info] 1234#1234: *" cid " recv() failed (104:"     \
    " Connection reset by peer) while reading client request line,"      \
    " client: " ip ", server: example.com\n"

/*
 * 120 resets of one client held back from 10:00:30 to 10:02:29 (one a
 * second), the summary written at 10:03:00; two written resets of
 * another client; a dry run's summary, which held nothing back.
 */
static void
held_back_log(void)
{
    write_file("error.log",
        RESET("10:00:10", "1", "198.51.100.7")
        RESET("10:02:40", "2", "198.51.100.7")
        SUMMARY("10:03:00", "error", "client_reset", "203.0.113.9", "120",
                "10:00:30", "10:02:29", "0")
        SUMMARY("10:03:00", "error", "client_reset", "203.0.113.10", "500",
                "10:00:00", "10:02:59", "1"));
}

Test(scan_counting, held_back_lines_spread_over_first_to_last)
{
    json_t  *doc, *bursts, *b;

    held_back_log();
    doc = scan_json("--json error.log");

    cr_assert_eq(num(doc, "classes.client_reset.count"), 122);
    cr_assert_eq(num(doc, "classes.client_reset.suppressed"), 120);
    cr_assert_eq(num(doc, "classes.client_reset.by_log.error"), 122);

    /* one a second from 10:00:30 to 10:02:29, nothing at 10:03 */
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:00"), 31);
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:01"), 60);
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:02"), 31);
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:03"), 0);

    /* under its key in the top list; the dry run's key nowhere */
    cr_assert_eq(in_top(doc, "client_reset", "top_clients", "203.0.113.9"),
                 120);
    cr_assert_eq(in_top(doc, "client_reset", "top_clients", "198.51.100.7"),
                 2);
    cr_assert_eq(in_top(doc, "client_reset", "top_clients", "203.0.113.10"),
                 -1);

    /* and in the bursts: 120 over two minutes, from its first second */
    bursts = json_object_get(doc, "bursts");
    cr_assert_eq(json_array_size(bursts), 1, "%s",
                 json_dumps(bursts, 0));
    b = json_array_get(bursts, 0);
    cr_assert_str_eq(json_string_value(json_object_get(b, "key")),
                     "203.0.113.9");
    cr_assert_eq(num(b, "count"), 120);
    cr_assert_str_eq(json_string_value(json_object_get(b, "start")),
                     "2026-11-21T10:00:30");
    cr_assert_str_eq(json_string_value(json_object_get(b, "end")),
                     "2026-11-21T10:02:29");
    json_decref(doc);
}

/* 7 lines over 3 seconds: 2, 3, 2 (the shares differ by one at most) */
Test(scan_counting, held_back_lines_spread_evenly_within_a_minute_edge)
{
    json_t  *doc;

    write_file("error.log",
        SUMMARY("10:05:00", "access", "client_closed", "203.0.113.9", "7",
                "10:00:59", "10:01:01", "0"));
    doc = scan_json("--json --burst 3/1 error.log");
    cr_assert_eq(num(doc, "classes.client_closed.by_log.access"), 7);
    cr_assert_eq(num(doc, "classes.client_closed.by_log.error"), 0);
    cr_assert_eq(at_minute(doc, "client_closed", "2026-11-21T10:00"), 2);
    cr_assert_eq(at_minute(doc, "client_closed", "2026-11-21T10:01"), 5);
    cr_assert_eq(at_minute(doc, "client_closed", "2026-11-21T10:05"), 0);
    /* 3 in one second: the middle one is a burst of 3 within 1 s */
    cr_assert_eq(json_array_size(json_object_get(doc, "bursts")), 1);
    cr_assert_eq(num(json_array_get(json_object_get(doc, "bursts"), 0),
                     "count"), 3);
    json_decref(doc);
}

Test(scan_counting, held_back_lines_merge_like_a_direct_run)
{
    char  args[1024], *direct, *merged;

    held_back_log();
    direct = scan("--json error.log");
    snprintf(args, sizeof(args), "--partial error.log > p1.json 2>/dev/null && '%s'"
             " merge --json p1.json", getenv("RSTGUARD_RSTSCAN"));
    merged = scan(args);
    cr_assert_str_eq(merged, direct);
    free(direct);
    free(merged);
}

#define REFUSED(t, cid, ip, up) \
    "2026/11/" t " [error] 1234#1234: *" cid " connect() failed (111:"     \
    " Connection refused) while connecting to upstream, client: " ip ","   \
    " server: example.com, request: \"GET /api HTTP/1.1\", upstream:"      \
    " \"http://" up "/api\", host: \"example.com\"\n"

/*
 * A rotated set: .12.gz is older than .5.gz, so a direct run reads it
 * first and takes its example line; the parts of the two, merged in
 * either order, print the same bytes (the example, the files' order).
 */
Test(scan_counting, merge_in_any_order_prints_the_direct_run)
{
    char  args[1024], *direct, *merged;

    write_file("x.log.12",
        REFUSED("20 10:00:01", "1", "198.51.100.1", "10.0.0.1:8080")
        REFUSED("20 10:00:02", "2", "198.51.100.2", "10.0.0.1:8080")
        REFUSED("20 10:00:03", "3", "198.51.100.3", "10.0.0.1:8080"));
    write_file("x.log.5",
        REFUSED("21 10:00:01", "101", "203.0.113.1", "10.0.0.2:8080")
        REFUSED("21 10:00:02", "102", "203.0.113.2", "10.0.0.2:8080")
        REFUSED("21 10:00:03", "103", "203.0.113.3", "10.0.0.2:8080"));
    snprintf(args, sizeof(args), "--help >/dev/null && gzip x.log.12"
             " x.log.5 && '%1$s' --partial x.log.12.gz > p12.json 2>/dev/null"
             " && '%1$s' --partial x.log.5.gz > p5.json 2>/dev/null",
             getenv("RSTGUARD_RSTSCAN"));
    free(scan(args));

    for (int json = 0; json < 2; json++) {
        direct = scan(json ? "--json x.log.5.gz x.log.12.gz"
                           : "x.log.5.gz x.log.12.gz");
        cr_assert_not_null(strstr(direct, "e.g. 2026/11/20 10:00:01"), "%s",
                           direct);
        merged = scan(json ? "merge --json p5.json p12.json"
                           : "merge p5.json p12.json");
        cr_assert_str_eq(merged, direct, "json=%d", json);
        free(merged);
        merged = scan(json ? "merge --json p12.json p5.json"
                           : "merge p12.json p5.json");
        cr_assert_str_eq(merged, direct, "json=%d", json);
        free(merged);
        free(direct);
    }
}

#define ALERT(t, rate, key) \
    "2026/11/21 " t " [warn] 1234#1234: rstguard: alert log=error"        \
    " class=client_reset rate=" rate " limit=10r/s window=60s top_key=\"" \
    key "\" top_upstream=\"\" sample=\"recv() failed (104: Connection"    \
    " reset by peer) while reading client request line\"\n"

/* abort_storm's state travels through --partial: a storm cut in two
   merges, in either order, to what one run prints */
Test(scan_counting, alerts_merge_like_a_direct_run)
{
    char  args[1024], *direct, *merged;

    write_file("a.log", ALERT("10:00:59", "12.50/s", "203.0.113.7")
                        ALERT("10:01:59", "31.07/s", "203.0.113.8"));
    write_file("b.log", ALERT("10:02:59", "31.07/s", "203.0.113.9")
                        ALERT("10:03:59", "11.00/s", "203.0.113.10"));
    snprintf(args, sizeof(args), "--partial a.log > pa.json 2>/dev/null &&"
             " '%1$s' --partial b.log > pb.json 2>/dev/null",
             getenv("RSTGUARD_RSTSCAN"));
    free(scan(args));

    /* files of no rotated set are read in the order given: each order
       of the parts against the direct run in that order; the storm's
       evidence (the highest rate, ties to the earliest) in both */
    for (int swap = 0; swap < 2; swap++) {
        direct = scan(swap ? "--json b.log a.log" : "--json a.log b.log");
        cr_assert_not_null(strstr(direct, "the module raised 4 alerts for"
                                  " client_reset; the highest 31.07/s"
                                  " against a limit of 10r/s over 60 s, top"
                                  " key \\\"203.0.113.8\\\""), "%s", direct);
        merged = scan(swap ? "merge --json pb.json pa.json"
                           : "merge --json pa.json pb.json");
        cr_assert_str_eq(merged, direct);
        free(merged);
        free(direct);
    }
}

#define SUMMARY_V3(key, keys, n) \
    "2026/11/21 10:02:00 [info] 1234#1234: rstguard: log=error"           \
    " class=client_reset key=\"" key "\" keys=" keys " suppressed=" n     \
    " passed=0 window=60s first=\"2026/11/21 10:01:00\" last=\"2026/11/21" \
    " 10:01:59\" dry_run=0 sample=\"recv() failed (104: Connection reset" \
    " by peer) while reading client request line\"\n"

/*
 * Summaries v3: a key's own line counts under it; key="*" folds 981 keys
 * that have no line of their own, so it counts in the class and the
 * timeline, never as a key "*" in the top lists or the bursts.
 */
Test(scan_counting, held_back_lines_of_v3_and_the_folded_key)
{
    json_t  *doc, *bursts;

    write_file("error.log", SUMMARY_V3("203.0.113.7", "1", "60")
                            SUMMARY_V3("*", "981", "600"));
    doc = scan_json("--json error.log");
    cr_assert_eq(num(doc, "classes.client_reset.count"), 660);
    cr_assert_eq(num(doc, "classes.client_reset.suppressed"), 660);
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:01"), 660);
    cr_assert_eq(at_minute(doc, "client_reset", "2026-11-21T10:02"), 0);
    cr_assert_eq(in_top(doc, "client_reset", "top_clients", "203.0.113.7"),
                 60);
    cr_assert_eq(in_top(doc, "client_reset", "top_clients", "*"), -1);
    cr_assert_eq(json_array_size(json_object_get(json_object_get(
        json_object_get(doc, "classes"), "client_reset"), "top_clients")), 1);
    bursts = json_object_get(doc, "bursts");
    cr_assert_eq(json_array_size(bursts), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
        bursts, 0), "key")), "203.0.113.7");
    json_decref(doc);
}

#define H2(t, cid, msg) \
    "2026/11/21 " t " [info] 1234#1234: *" cid " " msg " while sending"    \
    " response to client, client: 198.51.100.9, server: example.com,"     \
    " request: \"GET /video.mp4 HTTP/2.0\", host: \"example.com\"\n"

/*
 * HTTP/2 pairs are found within one input: in shards of a log, a pair
 * the cut splits counts twice, in the direct run over the shards and in
 * their merge alike; a pair inside a shard counts once.
 */
Test(scan_counting, http2_pairs_in_shards_merge_like_a_direct_run)
{
    char     args[1024], *direct, *merged;
    json_t  *doc;

    write_file("s1.log", H2("10:00:01", "3", "client canceled stream 1")
                         H2("10:00:01", "3", "client prematurely closed"
                            " connection")
                         H2("10:00:02", "5", "client canceled stream 3"));
    write_file("s2.log", H2("10:00:02", "5", "client prematurely closed"
                            " connection"));
    snprintf(args, sizeof(args), "--partial s1.log > p1.json 2>/dev/null &&"
             " '%1$s' --partial s2.log > p2.json 2>/dev/null",
             getenv("RSTGUARD_RSTSCAN"));
    free(scan(args));

    doc = scan_json("--json s1.log s2.log");
    cr_assert_eq(num(doc, "classes.stream_canceled.count"), 2);
    cr_assert_eq(num(doc, "classes.client_closed.count"), 1);
    json_decref(doc);

    direct = scan("--json s1.log s2.log");
    merged = scan("merge --json p1.json p2.json");
    cr_assert_str_eq(merged, direct);
    free(direct);
    free(merged);
}
