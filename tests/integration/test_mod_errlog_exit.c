/*
 * Processes that end with the error-log filter on, at every level.
 *
 * nginx keeps logging through a cycle's error-log chains while it destroys
 * that cycle's pool ("run cleanup: ...", "free: ..." at debug), and the last
 * cleanup of the pool (load_module's) unloads the module.  A worker that
 * still had rstguard's writer on its chains then called into unmapped code
 * and died of SIGSEGV on every graceful exit (reload, quit) at "debug".
 * The writer now hands every chain back before the unload.  A crashing
 * worker never writes its "exit" line, so the tests count those lines: one
 * per worker started, plus the master's.
 */

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define ABORTER     "127.0.0.2"
#define ABORTS      4
#define RELOADS     3
#define FILE_SIZE   (512 * 1024)

static rgt_nginx  ngx;

static void
setup(void)
{
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
}

TestSuite(mod_errlog_exit, .init = setup, .fini = teardown, .timeout = 90);

/* @LEVEL@ is replaced by the level under test; summaries every second */
#define EXIT_CONF                                                            \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "error_log @PREFIX@/logs/error.log @LEVEL@;\n"                           \
    "error_log @PREFIX@/logs/error2.log info;\n"                             \
    "events { worker_connections 512; }\n"                                   \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1;\n"                      \
    "    rstguard on;\n"                                                     \
    "    rstguard_error_log on;\n"                                           \
    "    rstguard_summary_interval 1s;\n"                                    \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        root @PREFIX@/html;\n"                                          \
    "        location /mem { error_log memory:64k @LEVEL@; }\n"              \
    "        location /loc { error_log @PREFIX@/logs/loc.log @LEVEL@; }\n"    \
    "    }\n"                                                                \
    "}\n"

/* the same server without the module: a reload that unloads it */
#define STOCK_CONF                                                           \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "error_log @PREFIX@/logs/error.log @LEVEL@;\n"                           \
    "events { worker_connections 512; }\n"                                   \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "    }\n"                                                                \
    "}\n"


/* tmpl with every @LEVEL@ replaced by level (caller frees) */
static char *
with_level(const char *tmpl, const char *level)
{
    size_t       n = 0;
    char        *out, *w;
    const char  *p, *at;

    for (p = tmpl; (at = strstr(p, "@LEVEL@")) != NULL; p = at + 7) {
        n++;
    }

    out = malloc(strlen(tmpl) + n * strlen(level) + 1);
    cr_assert_not_null(out);

    for (p = tmpl, w = out; (at = strstr(p, "@LEVEL@")) != NULL; p = at + 7) {
        memcpy(w, p, (size_t) (at - p));
        w += at - p;
        memcpy(w, level, strlen(level));
        w += strlen(level);
    }
    memcpy(w, p, strlen(p) + 1);

    return out;
}


/* writes tmpl at level as the config */
static void
write_conf_at(const char *tmpl, const char *level)
{
    char  *conf;

    conf = with_level(tmpl, level);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    free(conf);
}


/* starts nginx with the module's config at level, ready for exact counts */
static void
start_at(const char *level)
{
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", FILE_SIZE), 0);
    write_conf_at(EXIT_CONF, level);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);
}


static void
aborts(void)
{
    for (int i = 0; i < ABORTS; i++) {
        cr_assert_geq(rgt_abort_download(ngx.port[0], ABORTER, "/big.bin",
                                         RGT_RST, 8192, 100), 0);
    }
    /* and requests through the locations with their own chains */
    cr_assert_eq(rgt_http_get(ngx.port[0], ABORTER, "/mem", NULL, 0), 404);
    cr_assert_eq(rgt_http_get(ngx.port[0], ABORTER, "/loc", NULL, 0), 404);
}


/*
 * Traffic with aborts, RELOADS reloads and a quit at the given level: no
 * process died of a signal and every one wrote its "exit" line.
 */
static void
reloads_and_quit(const char *level)
{
    char    *err;
    size_t   started;

    start_at(level);
    aborts();
    for (int i = 0; i < RELOADS; i++) {
        cr_assert_eq(rgt_nginx_reload(&ngx), 0);
        aborts();
    }
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    started = rgt_count_lines(err, "start worker process ");
    cr_assert_eq(started, 2 * (1 + RELOADS), "%s", err);
    cr_assert_eq(rgt_count_lines(err, "exited on signal"), 0, "%s", err);
    /* every worker, and the master last */
    cr_assert_eq(rgt_count_exit_lines(err), started + 1, "%s", err);
    /* the filter was at work: resets held back and summarised */
    cr_assert_geq(rgt_count_lines(err, "rstguard: log=error"), 1);
    free(err);
}


Test(mod_errlog_exit, debug_level_reloads_and_quit_end_every_worker_cleanly)
{
    reloads_and_quit("debug");
}

Test(mod_errlog_exit, info_level_reloads_and_quit_end_every_worker_cleanly)
{
    reloads_and_quit("info");
}

/*
 * A reload to a configuration without load_module: the master destroys
 * the old cycle's pool, which unloads the module for good, while that
 * cycle's chains still log the pool's debug lines.
 */
Test(mod_errlog_exit, a_reload_that_unloads_the_module_keeps_the_master)
{
    char  *err;

    start_at("debug");
    aborts();

    write_conf_at(STOCK_CONF, "debug");
    cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    /* the master is alive and its new workers answer */
    cr_assert_eq(kill(ngx.pid, 0), 0);
    cr_assert_eq(rgt_http_get(ngx.port[0], NULL, "/big.bin", NULL, 0), 200);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, "exited on signal"), 0, "%s", err);
    cr_assert_eq(rgt_count_exit_lines(err), 2 * 2 + 1, "%s", err);
    free(err);
}
