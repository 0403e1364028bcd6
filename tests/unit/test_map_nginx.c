/*
 * Every nginx mapping of rules/README.md "How a record maps to a class", on whole
 * error-log lines as Debian's nginx 1.22.1 writes them (the messages are the
 * ones tests/README.md, real aborts quotes from real output).
 */

#include <criterion/criterion.h>
#include <string.h>

#include "test_rules_helpers.h"

#define CTX ", client: 203.0.113.7, server: shop.example.com"
#define REQ ", request: \"GET /static/app.js HTTP/1.1\", host: \"shop.example.com\""
#define UPS ", request: \"GET /api/cart HTTP/1.1\", upstream: \"http://10.0.0.5:8080/api/cart\", host: \"shop.example.com\""

typedef struct {
    const char  *line;
    const char  *cls;
    const char  *rule;          /* NULL: no rule matches */
} map_case;


static void
check(const map_case *c, size_t n)
{
    const rg_rule  *r;
    size_t          i;

    for (i = 0; i < n; i++) {
        r = trh_nginx_error(c[i].line);
        cr_expect_str_eq(trh_class(r), c[i].cls, "line: %s", c[i].line);
        if (c[i].rule == NULL) {
            cr_expect_null(r, "line: %s (matched %s)", c[i].line,
                           r ? rg_rule_id(r) : "");
        } else {
            cr_expect_str_eq(r ? rg_rule_id(r) : "(none)", c[i].rule,
                             "line: %s", c[i].line);
        }
    }
}

#define CHECK(cases) check(cases, sizeof(cases) / sizeof(cases[0]))

TestSuite(map_nginx, .init = trh_shipped_setup, .fini = trh_teardown);


Test(map_nginx, client_side_connection_and_request)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:01 [info] 2112#2112: *1 client closed connection while waiting for request, client: 198.51.100.23, server: 0.0.0.0:80",
          "client_closed", "nginx.client_closed.waiting" },
        { "2026/11/21 10:00:01 [info] 2112#2112: *2 recv() failed (104: Connection reset by peer) while waiting for request, client: 198.51.100.23, server: 0.0.0.0:80",
          "client_reset", "nginx.client_reset.syscall" },
        /* a load balancer's health check on a proxy_protocol port */
        { "2026/11/21 10:00:01 [info] 2112#2112: *7 client closed connection while reading PROXY protocol, client: 10.0.3.17, server: 0.0.0.0:443",
          "client_closed", "nginx.client_closed.waiting" },
        { "2026/11/21 10:00:01 [info] 2112#2112: *8 recv() failed (104: Connection reset by peer) while reading PROXY protocol, client: 10.0.3.17, server: 0.0.0.0:443",
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/11/21 10:00:02 [info] 2112#2112: *3 client timed out (110: Connection timed out) while waiting for request, client: 198.51.100.23, server: 0.0.0.0:80",
          "client_timeout", "nginx.client_timeout.timed_out" },
        { "2026/11/21 10:00:02 [info] 2112#2112: *4 client prematurely closed connection while reading client request line, client: 2001:db8::7, server: shop.example.com",
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:02 [info] 2112#2112: *5 client prematurely closed connection while reading client request headers" CTX,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:03 [info] 2112#2112: *6 client timed out (110: Connection timed out) while reading client request headers" CTX,
          "client_timeout", "nginx.client_timeout.timed_out" },
        { "2026/11/21 10:00:03 [info] 2112#2112: *7 client prematurely closed connection" CTX ", request: \"POST /upload HTTP/1.1\", host: \"shop.example.com\"",
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:03 [info] 2112#2112: *8 recv() failed (110: Connection timed out) while reading client request headers" CTX,
          "client_timeout", "nginx.client_timeout.syscall" },
    };

    CHECK(cases);
}


