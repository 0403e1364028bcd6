/*
 * Caddy's JSON logs, rules/README.md "How a record maps to a class":
 * whole lines through the parser, then the shipped rules; the lines are in
 * the shape Caddy's access, error and reverse-proxy loggers write them.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "test_rules_helpers.h"

TestSuite(map_caddy, .init = trh_shipped_setup, .fini = trh_teardown);

#define REQ(ip)                                                             \
    "\"request\":{\"remote_ip\":\"" ip "\",\"remote_port\":\"50000\","    \
    "\"client_ip\":\"" ip "\",\"proto\":\"HTTP/2.0\",\"method\":\"GET\","  \
    "\"host\":\"shop.example.com\",\"uri\":\"/video.mp4?t=3\",\"headers\":" \
    "{\"User-Agent\":[\"Mozilla/5.0\"]}}"

static rs_parser  ps;

static const char *
caddy_class(const char *line, rs_parsed *out)
{
    cr_assert_eq(rs_parse_caddy(&ps, line, strlen(line), out), 0, "%s", line);
    return trh_class(rg_match(trh_m, RG_FORMAT_CADDY, &out->f));
}

Test(map_caddy, status_and_messages)
{
    static const char *const  cases[][4] = {
        /* logger, msg, extra fields, class */
        { "http.log.access.log0", "handled request", "\"status\":499",
          "client_closed" },
        { "http.log.access.log0", "handled request", "\"status\":0",
          "client_closed" },
        { "http.log.access.log0", "handled request", "\"status\":408",
          "client_timeout" },
        { "http.log.access.log0", "handled request", "\"status\":200",
          "none" },
        { "http.log.access.log0", "handled request", "\"status\":502",
          "none" },
        { "http.log.error.log0", "dial tcp 10.0.0.9:9000: connect:"
          " connection refused", "\"status\":502", "upstream_refused" },
        { "http.log.error.log0", "context canceled", "\"status\":502",
          "client_closed" },
        { "http.log.error.log0", "making dial info: lookup backend on"
          " 10.0.0.2:53: dial udp 10.0.0.2:53: operation was canceled",
          "\"status\":500", "client_closed" },
        { "http.log.error.log0", "net/http: timeout awaiting response"
          " headers", "\"status\":504", "upstream_timeout" },
        { "http.log.error.log0", "dial tcp 10.0.0.9:9000: i/o timeout",
          "\"status\":502", "upstream_timeout" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: write tcp 10.0.0.2:443->198.51.100.4:50012:"
          " write: broken pipe\"", "broken_pipe" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: write tcp 10.0.0.2:443->198.51.100.4:50012:"
          " write: connection reset by peer\"", "client_reset" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"reading: unexpected EOF\"", "truncated" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"reading: read tcp 10.0.0.2:41000->10.0.0.5:8080:"
          " read: connection reset by peer\"", "upstream_reset" },
        /* HTTP/2: the client's stream, the backend's stream */
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: http2: stream closed\"", "stream_canceled" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"reading: stream error: stream ID 3; INTERNAL_ERROR;"
          " received from peer\"", "upstream_reset" },
        /* HTTP/3 (quic-go): the client's stream reset, before and after
           Caddy 2.7's "writing: "; its connection silent past QUIC's idle
           timeout; a reset by the server itself is no client's */
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"stream 100 canceled with error code 268\"",
          "stream_canceled" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: stream 8 canceled by remote with error code"
          " 268\"", "stream_canceled" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: H3_REQUEST_CANCELLED\"", "stream_canceled" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: stream 8 canceled by local with error code"
          " 268\"", "none" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: timeout: no recent network activity\"",
          "client_timeout" },
        /* a response-wrapping plugin cut the body (io.ErrShortWrite) */
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"short write\"", "truncated" },
        { "http.handlers.reverse_proxy", "aborting with incomplete response",
          "\"error\":\"writing: short write\"", "truncated" },
    };
    char       line[1024];
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(line, sizeof(line), "{\"level\":\"info\",\"ts\":1795255200.5,"
                 "\"logger\":\"%s\",\"msg\":\"%s\"," REQ("198.51.100.4") ","
                 "\"duration\":1.5,%s}", cases[i][0], cases[i][1],
                 cases[i][2]);
        cr_expect_str_eq(caddy_class(line, &out), cases[i][3], "%s", line);
    }
}

Test(map_caddy, fields)
{
    static const char  line[] =
        "{\"level\":\"info\",\"ts\":1795255200.25,\"logger\":"
        "\"http.log.access.log0\",\"msg\":\"handled request\","
        REQ("203.0.113.7") ",\"bytes_read\":0,\"duration\":2.5,"
        "\"size\":4096,\"status\":499}";
    rs_parsed  out;

    cr_assert_str_eq(caddy_class(line, &out), "client_closed");
    cr_assert_eq(out.status, 499);
    cr_assert_eq(out.body_bytes, 4096);
    cr_assert_eq(out.request_ms, 2500);
    cr_assert_eq(out.ts.valid, 1);
    cr_assert_eq(out.ts.sec, 1795255200);
    cr_assert_eq(out.ms, 250);
    cr_assert_eq(out.f.f[RG_FIELD_CLIENT].len, 11);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_CLIENT].p, "203.0.113.7", 11), 0);
    cr_assert_eq(out.f.f[RG_FIELD_REQUEST].len, 27);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_REQUEST].p,
                        "GET /video.mp4?t=3 HTTP/2.0", 27), 0);
    cr_assert_eq(out.f.f[RG_FIELD_HOST].len, 16);
    cr_assert_eq(out.agent.len, 11);
}

