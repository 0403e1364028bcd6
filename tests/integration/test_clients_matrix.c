/*
 * The clients of tests/lib against the stock nginx with the module loaded
 * and `rstguard off`: every client and every upstream mode must produce
 * exactly the error-log line (text and level) and the access-log status of
 * tests/README.md (real aborts).  The module's own tests and the rules rely on these
 * lines, so a client that drifts must fail here first.
 *
 * Each test gets its own nginx and its own upstreams, so the whole error
 * log (every line at info and above) and the whole access log belong to the
 * one scenario and are asserted in full.
 */

#define _GNU_SOURCE             /* memmem */

#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

#define BIG_SIZE     (4 * 1024 * 1024)
#define READ_BEFORE  16384
#define SLOW_MS      8000
#define PROBE_LINE   "closed connection while waiting for request, " \
                     "client: 127.0.0.1, "

enum { UP_SLOW, UP_TRUNC, UP_CHUNKED, UP_RESET, UP_BIGHDR, UP_LARGE,
       UP_RESET_BODY, UP_N };

static rgt_nginx     ngx;
static rgt_upstream  up[UP_N];

static const rgt_upstream_opts  up_opts[UP_N] = {
    [UP_SLOW]    = { .mode = RGT_UP_SLOW, .delay_ms = SLOW_MS },
    [UP_TRUNC]   = { .mode = RGT_UP_TRUNCATE, .body_len = 100000,
                     .send_len = 1000 },
    [UP_CHUNKED] = { .mode = RGT_UP_CHUNKED_TRUNCATE, .send_len = 1000 },
    [UP_RESET]   = { .mode = RGT_UP_RESET },
    [UP_BIGHDR]  = { .mode = RGT_UP_BIG_HEADER },
    [UP_LARGE]   = { .mode = RGT_UP_LARGE, .body_len = BIG_SIZE },
    [UP_RESET_BODY] = { .mode = RGT_UP_RESET_AFTER_HEADERS,
                        .body_len = 100000, .send_len = 1000 },
};

/* upstreams first: nginx's ports are then picked among the ports still
   free, and none of them can be taken by an upstream before nginx binds */
static void
setup(void)
{
    for (int i = 0; i < UP_N; i++) {
        cr_assert_eq(rgt_upstream_start(&up[i], &up_opts[i]), 0);
    }

    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);

    for (int i = 0; i < UP_N; i++) {
        rgt_upstream_stop(&up[i]);
    }
}

TestSuite(clients_matrix, .init = setup, .fini = teardown, .timeout = 60);

/* PORT0 HTTP/1.1, PORT1 h2c; the %d are the upstream ports, in enum order,
   then the closed one */
