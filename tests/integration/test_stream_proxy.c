/*
 * The stream module's lines (TCP proxying, `stream { proxy_pass ...; }`),
 * written by the real nginx: its actions name the direction ("proxying
 * and reading from client" / "... from upstream"), so a backend that
 * resets a proxied TCP connection is upstream_reset, never a client's
 * reset.  The error-log filter sees these lines too (a stream server
 * logs through the same main error log): it holds back the clients'
 * resets and never the backend's, and rstscan counts both exactly.
 * (Before the stream actions were in the rules, rstscan counted the
 * backend's resets as the client's.)
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_rstscan.h"
#include "rgt_upstream.h"

#define N_EACH  6               /* aborts of each side */

static rgt_nginx     ngx;
static rgt_upstream  slow, reset;

static const rgt_upstream_opts  slow_opts = {
    .mode = RGT_UP_SLOW, .delay_ms = 20000, .io_timeout_ms = 30000
};
static const rgt_upstream_opts  reset_opts = { .mode = RGT_UP_RESET };

static void
setup(void)
{
    cr_assert_eq(rgt_upstream_start(&slow, &slow_opts), 0);
    cr_assert_eq(rgt_upstream_start(&reset, &reset_opts), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&slow);
    rgt_upstream_stop(&reset);
}

TestSuite(stream_proxy, .init = setup, .fini = teardown, .timeout = 90);

/*
 * PORT0 is an http server (the harness's readiness probes land there);
 * PORT1 proxies TCP to the slow backend, PORT2 to the one that resets.
 * rate=1r/m burst=1: of a client's resets one line passes (the burst),
 * the rest are held back and summarised at the exit.
 */
#define CONF                                                                 \
    "@LOAD_STREAM@\n"                                                        \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard_error_log on;\n"                                           \
    "    server { listen 127.0.0.1:@PORT0@; return 204; }\n"                 \
    "}\n"                                                                    \
    "stream {\n"                                                             \
    "    server { listen 127.0.0.1:@PORT1@; proxy_pass 127.0.0.1:%d; }\n"    \
    "    server { listen 127.0.0.1:@PORT2@; proxy_pass 127.0.0.1:%d; }\n"    \
    "}\n"

Test(stream_proxy, backend_resets_are_upstream_side_and_never_held_back)
{
    char           conf[4096], elog[700], err[512];
    char          *text;
    unsigned long  n;
    json_t        *rep;
    int            fd, i, st;

    RGT_NEED(RGT_STREAM);

    snprintf(conf, sizeof(conf), CONF, slow.port, reset.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    rgt_nginx_path(&ngx, "logs/error.log", elog, sizeof(elog));

    for (i = 0; i < N_EACH; i++) {
        /* a client resets its proxied connection while the backend is
           silent: "[info] recv() failed (104: ...) while proxying and
           reading from client" */
        n = rgt_upstream_requests(&slow);
        fd = rgt_open_request(ngx.port[1], "127.0.0.2", "/tcp", 0);
        cr_assert_neq(fd, -1);
        cr_assert_eq(rgt_upstream_wait_requests(&slow, n + 1, 10000), 0);
        n = rgt_upstream_aborted(&slow);
        rgt_abort(fd, RGT_RST, 5000);
        cr_assert_eq(rgt_upstream_wait_aborted(&slow, n + 1, 10000), 0);

        /* the backend reads and resets: "[error] recv() failed (104:
           ...) while proxying and reading from upstream" */
        n = rgt_upstream_requests(&reset);
        fd = rgt_open_request(ngx.port[2], "127.0.0.3", "/tcp", 0);
        cr_assert_neq(fd, -1);
        cr_assert_eq(rgt_upstream_wait_requests(&reset, n + 1, 10000), 0);
        /* nginx closes this side once it has read the reset (and logged
           it); a client closing first would end the session before */
        cr_assert_eq(rgt_read_some(fd, 4096, 10000), 0);
        close(fd);
    }

    cr_assert_eq(rgt_wait_lines(elog, "while proxying and reading from "
                                      "upstream", N_EACH, 10000), 0);
    /* the summaries of what was held back are written at the exit */
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    text = rgt_read_file(elog, NULL);
    cr_assert_not_null(text);
    /* the backend's resets: every one written */
    cr_expect_eq(rgt_count_lines(text, "[error]"), N_EACH, "%s", text);
    cr_expect_eq(rgt_count_lines(text, "recv() failed (104: Connection "
                                       "reset by peer) while proxying and "
                                       "reading from upstream, client: "
                                       "127.0.0.3,"), N_EACH, "%s", text);
    /* the client's: the first and the burst's one, the rest held back
       (the summary quotes one as its sample: a third line) */
    cr_expect_eq(rgt_count_lines(text, "while proxying and reading from "
                                       "client, client: 127.0.0.2,"), 3,
                 "%s", text);
    cr_expect_eq(rgt_count_lines(text, "rstguard: log=error "
                                       "class=client_reset key=\"127.0.0.2\""
                                       " keys=1 suppressed=4 passed=2 "), 1,
                 "%s", text);
    free(text);

    /* rstscan: each side counted exactly, the held-back ones through the
       summary */
    rep = rgt_rstscan_json(NULL, &st, err, sizeof(err), "--json %s", elog);
    cr_assert_not_null(rep, "%s", err);
    cr_expect_eq(rgt_rstscan_count(rep, "upstream_reset"), N_EACH);
    cr_expect_eq(rgt_rstscan_count(rep, "client_reset"), N_EACH);
    json_decref(rep);
}