Test(map_nginx, client_side_response)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:04 [info] 2112#2112: *9 client prematurely closed connection while sending response to client" CTX REQ,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:04 [info] 2112#2112: *10 client prematurely closed connection (104: Connection reset by peer) while sending response to client" CTX REQ,
          "client_reset", "nginx.client_reset.client_gone" },
        { "2026/11/21 10:00:04 [info] 2112#2112: *11 sendfile() failed (32: Broken pipe) while sending response to client" CTX REQ,
          "broken_pipe", "nginx.broken_pipe.syscall" },
        { "2026/11/21 10:00:05 [info] 2112#2112: *12 writev() failed (32: Broken pipe) while sending to client" CTX UPS,
          "broken_pipe", "nginx.broken_pipe.syscall" },
        { "2026/11/21 10:00:05 [info] 2112#2112: *13 writev() failed (104: Connection reset by peer) while sending to client" CTX UPS,
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/11/21 10:00:05 [info] 2112#2112: *14 writev() failed (103: Software caused connection abort) while sending to client" CTX UPS,
          "conn_aborted", "nginx.conn_aborted.syscall" },
        { "2026/11/21 10:00:06 [info] 2112#2112: *15 client timed out (110: Connection timed out) while sending response to client" CTX REQ,
          "client_timeout", "nginx.client_timeout.timed_out" },
        { "2026/11/21 10:00:06 [info] 2112#2112: *16 client timed out (110: Connection timed out) while sending to client" CTX UPS,
          "client_timeout", "nginx.client_timeout.timed_out" },
        { "2026/11/21 10:00:06 [info] 2112#2112: *17 client prematurely closed connection (104: Connection reset by peer) while sending to client" CTX UPS,
          "client_reset", "nginx.client_reset.client_gone" },
        { "2026/11/21 10:00:07 [info] 2112#2112: *18 SSL_write() failed (104: Connection reset by peer) while sending response to client" CTX REQ,
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/11/21 10:00:07 [info] 2112#2112: *19 SSL_write() failed (32: Broken pipe) while sending response to client" CTX REQ,
          "broken_pipe", "nginx.broken_pipe.syscall" },
    };

    CHECK(cases);
}


Test(map_nginx, keepalive_close_needs_an_errno)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:08 [info] 2112#2112: *20 client 127.0.0.1 closed keepalive connection",
          "none", NULL },
        { "2026/11/21 10:00:08 [info] 2112#2112: *21 client 2001:db8:85a3::8a2e:370:7334 closed keepalive connection",
          "none", NULL },
        { "2026/11/21 10:00:08 [info] 2112#2112: *22 client 127.0.0.1 closed keepalive connection (104: Connection reset by peer)",
          "client_reset", "nginx.client_reset.client_gone" },
    };

    CHECK(cases);
}


Test(map_nginx, client_gone_while_proxying_is_client_side)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:09 [info] 2112#2112: *23 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:09 [info] 2112#2112: *24 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while reading response header from upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:09 [info] 2112#2112: *25 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while reading upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:10 [info] 2112#2112: *26 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too (104: Connection reset by peer) while reading upstream" CTX UPS,
          "client_reset", "nginx.client_reset.client_gone" },
        { "2026/11/21 10:00:10 [info] 2112#2112: *27 epoll_wait() reported that client prematurely closed connection while reading response header from upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:10 [info] 2112#2112: *28 kevent() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:11 [info] 2112#2112: *29 client prematurely closed connection, so upstream connection is closed too while reading response header from upstream" CTX UPS,
          "client_closed", "nginx.client_closed.prematurely" },
        { "2026/11/21 10:00:11 [info] 2112#2112: *30 client canceled stream 1 while sending request to upstream" CTX UPS,
          "stream_canceled", "nginx.stream_canceled" },
    };

    CHECK(cases);
}