#define MATRIX_CONF                                                          \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format m 'st=$status bbs=$body_bytes_sent bs=$bytes_sent '\n"   \
    "                 'rc=\"$request_completion\" ra=$remote_addr '\n"       \
    "                 'uri=$request_uri';\n"                                 \
    "    access_log @PREFIX@/logs/access.log m;\n"                           \
    "    rstguard off;\n"                                                    \
    "    sendfile on;\n"                                                     \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        listen 127.0.0.1:@PORT1@ sndbuf=32k @HTTP2@;\n"                 \
    "        root @PREFIX@/html;\n"                                          \
    "        client_header_timeout 1s;\n"                                    \
    "        client_body_timeout 1s;\n"                                      \
    "        location /upload { proxy_pass http://127.0.0.1:%d; }\n"         \
    "        location /slow { proxy_pass http://127.0.0.1:%d; }\n"           \
    "        location /trunc { proxy_pass http://127.0.0.1:%d; }\n"          \
    "        location /chunked { proxy_pass http://127.0.0.1:%d; }\n"        \
    "        location /reset { proxy_pass http://127.0.0.1:%d; }\n"          \
    "        location /bighdr { proxy_pass http://127.0.0.1:%d; }\n"         \
    "        location /large { proxy_pass http://127.0.0.1:%d; }\n"          \
    "        location /resetbody { proxy_pass http://127.0.0.1:%d; }\n"      \
    "        location /ignore {\n"                                           \
    "            proxy_pass http://127.0.0.1:%d;\n"                          \
    "            proxy_ignore_client_abort on;\n"                            \
    "            proxy_max_temp_file_size 0;\n"                              \
    "        }\n"                                                            \
    "        location /refused { proxy_pass http://127.0.0.1:%d; }\n"        \
    "        location = /drop { return 444; }\n"                             \
    "        location /timeout/ {\n"                                         \
    "            send_timeout 1s;\n"                                         \
    "            alias @PREFIX@/html/;\n"                                    \
    "        }\n"                                                            \
    "    }\n"                                                                \
    "}\n"

static void
start_all(void)
{
    char  conf[8192];
    int   closed, taken;

    /* a closed port, and not one picked for nginx */
    do {
        closed = rgt_closed_port();
        cr_assert_gt(closed, 0);
        taken = 0;
        for (int i = 0; i < RGT_PORTS; i++) {
            taken |= closed == ngx.port[i];
        }
    } while (taken);

    snprintf(conf, sizeof(conf), MATRIX_CONF, up[UP_SLOW].port,
             up[UP_SLOW].port,
             up[UP_TRUNC].port, up[UP_CHUNKED].port, up[UP_RESET].port,
             up[UP_BIGHDR].port, up[UP_LARGE].port, up[UP_RESET_BODY].port,
             up[UP_LARGE].port, closed);

    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", BIG_SIZE), 0);
    cr_assert_eq(rgt_nginx_write_file(&ngx, "html/index.html", "hello\n", 6),
                 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
}

static char *
read_log(const char *rel)
{
    char   path[700];
    char  *text;

    text = rgt_read_file(rgt_nginx_path(&ngx, rel, path, sizeof(path)), NULL);
    cr_assert_not_null(text, "cannot read %s: %s", path, strerror(errno));

    return text;
}

static void
wait_error_line(const char *needle)
{
    char  path[700];

    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    cr_assert_eq(rgt_wait_lines(path, needle, 1, 10000), 0,
                 "no \"%s\" in the error log", needle);
}

/* Is this error-log line at info or above (not notice/debug)? */
static int
interesting(const char *line, size_t len)
{
    static const char  *levels[] = { "[info]", "[warn]", "[error]",
                                     "[crit]", "[alert]", "[emerg]" };
    const char         *hit;

    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        hit = memmem(line, len, levels[i], strlen(levels[i]));
        if (hit != NULL) {
            return 1;
        }
    }

    return 0;
}

/*
 * Stops nginx, then asserts that the error log's lines at info and above
 * are exactly `expected` (each "[level] ... text" given as the level tag
 * and a substring), in order.
 */
static void
expect_error_log(const char *const expected[][2], size_t n)
{
    char        *log, *line, *nl;
    size_t       seen = 0, len;

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    log = read_log("logs/error.log");

    for (line = log; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (nl == NULL) {
            nl = line + strlen(line) - 1;
        }
        len = (size_t) (nl - line);

        /* the harness's readiness probe (rgt_nginx_start) connects from
           127.0.0.1 and closes; every client here uses 127.0.0.2+ */
        if (!interesting(line, len)
            || memmem(line, len, PROBE_LINE, strlen(PROBE_LINE)) != NULL)
        {
            continue;
        }

        cr_assert_lt(seen, n, "unexpected error-log line: %.*s", (int) len,
                     line);
        cr_assert_not_null(memmem(line, len, expected[seen][0],
                                  strlen(expected[seen][0])),
                           "line %zu not at %s: %.*s", seen + 1,
                           expected[seen][0], (int) len, line);
        cr_assert_not_null(memmem(line, len, expected[seen][1],
                                  strlen(expected[seen][1])),
                           "line %zu lacks \"%s\": %.*s", seen + 1,
                           expected[seen][1], (int) len, line);
        seen++;

        if (nl[1] == '\0') {
            break;
        }
    }

    cr_assert_eq(seen, n, "%zu of %zu expected error-log lines; log:\n%s",
                 seen, n, log);
    free(log);
}

typedef struct {
    int     status;
    long    bbs;
    long    bs;
    char    rc[8];
    char    ra[32];
    char    uri[256];
} access_entry;

/* Parses one access-log line of format `m`; 0 or -1. */
static int
parse_entry(const char *line, access_entry *e)
{
    int          at = -1;
    const char  *q;
    size_t       len;

    memset(e, 0, sizeof(*e));

    if (sscanf(line, "st=%d bbs=%ld bs=%ld rc=\"%n", &e->status, &e->bbs,
               &e->bs, &at) != 3 || at < 0)
    {
        return -1;
    }

    /* rc is often empty, which no scanf conversion matches */
    q = strchr(line + at, '"');
    len = q != NULL ? (size_t) (q - line - at) : sizeof(e->rc);
    if (len >= sizeof(e->rc)) {
        return -1;
    }
    memcpy(e->rc, line + at, len);

    return sscanf(q + 1, " ra=%31s uri=%255s", e->ra, e->uri) == 2 ? 0 : -1;
}

/* The access log must hold exactly one entry; it is parsed into e. */
static void
only_access_entry(access_entry *e)
{
    char  *log = read_log("logs/access.log");

    cr_assert_eq(rgt_count_lines(log, "st="), 1, "access log:\n%s", log);
    cr_assert_eq(parse_entry(log, e), 0, "access log:\n%s", log);
    free(log);
}

/* --- HTTP/1.1 static downloads ------------------------------------------ */

/* A download given up after READ_BEFORE bytes: one info line, 200 partial. */
static void
abort_download_of(const char *path, rgt_abort_how how, const char *from,
    const char *needle, const char *line)
{
    access_entry  e;

    start_all();
    cr_assert_eq(rgt_abort_download(ngx.port[0], from, path, how,
                                    READ_BEFORE, 200), READ_BEFORE);
    /* after a FIN nginx has closed when rgt_abort returns; not after RST */
    wait_error_line(needle);

    const char *const  want[][2] = { { "[info]", line } };
    expect_error_log(want, 1);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_gt(e.bbs, READ_BEFORE - 1000);
    cr_assert_lt(e.bbs, BIG_SIZE);
    cr_assert_str_eq(e.rc, "");
    cr_assert_str_eq(e.ra, from);
}

static void
abort_mid_download(rgt_abort_how how, const char *from, const char *line)
{
    abort_download_of("/big.bin", how, from, "client prematurely closed",
                      line);
}

Test(clients_matrix, fin_mid_static_download)
{
    abort_mid_download(RGT_FIN, "127.0.0.2", "client prematurely closed "
                       "connection while sending response to client, "
                       "client: 127.0.0.2, server: , request: "
                       "\"GET /big.bin HTTP/1.1\"");
}

Test(clients_matrix, rst_mid_static_download)
{
    abort_mid_download(RGT_RST, "127.0.0.3", "client prematurely closed "
                       "connection (104: Connection reset by peer) while "
                       "sending response to client, client: 127.0.0.3, "
                       "server: , request: \"GET /big.bin HTTP/1.1\"");
}

Test(clients_matrix, send_timeout_slow_reader)
{
    access_entry  e;
    long          got;

    start_all();
    got = rgt_slow_reader(ngx.port[0], "127.0.0.4", "/timeout/big.bin",
                          READ_BEFORE, 2500);
    cr_assert_geq(got, READ_BEFORE);
    cr_assert_lt(got, BIG_SIZE);

    static const char *const  want[][2] = {
        { "[info]", "client timed out (110: Connection timed out) while "
                    "sending response to client, client: 127.0.0.4" },
    };
    expect_error_log(want, 1);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_eq(e.bbs, got - (e.bs - e.bbs));
    cr_assert_str_eq(e.rc, "");
}

Test(clients_matrix, keepalive_requests_then_close)
{
    char  *log;

    start_all();
    cr_assert_eq(rgt_http_keepalive(ngx.port[0], "127.0.0.5", "/index.html",
                                    3), 3);
    wait_error_line("closed keepalive connection");

    static const char *const  want[][2] = {
        { "[info]", "client 127.0.0.5 closed keepalive connection" },
    };
    expect_error_log(want, 1);

    log = read_log("logs/access.log");
    cr_assert_eq(rgt_count_lines(log, "st=200 bbs=6 "), 3, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "rc=\"OK\" ra=127.0.0.5 "), 3, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "st="), 3, "%s", log);
    free(log);
}

