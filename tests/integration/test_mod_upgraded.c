/*
 * Upgraded connections (101 Switching Protocols, WebSocket) that the
 * client ends, against the real nginx proxying to a real upstream that
 * answers 101 and echoes (rgt_upstream RGT_UP_UPGRADE).
 *
 * nginx 1.22.1 relays an upgraded connection in
 * ngx_http_upstream_process_upgraded() with the action "proxying upgraded
 * connection".  When the client resets, the client-side recv() fails and
 * is logged at info (the client connection's log_error); when the client
 * half-closes, recv() returns 0 and nothing is logged.  Either way the
 * tunnel is finalized with rc 0 and the access log says 101.
 *
 * The access side never classifies an upgraded request (module/README.md,
 * "Classification of a request"): however many tunnels one client ends,
 * $rstguard_class stays empty, $rstguard_log 1 and no access counter
 * moves.  The error-log filter classifies lines, not requests: the reset's
 * "[info] recv() failed (104: ...) while proxying upgraded connection" is
 * a client_reset line and is limited like any other.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "rg_class.h"
#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define CLIENT      "127.0.0.2"
#define SESSIONS    3           /* of each kind, from one client */

static rgt_nginx     ngx;
static rgt_upstream  ws;

static void
setup(void)
{
    rgt_upstream_opts  o = { .mode = RGT_UP_UPGRADE };

    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    o.port = ngx.port[1];
    cr_assert_eq(rgt_upstream_start(&ws, &o), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&ws);
}

TestSuite(mod_upgraded, .init = setup, .fini = teardown, .timeout = 60);

/*
 * rate=1r/m burst=1: per key and class, two lines pass, then one a minute.
 * `extra` adds lines to http{}.
 */
#define UPGRADE_CONF_WITH(extra)                                             \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    extra                                                                    \
    "    log_format rg " RGT_MOD_LOG_FORMAT " ' r=$request_completion';\n"   \
    "    access_log @PREFIX@/logs/all.log rg;\n"                             \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard on;\n"                                                     \
    "    rstguard_error_log on;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        location /ws/ {\n"                                              \
    "            send_timeout 1s;\n"                                         \
    "            proxy_pass http://127.0.0.1:@PORT1@;\n"                     \
    "            proxy_http_version 1.1;\n"                                  \
    "            proxy_set_header Upgrade $http_upgrade;\n"                  \
    "            proxy_set_header Connection upgrade;\n"                     \
    "        }\n"                                                            \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"

#define UPGRADE_CONF  UPGRADE_CONF_WITH("")


/* Reads the response head byte by byte (nothing of the tunnel after it). */
static void
read_head(int fd, char *head, size_t size)
{
    struct pollfd  pfd = { fd, POLLIN, 0 };
    size_t         len = 0;

    while (len + 1 < size) {
        cr_assert_eq(poll(&pfd, 1, 5000), 1, "no response head");
        cr_assert_eq(recv(fd, head + len, 1, 0), 1, "closed in the head");
        head[++len] = '\0';

        if (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0) {
            return;
        }
    }

    cr_assert_fail("response head too long: %s", head);
}


/*
 * One WebSocket session: the handshake and one message through the
 * tunnel and back ("reset" asks the upstream to reset instead, "flood" to
 * send without end to a client that never reads), then the client ends it
 * the chosen way.  Returns once nginx has closed the tunnel
 * to the upstream: the request has been logged.
 */
static void
session(const char *msg, rgt_abort_how how)
{
    static const char  req[] = "GET /ws/chat HTTP/1.1\r\n"
                               "Host: localhost\r\n"
                               "Upgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                               "Sec-WebSocket-Version: 13\r\n\r\n";
    char           head[2048];
    size_t         len = strlen(msg);
    unsigned long  done;
    int            fd, flood;

    done = rgt_upstream_answered(&ws);

    flood = strcmp(msg, "flood") == 0;
    fd = rgt_connect(ngx.port[0], CLIENT, flood ? RGT_SMALL_RCVBUF : 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_send_all(fd, req, sizeof(req) - 1), 0);

    read_head(fd, head, sizeof(head));
    cr_assert_eq(strncmp(head, "HTTP/1.1 101 Switching Protocols\r\n", 34),
                 0, "%s", head);
    cr_assert_not_null(strstr(head, "\r\nUpgrade: websocket\r\n"), "%s",
                       head);

    cr_assert_eq(rgt_send_all(fd, msg, len), 0);

    if (flood) {
        /* never read: nginx's send_timeout ends the tunnel */
        cr_assert_eq(rgt_upstream_wait_answered(&ws, done + 1, 10000), 0);
        rgt_read_some(fd, (size_t) -1, 5000);
        close(fd);
        return;
    }

    if (strcmp(msg, "reset") == 0) {
        /* nginx closes the client side once the upstream reset: wait */
        cr_assert_eq(rgt_read_some(fd, (size_t) -1, 5000), 0);
        close(fd);

    } else {
        /* the tunnel works both ways */
        cr_assert_eq(rgt_read_some(fd, len, 5000), len);
        rgt_abort(fd, how, 5000);
    }

    /* the upstream's echo loop ends when the tunnel is closed */
    cr_assert_eq(rgt_upstream_wait_answered(&ws, done + 1, 10000), 0);
}


/* nginx's line for a reset in a tunnel (either side, by the level) */
#define TUNNEL_RESET                                                         \
    " recv() failed (104: Connection reset by peer) while proxying "         \
    "upgraded connection, client: " CLIENT ", server: , request: \"GET "     \
    "/ws/chat HTTP/1.1\", upstream: \"http://127.0.0.1:"


/* The error-log counters of one class: seen and passed. */
static void
expect_error(json_t *doc, const char *cls, long seen, long passed)
{
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", cls, "seen"), seen,
                 "error %s", cls);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", cls, "passed"), passed,
                 "error %s", cls);
}


