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

static json_t *scan_json_damaged(const char *input, const char *name,
    char *error, size_t size);
static json_t *run_json(const char *args, const char *name, size_t i,
    char *error, size_t size);

/* rstscan --json INPUT (a shell fragment) parsed, with the path blanked;
   the input must have been read to its end. */
static json_t *
scan_json(const char *input, const char *name)
{
    char     error[1536];
    json_t  *j = scan_json_damaged(input, name, error, sizeof(error));

    cr_assert_eq(json_array_size(json_object_get(j, "files")), 1);
    cr_assert_str_eq(error, "", "%s", name);

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


/* rstscan --json on input (its exit status is checked by the caller's
   reading of the error); the JSON, its files[0] error copied into error
   ("" for none) and the path and error blanked. */
static json_t *
scan_json_damaged(const char *input, const char *name, char *error,
    size_t size)
{
    return run_json(input, name, 0, error, size);
}

/* The byte at offset `at` of path, inverted in place. */
static void
invert_byte(const char *path, long at)
{
    FILE  *f = fopen(path, "r+b");
    int    c;

    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    c = fgetc(f);
    cr_assert_eq(fseek(f, at, SEEK_SET), 0);
    fputc(c ^ 0xff, f);
    cr_assert_eq(fclose(f), 0);
}

static long
file_size(const char *path)
{
    struct stat  st;

    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (long) st.st_size;
}

/*
 * The case: damage in the middle of the second of three members
 * (a real 10 MB log).  Before, the damage decoded on into garbage (tens of
 * thousands of unparsed lines, wrong class counts) and was reported at the
 * trailer.  Now the report is exactly the scan of the first member's
 * bytes alone, and the error names member 2 and where it failed.
 */
Test(gzip_scan, damage_in_the_second_member_counts_exactly_the_first)
{
    char          cmd[2048], error[1536], head[512], path[256];
    char          input[256];
    json_t       *first, *damaged;
    long          m1, m2, at;
    const char   *p;

    snprintf(cmd, sizeof(cmd), "cd %s && '%s/loggen' --type error --size 10M"
             " --seed 12 > e.log 2> stats && head -c 3000001 e.log > first.log"
             " && gzip -1 < first.log > m1.gz && tail -c +3000002 e.log |"
             " head -c 4000000 | gzip -9 > m2.gz && tail -c +7000002 e.log |"
             " gzip -6 > m3.gz && cat m1.gz m2.gz m3.gz > e.log.gz", dir,
             getenv("RSTGUARD_BUILD"));
    sh(cmd);

    snprintf(path, sizeof(path), "%s/m1.gz", dir);
    m1 = file_size(path);
    snprintf(path, sizeof(path), "%s/m2.gz", dir);
    m2 = file_size(path);

    /* one byte in the middle of member 2's deflate data, inverted */
    snprintf(path, sizeof(path), "%s/e.log.gz", dir);
    invert_byte(path, m1 + m2 / 2);

    snprintf(input, sizeof(input), "%s/first.log", dir);
    first = scan_json(input, "first");
    snprintf(input, sizeof(input), "%s/e.log.gz", dir);
    damaged = scan_json_damaged(input, "damaged", error, sizeof(error));

    snprintf(head, sizeof(head), "%s/e.log.gz: corrupt gzip input: member 2"
             " (from compressed byte %ld): ", dir, m1);
    cr_assert_eq(strncmp(error, head, strlen(head)), 0, "%s", error);
    cr_assert_not_null(strstr(error, "; none of this member is counted, the"
                              " 3000001 bytes decoded before it are"),
                       "%s", error);
    p = strstr(error, " at compressed byte ");
    cr_assert_not_null(p, "%s", error);
    at = strtol(p + strlen(" at compressed byte "), NULL, 10);
    cr_assert_geq(at + 8, m1 + m2 / 2, "%s", error);
    cr_assert_leq(at, m1 + m2, "%s", error);

    cr_assert_eq(json_integer_value(json_object_get(damaged, "bytes")),
                 3000001);
    cr_assert_gt(client_aborts(first), 0);
    cr_assert(json_equal(first, damaged), "the damaged scan counted more"
              " than the first member: %s", error);

    json_decref(first);
    json_decref(damaged);
}


/* rstscan ARGS --json parsed, files[i]'s path and error blanked (its
   error copied into error), the rest as printed. */
static json_t *
run_json(const char *args, const char *name, size_t i, char *error,
    size_t size)
{
    char          cmd[3072], out[256];
    json_error_t  je;
    json_t       *j, *f;

    snprintf(out, sizeof(out), "%s/%s.json", dir, name);
    snprintf(cmd, sizeof(cmd), "cd %s && '%s' --json %s > %s 2>/dev/null",
             dir, getenv("RSTGUARD_RSTSCAN"), args, out);
    (void) system(cmd);

    j = json_load_file(out, 0, &je);
    cr_assert_not_null(j, "%s: %s", out, je.text);
    f = json_array_get(json_object_get(j, "files"), i);
    cr_assert_not_null(f, "%s", name);
    snprintf(error, size, "%s", json_is_string(json_object_get(f, "error"))
             ? json_string_value(json_object_get(f, "error")) : "");
    json_object_set_new(f, "path", json_string(""));
    json_object_set_new(f, "error", json_null());

    return j;
}

/*
 * The gzip file is inflated once and counted while it is read; when its
 * member 2 of 3 proves damaged (here at the trailer: a CRC-32 mismatch,
 * after the whole member was decoded and counted), what the file counted
 * is dropped and it is read again, each member checked first.  Among two
 * other inputs (an error log before it, an access log after it), at -j 1,
 * 2 and 7, the report is exactly that of the same inputs with the first
 * member's bytes in place of the damaged file: nothing of members 2 and 3
 * counted, everything of the others.
 */
Test(gzip_scan, damaged_file_among_others_is_dropped_and_read_again)
{
    char          cmd[2048], error[1536], path[256], name[32];
    json_t       *want, *got;
    long          m1, m2;
    int           j;

    snprintf(cmd, sizeof(cmd), "cd %s && B='%s' && $B/loggen --type error"
             " --size 6M --seed 13 > e.log 2>/dev/null && head -c 2000001"
             " e.log > first.log && gzip -1 < first.log > m1.gz && tail -c"
             " +2000002 e.log | head -c 2000000 | gzip -6 > m2.gz && tail -c"
             " +4000002 e.log | gzip -6 > m3.gz && cat m1.gz m2.gz m3.gz >"
             " d.gz && $B/loggen --type error --size 2M --seed 14 > a.log"
             " 2>/dev/null && $B/loggen --type access --size 2M --seed 15 >"
             " c.log 2>/dev/null", dir, getenv("RSTGUARD_BUILD"));
    sh(cmd);

    snprintf(path, sizeof(path), "%s/m1.gz", dir);
    m1 = file_size(path);
    snprintf(path, sizeof(path), "%s/m2.gz", dir);
    m2 = file_size(path);

    /* member 2's CRC-32 (the first trailer byte), inverted */
    snprintf(path, sizeof(path), "%s/d.gz", dir);
    invert_byte(path, m1 + m2 - 8);

    want = run_json("-j 1 a.log first.log c.log", "want", 1, error,
                    sizeof(error));
    cr_assert_str_eq(error, "");
    cr_assert_eq(json_integer_value(json_object_get(want, "bytes")),
                 file_size(strcat(strcpy(path, dir), "/a.log")) + 2000001
                 + file_size(strcat(strcpy(path, dir), "/c.log")));

    for (j = 1; j <= 7; j += j < 2 ? 1 : 5) {
        snprintf(cmd, sizeof(cmd), "-j %d a.log d.gz c.log", j);
        snprintf(name, sizeof(name), "got%d", j);
        got = run_json(cmd, name, 1, error, sizeof(error));

        snprintf(cmd, sizeof(cmd), "d.gz: corrupt gzip input: member 2"
                 " (from compressed byte %ld): checksum mismatch", m1);
        cr_assert_not_null(strstr(error, cmd), "-j %d: %s", j, error);
        cr_assert_not_null(strstr(error, "; none of this member is counted,"
                                  " the 2000001 bytes decoded before it are"),
                           "-j %d: %s", j, error);
        cr_assert(json_equal(want, got), "-j %d: the damaged run counted"
                  " other than the good members", j);
        json_decref(got);
    }

    json_decref(want);
}
