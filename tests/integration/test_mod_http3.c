/*
 * HTTP/3 aborts on the access-log side, with a real HTTP/3 client (Debian's
 * ngtcp2 `gtlsclient`, tests/lib/rgt_h3.h) against an nginx built with
 * --with-http_v3_module: the client closes the QUIC connection mid-download
 * and while nginx waits on a slow upstream (client_closed), goes silent
 * until nginx's QUIC idle timeout ends the connection (client_timeout), and
 * resets its stream mid-download (stream_canceled).  nginx sets neither
 * c->error nor c->read->eof on a QUIC stream, so every one of these was an
 * empty $rstguard_class before the module read the QUIC stream's state.
 *
 * Debian's nginx 1.22.1 has no HTTP/3: the test is skipped there, with the
 * reason.  Run it against an HTTP/3 build as module/README.md shows.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_h3.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

static rgt_nginx     ngx;
static rgt_upstream  slow;
static int           started;

static void teardown(void)
{
    if (started) {
        rgt_nginx_cleanup(&ngx);
        rgt_upstream_stop(&slow);
    }
}

TestSuite(mod_http3, .fini = teardown, .timeout = 120);

/*
 * One worker (QUIC without BPF steering keeps a connection on one worker
 * only by the kernel's reuseport hash; one worker needs no such luck).
 * PORT0: plain HTTP for the harness's probe and rstguard_status; PORT3:
 * TLS and QUIC.  keepalive_timeout is the QUIC idle timeout.  1r/m burst=1
 * lets two aborts per (key, class) pass; every request comes from
 * 127.0.0.1.
 */
#define H3_CONF                                                              \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 1;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "error_log @PREFIX@/logs/error.log info;\n"                              \
    "events { worker_connections 512; }\n"                                   \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"                            \
    "    access_log @PREFIX@/logs/all.log rg;\n"                             \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard on;\n"                                                     \
    "    rstguard_error_log on;\n"                                           \
    "    keepalive_timeout 3s;\n"                                            \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT3@ ssl;\n"                                \
    "        listen 127.0.0.1:@PORT3@ quic reuseport;\n"                     \
    "        ssl_certificate @PREFIX@/conf/cert.pem;\n"                      \
    "        ssl_certificate_key @PREFIX@/conf/key.pem;\n"                   \
    "        root @PREFIX@/html;\n"                                          \
    "        location /big/ { limit_rate 1m; }\n"                            \
    "        location /cancel/ {\n"                                          \
    "            alias @PREFIX@/html/big/;\n"                                \
    "            limit_rate 1m;\n"                                           \
    "            add_header Content-Length 5;\n"                             \
    "        }\n"                                                            \
    "        location /slow-up/ { proxy_pass http://127.0.0.1:@PORT1@; }\n"  \
    "    }\n"                                                                \
    "}\n"

/* the file the client is downloading reaches this size: mid-download */
#define MID  (64 * 1024)

/* 16 MiB at limit_rate 1m: 16 s, far longer than any scenario waits */
#define BIG  (16 << 20)


static void
start(void)
{
    const char         *why;
    char                key[PATH_MAX], cert[PATH_MAX], dir[PATH_MAX];
    rgt_upstream_opts   so = { .mode = RGT_UP_SLOW, .delay_ms = 20000 };

    why = rgt_h3_unavailable();
    if (why != NULL) {
        cr_skip_test("%s", why);
    }

    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    so.port = ngx.port[1];
    cr_assert_eq(rgt_upstream_start(&slow, &so), 0);
    started = 1;

    rgt_nginx_path(&ngx, "conf/key.pem", key, sizeof(key));
    rgt_nginx_path(&ngx, "conf/cert.pem", cert, sizeof(cert));
    cr_assert_eq(rgt_h3_make_cert(key, cert), 0, "openssl req failed");

    rgt_nginx_path(&ngx, "html/big", dir, sizeof(dir));
    cr_assert_eq(mkdir(dir, 0755), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big/a.bin", BIG), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/small.txt", "hello\n", 6),
                 0);

    cr_assert_eq(rgt_nginx_write_conf(&ngx, H3_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);
}


/*
 * Starts the client on path, its download going to a directory of its own
 * (tmp/dl-NAME), `stay` as rgt_h3_get(); the downloaded file's path in
 * file.
 */
static pid_t
client(const char *name, const char *path, int stay, char *file, size_t size)
{
    char         rel[128], dir[PATH_MAX], log[PATH_MAX];
    const char  *base;
    pid_t        pid;

    snprintf(rel, sizeof(rel), "tmp/dl-%s", name);
    rgt_nginx_path(&ngx, rel, dir, sizeof(dir));
    cr_assert_eq(mkdir(dir, 0755), 0);

    base = strrchr(path, '/');
    cr_assert_lt(snprintf(file, size, "%s/%s", dir,
                          base[1] ? base + 1 : "index.html"), (int) size);

    rgt_nginx_path(&ngx, "logs/client.log", log, sizeof(log));
    pid = rgt_h3_get(ngx.port[3], path, dir, log, stay);
    cr_assert_gt(pid, 0);

    return pid;
}


/* the client closes the connection (SIGINT: CONNECTION_CLOSE) mid-download */
static void
close_mid_download(const char *name)
{
    char   file[PATH_MAX];
    pid_t  pid;

    pid = client(name, "/big/a.bin", 0, file, sizeof(file));
    cr_assert_eq(rgt_h3_wait_bytes(file, MID, 10000), 0,
                 "%s: the download did not start", name);
    kill(pid, SIGINT);
    cr_assert_eq(rgt_h3_reap(pid, 5000), 0, "%s: client exit", name);
}


/* the same while nginx waits on the slow upstream */
static void
close_waiting(const char *name)
{
    unsigned long  before;
    pid_t          pid;
    char           file[PATH_MAX];

    before = rgt_upstream_requests(&slow);
    pid = client(name, "/slow-up/x", 0, file, sizeof(file));
    cr_assert_eq(rgt_upstream_wait_requests(&slow, before + 1, 10000), 0);
    kill(pid, SIGINT);
    cr_assert_eq(rgt_h3_reap(pid, 5000), 0, "%s: client exit", name);
}


/*
 * The client goes silent (SIGSTOP) until nginx's QUIC idle timeout has
 * ended the connection (the n-th "quic client timed out" line), then is
 * killed.
 */
static void
silent(pid_t pid, size_t n)
{
    kill(pid, SIGSTOP);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/error.log",
                                    "quic client timed out", n), 0,
                 "no QUIC idle timeout");
    cr_assert_eq(rgt_h3_reap(pid, 0), -1);
}