/* The only access entry: status, nothing sent, no completion, from. */
static void
expect_empty_entry(int status, const char *from)
{
    access_entry  e;

    only_access_entry(&e);
    cr_assert_eq(e.status, status);
    cr_assert_eq(e.bbs, 0);
    cr_assert_eq(e.bs, 0);
    cr_assert_str_eq(e.rc, "");
    cr_assert_str_eq(e.ra, from);
}

Test(clients_matrix, return_444_logs_nothing)
{
    char  buf[256];

    start_all();
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.6", "/drop", buf,
                              sizeof(buf)), -1);
    cr_assert_str_eq(buf, "");

    expect_error_log(NULL, 0);
    expect_empty_entry(444, "127.0.0.6");
}

/* --- clients giving up while nginx waits for a slow upstream ------------ */

static void
abort_while_proxying(rgt_abort_how how, const char *from, const char *line)
{
    int  fd;

    start_all();
    fd = rgt_open_request(ngx.port[0], from, "/slow", 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_upstream_wait_requests(&up[UP_SLOW], 1, 10000), 0);
    rgt_abort(fd, how, 5000);

    /* nginx closes the upstream connection the moment it notices */
    cr_assert_eq(rgt_upstream_wait_aborted(&up[UP_SLOW], 1, 10000), 0);
    cr_assert_eq(rgt_upstream_answered(&up[UP_SLOW]), 0);
    wait_error_line("epoll_wait() reported");

    const char *const  want[][2] = { { "[info]", line } };
    expect_error_log(want, 1);
    expect_empty_entry(499, from);
}

