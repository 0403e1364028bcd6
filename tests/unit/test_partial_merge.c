/*
 * Sharded runs: a log split four ways at record boundaries, each shard
 * scanned with --partial, then `rstscan merge` of the four documents must
 * print byte for byte what one direct run over the four shards prints,
 * as text and as JSON: counts, top lists, the timeline, bursts that span
 * a cut, summaries' suppressed counts and every finding.
 */

#define _GNU_SOURCE             /* asprintf */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partial.h"
#include "rgt_tmp.h"

#define LAYOUT  "$remote_addr - $remote_user [$time_local] \"$request\"" \
                " $status $body_bytes_sent \"$http_referer\""          \
                " \"$http_user_agent\" $request_time"                 \
                " \"$request_completion\""

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "merge"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(partial_merge, .init = setup, .fini = teardown, .timeout = 60);

static unsigned long  seed = 7;

static unsigned
rnd(unsigned n)
{
    seed = seed * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned) ((seed >> 33) % n);
}

/* Runs a shell command in dir; its stdout into a malloc'd string. */
static char *
sh(const char *fmt, const char *arg)
{
    char    cmd[4096], part[3072];
    FILE   *p;
    char   *buf = NULL;
    size_t  len = 0, n;
    FILE   *m = open_memstream(&buf, &len);

    snprintf(part, sizeof(part), fmt, arg, arg, arg, arg, arg, arg, arg, arg);
    snprintf(cmd, sizeof(cmd), "cd '%s' && %s", dir, part);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    while ((n = fread(part, 1, sizeof(part), p)) > 0) {
        fwrite(part, 1, n, m);
    }
    cr_assert_eq(pclose(p), 0, "%s", cmd);
    fclose(m);
    return buf;
}

/* Writes lines [from, to) of text (split at '\n') to dir/name. */
static void
shard(char **lines, size_t from, size_t to, const char *name)
{
    char   path[512];
    FILE  *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t i = from; i < to; i++) {
        fputs(lines[i], f);
    }
    fclose(f);
}

/*
 * 12 minutes of an access log whose share of 499s rises with the load,
 * with a cut /report.jsp and a client that bursts across the shard cuts.
 */
static size_t
access_log(char ***out)
{
    char   **v = calloc(4096, sizeof(char *));
    size_t   n = 0;

    for (int m = 0; m < 12; m++) {
        int reqs = 50 + 20 * m;
        for (int i = 0; i < reqs; i++) {
            int   sec = i * 60 / reqs, st = 200, body = 500 + (int) rnd(20000);
            char  ip[64], uri[32];
            const char *comp = "OK";

            if ((int) rnd(100) < 2 + 3 * m) {
                st = 499;
                body = (int) rnd(4000);
                comp = "";
            }
            if (i % 25 == 3) {
                snprintf(ip, sizeof(ip), "203.0.113.66");
                st = 499;
                comp = "";
            } else if (rnd(5) == 0) {
                snprintf(ip, sizeof(ip), "2001:db8::%x", rnd(40));
            } else {
                snprintf(ip, sizeof(ip), "198.51.100.%u", rnd(40));
            }
            snprintf(uri, sizeof(uri), "/p/%u", rnd(30));
            if (i % 40 == 7) {
                snprintf(uri, sizeof(uri), "/report.jsp");
                body = m % 4 ? 8192 : 30000;
                st = 200;
                comp = "OK";
            }
            cr_assert_geq(asprintf(&v[n++],
                "%s - - [21/Nov/2026:10:%02d:%02d +0000] \"GET %s?x=%d"
                " HTTP/1.1\" %d %d \"-\" \"Mozilla/5.0 (X11)\" %d.%03u"
                " \"%s\"\n", ip, m, sec, uri, i, st, body,
                st == 499 && i % 7 == 0 ? 60 : 0, rnd(1000), comp), 0);
        }
    }
    *out = v;
    return n;
}

/* Tomcat records, every third a ClientAbortException with its trace. */
static size_t
java_log(char ***out)
{
    char   **v = calloc(4096, sizeof(char *));
    size_t   n = 0;

    for (int r = 0; r < 120; r++) {
        cr_assert_geq(asprintf(&v[n++], "21-Nov-2026 10:%02d:%02d.%03d %s"
            " [http-nio-8080-exec-%d] org.apache.catalina.core.StandardWrapperValve"
            ".invoke Servlet.service() threw exception\n", r / 10,
            r % 10 * 6, r, r % 3 ? "INFO" : "SEVERE", r % 8), 0);
        if (r % 3 == 0) {
            cr_assert_geq(asprintf(&v[n++], "org.apache.catalina.connector"
                ".ClientAbortException: java.io.IOException: %s\n",
                r % 2 ? "Broken pipe" : "Connection reset by peer"), 0);
            for (int f = 0; f < 12; f++) {
                cr_assert_geq(asprintf(&v[n++], "\tat org.apache.catalina"
                    ".connector.OutputBuffer.realWriteBytes(OutputBuffer"
                    ".java:%d)\n", 300 + f), 0);
            }
        }
    }
    *out = v;
    return n;
}

/* Four shards, each cut at a line for which starts(line) holds. */
static void
four_ways(char **v, size_t n, const char *prefix, int java)
{
    size_t  cut[5] = { 0, 0, 0, 0, n };
    char    name[64];

    for (int k = 1; k < 4; k++) {
        cut[k] = n * (size_t) k / 4;
        while (java && cut[k] < n && v[cut[k]][0] != '2') {
            cut[k]++;
        }
    }
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof(name), "%s%d.log", prefix, k + 1);
        shard(v, cut[k], cut[k + 1], name);
    }
}

