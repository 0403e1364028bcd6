/*
 * The error-log filter's thread-pool path, against the real nginx (Debian
 * builds it --with-threads).
 *
 * What writes logs from a thread in nginx 1.22.1: nothing but the thread
 * pools' own tasks.  ngx_http_log_module (access_log, also with buffer=,
 * flush= or gzip=) writes with ngx_write_fd() in the worker's main thread,
 * at the end of a request, when its buffer fills, on its flush timer and
 * at exit; there is no threaded access-log writing in 1.22.1.  Error-log
 * lines are written by whichever thread logs them, and a thread-pool
 * thread logs only (ngx_thread_pool.c, ngx_files.c,
 * ngx_linux_sendfile_chain.c):
 *
 *   - debug lines: "run task #N in thread pool", "complete task #N ...",
 *     "thread read handler", "pread: ...", the write and sendfile
 *     handlers' lines, all on the pool's log, which is cycle->log, the
 *     main error_log chain that rstguard patched;
 *   - "[alert] pthread_sigmask() failed" when a thread starts, which
 *     cannot be made to happen from outside.
 *
 * So the configuration that really routes error-log writes through a
 * thread is the main error_log at debug with "aio threads": every static
 * read is a thread-pool task that logs from its thread, through rstguard's
 * writer, while the worker's main thread decides abort lines in the same
 * writer.  The writer passes thread lines undecided (it compares
 * ngx_log_tid with ngx_pid) and touches none of the state of the line the
 * main thread may be deciding at that moment.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgt_build.h"
#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"

#define ABORTER     "127.0.0.2"
#define READER      "127.0.0.3"
#define ABORTS      4
#define FILE_SIZE   (512 * 1024)
#define WORKERS     2
#define POOL_THREADS 2
/* the harness's readiness probe (rgt_mod_settle) */
#define PROBE_KEY   "127.0.0.1"

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

TestSuite(mod_errlog_threads, .init = setup, .fini = teardown,
          .timeout = 60);

/*
 * Two files in the main chain, both at debug; a thread pool of 2 threads
 * reads every static file (sendfile off: reads into output buffers);
 * the access log is buffered.  rate=1r/m burst=1: two lines per key and
 * class pass, per log.
 */
#define THREADS_CONF                                                         \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "error_log @PREFIX@/logs/error.log debug;\n"                             \
    "error_log @PREFIX@/logs/error2.log debug;\n"                            \
    "thread_pool rgpool threads=2;\n"                                        \
    "events { worker_connections 512; }\n"                                   \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format rg " RGT_MOD_LOG_FORMAT ";\n"                            \
    "    access_log @PREFIX@/logs/all.log rg buffer=64k flush=1m;\n"         \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard on;\n"                                                     \
    "    rstguard_error_log on;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@ sndbuf=32k;\n"                         \
    "        root @PREFIX@/html;\n"                                          \
    "        location / {\n"                                                 \
    "            aio threads=rgpool;\n"                                      \
    "            sendfile off;\n"                                            \
    "            output_buffers 2 32k;\n"                                    \
    "        }\n"                                                            \
    "        location = /status { rstguard_status; access_log off; }\n"      \
    "    }\n"                                                                \
    "}\n"


/* qsort's comparison of two lines */
static int
line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/*
 * The lines of text (modified in place), sorted; *n gets their count.
 * Leaves out "cleanup resolver": each process logs it while destroying its
 * cycle pool at exit, after that pool's cleanups have closed the second
 * file of the chain (stock nginx loses it there the same way).  Leaves out
 * the "exit" lines too: a worker writes its own to the first file only
 * (nginx's exit log is a copy of one node), the master to both;
 * rgt_count_exit_lines() counts them.
 */
static char **
sorted_lines(char *text, size_t *n)
{
    size_t   cap = 1024, len = 0;
    char   **v = malloc(cap * sizeof(char *)), *p, *nl;

    cr_assert_not_null(v);

    for (p = text; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        cr_assert_not_null(nl, "an unterminated line: %s", p);
        *nl = '\0';

        if (strstr(p, ": cleanup resolver") != NULL
            || (nl - p > 6 && memcmp(nl - 6, ": exit", 6) == 0))
        {
            continue;
        }

        if (len == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof(char *));
            cr_assert_not_null(v);
        }
        v[len++] = p;
    }

    qsort(v, len, sizeof(char *), line_cmp);
    *n = len;

    return v;
}


/*
 * Lines containing needle that a thread other than the process's main
 * thread wrote ("pid#tid: " with tid != pid), and, in *main_n, those the
 * main thread wrote.
 */
static size_t
thread_lines(const char *text, const char *needle, size_t *main_n)
{
    size_t       threads = 0;
    const char  *line, *nl, *p;
    long         pid, tid;

    *main_n = 0;

    for (line = text; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert_not_null(nl);

        p = strstr(line, needle);
        if (p == NULL || p > nl) {
            continue;
        }

        /* "YYYY/MM/DD HH:MM:SS [level] pid#tid: " */
        p = strchr(line, ']');
        cr_assert(p != NULL && p < nl);
        cr_assert_eq(sscanf(p + 1, " %ld#%ld:", &pid, &tid), 2, "%.*s",
                     (int) (nl - line), line);

        if (pid == tid) {
            (*main_n)++;
        } else {
            threads++;
        }
    }

    return threads;
}


