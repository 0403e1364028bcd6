/* rg_nginx_error_parse: fields, levels, hostile messages, truncated lines. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH  8
#include <pcre2.h>

#include "rg_nginx_error.h"

static rg_nginx_error  e;


static int
parse(const char *line)
{
    return rg_nginx_error_parse(line, strlen(line), &e);
}


static void
expect_field(rg_field f, const char *want)
{
    const rg_str  *s = &e.fields.f[f];

    if (want == NULL) {
        cr_expect_null(s->p, "field %s should be unset, is \"%.*s\"",
                       rg_field_name(f), (int) s->len, s->p);
        return;
    }

    cr_assert_not_null(s->p, "field %s unset", rg_field_name(f));
    cr_expect_eq(s->len, strlen(want), "field %s: \"%.*s\" != \"%s\"",
                 rg_field_name(f), (int) s->len, s->p, want);
    cr_expect(memcmp(s->p, want, s->len) == 0, "field %s: \"%.*s\" != \"%s\"",
              rg_field_name(f), (int) s->len, s->p, want);
}


Test(nginx_error, every_field_of_a_proxied_request)
{
    const char  *line = "2026/11/21 10:00:20 [error] 2112#2113: *52 recv() "
        "failed (104: Connection reset by peer) while reading response header "
        "from upstream, client: 203.0.113.7, server: shop.example.com, "
        "request: \"GET /api/cart?id=1 HTTP/1.1\", upstream: "
        "\"http://10.0.0.5:8080/api/cart?id=1\", host: \"shop.example.com\"";

    cr_assert_eq(parse(line), 0);
    cr_expect_eq(e.time.len, 19);
    cr_expect(memcmp(e.time.p, "2026/11/21 10:00:20", 19) == 0);
    cr_expect_eq(e.level, 4);
    cr_expect_eq(e.pid, 2112);
    cr_expect_eq(e.cid, 52);
    expect_field(RG_FIELD_LEVEL, "error");
    expect_field(RG_FIELD_MESSAGE, "recv() failed (104: Connection reset by "
                 "peer) while reading response header from upstream");
    expect_field(RG_FIELD_ACTION, "reading response header from upstream");
    expect_field(RG_FIELD_CLIENT, "203.0.113.7");
    expect_field(RG_FIELD_SERVER, "shop.example.com");
    expect_field(RG_FIELD_REQUEST, "GET /api/cart?id=1 HTTP/1.1");
    expect_field(RG_FIELD_UPSTREAM, "http://10.0.0.5:8080/api/cart?id=1");
    expect_field(RG_FIELD_HOST, "shop.example.com");
    expect_field(RG_FIELD_LINE, line);
    expect_field(RG_FIELD_STATUS, NULL);
    expect_field(RG_FIELD_RECORD, NULL);
}


Test(nginx_error, levels_as_nginx_numbers_them)
{
    static const char *const  names[] = {
        "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
    };
    char  line[128];

    for (int i = 0; i < 8; i++) {
        snprintf(line, sizeof(line), "2026/11/21 10:00:00 [%s] 1#1: x",
                 names[i]);
        cr_assert_eq(parse(line), 0, "%s", line);
        cr_expect_eq(e.level, i + 1, "%s", names[i]);
        expect_field(RG_FIELD_LEVEL, names[i]);
    }

    cr_expect_eq(parse("2026/11/21 10:00:00 [warning] 1#1: x"), -1);
    cr_expect_eq(parse("2026/11/21 10:00:00 [Info] 1#1: x"), -1);
}


Test(nginx_error, no_connection_no_context)
{
    cr_assert_eq(parse("2026/11/21 10:00:25 [notice] 2111#2111: signal "
                       "process started"), 0);
    cr_expect_eq(e.cid, 0);
    cr_expect_eq(e.pid, 2111);
    expect_field(RG_FIELD_MESSAGE, "signal process started");
    /* nginx-error always has an action; "" when there is no " while " */
    expect_field(RG_FIELD_ACTION, "");
    expect_field(RG_FIELD_CLIENT, NULL);
    expect_field(RG_FIELD_SERVER, NULL);
    expect_field(RG_FIELD_REQUEST, NULL);
    expect_field(RG_FIELD_HOST, NULL);
}


