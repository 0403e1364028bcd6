/*
 * Envoy's access log (default format and Istio's), rules/README.md "How a
 * record maps to a class": whole lines through the parser, then the
 * shipped rules; the lines are in the shape Envoy writes them.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "test_rules_helpers.h"

TestSuite(map_envoy, .init = trh_shipped_setup, .fini = trh_teardown);

#define ENVOY(code, flags)                                                  \
    "[2026-11-21T10:00:05.123Z] \"GET /api/v1/items?page=2 HTTP/1.1\" "   \
    code " " flags " 0 512 4012 - \"203.0.113.7, 10.0.0.1\" "             \
    "\"Mozilla/5.0\" \"f1c3a0e2-5b1d-4c1e-9a40-0d5c1f3e7a11\" "            \
    "\"shop.example.com\" \"10.0.0.5:8080\""

static const char *
envoy_class(const char *line, rs_parsed *out)
{
    rs_parser  ps;

    memset(&ps, 0, sizeof(ps));
    cr_assert_eq(rs_parse_envoy(&ps, line, strlen(line), out), 0, "%s", line);
    return trh_class(rg_match(trh_m, RG_FORMAT_ENVOY, &out->f));
}

Test(map_envoy, response_flags)
{
    static const char *const  cases[][3] = {
        { "0", "DC", "client_closed" },
        { "200", "DC", "client_closed" },
        { "0", "-", "client_closed" },
        { "0", "DR", "stream_canceled" },
        { "200", "DR", "stream_canceled" },
        { "408", "SI", "client_timeout" },
        { "503", "UR", "upstream_reset" },
        { "503", "UC", "upstream_closed" },
        { "504", "UT", "upstream_timeout" },
        { "503", "UF", "upstream_refused" },
        { "503", "URX", "upstream_refused" },
        { "503", "UH", "upstream_refused" },
        /* several flags: the client's leaving wins, then the upstream */
        { "0", "UT,DC", "client_closed" },
        { "504", "UT,URX", "upstream_timeout" },
        { "503", "UF,URX", "upstream_refused" },
        /* normal ends and local decisions are no aborts */
        { "200", "-", "none" }, { "404", "NR", "none" },
        { "429", "RL", "none" }, { "503", "UO", "none" },
        { "200", "DI", "none" },
        /* a flag is matched whole, never inside another */
        { "503", "UPE", "none" }, { "400", "DPE", "none" },
    };
    char       line[512];
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(line, sizeof(line), "[2026-11-21T10:00:05.123Z] \"GET /x"
                 " HTTP/1.1\" %s %s 0 512 4012 - \"-\" \"curl/8.0\" \"-\""
                 " \"h\" \"10.0.0.5:8080\"", cases[i][0], cases[i][1]);
        cr_expect_str_eq(envoy_class(line, &out), cases[i][2], "%s", line);
    }
}

Test(map_envoy, fields_of_the_default_format)
{
    rs_parsed  out;

    cr_assert_str_eq(envoy_class(ENVOY("0", "DC"), &out), "client_closed");
    cr_assert_eq(out.status, 0);
    cr_assert_eq(out.body_bytes, 512);
    cr_assert_eq(out.request_ms, 4012);
    cr_assert_eq(out.ts.valid, 1);
    cr_assert_eq(out.f.f[RG_FIELD_CLIENT].len, 11);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_CLIENT].p, "203.0.113.7", 11), 0);
    cr_assert_eq(out.f.f[RG_FIELD_HOST].len, 16);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_UPSTREAM].p, "10.0.0.5:8080", 13),
                 0);
    cr_assert_eq(out.f.f[RG_FIELD_REQUEST].len, 33);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_REQUEST].p, "GET /api/v1/items?page=2"
                        " HTTP/1.1", 33), 0);
    cr_assert_eq(out.agent.len, 11);
}

/* Istio's default: details after the flags, the peer address later on */
Test(map_envoy, istio_layout)
{
    static const char  line[] =
        "[2026-11-21T10:00:07.000Z] \"POST /checkout HTTP/2\" 0 DC"
        " downstream_remote_disconnect - \"-\" 1532 0 30001 - \"-\""
        " \"okhttp/4.9\" \"7d1f...\" \"cart:8080\" \"10.8.1.4:8080\""
        " outbound|8080||cart.default.svc.cluster.local 10.8.2.7:43210"
        " 10.96.0.12:8080 10.8.2.9:51234 - default";
    rs_parsed  out;

    cr_assert_str_eq(envoy_class(line, &out), "client_closed");
    cr_assert_eq(out.request_ms, 30001);
    cr_assert_eq(out.f.f[RG_FIELD_CLIENT].len, 8);
    cr_assert_eq(memcmp(out.f.f[RG_FIELD_CLIENT].p, "10.8.2.9", 8), 0);
}

/* Istio's TCP sessions: "- - -", response code 0, both details "-"; a
   failed connect is refused, a session without a flag is normal. */