Test(clients_matrix, rst_while_waiting_for_upstream_is_499)
{
    abort_while_proxying(RGT_RST, "127.0.0.7", "epoll_wait() reported that "
                         "client prematurely closed connection, so upstream "
                         "connection is closed too (104: Connection reset by "
                         "peer) while sending request to upstream, client: "
                         "127.0.0.7");
}

Test(clients_matrix, fin_while_waiting_for_upstream_is_499)
{
    abort_while_proxying(RGT_FIN, "127.0.0.8", "epoll_wait() reported that "
                         "client prematurely closed connection, so upstream "
                         "connection is closed too while sending request to "
                         "upstream, client: 127.0.0.8");
}

/* --- upstream faults: server-side lines, never client aborts ------------ */

static void
expect_upstream_fault(const char *path, int status, const char *line)
{
    char  resp[4096];

    start_all();
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.9", path, resp,
                              sizeof(resp)), status, "%s", resp);

    const char *const  want[][2] = { { "[error]", line } };
    expect_error_log(want, 1);
}

Test(clients_matrix, upstream_truncates_content_length_body)
{
    access_entry  e;

    expect_upstream_fault("/trunc", 200, "upstream prematurely closed "
                          "connection while reading upstream, client: "
                          "127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_eq(e.bbs, 1000);
    cr_assert_str_eq(e.rc, "OK");
}

Test(clients_matrix, upstream_truncates_chunked_body)
{
    access_entry  e;

    expect_upstream_fault("/chunked", 200, "upstream prematurely closed "
                          "connection while reading upstream, client: "
                          "127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    /* 1000 payload bytes re-chunked to the client: "3e8\r\n" ... "\r\n" */
    cr_assert_eq(e.bbs, 1007, "bbs=%ld", e.bbs);
    cr_assert_str_eq(e.rc, "OK");
}

Test(clients_matrix, upstream_reset_is_502)
{
    access_entry  e;

    expect_upstream_fault("/reset", 502, "recv() failed (104: Connection "
                          "reset by peer) while reading response header "
                          "from upstream, client: 127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 502);
    cr_assert_str_eq(e.rc, "OK");
}

Test(clients_matrix, upstream_reset_mid_body_keeps_200)
{
    access_entry  e;

    /* buffered: the event pipe reads with readv(), not recv() */
    expect_upstream_fault("/resetbody", 200, "readv() failed (104: "
                          "Connection reset by peer) while reading upstream, "
                          "client: 127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    /* the header went out; the 1000 body bytes nginx held in its buffer
       (proxy_buffering on) are dropped with the error: a cut response
       with nothing of the body and $request_completion OK */
    cr_assert_eq(e.bbs, 0, "bbs=%ld", e.bbs);
    cr_assert_str_eq(e.rc, "OK");
}

Test(clients_matrix, upstream_refused_is_502)
{
    access_entry  e;

    expect_upstream_fault("/refused", 502, "connect() failed (111: "
                          "Connection refused) while connecting to upstream, "
                          "client: 127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 502);
}

Test(clients_matrix, upstream_too_big_header_is_502)
{
    access_entry  e;

    expect_upstream_fault("/bighdr", 502, "upstream sent too big header "
                          "while reading response header from upstream, "
                          "client: 127.0.0.9");
    only_access_entry(&e);
    cr_assert_eq(e.status, 502);
    cr_assert_str_eq(e.rc, "OK");
}

Test(clients_matrix, large_upstream_body_spills_then_client_resets)
{
    access_entry  e;

    start_all();
    cr_assert_eq(rgt_abort_download(ngx.port[0], "127.0.0.2", "/large",
                                    RGT_RST, READ_BEFORE, 500), READ_BEFORE);
    wait_error_line("while sending to client");

    static const char *const  want[][2] = {
        { "[warn]", "an upstream response is buffered to a temporary file" },
        { "[info]", "client prematurely closed connection (104: Connection "
                    "reset by peer) while sending to client, client: "
                    "127.0.0.2" },
    };
    expect_error_log(want, 2);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_lt(e.bbs, BIG_SIZE);
    cr_assert_str_eq(e.rc, "");
}

/* --- HTTP/2 stream cancels (h2c prior knowledge, libnghttp2) ------------ */

static int
wait_slow_request(void *arg)
{
    (void) arg;
    return rgt_upstream_wait_requests(&up[UP_SLOW], 1, 10000);
}

Test(clients_matrix, h2_cancel_while_proxying_is_499)
{
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = "127.0.0.3", .path = "/slow",
                         .how = RGT_H2_CANCEL_WAITING,
                         .wait_fn = wait_slow_request };

    RGT_NEED(RGT_HTTP_V2);
    start_all();
    cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s", res.error);
    cr_assert_eq(res.stream_id, 1);
    cr_assert_eq(res.canceled, 1);
    cr_assert_eq(res.acked, 1);
    cr_assert_eq(res.status, 0);
    cr_assert_eq(rgt_upstream_wait_aborted(&up[UP_SLOW], 1, 10000), 0);

    static const char *const  want[][2] = {
        { "[info]", "client canceled stream 1 while sending request to "
                    "upstream, client: 127.0.0.3" },
    };
    expect_error_log(want, 1);
    expect_empty_entry(499, "127.0.0.3");
}

/*
 * rstscan over this nginx's error log: one stream_canceled from `client`
 * and no client_closed from it (the close that follows the cancel is
 * absorbed by it).
 */
static void
expect_one_stream_canceled(const char *client)
{
    char     path[1024], err[256];
    int      status;
    json_t  *doc, *cls, *top, *v;
    size_t   i;

    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    doc = rgt_rstscan_json(NULL, &status, err, sizeof(err),
                           "--json --format nginx-error '%s'", path);
    cr_assert_not_null(doc, "%s", err);
    cr_assert_eq(status, 0);

    cls = json_object_get(doc, "classes");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(cls,
                 "stream_canceled"), "count")), 1);
    top = json_object_get(json_object_get(cls, "client_closed"),
                          "top_clients");
    json_array_foreach(top, i, v) {
        cr_assert_str_neq(json_string_value(json_object_get(v, "key")),
                          client);
    }
    json_decref(doc);
}

Test(clients_matrix, h2_cancel_during_static_response)
{
    access_entry   e;
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = "127.0.0.4", .path = "/big.bin",
                         .how = RGT_H2_CANCEL_AFTER_DATA };

    RGT_NEED(RGT_HTTP_V2);
    start_all();
    cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s", res.error);
    cr_assert_eq(res.status, 200);
    cr_assert_gt(res.data_bytes, 0);
    cr_assert_eq(res.canceled, 1);
    cr_assert_eq(res.acked, 1);

    static const char *const  want[][2] = {
        { "[info]", "client canceled stream 1 while sending response to "
                    "client, client: 127.0.0.4" },
        { "[info]", "client prematurely closed connection while sending "
                    "response to client, client: 127.0.0.4" },
    };
    expect_error_log(want, 2);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_gt(e.bbs, 0);
    cr_assert_lt(e.bbs, BIG_SIZE);
    cr_assert_str_eq(e.rc, "");

    /* rstscan: the two lines are one abort, a stream_canceled (the
       harness's readiness probe adds a client_closed of 127.0.0.1) */
    expect_one_stream_canceled("127.0.0.4");
}