Test(nginx_error, keepalive_line_and_body_abort)
{
    cr_assert_eq(parse("2026/11/21 10:00:08 [info] 2112#2112: *22 client "
                       "127.0.0.1 closed keepalive connection (104: "
                       "Connection reset by peer)"), 0);
    expect_field(RG_FIELD_MESSAGE, "client 127.0.0.1 closed keepalive "
                 "connection (104: Connection reset by peer)");
    expect_field(RG_FIELD_ACTION, "");
    expect_field(RG_FIELD_CLIENT, NULL);

    cr_assert_eq(parse("2026/11/21 10:00:03 [info] 2112#2112: *7 client "
                       "prematurely closed connection, client: 203.0.113.7, "
                       "server: shop.example.com, request: \"POST /upload "
                       "HTTP/1.1\", host: \"shop.example.com\""), 0);
    expect_field(RG_FIELD_MESSAGE, "client prematurely closed connection");
    expect_field(RG_FIELD_ACTION, "");
    expect_field(RG_FIELD_CLIENT, "203.0.113.7");
    expect_field(RG_FIELD_REQUEST, "POST /upload HTTP/1.1");
    expect_field(RG_FIELD_HOST, "shop.example.com");
}


Test(nginx_error, ipv6_and_unix_clients_and_last_while)
{
    cr_assert_eq(parse("2026/11/21 10:00:09 [info] 2112#2112: *23 epoll_wait()"
                       " reported that client prematurely closed connection, "
                       "so upstream connection is closed too while sending "
                       "request to upstream, client: 2001:db8::7, server: "
                       "[::]:443, request: \"GET / HTTP/2.0\", upstream: "
                       "\"http://[::1]:8080/\", host: \"[2001:db8::1]\""), 0);
    expect_field(RG_FIELD_CLIENT, "2001:db8::7");
    expect_field(RG_FIELD_SERVER, "[::]:443");
    expect_field(RG_FIELD_ACTION, "sending request to upstream");
    expect_field(RG_FIELD_UPSTREAM, "http://[::1]:8080/");
    expect_field(RG_FIELD_HOST, "[2001:db8::1]");

    cr_assert_eq(parse("2026/11/21 10:00:09 [info] 2112#2112: *24 client timed "
                       "out (110: Connection timed out) while reading client "
                       "request headers, client: unix:, server: localhost"), 0);
    expect_field(RG_FIELD_CLIENT, "unix:");
    expect_field(RG_FIELD_SERVER, "localhost");
    expect_field(RG_FIELD_ACTION, "reading client request headers");
}


/* The message quotes a URI that imitates nginx's context: the real context
   is the first ", client: " followed by an address and ", server: ". */
Test(nginx_error, forged_client_inside_the_message)
{
    cr_assert_eq(parse("2026/11/21 10:00:23 [error] 2112#2112: *60 open() "
                       "\"/x, client: 6.6.6.6\" failed (2: No such file or "
                       "directory), client: 203.0.113.7, server: "
                       "shop.example.com, request: \"GET /x, client: 6.6.6.6 "
                       "HTTP/1.1\", host: \"shop.example.com\""), 0);
    expect_field(RG_FIELD_MESSAGE, "open() \"/x, client: 6.6.6.6\" failed "
                 "(2: No such file or directory)");
    expect_field(RG_FIELD_CLIENT, "203.0.113.7");
    expect_field(RG_FIELD_SERVER, "shop.example.com");
    expect_field(RG_FIELD_REQUEST, "GET /x, client: 6.6.6.6 HTTP/1.1");

    /* a full imitation is taken for the context, but the message still
       starts as nginx wrote it (and no anchored rule matches it) */
    cr_assert_eq(parse("2026/11/21 10:00:23 [error] 2112#2112: *61 open() "
                       "\"/x, client: 6.6.6.6, server: y (104: Connection "
                       "reset by peer) while sending to client\" failed (2: No"
                       " such file or directory), client: 203.0.113.7, "
                       "server: shop.example.com"), 0);
    expect_field(RG_FIELD_MESSAGE, "open() \"/x");
    expect_field(RG_FIELD_ACTION, "");
}


Test(nginx_error, quoted_values_and_referrer)
{
    cr_assert_eq(parse("2026/11/21 10:00:30 [error] 2112#2112: *70 open() "
                       "\"/a\" failed (2: No such file or directory), client: "
                       "192.0.2.1, server: s, request: \"GET /a\"b, c HTTP/1.1\""
                       ", host: \"h\", referrer: \"http://r/\""), 0);
    expect_field(RG_FIELD_REQUEST, "GET /a\"b, c HTTP/1.1");
    expect_field(RG_FIELD_HOST, "h");
    expect_field(RG_FIELD_UPSTREAM, NULL);
}