Test(map_envoy, istio_tcp_sessions)
{
    static const char *const  cases[][2] = {
        { "[2026-11-21T10:00:08.453Z] \"- - -\" 0 UF,URX - - \"-\" 0 0 10000 -"
          " \"-\" \"-\" \"-\" \"-\" \"198.51.100.65:9092\" PassthroughCluster -"
          " 198.51.100.65:9092 10.8.2.33:59026 - - - -", "upstream_refused" },
        { "[2026-11-21T10:00:09.639Z] \"- - -\" 0 - - - \"-\" 85 585 1100 -"
          " \"-\" \"-\" \"-\" \"-\" \"172.30.40.31:9092\""
          " outbound|9092||kafka.example.test 10.8.2.33:54464"
          " 172.30.40.31:9092 10.8.2.33:54460 - -", "none" },
    };
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_expect_str_eq(envoy_class(cases[i][0], &out), cases[i][1], "%s",
                         cases[i][0]);
        cr_expect_eq(out.status, 0);
    }
    cr_expect_eq(out.request_ms, 1100);
    trh_expect_field(&out.f, RG_FIELD_CLIENT, "10.8.2.33");
}

/* The JSON access log: Istio's keys (start_time, typed or string
   numbers, null for what a TCP session lacks), Contour's @timestamp,
   Envoy Gateway's header-named keys. */
Test(map_envoy, json_layout)
{
    static const char *const  cases[][2] = {
        { "{\"start_time\":\"2026-11-21T10:00:01.310Z\",\"method\":\"GET\","
          "\"path\":\"/productpage\",\"protocol\":\"HTTP/1.1\","
          "\"response_code\":0,\"response_flags\":\"DC\",\"bytes_sent\":0,"
          "\"duration\":5001,\"x_forwarded_for\":\"203.0.113.5, 10.0.0.1\","
          "\"authority\":\"shop.example.test\",\"upstream_host\":"
          "\"10.1.3.4:9080\",\"downstream_remote_address\":"
          "\"10.1.3.1:52311\"}", "client_closed" },
        { "{\"start_time\":\"2026-11-21T10:00:03.310Z\",\"method\":\"GET\","
          "\"path\":\"/reviews\",\"protocol\":\"HTTP/1.1\",\"response_code\":"
          "\"503\",\"response_flags\":\"UC\",\"x_forwarded_for\":null,"
          "\"downstream_remote_address\":\"10.1.3.9:52312\"}",
          "upstream_closed" },
        { "{\"start_time\":\"2026-11-21T10:00:04.310Z\",\"method\":null,"
          "\"path\":null,\"protocol\":null,\"response_code\":0,"
          "\"response_flags\":\"-\",\"bytes_sent\":3250,\"duration\":60012,"
          "\"downstream_remote_address\":\"10.1.3.9:41028\"}", "none" },
        { "{\"@timestamp\":\"2026-11-21T10:00:05.288Z\",\"authority\":"
          "\"prices.example.test\",\"downstream_remote_address\":"
          "\"198.51.100.38:40111\",\"duration\":12009,\"method\":\"POST\","
          "\"path\":\"/price.v1.PriceService/Watch\",\"protocol\":"
          "\"HTTP/2\",\"response_code\":0,\"response_flags\":\"DC\"}",
          "client_closed" },
        { "{\"start_time\":\"2026-11-21T10:00:06.000Z\",\"method\":\"GET\","
          "\"x-envoy-origin-path\":\"/x\",\"protocol\":\"HTTP/1.1\","
          "\"response_code\":504,\"response_flags\":\"UT\",\"x-forwarded-for\":"
          "\"198.51.100.3\",\":authority\":\"gw.example.test\"}",
          "upstream_timeout" },
    };
    rs_parsed  out;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cr_expect_str_eq(envoy_class(cases[i][0], &out), cases[i][1], "%s",
                         cases[i][0]);
    }

    envoy_class(cases[0][0], &out);
    cr_expect(out.status == 0 && out.request_ms == 5001 && out.ts.valid);
    trh_expect_field(&out.f, RG_FIELD_CLIENT, "203.0.113.5");
    trh_expect_field(&out.f, RG_FIELD_REQUEST, "GET /productpage HTTP/1.1");
    trh_expect_field(&out.f, RG_FIELD_UPSTREAM, "10.1.3.4:9080");
    trh_expect_field(&out.f, RG_FIELD_HOST, "shop.example.test");

    /* no X-Forwarded-For: the peer, without its port */
    envoy_class(cases[1][0], &out);
    trh_expect_field(&out.f, RG_FIELD_CLIENT, "10.1.3.9");
    cr_expect_eq(out.status, 503);
}

Test(map_envoy, other_lines_are_not_envoy)
{
    static const char *const  lines[] = {
        "127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 499 0"
        " \"-\" \"-\"",
        "[2026-11-21T10:00:05.123Z] \"GET /x HTTP/1.1\" 200",
        "[2026-11-21T10:00:05.123Z] \"GET /x HTTP/1.1\" abc DC 0 1 2 - \"-\"",
        "[Sat Nov 21 10:00:00 2026] [error] [client 1.2.3.4] oops",
        /* JSON without the flags, or without a time */
        "{\"level\":\"info\",\"ts\":1795255200.5,\"logger\":\"http.log\","
        "\"msg\":\"x\",\"status\":0}",
        "{\"response_code\":0,\"response_flags\":\"DC\"}",
        "{\"start_time\":\"2026-11-21T10:00:06Z\",\"response_code\":0,"
        "\"response_flags\":\"DC\"",
    };
    rs_parser  ps;
    rs_parsed  out;

    memset(&ps, 0, sizeof(ps));
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        cr_expect_eq(rs_parse_envoy(&ps, lines[i], strlen(lines[i]), &out),
                     -1, "%s", lines[i]);
    }
}
