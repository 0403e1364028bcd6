/*
 * --nginx-conf: each access log read in the log_format its access_log
 * names, from nginx.conf and its includes, or from the output of the real
 * `nginx -T` (Debian's /usr/sbin/nginx, run on a configuration written
 * here); the system's nginx.conf used when no layout option is given
 * ($RSTSCAN_NGINX_CONF stands for it); errors named FILE:LINE.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rgt_rstscan.h"
#include "rgt_tmp.h"

#define NGINX  "/usr/sbin/nginx"

static char  dir[RGT_TMP_DIR_MAX];
static char  out[1 << 16], errtext[1 << 14];

static void setup(void)
{
    cr_assert_eq(rgt_tmp_make(dir, sizeof(dir), "ngxconf"), 0);
}

static void teardown(void)
{
    rgt_tmp_remove(dir);
}

TestSuite(nginx_conf, .init = setup, .fini = teardown);


/* Writes dir/name from a format with every %s the test's directory. */
static void
put(const char *name, const char *fmt)
{
    char        path[256], text[4096];
    const char *p;
    size_t      n = 0;
    FILE       *f;

    for (p = fmt; *p && n < sizeof(text) - 128; p++) {
        if (p[0] == '%' && p[1] == 's') {
            n += (size_t) snprintf(text + n, sizeof(text) - n, "%s", dir);
            p++;
        } else {
            text[n++] = *p;
        }
    }
    text[n] = '\0';

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(text, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}


/* Runs a shell command line in dir with rstscan as $RS; its exit status. */
static int
run(const char *cmdline)
{
    char  cmd[4096], errpath[256];

    snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
    snprintf(cmd, sizeof(cmd), "cd '%s' && RS='%s' && %s", dir,
             getenv("RSTGUARD_RSTSCAN"), cmdline);

    return rgt_sh(cmd, errpath, out, sizeof(out), errtext, sizeof(errtext));
}


/* A configuration as a site would have it: the layout in nginx.conf (two
   strings, $request_time and $request_completion after combined's
   fields), the access_log in an included file, another log in combined. */
static void
write_conf(void)
{
    char  cmd[512];

    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/conf.d' '%s/logs'", dir, dir);
    cr_assert_eq(system(cmd), 0);

    put("nginx.conf",
        "# rstscan test configuration\n"
        "worker_processes 1;\n"
        "error_log %s/logs/error.log;\n"
        "pid %s/logs/nginx.pid;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    log_format  timed  '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
        "                       '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" '\n"
        "                       \"rt=$request_time done=$request_completion\";\n"
        "    access_log %s/logs/other.log;\n"
        "    include conf.d/*.conf;\n"
        "}\n");
    put("conf.d/shop.conf",
        "server {\n"
        "    listen 127.0.0.1:1;   # never started: nginx -T only\n"
        "    access_log %s/logs/shop.access.log timed buffer=4k;\n"
        "    location / { return 200; }\n"
        "}\n");
    /* a 499, a 200 cut short ($request_completion empty), a whole one */
    put("logs/shop.access.log",
        "203.0.113.5 - - [21/Nov/2026:10:00:00 +0000] \"GET /feed HTTP/1.1\" 499 0 \"-\" \"Mozilla/5.0\" rt=0.310 done=\n"
        "203.0.113.6 - - [21/Nov/2026:10:00:01 +0000] \"GET /big.pdf HTTP/1.1\" 200 65536 \"-\" \"Mozilla/5.0\" rt=2.001 done=\n"
        "203.0.113.7 - - [21/Nov/2026:10:00:02 +0000] \"GET / HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\" rt=0.002 done=OK\n");
}


static void
expect_two_aborts(void)
{
    cr_expect_not_null(strstr(out, "\"client_closed\": {\n      \"count\": 2,"),
                       "%s", out);
}


/* The real nginx -T output, as a file and on stdin, and the configuration
   itself with its include: the same layout each time. */
Test(nginx_conf, access_log_read_in_its_log_format)
{
    if (access(NGINX, X_OK) != 0) {
        cr_skip_test(NGINX " is not installed (scripts/deps.sh installs"
                     " nginx)");
    }

    write_conf();
    cr_assert_eq(run(NGINX " -T -q -c \"$PWD/nginx.conf\" > dump.txt"), 0,
                 "%s", errtext);

    /* without the configuration only combined's head is read: the 499,
       not the 200 cut short (its $request_completion is not known) */
    cr_assert_eq(run("RSTSCAN_NGINX_CONF= \"$RS\" --json"
                     " logs/shop.access.log"), 0, "%s", errtext);
    cr_expect_null(strstr(errtext, "no parser could read it"), "%s",
                   errtext);
    cr_expect_not_null(strstr(out, "\"client_closed\": {\n      \"count\": 1,"),
                       "%s", out);

    cr_assert_eq(run("\"$RS\" --json --nginx-conf dump.txt"
                     " logs/shop.access.log"), 0, "%s", errtext);
    expect_two_aborts();
    cr_expect_not_null(strstr(out, "\"format\": \"nginx-access\""), "%s",
                       out);

    cr_assert_eq(run(NGINX " -T -q -c \"$PWD/nginx.conf\" | \"$RS\" --json"
                     " --nginx-conf - \"$PWD/logs/shop.access.log\""), 0, "%s",
                 errtext);
    expect_two_aborts();

    cr_assert_eq(run("\"$RS\" --nginx-conf nginx.conf logs/shop.access.log"),
                 0, "%s", errtext);
    cr_expect_not_null(strstr(out, "    read as nginx writes it: log_format"
                              " timed (access_log at "), "%s", out);
    cr_expect_not_null(strstr(out, "conf.d/shop.conf:3)\n"), "%s", out);

    /* a rotated file of the log takes its layout too */
    cr_assert_eq(run("cp logs/shop.access.log logs/shop.access.log.1 &&"
                     " \"$RS\" --json --nginx-conf dump.txt"
                     " logs/shop.access.log.1"), 0, "%s", errtext);
    expect_two_aborts();
}


/* No layout option: the system's nginx.conf is read, and said; a log it
   does not name is read as before. */
Test(nginx_conf, system_configuration_used_and_said)
{
    write_conf();

    cr_assert_eq(run("RSTSCAN_NGINX_CONF=\"$PWD/nginx.conf\" \"$RS\""
                     " \"$PWD/logs/shop.access.log\""), 0, "%s", errtext);
    cr_expect_not_null(strstr(out, "read as nginx writes it: log_format"
                              " timed"), "%s", out);
    cr_expect_not_null(strstr(out, "client_closed"), "%s", out);

    /* --log-format wins over the system's configuration */
    cr_assert_eq(run("RSTSCAN_NGINX_CONF=\"$PWD/nginx.conf\" \"$RS\""
                     " --log-format '$remote_addr' --json"
                     " \"$PWD/logs/shop.access.log\""), 0, "%s", errtext);
    cr_expect_null(strstr(out, "client_closed"), "%s", out);
}


/* Bad configurations: FILE:LINE and what is wrong, exit status 2. */
Test(nginx_conf, errors_name_file_and_line)
{
    static const struct {
        const char  *text, *want;
    } bad[] = {
        { "http {\n  log_format x '$remote_addr;\n}\n",
          "bad.conf:2: the quote ' opened here is never closed" },
        { "http {\n  access_log /x/a.log nope;\n}\n",
          "bad.conf:2: unknown log format \"nope\"" },
        { "http {\n\n  log_format x '$remote_addr $';\n}\n",
          "bad.conf:3: log_format \"x\": " },
        { "http {\n  access_log /x/a.log;\n",
          "bad.conf:3: unexpected end of file, expecting \"}\"" },
        { "http {\n  include missing.conf;\n}\n",
          "bad.conf:2: include \"" },
    };
    char  cmd[256];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put("bad.conf", bad[i].text);
        snprintf(cmd, sizeof(cmd), "\"$RS\" --nginx-conf bad.conf /dev/null");
        cr_expect_eq(run(cmd), 2, "case %zu", i);
        cr_expect_not_null(strstr(errtext, "rstscan: invalid --nginx-conf: "),
                           "%s", errtext);
        cr_expect_not_null(strstr(errtext, bad[i].want), "case %zu: %s", i,
                           errtext);
    }

    cr_expect_eq(run("\"$RS\" --help"), 0);
    cr_expect_not_null(strstr(out, "--nginx-conf FILE|-"), "%s", out);

    cr_expect_eq(run("\"$RS\" --nginx-conf nowhere.conf /dev/null"), 2);
    cr_expect_not_null(strstr(errtext, "nowhere.conf: No such file or"
                              " directory"), "%s", errtext);
}
