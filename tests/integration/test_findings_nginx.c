/*
 * Findings from logs the real nginx wrote: an upstream that cuts its body
 * short after 8 KiB, one whose header does not fit proxy_buffer_size and
 * a backend that is down must each raise their finding, named by the
 * buffer or the cause; the same nginx serving only sound requests must
 * raise none.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

static rgt_nginx     ngx;
static rgt_upstream  cut, bighdr, ok;

static void
setup(void)
{
    rgt_upstream_opts  o_cut = { .mode = RGT_UP_TRUNCATE,
                                 .body_len = 100000, .send_len = 8192 };
    rgt_upstream_opts  o_big = { .mode = RGT_UP_BIG_HEADER };
    rgt_upstream_opts  o_ok = { .mode = RGT_UP_OK };

    /* the upstreams first: nginx then picks among the ports still free */
    cr_assert_eq(rgt_upstream_start(&cut, &o_cut), 0);
    cr_assert_eq(rgt_upstream_start(&bighdr, &o_big), 0);
    cr_assert_eq(rgt_upstream_start(&ok, &o_ok), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&cut);
    rgt_upstream_stop(&bighdr);
    rgt_upstream_stop(&ok);
}

TestSuite(findings_nginx, .init = setup, .fini = teardown, .timeout = 90);

#define CONF                                                                 \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    upstream cut { server 127.0.0.1:%d; }\n"                            \
    "    upstream bighdr { server 127.0.0.1:%d; }\n"                         \
    "    upstream ok { server 127.0.0.1:%d; }\n"                             \
    "    upstream down { server 127.0.0.1:%d; }\n"                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location /cut { proxy_pass http://cut; }\n"                     \
    "        location /bighdr { proxy_pass http://bighdr; }\n"               \
    "        location /ok { proxy_pass http://ok; }\n"                       \
    "        location /down { proxy_pass http://down; }\n"                   \
    "    }\n"                                                                \
    "}\n"

static json_t *
findings_of_error_log(void)
{
    char     path[600], err[512];
    int      st;
    json_t  *doc, *f;

    rgt_nginx_path(&ngx, "logs/error.log", path, sizeof(path));
    doc = rgt_rstscan_json(NULL, &st, err, sizeof(err),
                           "--json --format nginx-error '%s'", path);
    cr_assert_not_null(doc, "%s", err);
    cr_assert_eq(st, 0);
    f = json_incref(json_object_get(doc, "findings"));
    json_decref(doc);
    return f;
}

static json_t *
find(json_t *all, const char *kind, const char *cls)
{
    size_t   i;
    json_t  *f;

    json_array_foreach(all, i, f) {
        if (strcmp(json_string_value(json_object_get(f, "kind")), kind) == 0
            && strcmp(json_string_value(json_object_get(f, "class")), cls)
               == 0)
        {
            return f;
        }
    }
    cr_assert_fail("no %s (%s) in %s", kind, cls,
                   json_dumps(all, JSON_INDENT(1)));
    return NULL;
}

static void
start(void)
{
    char  conf[4096];
    int   closed = rgt_closed_port();

    cr_assert_gt(closed, 0);
    snprintf(conf, sizeof(conf), CONF, cut.port, bighdr.port, ok.port,
             closed);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
}

Test(findings_nginx, a_cut_body_a_big_header_and_a_backend_down)
{
    start();
    for (int i = 0; i < 3; i++) {
        /* nginx has sent the 200 header: the cut shows as a short body */
        cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/cut", NULL, 0), 200);
        cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/down", NULL, 0), 502);
    }
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/bighdr", NULL, 0),
                     502);
    }
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    json_t *all = findings_of_error_log();
    json_t *f;

    f = find(all, "output_buffer", "truncated");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(f,
                 "numbers"), "records")), 3);
    cr_assert_not_null(strstr(json_string_value(json_object_get(f,
        "evidence")), "upstream prematurely closed connection while reading"
        " upstream"));

    f = find(all, "output_buffer", "buffer_overflow");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(f,
                 "numbers"), "records")), 2);
    cr_assert_not_null(strstr(json_string_value(json_object_get(f,
        "advice")), "proxy_buffer_size"));

    f = find(all, "backend_down", "upstream_refused");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(f,
                 "numbers"), "records")), 3);
    json_decref(all);
}

Test(findings_nginx, sound_requests_raise_nothing)
{
    start();
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/ok", NULL, 0), 200);
    }
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    json_t *all = findings_of_error_log();
    cr_assert_eq(json_array_size(all), 0, "%s",
                 json_dumps(all, JSON_INDENT(1)));
    json_decref(all);
}