static void
start_with(const char *conf)
{
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);
}


/* Every access-log counter of every class is zero. */
static void
expect_access_untouched(json_t *doc)
{
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        const char  *name = rg_class_name((rg_class) c);

        cr_assert_eq(rgt_mod_counter(doc, "rg", "access", name, "seen"), 0,
                     "access %s", name);
        cr_assert_eq(rgt_mod_counter(doc, "rg", "access", name, "passed"), 0);
        cr_assert_eq(rgt_mod_counter(doc, "rg", "access", name,
                                     "suppressed"), 0);
    }
}


/*
 * Three tunnels the client resets and three it closes (FIN), all from one
 * client, with a budget of two lines (rate=1r/m burst=1).  The access log
 * has all six, 101 and $request_completion OK, unclassified and never held
 * back; no access counter moves.  The error log has the resets' info line
 * twice: the third was held back as a client_reset line, which the status
 * counters and the exit summary account for; the FINs log nothing.
 */
Test(mod_upgraded, client_reset_and_close_are_never_classified)
{
    char    *acc, *err;
    json_t  *doc;

    start_with(UPGRADE_CONF);

    for (int i = 0; i < SESSIONS; i++) {
        session("ping", RGT_RST);
    }

    for (int i = 0; i < SESSIONS; i++) {
        session("ping", RGT_FIN);
    }

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 2 * SESSIONS),
                 0);

    acc = rgt_nginx_read(&ngx, "logs/all.log");
    cr_assert_not_null(acc);
    cr_assert_eq(rgt_count_lines(acc, "a="), 2 * SESSIONS, "%s", acc);
    cr_assert_eq(rgt_count_lines(acc, "a=" CLIENT " c= l=1 s=101 m= "
                                      "u=/ws/chat r=OK\n"),
                 2 * SESSIONS, "%s", acc);
    free(acc);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    expect_access_untouched(doc);
    expect_error(doc, "client_reset", SESSIONS, 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset",
                                 "suppressed"), SESSIONS - 2);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "access"), 0);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "error"), 0);
    json_decref(doc);

    /* the summaries are written when the workers exit */
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "[info]"), 2 + 1 + 1, "%s", err);
    cr_assert_eq(rgt_count_lines(err, TUNNEL_RESET), 2, "%s", err);
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "client_reset",
                                            CLIENT, 0), SESSIONS - 2);
    cr_assert_eq(rgt_count_lines(err, "rstguard: log=access "), 0, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "rstguard: log=error "), 1, "%s", err);
    free(err);
}


/*
 * The upstream resets the tunnel: nginx logs the same words at error (the
 * upstream connection's log level), and the filter, whose default classes
 * are held back only below warn, writes every one and counts none.  The
 * client sees the tunnel closed; the access log says 101, unclassified.
 */