/* nginx cuts lines at 2048 bytes: the last value has no closing quote. */
Test(nginx_error, line_cut_by_nginx)
{
    cr_assert_eq(parse("2026/11/21 10:00:31 [info] 2112#2112: *71 client "
                       "prematurely closed connection while sending response "
                       "to client, client: 192.0.2.1, server: s, request: "
                       "\"GET /very/long/uri?q=aaaaaaaa"), 0);
    expect_field(RG_FIELD_REQUEST, "GET /very/long/uri?q=aaaaaaaa");
    expect_field(RG_FIELD_HOST, NULL);

    cr_assert_eq(parse("2026/11/21 10:00:31 [info] 2112#2112: *72 client "
                       "prematurely closed connection, client: 192.0.2.1"), 0);
    expect_field(RG_FIELD_MESSAGE, "client prematurely closed connection");
    expect_field(RG_FIELD_CLIENT, "192.0.2.1");
    expect_field(RG_FIELD_SERVER, NULL);
}


Test(nginx_error, not_nginx_lines)
{
    static const char *const  bad[] = {
        "", "hello", "2026/11/21 10:00:31", "2026-11-21 10:00:31 [info] 1#1: x",
        "2026/11/21 10:00:31 [info] 1#1 x", "2026/11/21 10:00:31 [info] #1: x",
        "2026/11/21 10:00:31 [info]1#1: x", "2026/11/21 10:00:31 info 1#1: x",
        "[21/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_expect_eq(parse(bad[i]), -1, "%s", bad[i]);
        cr_expect_null(e.fields.f[RG_FIELD_MESSAGE].p);
        cr_expect_null(e.fields.f[RG_FIELD_LINE].p);
    }

    /* "*" without a number is part of the message */
    cr_assert_eq(parse("2026/11/21 10:00:31 [alert] 1#1: *x y"), 0);
    expect_field(RG_FIELD_MESSAGE, "*x y");
    cr_expect_eq(e.cid, 0);
}


/* Only the given length is read: no NUL terminator is needed. */
Test(nginx_error, reads_only_len_bytes)
{
    const char  buf[] = "2026/11/21 10:00:01 [info] 7#7: *9 client closed "
                        "connection while waiting for request, client: 1.2.3.4"
                        ", server: 0.0.0.0:80XXXX";

    cr_assert_eq(rg_nginx_error_parse(buf, sizeof(buf) - 5, &e), 0);
    expect_field(RG_FIELD_SERVER, "0.0.0.0:80");
    expect_field(RG_FIELD_ACTION, "waiting for request");
}


/* A log writer gets the line with its LF (and a file may have CR LF). */
Test(nginx_error, trailing_newline_is_no_part_of_a_field)
{
    cr_assert_eq(parse("2026/11/21 10:00:32 [info] 2112#2112: *73 client "
                       "timed out (110: Connection timed out) while waiting "
                       "for request, client: 192.0.2.1, server: s, host: "
                       "\"h\"\r\n"), 0);
    expect_field(RG_FIELD_HOST, "h");
    expect_field(RG_FIELD_ACTION, "waiting for request");
    cr_expect_eq(e.fields.f[RG_FIELD_LINE].p[e.fields.f[RG_FIELD_LINE].len - 1],
                 '"');

    cr_assert_eq(parse("2026/11/21 10:00:32 [info] 2112#2112: *74 client "
                       "192.0.2.1 closed keepalive connection\n"), 0);
    expect_field(RG_FIELD_MESSAGE, "client 192.0.2.1 closed keepalive "
                 "connection");
}


/*
 * The head check against a regular expression of nginx's head, over every
 * level, every prefix of each line (a head cut anywhere, a pid or tid of
 * 19 and 20 digits) and every byte of the first 40 replaced by each of a
 * few characters that matter (a digit where a separator goes, a level one
 * letter off, a CR the end is trimmed of).  The full parse agrees on the
 * prefixes.
 */
static int
head_matches(pcre2_code *re, pcre2_match_data *md, const char *line,
    size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }

    return pcre2_match(re, (PCRE2_SPTR) line, len, 0, 0, md, NULL) >= 0;
}

