/*
 * rstscan over a gzip input gives the very report it gives over the plain
 * file: a 10 MB nginx error log from bench/loggen (realistic lines, IPv6,
 * bursts, a few percent aborts), gzipped as three members cut mid-line at
 * three levels, is scanned plain (two threads: it is over RS_SPLIT_MIN),
 * gzip (one thread fed by the inflating thread) and gzip on stdin; the
 * three --json objects must be equal but for the input's path, and the
 * client-side aborts must be the ones loggen wrote.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];

static void
setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "gzscan"), 0);
}

static void
teardown(void)
{
    cr_assert_eq(rgt_tmp_remove(dir), 0);
}

TestSuite(gzip_scan, .init = setup, .fini = teardown);

static void
sh(const char *cmd)
{
    int  st = system(cmd);

    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "failed: %s", cmd);
}

/* rstscan --json INPUT (a shell fragment) parsed, with the path blanked. */
static json_t *
scan_json(const char *input, const char *name)
{
    char          cmd[2048], out[256];
    json_error_t  je;
    json_t       *j, *f;

    snprintf(out, sizeof(out), "%s/%s.json", dir, name);
    snprintf(cmd, sizeof(cmd), "'%s' --json %s > %s",
             getenv("RSTGUARD_RSTSCAN"), input, out);
    sh(cmd);

    j = json_load_file(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", out, je.text);
    cr_assert_eq(json_array_size(json_object_get(j, "files")), 1);
    f = json_array_get(json_object_get(j, "files"), 0);
    cr_assert(json_is_null(json_object_get(f, "error")), "%s", name);
    json_object_set_new(f, "path", json_string(""));

    return j;
}

static long long
client_aborts(json_t *j)
{
    const char  *name;
    json_t      *c;
    long long    n = 0;

    json_object_foreach(json_object_get(j, "classes"), name, c) {
        if (strcmp(json_string_value(json_object_get(c, "side")),
                   "client") == 0)
        {
            n += json_integer_value(json_object_get(c, "count"));
        }
    }
    return n;
}

Test(gzip_scan, three_members_scan_exactly_like_the_plain_file)
{
    char          cmd[2048], stats[512], *p;
    json_t       *plain, *gz, *in;
    struct stat   st;
    long long     aborts;
    FILE         *f;
    size_t        n;

    snprintf(cmd, sizeof(cmd), "'%s/loggen' --type error --size 10M"
             " --seed 11 > %s/e.log 2> %s/stats",
             getenv("RSTGUARD_BUILD"), dir, dir);
    sh(cmd);
    snprintf(cmd, sizeof(cmd), "%s/stats", dir);
    f = fopen(cmd, "r");
    cr_assert_not_null(f);
    n = fread(stats, 1, sizeof(stats) - 1, f);
    stats[n] = '\0';
    fclose(f);
    p = strstr(stats, " lines, ");
    p = p != NULL ? strstr(p + 8, " bytes, ") : NULL;
    cr_assert_not_null(p, "%s", stats);
    aborts = strtoll(p + 8, NULL, 10);
    cr_assert_gt(aborts, 100, "%s", stats);

    /* members of 3,000,001, 4,000,000 and the rest bytes, cut mid-line */
    snprintf(cmd, sizeof(cmd), "cd %s && head -c 3000001 e.log | gzip -1 >"
             " e.log.gz && tail -c +3000002 e.log | head -c 4000000 |"
             " gzip -9 >> e.log.gz && tail -c +7000002 e.log | gzip -6 >>"
             " e.log.gz", dir);
    sh(cmd);

    snprintf(cmd, sizeof(cmd), "%s/e.log", dir);
    plain = scan_json(cmd, "plain");
    snprintf(cmd, sizeof(cmd), "%s/e.log.gz", dir);
    gz = scan_json(cmd, "gz");
    snprintf(cmd, sizeof(cmd), "- < %s/e.log.gz", dir);
    in = scan_json(cmd, "stdin");

    snprintf(cmd, sizeof(cmd), "%s/e.log", dir);
    cr_assert_eq(stat(cmd, &st), 0);
    cr_assert_eq(json_integer_value(json_object_get(gz, "bytes")),
                 (long long) st.st_size);
    cr_assert_eq(client_aborts(gz), aborts, "loggen: %s", stats);
    cr_assert(json_equal(plain, gz), "the gzip scan differs from the plain");
    cr_assert(json_equal(plain, in), "the stdin scan differs from the plain");

    json_decref(plain);
    json_decref(gz);
    json_decref(in);
}