Test(mod_upgraded, upstream_reset_is_written_and_not_counted)
{
    char    *acc, *err;
    json_t  *doc;

    start_with(UPGRADE_CONF);

    for (int i = 0; i < SESSIONS; i++) {
        session("reset", RGT_FIN);    /* the client never ends it */
    }

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", SESSIONS),
                 0);

    acc = rgt_nginx_read(&ngx, "logs/all.log");
    cr_assert_not_null(acc);
    cr_assert_eq(rgt_count_lines(acc, "a="), SESSIONS, "%s", acc);
    cr_assert_eq(rgt_count_lines(acc, "a=" CLIENT " c= l=1 s=101 m= "
                                      "u=/ws/chat r=OK\n"), SESSIONS, "%s",
                 acc);
    free(acc);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    expect_access_untouched(doc);
    for (int c = 0; c < RG_CLASS_COUNT; c++) {
        const char  *name = rg_class_name((rg_class) c);

        if (strcmp(name, "client_closed") == 0) {
            continue;           /* the readiness probe's line */
        }
        cr_assert_eq(rgt_mod_counter(doc, "rg", "error", name, "seen"), 0,
                     "error %s", name);
    }
    cr_assert_eq(rgt_mod_contended(doc, "rg", "error"), 0);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "[error]"), SESSIONS, "%s", err);
    cr_assert_eq(rgt_count_lines(err, TUNNEL_RESET), SESSIONS, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "rstguard: log="), 0, "%s", err);
    free(err);
}


/*
 * A client that stops reading while the upstream floods the tunnel: nginx's
 * send_timeout ends it with c->timedout and c->write->timedout set and the
 * request not complete, which for any other request is client_timeout.
 * The 101 still excludes it on the access side; the error log's "client
 * timed out" line is a client_timeout line and passes its budget.
 */
Test(mod_upgraded, send_timeout_in_tunnel_is_not_classified)
{
    char    *acc, *err;
    json_t  *doc;

    start_with(UPGRADE_CONF);
    session("flood", RGT_FIN);

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 1), 0);

    acc = rgt_nginx_read(&ngx, "logs/all.log");
    cr_assert_not_null(acc);
    cr_assert_eq(rgt_count_lines(acc, "a="), 1, "%s", acc);
    /* the timeout path never sets $request_completion */
    cr_assert_eq(rgt_count_lines(acc, "a=" CLIENT " c= l=1 s=101 m= "
                                      "u=/ws/chat r=\n"), 1, "%s", acc);
    free(acc);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    expect_access_untouched(doc);
    expect_error(doc, "client_timeout", 1, 1);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "[info]"), 1 + 1, "%s", err);
    cr_assert_eq(rgt_count_lines(err, " client timed out (110: Connection "
                                      "timed out) while proxying upgraded "
                                      "connection, client: " CLIENT
                                      ", server: , request: \"GET /ws/chat "
                                      "HTTP/1.1\", upstream: \"http://"
                                      "127.0.0.1:"), 1, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "rstguard: log="), 0, "%s", err);
    free(err);
}


/*
 * The rule README suggests for tunnels: at error, a syscall's reset in a
 * tunnel is the upstream's (the client's is logged at info).
 */
#define TUNNEL_RULE                                                          \
    "- id: local.upstream_reset.upgraded\n"                                  \
    "  format: nginx-error\n"                                                \
    "  class: upstream_reset\n"                                              \
    "  priority: 1\n"                                                        \
    "  match: '^\\w+\\(\\)(?: to \\S+)? failed(?: \\(SSL: [^)]*+\\))? "     \
    "\\(104: '\n"                                                            \
    "  where: { action: '^proxying upgraded connection$',\n"                 \
    "           level: '^(?:error|crit|alert|emerg)$' }\n"

/*
 * client_reset named in rstguard_classes may be held at any level, so
 * without help the upstream's resets in a tunnel ([error], same words)
 * would be held as client_reset, sharing the client's budget.  With the
 * rule above they are upstream_reset, not a limited class: all written and
 * counted nowhere, while the client's resets keep their own budget.
 */
Test(mod_upgraded, a_local_rule_tells_the_tunnel_sides_apart)
{
    char    *err;
    json_t  *doc;

    cr_assert_eq(rgt_nginx_write_file(&ngx, "tunnel.yaml", TUNNEL_RULE,
                                      strlen(TUNNEL_RULE)), 0);
    start_with(UPGRADE_CONF_WITH(
        "    rstguard_rules @PREFIX@/tunnel.yaml;\n"
        "    rstguard_classes client_reset client_closed client_timeout;\n"));

    for (int i = 0; i < SESSIONS; i++) {
        session("reset", RGT_FIN);
        session("ping", RGT_RST);
    }

    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/all.log", "a=", 2 * SESSIONS),
                 0);

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    expect_access_untouched(doc);
    expect_error(doc, "client_reset", SESSIONS, 2);
    expect_error(doc, "upstream_reset", 0, 0);
    json_decref(doc);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "[error]"), SESSIONS, "%s", err);
    cr_assert_eq(rgt_count_lines(err, "[info]"), 2 + 1 + 1, "%s", err);
    cr_assert_eq(rgt_count_lines(err, TUNNEL_RESET), SESSIONS + 2, "%s",
                 err);
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "client_reset",
                                            CLIENT, 0), SESSIONS - 2);
    free(err);
}
