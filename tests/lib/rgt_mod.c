/*
 * rgt_mod.c - helpers for the module's integration tests (rgt_mod.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_mod.h"


int
rgt_mod_upstreams_start(rgt_nginx *n, rgt_upstream *slow,
    rgt_upstream *trunc)
{
    rgt_upstream_opts  so = { .mode = RGT_UP_SLOW, .delay_ms = 20000 };
    rgt_upstream_opts  to = { .mode = RGT_UP_TRUNCATE };

    so.port = n->port[1];
    to.port = n->port[2];

    if (rgt_upstream_start(slow, &so) != 0) {
        return -1;
    }

    if (rgt_upstream_start(trunc, &to) != 0) {
        rgt_upstream_stop(slow);
        return -1;
    }

    return 0;
}


void
rgt_mod_upstreams_stop(rgt_upstream *slow, rgt_upstream *trunc)
{
    rgt_upstream_stop(slow);
    rgt_upstream_stop(trunc);
}


size_t
rgt_mod_count(const char *text, const char *addr, const char *cls,
    const char *log)
{
    char  needle[256];

    if (log != NULL) {
        snprintf(needle, sizeof(needle), "a=%s c=%s l=%s ", addr, cls, log);

    } else {
        snprintf(needle, sizeof(needle), "a=%s c=%s ", addr, cls);
    }

    return text != NULL ? rgt_count_lines(text, needle) : 0;
}


long
rgt_mod_summary_suppressed(const char *text, const char *log,
    const char *cls, const char *key, int dry_run)
{
    char         head[256], flag[16];
    long         sum = 0;
    const char  *line, *nl, *p;

    snprintf(head, sizeof(head), "rstguard: log=%s class=%s key=\"%s\" ",
             log, cls, key);
    snprintf(flag, sizeof(flag), " dry_run=%d ", dry_run);

    for (line = text; line != NULL && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        p = strstr(line, head);

        if (p == NULL || (nl != NULL && p > nl)) {
            continue;
        }

        const char  *f = strstr(p, flag);

        if (f == NULL || (nl != NULL && f > nl)) {
            continue;
        }

        p = strstr(p, " suppressed=");
        if (p == NULL || (nl != NULL && p > nl)) {
            return -1;
        }

        sum += strtol(p + sizeof(" suppressed=") - 1, NULL, 10);
    }

    return sum;
}


int
rgt_mod_wait_lines(rgt_nginx *n, const char *rel, const char *needle,
    size_t lines)
{
    char  path[600];

    return rgt_wait_lines(rgt_nginx_path(n, rel, path, sizeof(path)), needle,
                          lines, 10000);
}


int
rgt_mod_settle(rgt_nginx *n)
{
    return rgt_mod_wait_lines(n, "logs/error.log",
                              "closed connection while waiting for request, "
                              "client: 127.0.0.1,", 1);
}


int
rgt_mod_wait_file(const char *path)
{
    int  i;

    for (i = 0; i < 250; i++) {
        if (access(path, F_OK) == 0) {
            return 0;
        }

        rgt_msleep(20);
    }

    return -1;
}


char *
rgt_mod_get(int port, const char *path, int *status)
{
    char        *resp, *body;
    const char  *p;
    size_t       cap = 1 << 20;

    resp = malloc(cap);
    if (resp == NULL) {
        return NULL;
    }

    *status = rgt_http_get(port, NULL, path, resp, cap);

    p = strstr(resp, "\r\n\r\n");
    body = (p != NULL) ? strdup(p + 4) : NULL;
    free(resp);

    return body;
}


json_t *
rgt_mod_status(rgt_nginx *n)
{
    int           status;
    char         *body;
    json_t       *doc;
    json_error_t  err;

    body = rgt_mod_get(n->port[0], "/status", &status);
    if (body == NULL || status != 200) {
        free(body);
        return NULL;
    }

    doc = json_loads(body, 0, &err);
    free(body);

    return doc;
}


long
rgt_mod_counter(json_t *doc, const char *zone, const char *log,
    const char *cls, const char *outcome)
{
    json_t  *v;

    v = json_object_get(json_object_get(json_object_get(json_object_get(
            json_object_get(json_object_get(doc, "zones"), zone), "lines"),
            log), cls), outcome);

    return json_is_integer(v) ? (long) json_integer_value(v) : -1;
}


char *
rgt_mod_prometheus(rgt_nginx *n)
{
    int    status;
    char  *body;

    body = rgt_mod_get(n->port[0], "/status?format=prometheus", &status);
    if (body != NULL && status != 200) {
        free(body);
        return NULL;
    }

    return body;
}


long
rgt_mod_contended(json_t *doc, const char *zone, const char *log)
{
    json_t  *v;

    v = json_object_get(json_object_get(json_object_get(json_object_get(
            doc, "zones"), zone), "contended"), log);

    return json_is_integer(v) ? (long) json_integer_value(v) : -1;
}