Test(clients_matrix, h2_complete_request)
{
    access_entry   e;
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = "127.0.0.5", .path = "/big.bin" };

    RGT_NEED(RGT_HTTP_V2);
    start_all();
    cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s", res.error);
    cr_assert_eq(res.status, 200);
    cr_assert_eq(res.data_bytes, BIG_SIZE);
    cr_assert_eq(res.close_error, 0);

    expect_error_log(NULL, 0);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_eq(e.bbs, BIG_SIZE);
    cr_assert_str_eq(e.rc, "OK");
}

/* --- HTTP/2: the whole TCP connection reset (curl's way of giving up) --- */

Test(clients_matrix, h2_connection_reset_while_proxying_is_499)
{
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = "127.0.0.6", .path = "/slow",
                         .how = RGT_H2_RESET_WAITING,
                         .wait_fn = wait_slow_request };

    RGT_NEED(RGT_HTTP_V2);
    start_all();
    cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s", res.error);
    cr_assert_eq(res.canceled, 1);
    cr_assert_eq(res.status, 0);
    cr_assert_eq(rgt_upstream_wait_aborted(&up[UP_SLOW], 1, 10000), 0);
    wait_error_line("while processing HTTP/2 connection");

    static const char *const  want[][2] = {
        { "[info]", "recv() failed (104: Connection reset by peer) while "
                    "processing HTTP/2 connection, client: 127.0.0.6" },
    };
    expect_error_log(want, 1);
    expect_empty_entry(499, "127.0.0.6");
}