Test(map_nginx, http2_streams)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:12 [info] 2112#2112: *31 client canceled stream 1" CTX REQ,
          "stream_canceled", "nginx.stream_canceled" },
        { "2026/11/21 10:00:12 [info] 2112#2112: *32 client terminated stream 1 due to internal error" CTX REQ,
          "stream_canceled", "nginx.stream_canceled" },
        { "2026/11/21 10:00:12 [info] 2112#2112: *33 client terminated stream 3 with status 2" CTX REQ,
          "stream_canceled", "nginx.stream_canceled" },
        { "2026/11/21 10:00:13 [info] 2112#2112: *34 client refused stream 5" CTX,
          "stream_canceled", "nginx.stream_canceled" },
        { "2026/11/21 10:00:13 [info] 2112#2112: *35 client prematurely closed stream: only 100 out of 5000 bytes of request body received" CTX,
          "stream_canceled", "nginx.stream_canceled" },
        { "2026/11/21 10:00:13 [info] 2112#2112: *36 recv() failed (104: Connection reset by peer) while processing HTTP/2 connection, client: 203.0.113.7, server: 0.0.0.0:443",
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/11/21 10:00:14 [info] 2112#2112: *37 writev() failed (32: Broken pipe) while processing HTTP/2 connection, client: 203.0.113.7, server: 0.0.0.0:443",
          "broken_pipe", "nginx.broken_pipe.syscall" },
    };

    CHECK(cases);
}


/*
 * HTTP/3 (nginx 1.25.0 to 1.31.4, same words): the QUIC connection's own
 * lines, written for the connection (no request) in the shape
 * ngx_http_log_error() gives them.  A client that closes the connection
 * (CONNECTION_CLOSE) or resets a stream (STOP_SENDING / RESET_STREAM)
 * leaves no line at info; the access log classifies those.
 */
Test(map_nginx, http3_quic)
{
    static const map_case  cases[] = {
        { "2026/12/05 09:41:46 [info] 25189#25189: *22 quic client timed out (110: Connection timed out) while handling quic input, client: 127.0.0.1, server: 127.0.0.1:18443",
          "client_timeout", "nginx.client_timeout.quic_idle" },
        { "2026/12/05 09:41:47 [info] 25189#25189: *23 quic client timed out (110: Connection timed out) while handling quic input, client: 2001:db8::7, server: [::]:443",
          "client_timeout", "nginx.client_timeout.quic_idle" },
        { "2026/12/05 09:41:48 [info] 25189#25189: *24 quic stateless reset packet detected while decrypting packet, client: 203.0.113.7, server: 0.0.0.0:443",
          "client_reset", "nginx.client_reset.quic_stateless" },
        /* the request-level lines read as over TCP */
        { "2026/12/05 09:41:49 [info] 25189#25189: *25 client timed out (110: Connection timed out) while sending response to client" CTX ", request: \"GET /big.bin HTTP/3.0\", host: \"shop.example.com\"",
          "client_timeout", "nginx.client_timeout.timed_out" },
        { "2026/12/05 09:41:50 [info] 25189#25189: *26 client prematurely closed connection while sending response to client" CTX ", request: \"GET /big.bin HTTP/3.0\", host: \"shop.example.com\"",
          "client_closed", "nginx.client_closed.prematurely" },
        /* QUIC protocol noise is no abort */
        { "2026/12/05 09:41:51 [info] 25189#25189: *27 quic unsupported version: 0xcafe0001 while handling initial packet, client: 203.0.113.7, server: 0.0.0.0:443",
          "none", NULL },
        { "2026/12/05 09:41:52 [info] 25189#25189: *28 quic flood detected while handling frames, client: 203.0.113.7, server: 0.0.0.0:443",
          "none", NULL },
        /* 1.25.0 to 1.28.x, for a client's greased transport parameter */
        { "2026/12/05 10:24:27 [info] 26006#26006: *2 quic unknown transport param id:0x2ab2, skipped while handling frames, client: 127.0.0.1, server: 127.0.0.1:28536",
          "none", NULL },
    };

    CHECK(cases);
}


