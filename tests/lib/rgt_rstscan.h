/*
 * rgt_rstscan.h - runs the rstscan under test (RSTGUARD_RSTSCAN) for the
 * suites, so no suite writes its own popen runner.  No Criterion here (the
 * test tools link this library too): failures are returned, the caller
 * asserts.
 */

#ifndef RGT_RSTSCAN_H
#define RGT_RSTSCAN_H

#include <jansson.h>

/*
 * Runs `cd DIR && rstscan ARGS` (dir NULL: the current directory; args is
 * a shell fragment, printf-style).  Returns stdout (malloc'd, NUL ended)
 * and the exit status in *status (-1: killed by a signal), or NULL when
 * the command could not be run.
 */
char *rgt_rstscan(const char *dir, int *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * The same, for a run that prints JSON (the args must ask for it): the
 * parsed stdout, its exit status in *status, or NULL with why in err
 * (not run, or stdout was no JSON).
 */
json_t *rgt_rstscan_json(const char *dir, int *status, char *err,
    size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The count of class cls in a report (classes.CLS.count), 0 when absent. */
long long rgt_rstscan_count(json_t *report, const char *cls);

/*
 * Runs a shell command with its stderr in the file errpath (a path of the
 * test's directory); what it wrote to stdout and to stderr is copied into
 * out and err (cut to their sizes).  Its exit status, -1 when it could not
 * be run or did not exit.
 */
int rgt_sh(const char *cmd, const char *errpath, char *out, size_t outlen,
    char *err, size_t errlen);

#endif /* RGT_RSTSCAN_H */