static size_t
count(const char *text, const char *needle)
{
    return rgt_count_lines(text, needle);
}


Test(mod_http3, quic_aborts_are_classified_and_limited)
{
    char           file[PATH_MAX], *all, *err, *dump;
    size_t         noise;
    pid_t          pid;
    json_t        *doc;
    unsigned long  before;

    start();

    /* 1. connection closed: twice mid-download, once waiting upstream */
    close_mid_download("close1");
    close_mid_download("close2");
    close_waiting("close3");

    /* 2. the client vanishes: mid-download, then waiting upstream */
    pid = client("idle1", "/big/a.bin", 0, file, sizeof(file));
    cr_assert_eq(rgt_h3_wait_bytes(file, MID, 10000), 0);
    silent(pid, 1);

    before = rgt_upstream_requests(&slow);
    pid = client("idle2", "/slow-up/y", 0, file, sizeof(file));
    cr_assert_eq(rgt_upstream_wait_requests(&slow, before + 1, 10000), 0);
    silent(pid, 2);

    /*
     * 3. the client resets its stream (STOP_SENDING) mid-download and
     * keeps the connection, as a browser does: the request is logged while
     * the connection is up; then the client closes the connection.
     */
    pid = client("cancel", "/cancel/a.bin", 1, file, sizeof(file));
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "u=/cancel/", 1),
                 0, "the canceled request was not logged");
    kill(pid, SIGINT);
    cr_assert_eq(rgt_h3_reap(pid, 5000), 0, "cancel: client exit");

    /* 4. a complete download is no abort */
    pid = client("ok", "/small.txt", 0, file, sizeof(file));
    cr_assert_eq(rgt_h3_reap(pid, 10000), 0, "ok: client exit");

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=127.0.0.1 ", 7),
                 0, "seven requests logged");

    all = rgt_nginx_read(&ngx, "logs/all.log");
    cr_assert_not_null(all);

    /* 1r/m burst=1: the first two of a (key, class) pass */
    cr_expect_eq(count(all, "c=client_closed l=1 s=200 m="), 2, "%s", all);
    cr_expect_eq(count(all, "c=client_closed l=0 s=000 m= u=/slow-up/x"), 1,
                 "%s", all);
    cr_expect_eq(count(all, "c=client_timeout l=1 s=200 m="), 1, "%s", all);
    cr_expect_eq(count(all, "c=client_timeout l=1 s=000 m= u=/slow-up/y"), 1,
                 "%s", all);
    cr_expect_eq(count(all, "c=stream_canceled l=1 s=200 m="), 1, "%s", all);
    cr_expect_eq(count(all, "c= l=1 s=200 m=0 u=/small.txt"), 1, "%s", all);
    cr_expect_eq(count(all, "a=127.0.0.1 "), 7, "%s", all);
    free(all);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    dump = json_dumps(doc, JSON_COMPACT);
    cr_assert_not_null(dump);
    cr_expect_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "seen"), 3, "%s", dump);
    cr_expect_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "passed"), 2, "%s", dump);
    cr_expect_eq(rgt_mod_counter(doc, "rg", "access", "client_closed",
                                 "suppressed"), 1, "%s", dump);
    cr_expect_eq(rgt_mod_counter(doc, "rg", "access", "client_timeout",
                                 "passed"), 2, "%s", dump);
    cr_expect_eq(rgt_mod_counter(doc, "rg", "access", "stream_canceled",
                                 "passed"), 1, "%s", dump);

    /* the error log: the idle timeouts alone, each a client_timeout line */
    cr_expect_eq(rgt_mod_counter(doc, "rg", "error", "client_timeout",
                                 "seen"), 2, "%s", dump);
    free(dump);
    json_decref(doc);

    /*
     * Nothing else at info but the harness's probe and the summaries, and
     * up to 1.28 the client's greased transport parameters ("quic unknown
     * transport param id:0x2ab2, skipped", debug from 1.29.0).
     */
    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    noise = count(err, "transport param id:");
    cr_expect_eq(count(err, "[info] "), count(err, "quic client timed out")
                 + count(err, "closed connection while waiting for request")
                 + count(err, "rstguard: ") + noise, "%s", err);
    if (rgt_build_version() >= RGT_NGX_VERSION(1, 29, 0)) {
        cr_expect_eq(noise, 0, "%s", err);
    }
    cr_expect_eq(count(err, "quic client timed out (110: Connection timed "
                            "out) while handling quic input, client: "
                            "127.0.0.1, server: 127.0.0.1:"), 2, "%s", err);
    free(err);
}
