/*
 * Classification edge cases (module/README.md, N2): responses without
 * a body are never "truncated" (HEAD, 304, 204), a chunked response cut by
 * the upstream is (no last_buf, length unknown), also after an internal
 * redirect (which zeroes module ctx), and the request-reading aborts:
 * a header timeout (408) and a body cut short (400); and only the classes
 * rstguard_classes lists are ever held back; where rstguard is off, nothing
 * is classified, held or counted; a failed write is broken_pipe.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

static rgt_nginx     ngx;
static rgt_upstream  slow, trunc, chunked, large;

static void setup(void)
{
    rgt_upstream_opts  co = { .mode = RGT_UP_CHUNKED_TRUNCATE };

    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    cr_assert_eq(rgt_mod_upstreams_start(&ngx, &slow, &trunc), 0);

    co.port = ngx.port[3];
    cr_assert_eq(rgt_upstream_start(&chunked, &co), 0);
}

static void teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_mod_upstreams_stop(&slow, &trunc);
    rgt_upstream_stop(&chunked);
    rgt_upstream_stop(&large);
}

TestSuite(mod_edges, .init = setup, .fini = teardown, .timeout = 60);

#define EDGES_CONF                                                           \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"                            \
    "    access_log @PREFIX@/logs/all.log rg;\n"                             \
    "    rstguard_zone zone=strict:1m rate=1r/m burst=0;\n"                  \
    "    rstguard on;\n"                                                     \
    "    client_header_timeout 1s;\n"                                        \
    "    if_modified_since before;\n"                                        \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location = /nothing { return 204; }\n"                          \
    "        location /slow-up/ { proxy_pass http://127.0.0.1:@PORT1@; }\n"  \
    "        location /off-up/ {\n"                                          \
    "            proxy_pass http://127.0.0.1:@PORT1@;\n"                     \
    "            rstguard off;\n"                                            \
    "        }\n"                                                            \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "        location /only-reset/ {\n"                                      \
    "            proxy_pass http://127.0.0.1:@PORT1@;\n"                     \
    "            rstguard_classes client_reset;\n"                           \
    "        }\n"                                                            \
    "        location /chunked-up/ { proxy_pass http://127.0.0.1:@PORT3@; }\n" \
    "        location /redirected/ { try_files /nope @chunked; }\n"          \
    "        location @chunked { proxy_pass http://127.0.0.1:@PORT3@; }\n"   \
    "    }\n"                                                                \
    "}\n"


/* sends a raw request from `from`; returns the response's status or -1 */
static int
raw(const char *from, const char *req)
{
    int      fd, status = -1;
    char     buf[4096];
    ssize_t  got;

    fd = rgt_connect(ngx.port[0], from, 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_send_all(fd, req, strlen(req)), 0);

    /* the status line comes in the first segment */
    got = recv(fd, buf, sizeof(buf) - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    rgt_read_some(fd, (size_t) -1, 5000);
    close(fd);

    if (sscanf(buf, "HTTP/1.%*c %d", &status) != 1) {
        return -1;
    }

    return status;
}


/* waits for n access-log lines, stops nginx and returns all.log */
static char *
stop_and_read(size_t n)
{
    char  path[600], *log;

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", n), 0);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    log = rgt_read_file(rgt_nginx_path(&ngx, "logs/all.log", path,
                                       sizeof(path)), NULL);
    cr_assert_not_null(log);

    return log;
}


Test(mod_edges, bodiless_responses_are_not_truncated_cut_chunked_ones_are)
{
    char  *log;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, EDGES_CONF), 0);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", 1 << 20), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* HEAD keeps the entity's Content-Length and sends no body */
    cr_assert_eq(raw("127.0.0.2", "HEAD /big.bin HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n"), 200);
    cr_assert_eq(raw("127.0.0.3", "GET /big.bin HTTP/1.1\r\nHost: x\r\n"
                     "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n"
                     "Connection: close\r\n\r\n"), 304);
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.4", "/nothing", NULL, 0),
                 204);

    /* a chunked body without its last chunk; and the same after a redirect */
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.5", "/chunked-up/a",
                              NULL, 0), 200);
    cr_assert_eq(rgt_http_get(ngx.port[0], "127.0.0.6", "/redirected/b",
                              NULL, 0), 200);

    log = stop_and_read(5);

    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.2 c= l=1 s=200 m=0 "), 1,
                 "%s", log);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.3 c= l=1 s=304 "), 1,
                 "%s", log);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.4 c= l=1 s=204 "), 1,
                 "%s", log);
    /* unknown length: truncated, missing bytes unknown (empty) */
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.5 c=truncated l=1 s=200 m= "),
                 1, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.6 c=truncated l=1 s=200 m= "),
                 1, "%s", log);
    free(log);
}