static void
same_output(const char *opts)
{
    char  args[1024];
    const char *scan = getenv("RSTGUARD_RSTSCAN");

    for (int json = 0; json < 2; json++) {
        snprintf(args, sizeof(args), "%s %s %s", scan, opts,
                 json ? "--json" : "");
        char *direct = sh("%s s1.log s2.log s3.log s4.log 2>/dev/null", args);
        free(sh("for i in 1 2 3 4; do %s --partial s$i.log > p$i.json"
                " 2>/dev/null || exit 1; done", args));
        snprintf(args, sizeof(args), "%s merge %s %s", scan, opts,
                 json ? "--json" : "");
        char *merged = sh("%s p1.json p2.json p3.json p4.json", args);
        cr_assert_gt(strlen(direct), 500);
        cr_assert_str_eq(merged, direct, "json=%d", json);
        free(direct);
        free(merged);
    }
}

Test(partial_merge, access_log_in_four_shards)
{
    char  **v;
    size_t  n = access_log(&v);

    four_ways(v, n, "s", 0);
    same_output("--format nginx-access --burst 5/60 --top 5 --log-format '"
                LAYOUT "'");

    /* what the merge had to carry over the cuts */
    char *json = sh("%s merge --json --top 5 --burst 5/60 p1.json p2.json"
                    " p3.json p4.json", getenv("RSTGUARD_RSTSCAN"));
    cr_assert_not_null(strstr(json, "\"key\": \"203.0.113.66\""), "%s", json);
    cr_assert_not_null(strstr(json, "\"kind\": \"overload\""), "%s", json);
    cr_assert_not_null(strstr(json, "\"kind\": \"output_buffer\""), "%s",
                       json);
    cr_assert_not_null(strstr(json, "\"uri\": \"/report.jsp\""), "%s", json);
    free(json);
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

Test(partial_merge, java_log_in_four_shards)
{
    char  **v;
    size_t  n = java_log(&v);

    four_ways(v, n, "s", 1);
    same_output("--format java");

    char *json = sh("%s merge --json p1.json p2.json p3.json p4.json",
                    getenv("RSTGUARD_RSTSCAN"));
    cr_assert_not_null(strstr(json, "\"kind\": \"log_bloat\""), "%s", json);
    cr_assert_not_null(strstr(json, "\"signature\": \"org.apache.catalina."
                              "connector.ClientAbortException: java.io."
                              "IOException: Broken pipe\""), "%s", json);
    free(json);
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

Test(partial_merge, a_bad_document_is_named)
{
    char  path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/bad.json", dir);
    f = fopen(path, "w");
    fprintf(f, "{\"rstscan_partial\": %d, \"lines\": \"x\"}\n",
            RS_PARTIAL_VERSION);
    fclose(f);
    /* version 1 kept a table of aborting clients in its findings state */
    snprintf(path, sizeof(path), "%s/v1.json", dir);
    f = fopen(path, "w");
    fputs("{\"rstscan_partial\": 1}\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/trunc.json", dir);
    f = fopen(path, "w");
    fprintf(f, "{\"rstscan_partial\": %d,\n \"lines\": ",
            RS_PARTIAL_VERSION);
    fclose(f);

    char  want[128];

    snprintf(want, sizeof(want), "v1.json: not an rstscan partial document"
             " of version %d", RS_PARTIAL_VERSION);

    char *err = sh("%s merge --json bad.json v1.json nope.json trunc.json"
                   " 2>&1 >/dev/null;"
                   " echo status=$?", getenv("RSTGUARD_RSTSCAN"));
    cr_assert_not_null(strstr(err, "bad.json: lines: expected an integer,"
                              " got a string"),
                       "%s", err);
    cr_assert_not_null(strstr(err, want), "%s", err);
    cr_assert_not_null(strstr(err, "nope.json: unable to open nope.json: No"
                              " such file or directory"), "%s", err);
    cr_assert_not_null(strstr(err, "trunc.json:2:10: not a partial document:"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "status=2"), "%s", err);
    free(err);
}

/* A summary's suppressed count travels through the partial document. */
Test(partial_merge, summaries_and_two_formats)
{
    char  args[1024];

    snprintf(args, sizeof(args), "%s/tests/data/scan",
             getenv("RSTGUARD_ROOT"));
    free(sh("cp %s/error.log s1.log && cp %s/access.log s2.log", args));
    for (int json = 0; json < 2; json++) {
        snprintf(args, sizeof(args), "%s --burst 3/60 %s",
                 getenv("RSTGUARD_RSTSCAN"), json ? "--json" : "");
        char *direct = sh("%s s1.log s2.log 2>/dev/null", args);
        free(sh("%s --partial s1.log > p1.json 2>/dev/null && %s --partial"
                " s2.log > p2.json 2>/dev/null", args));
        snprintf(args, sizeof(args), "%s merge --burst 3/60 %s",
                 getenv("RSTGUARD_RSTSCAN"), json ? "--json" : "");
        char *merged = sh("%s p1.json p2.json", args);
        cr_assert_str_eq(merged, direct);
        if (json) {
            /* 4 resets seen + 40 a summary held back */
            cr_assert_not_null(strstr(merged, "\"count\": 44,\n"
                                      "      \"suppressed\": 40,"), "%s",
                               merged);
        }
        free(direct);
        free(merged);
    }
}