/* The console encoder: time, LEVEL, logger, msg and the other fields as a
   JSON object, tab-separated; the process's own lines have no logger. */
Test(map_caddy, console_layout)
{
    static const char *const  cases[][2] = {
        { "2026/11/21 10:00:01.123\tERROR\thttp.log.error\tcontext canceled"
          "\t{\"request\": {\"remote_ip\": \"203.0.113.9\", \"client_ip\":"
          " \"203.0.113.9\", \"proto\": \"HTTP/2.0\", \"method\": \"GET\","
          " \"host\": \"shop.example.test\", \"uri\": \"/api/x\"},"
          " \"duration\": 1.2, \"status\": 502}", "client_closed" },
        { "2026/11/21 10:00:02.007\tERROR\thttp.handlers.reverse_proxy\t"
          "aborting with incomplete response\t{\"error\": \"writing: write"
          " tcp 10.0.0.2:443->203.0.113.10:50124: write: broken pipe\"}",
          "broken_pipe" },
        { "2026/11/21 10:00:03.000\terror\thttp.handlers.reverse_proxy\t"
          "aborting with incomplete response\t{\"error\": \"reading: unexpected"
          " EOF\"}", "truncated" },
    };
    static const char *const  not_caddy[] = {
        "2026/11/21 10:00:04.123\tINFO\tusing adjacent Caddyfile",
        "2026/11/21 10:00:04.123\tINFO\tadmin\tadmin endpoint started\t{}",
        "2026/11/21 10:00:04 [error] 12#12: *1 x, client: 1.2.3.4",
        "2026/11/21 10:00:04.1x3\tERROR\thttp.log.error\tx",
        "2026/11/21 10:00:04.123\tERROR\thttp.log.error\tx\t{not json",
    };
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_expect_str_eq(caddy_class(cases[i][0], &out), cases[i][1], "%s",
                         cases[i][0]);
    }

    caddy_class(cases[0][0], &out);
    cr_expect(out.ts.valid && out.ms == 123 && out.status == 502
              && out.request_ms == 1200);
    trh_expect_field(&out.f, RG_FIELD_CLIENT, "203.0.113.9");
    trh_expect_field(&out.f, RG_FIELD_LEVEL, "error");
    trh_expect_field(&out.f, RG_FIELD_MODULE, "http.log.error");

    for (size_t i = 0; i < sizeof(not_caddy) / sizeof(not_caddy[0]); i++) {
        cr_expect_eq(rs_parse_caddy(&ps, not_caddy[i], strlen(not_caddy[i]),
                                    &out), -1, "%s", not_caddy[i]);
    }
}

/* an ISO ts (time_format iso8601) and remote_addr with a port (older) */
Test(map_caddy, iso_time_and_remote_addr)
{
    static const char  line[] =
        "{\"level\":\"error\",\"ts\":\"2026-11-21T10:00:05.123Z\",\"logger\":"
        "\"http.log.error\",\"msg\":\"context canceled\",\"request\":{"
        "\"method\":\"GET\",\"uri\":\"/x\",\"proto\":\"HTTP/1.1\","
        "\"remote_addr\":\"[2001:db8::7]:38284\",\"host\":\"h\"},"
        "\"duration\":0.0004,\"status\":502}";
    rs_parsed  out;

    cr_assert_str_eq(caddy_class(line, &out), "client_closed");
    cr_assert_eq(out.ts.valid, 1);
    cr_assert_eq(out.f.f[RG_FIELD_CLIENT].len, 11);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_CLIENT].p, "2001:db8::7", 11), 0);
}

/* found by make fuzz in CI: a duration of 4.4e124 s overflowed the
   integer it was converted to (UBSan) */
Test(map_caddy, a_duration_out_of_range_is_no_request_time)
{
    rs_parsed  out;

    caddy_class("{\"level\":\"info\",\"ts\":1763719200.5,"
                "\"logger\":\"http.log.access.log0\",\"msg\":"
                "\"handled request\"," REQ("203.0.113.9") ",\"status\":200,"
                "\"size\":10,\"duration\":4.44444e+124}", &out);
    cr_assert_eq(out.request_ms, -1);

    caddy_class("{\"level\":\"info\",\"ts\":1763719200.5,"
                "\"logger\":\"http.log.access.log0\",\"msg\":"
                "\"handled request\"," REQ("203.0.113.9") ",\"status\":200,"
                "\"size\":10,\"duration\":2.5}", &out);
    cr_assert_eq(out.request_ms, 2500);
}

Test(map_caddy, other_lines_are_not_caddy)
{
    static const char *const  lines[] = {
        "{\"log\":\"2026/11/21 10:00:00 [info] 1#1: x\\n\",\"stream\":"
        "\"stderr\",\"time\":\"2026-11-21T10:00:00Z\"}",
        "{\"level\":\"info\",\"ts\":1795255200.5,\"logger\":\"admin\","
        "\"msg\":\"admin endpoint started\"}",
        "{\"level\":\"info\",\"logger\":\"http.log.access\",\"msg\":\"x\"}",
        "{\"level\":\"info\",\"ts\":1795255200.5,\"logger\":\"http.log\"",
        "[2026-11-21T10:00:05.123Z] \"GET /x HTTP/1.1\" 0 DC 0 0 1 - \"-\"",
    };
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        cr_expect_eq(rs_parse_caddy(&ps, lines[i], strlen(lines[i]), &out),
                     -1, "%s", lines[i]);
    }
}