Test(map_nginx, tls_handshake)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:15 [info] 2112#2112: *38 client closed connection while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.client_closed" },
        { "2026/11/21 10:00:15 [info] 2112#2112: *39 peer closed connection in SSL handshake while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.peer_closed" },
        { "2026/11/21 10:00:15 [info] 2112#2112: *40 peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.peer_closed" },
        { "2026/11/21 10:00:16 [info] 2112#2112: *41 SSL_do_handshake() failed (104: Connection reset by peer) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.errno" },
        { "2026/11/21 10:00:16 [info] 2112#2112: *42 recv() failed (32: Broken pipe) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.errno" },
        { "2026/11/21 10:00:16 [info] 2112#2112: *43 SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "none", NULL },
        { "2026/11/21 10:00:17 [crit] 2112#2112: *44 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "none", NULL },
    };

    CHECK(cases);
}


Test(map_nginx, upstream_side)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:18 [error] 2112#2112: *45 connect() failed (111: Connection refused) while connecting to upstream" CTX UPS,
          "upstream_refused", "nginx.upstream_refused" },
        { "2026/11/21 10:00:18 [error] 2112#2112: *46 connect() to 10.0.0.5:8080 failed (111: Connection refused) while connecting to upstream" CTX UPS,
          "upstream_refused", "nginx.upstream_refused" },
        { "2026/11/21 10:00:18 [error] 2112#2112: *47 connect() to unix:/run/php/php8.2-fpm.sock failed (111: Connection refused) while connecting to upstream" CTX
          ", request: \"GET /index.php HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\"",
          "upstream_refused", "nginx.upstream_refused" },
        /* "or Connection refused": ECONNREFUSED is 61 on the BSDs */
        { "2026/11/21 10:00:18 [error] 2112#2112: *47 kevent() reported that connect() failed (61: Connection refused) while connecting to upstream" CTX UPS,
          "upstream_refused", "nginx.upstream_refused" },
        { "2026/11/21 10:00:19 [error] 2112#2112: *48 upstream timed out (110: Connection timed out) while connecting to upstream" CTX UPS,
          "upstream_timeout", "nginx.upstream_timeout.timed_out" },
        { "2026/11/21 10:00:19 [error] 2112#2112: *49 upstream timed out (110: Connection timed out) while reading response header from upstream" CTX UPS,
          "upstream_timeout", "nginx.upstream_timeout.timed_out" },
        { "2026/11/21 10:00:19 [error] 2112#2112: *50 upstream timed out (110: Connection timed out) while reading upstream" CTX UPS,
          "upstream_timeout", "nginx.upstream_timeout.timed_out" },
        { "2026/11/21 10:00:20 [error] 2112#2112: *51 connect() failed (110: Connection timed out) while connecting to upstream" CTX UPS,
          "upstream_timeout", "nginx.upstream_timeout.syscall" },
        { "2026/11/21 10:00:20 [error] 2112#2112: *52 recv() failed (104: Connection reset by peer) while reading response header from upstream" CTX UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/11/21 10:00:20 [error] 2112#2112: *53 readv() failed (104: Connection reset by peer) while reading upstream" CTX UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/11/21 10:00:21 [error] 2112#2112: *54 writev() failed (104: Connection reset by peer) while sending request to upstream" CTX UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/11/21 10:00:21 [error] 2112#2112: *55 upstream prematurely closed connection while reading response header from upstream" CTX UPS,
          "upstream_closed", "nginx.upstream_closed" },
        { "2026/11/21 10:00:21 [error] 2112#2112: *56 upstream prematurely closed connection while reading upstream" CTX UPS,
          "truncated", "nginx.truncated" },
        { "2026/11/21 10:00:22 [error] 2112#2112: *57 upstream sent too big header while reading response header from upstream" CTX UPS,
          "buffer_overflow", "nginx.buffer_overflow.big_header" },
        { "2026/11/21 10:00:22 [warn] 2112#2112: *58 an upstream response is buffered to a temporary file /var/lib/nginx/proxy/1/00/0000000001 while reading upstream" CTX UPS,
          "buffer_overflow", "nginx.buffer_overflow.temp_file" },
        { "2026/11/21 10:00:22 [error] 2112#2112: *59 no live upstreams while connecting to upstream" CTX UPS,
          "none", NULL },
    };

    CHECK(cases);
}


