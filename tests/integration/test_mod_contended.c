/*
 * The zone's try-lock "contended" path (rstguard_contended_total), against
 * the real nginx with 2 workers.
 *
 * The error-log writer never waits for the zone: when ngx_shmtx_trylock()
 * fails, the line is written, charged to no budget and counted as
 * contended.  A real race between two workers makes that happen only now
 * and then (the lock is held for a lookup), so it cannot be asserted
 * exactly.  To force it without any hook in the module, the test holds
 * the zone's lock itself, the way a worker does: the zone is a MAP_SHARED
 * mapping every nginx process shares, it starts with the slab pool, whose
 * first word is the mutex (ngx_slab_pool_t.lock.lock, 0 when free, else
 * the holder's pid).  The test writes its own pid there through
 * /proc/MASTER/mem, makes aborts, and writes 0 back.  Nothing in this
 * configuration takes the lock blocking (the access side is off and
 * rstguard_status reads atomics), so no process can be left waiting on the
 * semaphore a real unlock would post.
 */

#define _GNU_SOURCE             /* pread, pwrite */

#include <criterion/criterion.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define CLIENT      "127.0.0.2"
#define ZONE_SIZE   (1024 * 1024)
#define ROUNDS      3

static rgt_nginx     ngx;
static rgt_upstream  up;

static void
setup(void)
{
    rgt_upstream_opts  o = {
        .mode = RGT_UP_SLOW, .delay_ms = 20000, .io_timeout_ms = 30000
    };

    cr_assert_eq(rgt_nginx_init(&ngx), 0);
    o.port = ngx.port[1];
    cr_assert_eq(rgt_upstream_start(&up, &o), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&up);
}

TestSuite(mod_contended, .init = setup, .fini = teardown, .timeout = 60);

/* rate=1r/m burst=1: two lines per key and class pass, then one a minute */
#define CONTENDED_CONF                                                       \
    RGT_CONF_HEAD                                                            \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    access_log off;\n"                                                  \
    "    rstguard_zone zone=rg:1m rate=1r/m burst=1 global_rate=1000r/s\n"   \
    "                  global_burst=10000;\n"                                \
    "    rstguard_error_log on;\n"                                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        location /slow { proxy_pass http://127.0.0.1:@PORT1@; }\n"      \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"


/*
 * The address of the zone's mapping in the master: the only shared
 * anonymous mapping ("/dev/zero (deleted)") of the zone's size.
 */
static uintptr_t
zone_address(void)
{
    char       path[64], line[512];
    FILE      *f;
    uintptr_t  start, end, found = 0;
    int        n = 0;

    snprintf(path, sizeof(path), "/proc/%d/maps", (int) ngx.pid);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);

    while (fgets(line, sizeof(line), f) != NULL) {
        if (strstr(line, " rw-s ") == NULL
            || strstr(line, "/dev/zero (deleted)") == NULL
            || sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &start, &end) != 2)
        {
            continue;
        }

        if (end - start == ZONE_SIZE) {
            found = start;
            n++;
        }
    }

    fclose(f);
    cr_assert_eq(n, 1, "%d shared mappings of %d bytes", n, ZONE_SIZE);

    return found;
}


/* Reads or writes the zone's lock word in the master's memory. */
static uint64_t
lock_word(uintptr_t addr, const uint64_t *set)
{
    char      path[64];
    uint64_t  v = 0;
    int       fd;

    snprintf(path, sizeof(path), "/proc/%d/mem", (int) ngx.pid);
    fd = open(path, set ? O_RDWR : O_RDONLY);
    cr_assert_neq(fd, -1, "open %s", path);

    if (set != NULL) {
        cr_assert_eq(pwrite(fd, set, sizeof(*set), (off_t) addr),
                     (ssize_t) sizeof(*set));
    }

    cr_assert_eq(pread(fd, &v, sizeof(v), (off_t) addr), (ssize_t) sizeof(v));
    close(fd);

    return v;
}


/* One client gives up while nginx waits for the slow upstream: one line. */
static void
abort_waiting(void)
{
    unsigned long  n;
    int            fd;

    n = rgt_upstream_requests(&up);
    fd = rgt_open_request(ngx.port[0], CLIENT, "/slow", 0);
    cr_assert_neq(fd, -1);
    cr_assert_eq(rgt_upstream_wait_requests(&up, n + 1, 10000), 0);
    n = rgt_upstream_aborted(&up);
    rgt_abort(fd, RGT_RST, 5000);
    /* nginx closed the upstream: it has logged (and decided) the line */
    cr_assert_eq(rgt_upstream_wait_aborted(&up, n + 1, 10000), 0);
}


/*
 * With the zone locked, every abort line is written, charged to nothing
 * and counted as contended; unlocked again, the same key still has its
 * whole budget: two lines pass, the third is held.  Every abort is
 * accounted for exactly once: passed + suppressed + contended.
 */
Test(mod_contended, locked_zone_passes_lines_uncharged_and_counts_them)
{
    uintptr_t  addr;
    uint64_t   me = (uint64_t) getpid(), none = 0;
    char      *err, *prom, line[128];
    json_t    *doc;

    cr_assert_eq(rgt_nginx_write_conf(&ngx, CONTENDED_CONF), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    addr = zone_address();
    cr_assert_eq(lock_word(addr, NULL), 0, "the zone is locked at rest");

    /* hold the lock as a worker would */
    cr_assert_eq(lock_word(addr, &me), me);

    for (int i = 0; i < ROUNDS; i++) {
        abort_waiting();
    }

    /* the status handler answers while the zone is locked */
    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "error"), ROUNDS);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "access"), 0);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset", "seen"),
                 0);
    json_decref(doc);

    /* nobody took or freed it meanwhile; release it */
    cr_assert_eq(lock_word(addr, NULL), me);
    cr_assert_eq(lock_word(addr, &none), 0);

    for (int i = 0; i < ROUNDS; i++) {
        abort_waiting();
    }

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    cr_assert_eq(rgt_mod_contended(doc, "rg", "error"), ROUNDS);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset", "seen"),
                 ROUNDS);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset",
                                 "passed"), 2);
    cr_assert_eq(rgt_mod_counter(doc, "rg", "error", "client_reset",
                                 "suppressed"), ROUNDS - 2);
    json_decref(doc);

    prom = rgt_mod_prometheus(&ngx);
    cr_assert_not_null(prom);
    snprintf(line, sizeof(line),
             "\nrstguard_contended_total{zone=\"rg\",log=\"error\"} %d\n",
             ROUNDS);
    cr_assert_not_null(strstr(prom, line), "%s", prom);
    cr_assert_not_null(strstr(prom, "\nrstguard_contended_total{zone=\"rg\","
                                    "log=\"access\"} 0\n"), "%s", prom);
    free(prom);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);

    /* written: the contended lines and the two passed; held: one */
    err = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(err);
    cr_assert_eq(rgt_count_lines(err, " epoll_wait() reported that client "
                                      "prematurely closed connection, so "
                                      "upstream connection is closed too "
                                      "(104: Connection reset by peer) while "
                                      "sending request to upstream, client: "
                                      CLIENT ","), ROUNDS + 2, "%s", err);
    cr_assert_eq(rgt_mod_summary_suppressed(err, "error", "client_reset",
                                            CLIENT, 0), ROUNDS - 2);
    free(err);
}