Test(mod_errlog_threads, thread_pool_lines_pass_while_aborts_are_decided)
{
    char    *err, *err2, **a, **b, *acc;
    size_t   na, nb, main_n, reads, runs;
    json_t  *doc;
    long     passed, suppressed, lines;

    /* the thread pool's own lines are at debug: what the filter must pass */
    RGT_NEED(RGT_THREADS);
    RGT_NEED(RGT_DEBUG);
    cr_assert_eq(rgt_nginx_make_file(&ngx, "html/big.bin", FILE_SIZE),
                 0);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, THREADS_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    /* a whole file, read by the thread pool */
    cr_assert_eq(rgt_http_get(ngx.port[0], READER, "/big.bin", NULL, 0),
                 200);

    /* downloads reset midway, while thread-pool reads are under way */
    for (int i = 0; i < ABORTS; i++) {
        cr_assert_geq(rgt_abort_download(ngx.port[0], ABORTER,
                                         "/big.bin", RGT_RST, 8192,
                                         150), 0);
    }

    /* every abort has been logged (and decided) once status answers so */
    for (int i = 0; i < 100; i++) {
        doc = rgt_mod_status(&ngx);
        cr_assert_not_null(doc);
        lines = rgt_mod_counter(doc, "rg", "access", "client_reset", "seen");
        if (lines == ABORTS) {
            break;
        }
        json_decref(doc);
        doc = NULL;
        rgt_msleep(50);
    }
    cr_assert_not_null(doc, "the access side saw %ld resets", lines);

    passed = rgt_mod_counter(doc, "rg", "error", "client_reset", "passed");
    suppressed = rgt_mod_counter(doc, "rg", "error", "client_reset",
                                 "suppressed");
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset", "seen"),
                 passed + suppressed);
    cr_assert_eq(passed, 2);
    cr_assert_geq(suppressed, ABORTS - 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_reset",
                                 "passed"), 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "access", "client_reset",
                                 "suppressed"), ABORTS - 2);
    json_decref(doc);

    /* the buffered access log and the summaries are written at exit */
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    err = rgt_nginx_read(&ngx, "logs/error.log");
    err2 = rgt_nginx_read(&ngx, "logs/error2.log");
    cr_assert_not_null(err);
    cr_assert_not_null(err2);

    /* thread-pool lines were written, each once, from their threads */
    runs = thread_lines(err, ": run task #", &main_n);
    cr_assert_gt(runs, 0);
    cr_assert_eq(main_n, 0);
    /* at exit each thread runs one more task, which ends the thread */
    cr_assert_eq(thread_lines(err, ": complete task #", &main_n),
                 runs - POOL_THREADS * WORKERS);
    cr_assert_eq(main_n, 0);
    reads = thread_lines(err, ": thread read handler", &main_n);
    cr_assert_eq(main_n, 0);
    cr_assert_eq(reads, runs - POOL_THREADS * WORKERS);
    cr_assert_eq(thread_lines(err, ": pread: ", &main_n), reads);
    cr_assert_eq(main_n, 0);
    /* and the main thread handled each task's completion */
    cr_assert_eq(thread_lines(err, ": thread pool handler", &main_n), 0);
    cr_assert_geq(main_n, 1);

    /* the abort lines: those the limiter passed, no more */
    cr_assert_eq(rgt_count_lines(err, "[info]") - rgt_count_lines(err,
                 "rstguard: log=") - rgt_count_lines(err, PROBE_KEY ","),
                 (size_t) passed, "%s", err);
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "client_reset",
                                            ABORTER, 0), suppressed);

    /*
     * Every worker ended normally at debug: none died of a signal (the
     * module's writer was handed back before the module was unloaded), and
     * each wrote its exit line to the first file; the master's went to
     * both.
     */
    cr_assert_eq(rgt_count_lines(err, "exited on signal"), 0, "%s", err);
    cr_assert_eq(rgt_count_exit_lines(err), WORKERS + 1, "%s", err);
    cr_assert_eq(rgt_count_exit_lines(err2), 1, "%s", err2);

    /* one chain, two files: the same lines (threads interleave freely) */
    a = sorted_lines(err, &na);
    b = sorted_lines(err2, &nb);
    cr_assert_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_str_eq(a[i], b[i]);
    }
    free(a);
    free(b);
    free(err);
    free(err2);

    /* the buffered access log: every request, decided as it ended */
    acc = rgt_nginx_read(&ngx, "logs/all.log");
    cr_assert_not_null(acc);
    cr_assert_eq(rgt_count_lines(acc, "a=" READER " c= l=1 s=200 m=0 "), 1,
                 "%s", acc);
    cr_assert_eq(rgt_mod_count(acc, ABORTER, "client_reset", "1"), 2, "%s",
                 acc);
    cr_assert_eq(rgt_mod_count(acc, ABORTER, "client_reset", "0"),
                 ABORTS - 2, "%s", acc);
    cr_assert_eq(rgt_count_lines(acc, "a="), 1 + ABORTS, "%s", acc);
    free(acc);
}