Test(map_nginx, phrases_inside_a_uri_are_no_abort)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:23 [error] 2112#2112: *60 open() \"/y(104: Connection reset by peer) while sending to client\" failed (2: No such file or directory)" CTX
          ", request: \"GET /y(104:%20Connection%20reset%20by%20peer)%20while%20sending%20to%20client HTTP/1.1\", host: \"shop.example.com\"",
          "none", NULL },
        { "2026/11/21 10:00:23 [error] 2112#2112: *61 open() \"/client prematurely closed connection\" failed (2: No such file or directory)" CTX,
          "none", NULL },
        { "2026/11/21 10:00:23 [error] 2112#2112: *62 open() \"/x, client: 6.6.6.6, server: y (104: Connection reset by peer)\" failed (2: No such file or directory)" CTX,
          "none", NULL },
        { "2026/11/21 10:00:24 [error] 2112#2112: *63 \"/var/www/upstream timed out/index.html\" is not found (2: No such file or directory)" CTX,
          "none", NULL },
        { "2026/11/21 10:00:24 [error] 2112#2112: *64 access forbidden by rule" CTX REQ,
          "none", NULL },
        { "2026/11/21 10:00:24 [error] 2112#2112: *65 limiting requests, excess: 10.520 by zone \"one\"" CTX REQ,
          "none", NULL },
        { "2026/11/21 10:00:25 [notice] 2112#2112: signal process started",
          "none", NULL },
    };

    CHECK(cases);
}


Test(map_nginx, access_log_status_and_completion)
{
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "499", 0, NULL)),
                     "client_closed");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "408", 0, NULL)),
                     "client_timeout");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "200",
                                           RG_FIELD_COMPLETION, "")),
                     "client_closed");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "206",
                                           RG_FIELD_COMPLETION, "")),
                     "client_closed");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "200",
                                           RG_FIELD_COMPLETION, "OK")),
                     "none");
    /* plain combined: no completion field, only 499 and 408 count */
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "200", 0, NULL)),
                     "none");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "404",
                                           RG_FIELD_COMPLETION, "")),
                     "none");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "502", 0, NULL)),
                     "none");
    cr_assert_str_eq(trh_class(trh_message(RG_FORMAT_NGINX_ACCESS, "4990", 0, NULL)),
                     "none");
}


/* The OpenSSL text before the errno is matched without backtracking; a
   handshake failure with both is still classified by the errno. */
Test(map_nginx, ssl_error_text_before_the_errno)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:26 [info] 2112#2112: *66 SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) (104: Connection reset by peer) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.errno" },
        { "2026/11/21 10:00:26 [info] 2112#2112: *67 SSL_write() failed (SSL: error:0A00007F:SSL routines::bad write retry) (32: Broken pipe) while sending response to client" CTX REQ,
          "broken_pipe", "nginx.broken_pipe.syscall" },
        { "2026/11/21 10:00:26 [crit] 2112#2112: *68 SSL_shutdown() failed (SSL: error:0A00007F:SSL routines::bad write retry) while closing request" CTX,
          "none", NULL },
        { "2026/11/21 10:00:27 [info] 2112#2112: *69 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 192.0.2.44, server: 0.0.0.0:443",
          "none", NULL },
    };

    CHECK(cases);
}


/* rules/README.md: the backend's TLS handshake is the upstream's side. */
Test(map_nginx, upstream_tls_handshake)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:40 [error] 2112#2112: *90 peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking to upstream" CTX
          ", request: \"GET /api HTTP/1.1\", upstream: \"https://10.0.0.5:8443/api\", host: \"shop.example.com\"",
          "upstream_reset", "nginx.upstream_reset.tls" },
        { "2026/11/21 10:00:40 [error] 2112#2112: *91 peer closed connection in SSL handshake while SSL handshaking to upstream" CTX
          ", request: \"GET /api HTTP/1.1\", upstream: \"https://10.0.0.5:8443/api\", host: \"shop.example.com\"",
          "upstream_closed", "nginx.upstream_closed.tls" },
        { "2026/11/21 10:00:40 [error] 2112#2112: *92 SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed) while SSL handshaking to upstream" CTX UPS,
          "none", NULL },
        { "2026/11/21 10:00:40 [error] 2112#2112: *93 SSL_do_handshake() failed (104: Connection reset by peer) while SSL handshaking to upstream" CTX UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/11/21 10:00:41 [error] 2112#2112: *94 SSL_do_handshake() failed (32: Broken pipe) while SSL handshaking to upstream" CTX UPS,
          "none", NULL },
    };

    CHECK(cases);
}