Test(mod_edges, request_reading_aborts_timeout_and_cut_body)
{
    int    fd;
    char  *log;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, EDGES_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* half a request head, then silence: client_header_timeout (1s) */
    fd = rgt_connect(ngx.port[0], "127.0.0.7", 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_send_all(fd, "GET /x HTTP/1.1\r\nHost: x\r\n", 26), 0);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=127.0.0.7 ", 1),
                 0);
    close(fd);

    /* a body promised 1000 bytes long, 10 sent, then FIN */
    fd = rgt_connect(ngx.port[0], "127.0.0.8", 0);
    cr_assert_neq(fd, -1);
    const char  *post = "POST /slow-up/p HTTP/1.1\r\nHost: x\r\n"
                        "Content-Length: 1000\r\n\r\n0123456789";
    cr_assert_eq(rgt_send_all(fd, post, strlen(post)), 0);
    rgt_msleep(150);
    shutdown(fd, SHUT_WR);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=127.0.0.8 ", 1),
                 0);
    close(fd);

    log = stop_and_read(2);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.7 c=client_timeout l=1 "
                                      "s=408 "), 1, "%s", log);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.8 c=client_closed l=1 "
                                      "s=400 "), 1, "%s", log);
    free(log);
}


Test(mod_edges, only_listed_classes_are_held)
{
    char  *log;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, EDGES_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    /* burst=0: a key's second abort of a limited class is held */
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2",
                                       "/only-reset/a", RGT_FIN, 150), 0);
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.2",
                                       "/only-reset/a", RGT_RST, 150), 0);
    }
    log = stop_and_read(6);
    cr_assert_eq(rgt_mod_count(log, "127.0.0.2", "client_closed", "1"), 3,
                 "%s", log);
    cr_assert_eq(rgt_mod_count(log, "127.0.0.2", "client_reset", "1"), 1,
                 "%s", log);
    cr_assert_eq(rgt_mod_count(log, "127.0.0.2", "client_reset", "0"), 2,
                 "%s", log);
    free(log);
}


Test(mod_edges, rstguard_off_classifies_holds_and_counts_nothing)
{
    char    *log;
    json_t  *doc;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, EDGES_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_abort_waiting(ngx.port[0], "127.0.0.9", "/off-up/a",
                                       RGT_RST, 150), 0);
    }
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 3), 0);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    cr_assert_eq(rgt_mod_counter(doc, "strict", "access", "client_reset",
                                 "seen"), 0);
    json_decref(doc);

    log = stop_and_read(3);
    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.9 c= l=1 s=499 m= "), 3,
                 "%s", log);
    free(log);
}


/*
 * With proxy_ignore_client_abort nginx does not watch the client while it
 * relays, so a reset is only found when writing fails: broken_pipe.
 */
Test(mod_edges, write_failure_is_broken_pipe)
{
    char               conf[4096], *log;
    rgt_upstream_opts  lo = { .mode = RGT_UP_LARGE };

    cr_assert_eq(rgt_upstream_start(&large, &lo), 0);

    snprintf(conf, sizeof(conf),
             RGT_CONF_HEAD
             "http {\n"
             "    @TEMP_PATHS@\n"
             "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"
             "    access_log @PREFIX@/logs/all.log rg;\n"
             "    rstguard on;\n"
             "    server {\n"
             "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"
             "        location / {\n"
             "            proxy_pass http://127.0.0.1:%d;\n"
             "            proxy_buffering off;\n"
             "            proxy_ignore_client_abort on;\n"
             "        }\n"
             "    }\n"
             "}\n", large.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);

    for (int i = 0; i < 3; i++) {
        cr_assert_eq(rgt_abort_download(ngx.port[0], "127.0.0.2", "/large",
                                        RGT_RST, 16384, 150), 16384);
    }

    log = stop_and_read(3);

    cr_assert_eq(rgt_count_lines(log, "a=127.0.0.2 c=broken_pipe l=1 s=200 "),
                 3, "%s", log);
    free(log);
}
