/*
 * The version is kept in one place (VERSION): `rstscan --version` prints
 * it and debian/changelog's newest entry carries it.  The manual page
 * (analyzer/rstscan.1) documents every option and format `rstscan --help`
 * lists, and man(1) renders it without a warning.
 */

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_nginx.h"

TestSuite(version_manpage, .timeout = 30);

/* ROOT/rel, read whole (caller frees) */
static char *
read_root(const char *rel)
{
    char   path[1024];
    char  *text;

    snprintf(path, sizeof(path), "%s/%s", getenv("RSTGUARD_ROOT"), rel);
    text = rgt_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);

    return text;
}


/* VERSION without its line end */
static char *
version(void)
{
    char  *v = read_root("VERSION");

    v[strcspn(v, "\n")] = '\0';
    cr_assert_gt(strlen(v), 0, "VERSION is empty");
    for (const char *p = v; *p; p++) {
        cr_assert(isdigit((unsigned char) *p) || *p == '.' || *p == '~'
                  || *p == '+', "VERSION \"%s\": only digits, . ~ +", v);
    }

    return v;
}


Test(version_manpage, rstscan_prints_the_version_file)
{
    char   cmd[1024], want[128], *v, *out;
    int    status;

    v = version();
    snprintf(cmd, sizeof(cmd), "'%s' --version 2>&1",
             getenv("RSTGUARD_RSTSCAN"));
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "%s", out);
    snprintf(want, sizeof(want), "rstscan %s\n", v);
    cr_assert_str_eq(out, want);
    free(out);
    free(v);
}


/* the newest entry: "rstguard (VERSION) DIST; urgency=..." */
Test(version_manpage, debian_changelog_carries_the_version)
{
    char   want[256], *v, *log;

    v = version();
    log = read_root("debian/changelog");
    snprintf(want, sizeof(want), "rstguard (%s) ", v);
    cr_assert_eq(strncmp(log, want, strlen(want)), 0,
                 "debian/changelog starts \"%.60s\", VERSION says %s", log, v);
    free(log);
    free(v);
}


/* name[0..n) as roff writes it: every '-' as "\-" (out holds 2n + 1) */
static void
roff_name(const char *name, size_t n, char *out)
{
    size_t  k = 0;

    for (size_t i = 0; i < n; i++) {
        if (name[i] == '-') {
            out[k++] = '\\';
        }
        out[k++] = name[i];
    }
    out[k] = '\0';
}


/*
 * Every "--name" of the help text (the scanner's table and simulate's
 * usage line) is in the manual as "\-\-name" at the start of a .TP item
 * or in the synopsis, so an option added to analyzer/cli/options.c without a
 * line in the manual fails here.
 */
Test(version_manpage, manual_documents_every_option)
{
    char    cmd[1024], name[64], want[160], *help, *man, *p;
    int     status;
    size_t  n, found = 0;

    snprintf(cmd, sizeof(cmd), "'%s' --help", getenv("RSTGUARD_RSTSCAN"));
    help = rgt_run(cmd, &status);
    cr_assert_not_null(help);
    cr_assert_eq(status, 0, "%s", help);
    man = read_root("analyzer/rstscan.1");

    for (p = help; (p = strstr(p, "--")) != NULL; p += 2 + n) {
        n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
        if (n == 0 || 2 * n >= sizeof(name)) {
            continue;
        }

        /* --global-rate in roff: \-\-global\-rate */
        roff_name(p + 2, n, name);

        snprintf(want, sizeof(want), "\\-\\-%s", name);
        cr_assert_not_null(strstr(man, want), "the manual lacks %.*s (%s)",
                           (int) n + 2, p, want);
        found++;
    }

    /* the scanner's 16 options and simulate's own */
    cr_assert_geq(found, 20, "only %zu options in --help:\n%s", found, help);

    /* and every format of --help's "formats:" line, as ".B name" or
       ".BR name ," (roff's '-' written "\-") */
    p = strstr(help, "\nformats:");
    cr_assert_not_null(p, "no formats line in --help:\n%s", help);
    p += 9;
    for (found = 0; *p != '\n' && *p != '\0'; p += n) {
        p += strspn(p, " ");
        n = strcspn(p, " \n");
        if (n == 0 || n >= sizeof(name) / 2) {
            break;
        }

        roff_name(p, n, name);

        char  b[160], br[160];
        snprintf(b, sizeof(b), ".B %s\n", name);
        snprintf(br, sizeof(br), ".BR %s ", name);
        cr_assert(strstr(man, b) != NULL || strstr(man, br) != NULL,
                  "the manual lacks the format %.*s", (int) n, p);
        found++;
    }
    cr_assert_geq(found, 7, "%s", help);
    free(help);
    free(man);
}


Test(version_manpage, manual_renders_without_warnings)
{
    char   cmd[1024], *out;
    int    status;

    /* man's warnings (groff -ww) go to stderr, the page to /dev/null */
    snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings"
             " -E UTF-8 -l '%s/analyzer/rstscan.1' 2>&1 >/dev/null",
             getenv("RSTGUARD_ROOT"));
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "%s", out);
    cr_assert_str_eq(out, "");
    free(out);

    snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 MANWIDTH=80 man -l '%s/analyzer"
             "/rstscan.1' 2>&1 | grep -c -e '^EXIT STATUS' -e '^OPTIONS'"
             " -e '^SYNOPSIS'", getenv("RSTGUARD_ROOT"));
    out = rgt_run(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_str_eq(out, "3\n");
    free(out);
}