/* 111 is upstream_refused only with an upstream action. */
Test(map_nginx, refused_needs_an_upstream_action)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:42 [error] 2112#2112: send() failed (111: Connection refused)",
          "none", NULL },
        { "2026/11/21 10:00:42 [error] 2112#2112: *95 recv() failed (111: Connection refused) while resolving, resolver: 127.0.0.11:53",
          "none", NULL },
        { "2026/11/21 10:00:42 [error] 2112#2112: *96 connect() failed (111: Connection refused) while requesting certificate status, responder: ocsp.example.net, peer: 192.0.2.9:80, certificate: \"/etc/ssl/a.pem\"",
          "none", NULL },
        { "2026/11/21 10:00:42 [error] 2112#2112: *97 connect() failed (111: Connection refused) while connecting to upstream" CTX UPS,
          "upstream_refused", "nginx.upstream_refused" },
    };

    CHECK(cases);
}


/* A tunnel logs both directions in the same words: the level tells. */
Test(map_nginx, upgraded_connection_by_level)
{
#define WS ", request: \"GET /ws HTTP/1.1\", upstream: \"http://10.0.0.5:8080/ws\", host: \"shop.example.com\""
    static const map_case  cases[] = {
        { "2026/11/21 10:00:43 [info] 2112#2112: *98 recv() failed (104: Connection reset by peer) while proxying upgraded connection" CTX WS,
          "client_reset", "nginx.client_reset.upgraded" },
        { "2026/11/21 10:00:43 [info] 2112#2112: *98 writev() failed (32: Broken pipe) while proxying upgraded connection" CTX WS,
          "broken_pipe", "nginx.broken_pipe.upgraded" },
        { "2026/11/21 10:00:43 [info] 2112#2112: *98 recv() failed (110: Connection timed out) while proxying upgraded connection" CTX WS,
          "client_timeout", "nginx.client_timeout.upgraded" },
        { "2026/11/21 10:00:43 [error] 2112#2112: *99 recv() failed (104: Connection reset by peer) while proxying upgraded connection" CTX WS,
          "upstream_reset", "nginx.upstream_reset.upgraded" },
        { "2026/11/21 10:00:43 [error] 2112#2112: *99 recv() failed (110: Connection timed out) while proxying upgraded connection" CTX WS,
          "upstream_timeout", "nginx.upstream_timeout.upgraded" },
        { "2026/11/21 10:00:43 [error] 2112#2112: *99 send() failed (32: Broken pipe) while proxying upgraded connection" CTX WS,
          "none", NULL },
        { "2026/11/21 10:00:44 [error] 2112#2112: *100 upstream timed out (110: Connection timed out) while proxying upgraded connection" CTX WS,
          "upstream_timeout", "nginx.upstream_timeout.timed_out" },
        /* the message says the client went away: the client's, any level */
        { "2026/11/21 10:00:44 [error] 2112#2112: *101 client prematurely closed connection (104: Connection reset by peer) while proxying upgraded connection" CTX WS,
          "client_reset", "nginx.client_reset.client_gone" },
        { "2026/11/21 10:00:44 [error] 2112#2112: *102 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while proxying upgraded connection" CTX WS,
          "client_closed", "nginx.client_closed.prematurely" },
    };
#undef WS

    CHECK(cases);
}


