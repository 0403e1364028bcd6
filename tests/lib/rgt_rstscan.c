/*
 * rgt_rstscan.c - the suites' rstscan runner (see rgt_rstscan.h).
 */

#define _GNU_SOURCE         /* asprintf */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_nginx.h"
#include "rgt_rstscan.h"


static char *
rgt_rstscan_va(const char *dir, int *status, const char *fmt, va_list ap)
{
    char  *args, *cmd;
    int    n;

    *status = -1;
    if (vasprintf(&args, fmt, ap) < 0) {
        return NULL;
    }

    /* no `cd .`: a shell cannot cd to a directory whose parents the
       test's user may not search (a 0700 checkout run as nobody) */
    n = dir != NULL ? asprintf(&cmd, "cd '%s' && '%s' %s", dir,
                               getenv("RSTGUARD_RSTSCAN"), args)
                    : asprintf(&cmd, "'%s' %s", getenv("RSTGUARD_RSTSCAN"),
                               args);
    free(args);
    if (n < 0) {
        return NULL;
    }

    args = rgt_run(cmd, status);
    free(cmd);
    return args;
}


char *
rgt_rstscan(const char *dir, int *status, const char *fmt, ...)
{
    va_list  ap;
    char    *out;

    va_start(ap, fmt);
    out = rgt_rstscan_va(dir, status, fmt, ap);
    va_end(ap);
    return out;
}


json_t *
rgt_rstscan_json(const char *dir, int *status, char *err, size_t errlen,
    const char *fmt, ...)
{
    va_list       ap;
    json_error_t  je;
    json_t       *doc;
    char         *out;

    va_start(ap, fmt);
    out = rgt_rstscan_va(dir, status, fmt, ap);
    va_end(ap);

    if (out == NULL) {
        snprintf(err, errlen, "rstscan could not be run");
        return NULL;
    }

    doc = json_loads(out, 0, &je);
    if (doc == NULL) {
        snprintf(err, errlen, "exit %d, no JSON (%s): %.300s", *status,
                 je.text, out);
    }

    free(out);
    return doc;
}


int
rgt_sh(const char *cmd, const char *errpath, char *out, size_t outlen,
    char *err, size_t errlen)
{
    char  *full, *o, *e;
    int    status = -1;

    if (asprintf(&full, "%s 2>'%s'", cmd, errpath) < 0) {
        return -1;
    }

    o = rgt_run(full, &status);
    free(full);
    e = rgt_read_file(errpath, NULL);

    snprintf(out, outlen, "%s", o ? o : "");
    snprintf(err, errlen, "%s", e ? e : "");
    free(o);
    free(e);

    return o == NULL || e == NULL ? -1 : status;
}


long long
rgt_rstscan_count(json_t *report, const char *cls)
{
    json_t  *c = json_object_get(json_object_get(report, "classes"), cls);

    return c ? json_integer_value(json_object_get(c, "count")) : 0;
}
