/*
 * Logs as they are found in the field (issue 12), through rstscan as a
 * user runs it: other Apache versions and ErrorLogFormat layouts, shipper
 * prefixes (Kubernetes/CRI, Docker json-file, CloudWatch), files no parser
 * reads.  Each log is written here in the shape of real ones (where the
 * shapes were seen: tests/data/README.md).
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rgt_tmp.h"

static char  dir[RGT_TMP_DIR_MAX];
static char  out[1 << 16], errtext[1 << 14];

static void setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "field"), 0);
}

static void teardown(void)
{
    rgt_tmp_remove(dir);
}

TestSuite(field_logs, .init = setup, .fini = teardown);


/* Writes text to dir/name; the path in path. */
static void
put(const char *name, const char *text, char *path, size_t size)
{
    FILE  *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}


/* Runs rstscan with args (a shell fragment); its exit status. */
static int
run(const char *args)
{
    char    cmd[4096], errpath[256];
    FILE   *p, *e;
    size_t  n;
    int     st;

    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s 2>'%s'",
             getenv("RSTGUARD_ROOT"), getenv("RSTGUARD_RSTSCAN"), args,
             errpath);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    st = pclose(p);

    e = fopen(errpath, "r");
    cr_assert_not_null(e);
    n = fread(errtext, 1, sizeof(errtext) - 1, e);
    errtext[n] = '\0';
    fclose(e);

    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}


/* rstscan --json [opts] on a log of text; the report (0 exit expected). */
static json_t *
scan(const char *name, const char *text, const char *opts)
{
    char          path[256], args[1024];
    json_t       *rep;
    json_error_t  je;

    put(name, text, path, sizeof(path));
    snprintf(args, sizeof(args), "--json %s '%s'", opts ? opts : "", path);
    cr_assert_eq(run(args), 0, "%s", errtext);
    rep = json_loads(out, 0, &je);
    cr_assert_not_null(rep, "%s: %s", je.text, out);

    return rep;
}


static json_t *
file0(json_t *rep)
{
    return json_array_get(json_object_get(rep, "files"), 0);
}


static long long
count(json_t *rep, const char *cls)
{
    json_t  *c = json_object_get(json_object_get(rep, "classes"), cls);

    return c ? json_integer_value(json_object_get(c, "count")) : 0;
}


/* The class's classes.cls.top_clients[i].key, "" when none. */
static const char *
top_client(json_t *rep, const char *cls, size_t i)
{
    json_t  *c = json_object_get(json_object_get(rep, "classes"), cls);
    json_t  *t = json_array_get(json_object_get(c, "top_clients"), i);

    return t ? json_string_value(json_object_get(t, "key")) : "";
}


static void
expect_format(json_t *rep, const char *format, long long lines,
    long long unparsed)
{
    json_t  *f = file0(rep);

    cr_expect_str_eq(json_string_value(json_object_get(f, "format")), format);
    cr_expect_eq(json_integer_value(json_object_get(f, "lines")), lines);
    cr_expect_eq(json_integer_value(json_object_get(f, "unparsed")),
                 unparsed);
}


/* Apache 2.0/2.2: [level] without a module, [client A] without a port;
   the proxy says "proxy: " after the errno text. */
Test(field_logs, apache_22_error_log)
{
    json_t  *rep = scan("error_log",
        "[Sun Dec 04 04:47:44 2005] [notice] Apache/2.2.3 (Unix) configured -- resuming normal operations\n"
        "[Sun Dec 04 04:47:44 2005] [error] [client 192.0.2.10] (104)Connection reset by peer: core_output_filter: writing data to the network\n"
        "[Sun Dec 04 04:47:45 2005] [error] [client 192.0.2.10] (32)Broken pipe: core_output_filter: writing data to the network\n"
        "[Sun Dec 04 04:47:46 2005] [error] [client 192.0.2.11] (70007)The timeout specified has expired: proxy: error reading status line from remote server 127.0.0.1:8080\n"
        "[Sun Dec 04 04:47:47 2005] [error] (111)Connection refused: proxy: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed\n"
        "[Sun Dec 04 04:47:48 2005] [error] [client 192.0.2.12] (70007)The timeout specified has expired: ap_content_length_filter: apr_bucket_read() failed, referer: http://www.example.com/\n"
        "[Sun Dec 04 04:47:49 2005] [error] [client 192.0.2.12] File does not exist: /var/www/html/favicon.ico\n",
        NULL);

    expect_format(rep, "apache-error", 7, 0);
    cr_expect_eq(count(rep, "client_reset"), 1);
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "192.0.2.10");
    cr_expect_eq(count(rep, "broken_pipe"), 1);
    cr_expect_eq(count(rep, "upstream_timeout"), 1);
    cr_expect_eq(count(rep, "upstream_refused"), 1);
    cr_expect_eq(count(rep, "client_timeout"), 1);
    cr_expect_eq(json_object_size(json_object_get(rep, "classes")), 5);
    json_decref(rep);
}


/* 2.4 with ErrorLogFormat: the fields in another order, [host H], and
   %L log ids; 70007 under proxy_fcgi is the backend's. */
Test(field_logs, apache_24_error_log_format)
{
    json_t  *rep = scan("error.log",
        "[Sat Nov 21 10:00:00.123456 2026] [error] [client 198.51.100.7:4432] [host www.example.com] (104)Connection reset by peer: AH00574: ap_content_length_filter: apr_bucket_read() failed\n"
        "[Sat Nov 21 10:00:01.123456 2026] [pid 7:tid 8] [proxy_fcgi:error] [client 198.51.100.8:4433] (70007)The timeout specified has expired: AH01075: Error dispatching request to : (polling)\n"
        "[Sat Nov 21 10:00:02 2026] [proxy_http:error] [R:Wb3xAH8AAQEAAA5xQ2UAAAAB] [C:Wb3xAH8AAQEAAA5w] [client 198.51.100.9:5000] (70007)The timeout specified has expired: AH01102: error reading status line from remote server 10.0.0.5:8080\n"
        "[Sat Nov 21 10:00:03.5 2026] [core:error] [pid 7:tid 8] (70007)The timeout specified has expired: [client 198.51.100.9:5001] AH01382: Request header read timeout\n",
        NULL);

    expect_format(rep, "apache-error", 4, 0);
    cr_expect_eq(count(rep, "client_reset"), 1);
    cr_expect_str_eq(top_client(rep, "client_reset", 0), "198.51.100.7");
    cr_expect_eq(count(rep, "upstream_timeout"), 2);
    cr_expect_eq(count(rep, "client_timeout"), 1);
    json_decref(rep);
}