/* Redacted client fields are read as text: the context is still found. */
Test(map_nginx, redacted_client_fields)
{
    static const map_case  cases[] = {
        { "2026/11/21 10:00:45 [error] 2112#2112: *103 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 10.xxx.xx.xxxx, server: shop.example.com" UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/11/21 10:00:45 [info] 2112#2112: *104 writev() failed (104: Connection reset by peer) while sending to client, client: CLIENT_IP, server: shop.example.com" REQ,
          "client_reset", "nginx.client_reset.syscall" },
    };

    CHECK(cases);
}


/*
 * nginx before 1.21.2 does not set SSL_OP_IGNORE_UNEXPECTED_EOF, so with
 * OpenSSL 3 (and 1.1.1e) a peer that closes without a TLS close_notify
 * is written as an SSL error at crit (Ubuntu 22.04: nginx 1.18 with
 * OpenSSL 3.0): mid-handshake the client gave up (tls_aborted), on an
 * idle keepalive connection it is a normal close, and on a connection
 * that never sent its request it is client_closed.  The backend's side of
 * the same words is the backend's close.
 */
Test(map_nginx, tls_unexpected_eof_of_older_nginx)
{
    static const map_case  cases[] = {
        { "2022/09/02 00:07:37 [crit] 1074#1074: *4512 SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while SSL handshaking, client: 203.0.113.9, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.unexpected_eof" },
        { "2020/03/31 10:00:00 [crit] 16675#0: *358 SSL_do_handshake() failed (SSL: error:14095126:SSL routines:ssl3_read_n:unexpected eof while reading) while SSL handshaking, client: 2001:db8::9, server: [::]:443",
          "tls_aborted", "nginx.tls_aborted.unexpected_eof" },
        { "2022/09/02 00:00:23 [crit] 1074#1074: *4505 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while keepalive, client: 203.0.113.9, server: 0.0.0.0:443",
          "none", NULL },
        { "2022/09/02 00:00:24 [crit] 1074#1074: *4506 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while waiting for request, client: 203.0.113.9, server: 0.0.0.0:443",
          "client_closed", "nginx.client_closed.unexpected_eof" },
        { "2022/09/02 00:00:25 [crit] 1074#1074: *4507 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while reading client request headers" CTX,
          "client_closed", "nginx.client_closed.unexpected_eof" },
        { "2022/09/02 00:00:26 [crit] 1074#1074: *4508 SSL_do_handshake() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while SSL handshaking to upstream" CTX UPS,
          "upstream_closed", "nginx.upstream_closed.tls_eof" },
        /* other handshake failures stay no abort */
        { "2022/09/02 00:00:27 [crit] 1074#1074: *4509 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 203.0.113.9, server: 0.0.0.0:443",
          "none", NULL },
    };

    CHECK(cases);
}


/*
 * The stream module (TCP/UDP proxying) names the direction in its action:
 * "proxying and reading from upstream" and "... sending to upstream" are
 * the backend's side, "... from client" / "... to client" the client's.
 */
Test(map_nginx, stream_proxy_direction)
{
#define STREAM ", client: 203.0.113.9, server: 0.0.0.0:5432, upstream: \"10.0.0.5:5432\", bytes from/to client:517/4096, bytes from/to upstream:4096/517"
    static const map_case  cases[] = {
        { "2026/12/05 10:00:00 [error] 2112#2112: *1 recv() failed (104: Connection reset by peer) while proxying and reading from upstream" STREAM,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/12/05 10:00:00 [info] 2112#2112: *2 recv() failed (104: Connection reset by peer) while proxying and reading from client" STREAM,
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/12/05 10:00:00 [info] 2112#2112: *3 writev() failed (32: Broken pipe) while proxying and sending to client" STREAM,
          "broken_pipe", "nginx.broken_pipe.syscall" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *4 writev() failed (32: Broken pipe) while proxying and sending to upstream" STREAM,
          "none", NULL },
        { "2026/12/05 10:00:00 [error] 2112#2112: *5 recv() failed (110: Connection timed out) while proxying and reading from upstream" STREAM,
          "upstream_timeout", "nginx.upstream_timeout.syscall" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *6 connect() failed (111: Connection refused) while connecting to upstream" STREAM,
          "upstream_refused", "nginx.upstream_refused" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *7 upstream timed out (110: Connection timed out) while proxying connection" STREAM,
          "upstream_timeout", "nginx.upstream_timeout.timed_out" },
    };
#undef STREAM

    CHECK(cases);
}