Test(nginx_error, head_check_agrees_with_a_regex_of_the_head)
{
    static const char  *bases[] = {
        "2026/11/21 10:00:01 [] 1#1: x",
        "2026/11/21 10:00:01 [emerg] 12#0: *3 x, client: 1.2.3.4",
        "2026/11/21 10:00:01 [alert] 123456789#987654321: x",
        "2026/11/21 10:00:01 [crit] 1#1: *1 SSL_do_handshake() failed",
        "2026/11/21 10:00:01 [error] 2112#2112: *77 recv() failed",
        "2026/11/21 10:00:01 [warn] 9#9: an upstream response is buffered",
        "2026/11/21 10:00:01 [notice] 1234567#1: signal process started",
        "2026/11/21 10:00:01 [info] 1234567890123456789#1: x",
        "2026/11/21 10:00:01 [info] 12345678901234567890#1: x",
        "2026/11/21 10:00:01 [debug] 1#1234567890123456789: x",
        "2026/11/21 10:00:01 [notice] 1#1:\r\n",
    };
    static const char   subst[] = "0a /:[]#*\r";
    const char         *pattern = "^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d "
                                  "\\[(?:|emerg|alert|crit|error|warn|notice"
                                  "|info|debug)\\] \\d{1,19}#\\d{1,19}: ";
    pcre2_code         *re;
    pcre2_match_data   *md;
    rg_nginx_error      full;
    char                line[128];
    size_t              b, len, n, i, k, checked = 0, ok = 0;
    int                 errcode, want;
    PCRE2_SIZE          erroff;

    re = pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, 0,
                       &errcode, &erroff, NULL);
    cr_assert_not_null(re);
    md = pcre2_match_data_create_from_pattern(re, NULL);

    for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        len = strlen(bases[b]);

        /* every prefix */
        for (n = 0; n <= len; n++) {
            want = head_matches(re, md, bases[b], n);
            cr_assert_eq(rg_nginx_error_head_ok(bases[b], n), want,
                         "%.*s", (int) n, bases[b]);
            cr_assert_eq(rg_nginx_error_parse(bases[b], n, &full) == 0, want,
                         "%.*s", (int) n, bases[b]);
            checked++;
            ok += (size_t) want;
        }

        /* every byte of the first 40, replaced */
        for (i = 0; i < 40 && i < len; i++) {
            for (k = 0; k < sizeof(subst) - 1; k++) {
                memcpy(line, bases[b], len);
                line[i] = subst[k];
                want = head_matches(re, md, line, len);
                cr_assert_eq(rg_nginx_error_head_ok(line, len), want,
                             "%.*s", (int) len, line);
                checked++;
                ok += (size_t) want;
            }
        }
    }

    /* both verdicts were there to agree on, many times */
    cr_assert_gt(ok, 300);
    cr_assert_gt(checked - ok, 3000);

    pcre2_match_data_free(md);
    pcre2_code_free(re);
}


/* A client written as text (a redacted log) is the context when
   ", server: " follows; the value is the key as written. */
Test(nginx_error, redacted_client_as_text)
{
    cr_assert_eq(parse("2026/11/21 10:00:40 [error] 2112#2112: *80 recv() "
                       "failed (104: Connection reset by peer) while reading "
                       "response header from upstream, client: 10.xxx.xx.xxxx"
                       ", server: s, request: \"GET / HTTP/1.1\", upstream: "
                       "\"http://10.0.0.5:80/\", host: \"h\""), 0);
    expect_field(RG_FIELD_MESSAGE, "recv() failed (104: Connection reset by "
                 "peer) while reading response header from upstream");
    expect_field(RG_FIELD_ACTION, "reading response header from upstream");
    expect_field(RG_FIELD_CLIENT, "10.xxx.xx.xxxx");
    expect_field(RG_FIELD_SERVER, "s");
    expect_field(RG_FIELD_UPSTREAM, "http://10.0.0.5:80/");

    cr_assert_eq(parse("2026/11/21 10:00:40 [info] 2112#2112: *81 client "
                       "prematurely closed connection, client: CLIENT_IP, "
                       "server: s"), 0);
    expect_field(RG_FIELD_MESSAGE, "client prematurely closed connection");
    expect_field(RG_FIELD_CLIENT, "CLIENT_IP");

    /* a word at the end of a line is no context (it could end a URI) */
    cr_assert_eq(parse("2026/11/21 10:00:40 [info] 2112#2112: *82 open() "
                       "\"/a, client: x\" failed (2: No such file or "
                       "directory), client: CLIENT_IP"), 0);
    expect_field(RG_FIELD_CLIENT, NULL);
}