Test(clients_matrix, h2_connection_reset_mid_static_response)
{
    access_entry   e;
    rgt_h2_result  res;
    rgt_h2_opts    o = { .from = "127.0.0.7", .path = "/big.bin",
                         .how = RGT_H2_RESET_AFTER_DATA, .settle_ms = 200 };

    RGT_NEED(RGT_HTTP_V2);
    start_all();
    cr_assert_eq(rgt_h2_request(ngx.port[1], &o, &res), 0, "%s", res.error);
    cr_assert_eq(res.status, 200);
    cr_assert_gt(res.data_bytes, 0);
    wait_error_line("client prematurely closed connection");

    static const char *const  want[][2] = {
        { "[info]", "recv() failed (104: Connection reset by peer) while "
                    "processing HTTP/2 connection, client: 127.0.0.7" },
        { "[info]", "client prematurely closed connection while sending "
                    "response to client, client: 127.0.0.7" },
    };
    expect_error_log(want, 2);

    only_access_entry(&e);
    cr_assert_eq(e.status, 200);
    cr_assert_gt(e.bbs, 0);
    cr_assert_lt(e.bbs, BIG_SIZE);
    cr_assert_str_eq(e.rc, "");
}

/* --- aborts and timeouts while nginx still reads the request ----------- */