/*
 * The FastCGI and gRPC modules say the backend cut the response short in
 * their own words: "upstream prematurely closed FastCGI stdout" (PHP-FPM's
 * worker died mid-request) before the header is upstream_closed, and
 * mid-body truncated, as "... closed connection" is.
 */
Test(map_nginx, fastcgi_and_grpc_backend_closed)
{
#define FCGI ", request: \"GET /index.php HTTP/1.1\", upstream: \"fastcgi://unix:/run/php/php8.2-fpm.sock:\", host: \"shop.example.com\""
#define GRPC ", request: \"POST /svc.Cart/Get HTTP/2.0\", upstream: \"grpc://10.0.0.5:50051\", host: \"shop.example.com\""
    static const map_case  cases[] = {
        { "2026/12/05 10:00:00 [error] 2112#2112: *1 upstream prematurely closed FastCGI stdout while reading response header from upstream" CTX FCGI,
          "upstream_closed", "nginx.upstream_closed" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *2 upstream prematurely closed FastCGI request while reading response header from upstream" CTX FCGI,
          "upstream_closed", "nginx.upstream_closed" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *3 upstream prematurely closed FastCGI stdout while reading upstream" CTX FCGI,
          "truncated", "nginx.truncated" },
        { "2026/12/05 10:00:00 [error] 2112#2112: *4 upstream prematurely closed stream while reading response header from upstream" CTX GRPC,
          "upstream_closed", "nginx.upstream_closed" },
        /* the FastCGI module's other complaints are no abort */
        { "2026/12/05 10:00:00 [error] 2112#2112: *5 upstream sent unexpected FastCGI record: 3 while reading response header from upstream" CTX FCGI,
          "none", NULL },
    };
#undef FCGI
#undef GRPC

    CHECK(cases);
}


/*
 * nginx for Windows writes Winsock's numbers and words: 10054 is 104's
 * reset, 10053 103's abort, 10060 110's timeout and 10061 111's refusal.
 */
Test(map_nginx, windows_winsock_errors)
{
    static const map_case  cases[] = {
        { "2026/12/05 10:00:00 [info] 4321#1234: *12 WSARecv() failed (10054: An existing connection was forcibly closed by the remote host) while waiting for request, client: 198.51.100.7, server: 0.0.0.0:80",
          "client_reset", "nginx.client_reset.syscall" },
        { "2026/12/05 10:00:00 [info] 4321#1234: *11 WSASend() failed (10053: An established connection was aborted by the software in your host machine) while sending to client" CTX REQ,
          "conn_aborted", "nginx.conn_aborted.syscall" },
        { "2026/12/05 10:00:00 [error] 4321#1234: *10 WSARecv() failed (10054: An existing connection was forcibly closed by the remote host) while reading response header from upstream" CTX UPS,
          "upstream_reset", "nginx.upstream_reset" },
        { "2026/12/05 10:00:00 [error] 4321#1234: *14 connect() failed (10061: No connection could be made because the target machine actively refused it) while connecting to upstream" CTX UPS,
          "upstream_refused", "nginx.upstream_refused" },
        { "2026/12/05 10:00:00 [error] 4321#1234: *15 WSARecv() failed (10060: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond) while reading upstream" CTX UPS,
          "upstream_timeout", "nginx.upstream_timeout.syscall" },
        { "2026/12/05 10:00:00 [info] 4321#1234: *16 peer closed connection in SSL handshake (10054: An existing connection was forcibly closed by the remote host) while SSL handshaking, client: 198.51.100.7, server: 0.0.0.0:443",
          "tls_aborted", "nginx.tls_aborted.peer_closed" },
    };

    CHECK(cases);
}