#define CUT_LINE     "GET /cut-in-the-line"
#define CUT_HEADERS  "GET /cut-in-headers HTTP/1.1\r\nHost: localhost\r\n"
#define CUT_BODY     "POST /upload HTTP/1.1\r\nHost: localhost\r\n"        \
                     "Content-Length: 100000\r\n\r\n0123456789"

static void
abort_in_request(const char *data, rgt_abort_how how, const char *from,
    const char *needle, const char *line, const char *uri)
{
    access_entry  e;

    start_all();
    cr_assert_eq(rgt_abort_partial(ngx.port[0], from, data, strlen(data),
                                   how, 200), 0);
    wait_error_line(needle);

    const char *const  want[][2] = { { "[info]", line } };
    expect_error_log(want, 1);

    only_access_entry(&e);
    cr_assert_eq(e.status, 400);
    cr_assert_eq(e.bbs, 0);
    cr_assert_eq(e.bs, 0);
    cr_assert_str_eq(e.ra, from);
    cr_assert_str_eq(e.uri, uri);
}

Test(clients_matrix, fin_in_request_line_is_400)
{
    abort_in_request(CUT_LINE, RGT_FIN, "127.0.0.2", "request line",
                     "client prematurely closed connection while reading "
                     "client request line, client: 127.0.0.2", "-");
}

Test(clients_matrix, fin_in_headers_is_400)
{
    abort_in_request(CUT_HEADERS, RGT_FIN, "127.0.0.3", "request headers",
                     "client prematurely closed connection while reading "
                     "client request headers, client: 127.0.0.3",
                     "/cut-in-headers");
}

Test(clients_matrix, rst_in_headers_is_400)
{
    abort_in_request(CUT_HEADERS, RGT_RST, "127.0.0.4", "request headers",
                     "recv() failed (104: Connection reset by peer) while "
                     "reading client request headers, client: 127.0.0.4",
                     "/cut-in-headers");
}

Test(clients_matrix, fin_in_request_body_is_400_without_while)
{
    abort_in_request(CUT_BODY, RGT_FIN, "127.0.0.5", "prematurely",
                     "client prematurely closed connection, client: "
                     "127.0.0.5, server: , request: \"POST /upload "
                     "HTTP/1.1\"", "/upload");
}

Test(clients_matrix, header_timeout_is_408)
{
    start_all();
    cr_assert_eq(rgt_stall_partial(ngx.port[0], "127.0.0.6", CUT_HEADERS,
                                   strlen(CUT_HEADERS), 10000), 0);

    static const char *const  want[][2] = {
        { "[info]", "client timed out (110: Connection timed out) while "
                    "reading client request headers, client: 127.0.0.6" },
    };
    expect_error_log(want, 1);
    expect_empty_entry(408, "127.0.0.6");
}

Test(clients_matrix, body_timeout_is_408_and_logs_nothing)
{
    start_all();
    cr_assert_eq(rgt_stall_partial(ngx.port[0], "127.0.0.7", CUT_BODY,
                                   strlen(CUT_BODY), 10000), 0);

    expect_error_log(NULL, 0);
    expect_empty_entry(408, "127.0.0.7");
    cr_assert_eq(rgt_upstream_requests(&up[UP_SLOW]), 0);
}

/* --- write errors: nginx told not to watch the client (ignore_client_abort)
   finds out only when it writes ------------------------------------------ */

static void
write_error(rgt_abort_how how, const char *from, const char *line)
{
    abort_download_of("/ignore", how, from, "while sending to client", line);
}

Test(clients_matrix, rst_seen_only_by_a_write_is_104)
{
    write_error(RGT_RST, "127.0.0.8", "writev() failed (104: Connection "
                "reset by peer) while sending to client, client: 127.0.0.8");
}

Test(clients_matrix, fin_then_rst_seen_only_by_a_write_is_broken_pipe)
{
    write_error(RGT_FIN_RST, "127.0.0.9", "writev() failed (32: Broken "
                "pipe) while sending to client, client: 127.0.0.9");
}
