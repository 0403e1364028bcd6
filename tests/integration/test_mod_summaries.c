/*
 * Summaries v3 and alerts against the real nginx (2 workers, real aborts:
 * a client gives up while nginx waits for a slow upstream, status 499,
 * class client_closed).  Issue 13: held-back lines must never vanish
 * (Debian's default error_log level, long or escaped keys, kill -9, a
 * reload every second), summaries stay bounded whatever the number of
 * keys, dry-run summaries carry the real passed= and first=, and
 * rstguard_alert warns once per interval and counts it.  The summary timer
 * is armed only by a worker that counted an abort: a killed worker's held
 * counts are written by its respawned successor, a quiet spell writes
 * nothing, and the next burst starts a new interval.
 */

#define _GNU_SOURCE

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "rg_summary.h"
#include "rgt_client.h"
#include "rgt_mod.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define SLOW_MS  20000

static rgt_nginx     ngx;
static rgt_upstream  up;

static const rgt_upstream_opts  slow = {
    .mode = RGT_UP_SLOW, .delay_ms = SLOW_MS, .io_timeout_ms = 30000
};

static void
setup(void)
{
    /* the upstream first: nginx's ports are then picked among free ones */
    cr_assert_eq(rgt_upstream_start(&up, &slow), 0);
    cr_assert_eq(rgt_nginx_init(&ngx), 0);
}

static void
teardown(void)
{
    rgt_nginx_cleanup(&ngx);
    rgt_upstream_stop(&up);
}

TestSuite(mod_summaries, .init = setup, .fini = teardown, .timeout = 120);


/*
 * %s: the main error_log line; %s: rstguard's http-level directives.
 * The access log writes only what rstguard lets through.
 */
#define SUM_CONF                                                             \
    "@LOAD_MODULE@\n"                                                        \
    "worker_processes 2;\n"                                                  \
    "pid @PREFIX@/nginx.pid;\n"                                              \
    "%s\n"                                                                   \
    "events { worker_connections 1024; }\n"                                  \
    "http {\n"                                                               \
    "    @TEMP_PATHS@\n"                                                     \
    "    log_format t " RGT_MOD_LOG_FORMAT ";\n"                             \
    "    access_log @PREFIX@/logs/access.log t if=$rstguard_log;\n"          \
    "    %s\n"                                                               \
    "    rstguard on;\n"                                                     \
    "    upstream slow { server 127.0.0.1:%d; }\n"                           \
    "    server {\n"                                                         \
    "        listen 127.0.0.1:@PORT0@;\n"                                    \
    "        root @PREFIX@/html;\n"                                          \
    "        location /slow { proxy_pass http://slow; }\n"                   \
    "        location = /status { rstguard_status; }\n"                      \
    "    }\n"                                                                \
    "}\n"

/* a global budget that never bites: the per-key budget decides alone */
#define GLOBAL  "global_rate=1000r/s global_burst=10000"

#define DEBIAN_LOG  "error_log @PREFIX@/logs/error.log;"
#define INFO_LOG    "error_log @PREFIX@/logs/error.log info;"

static void
start(const char *main_log, const char *http)
{
    char  conf[8192];

    snprintf(conf, sizeof(conf), SUM_CONF, main_log, http, up.port);
    cr_assert_eq(rgt_nginx_write_conf(&ngx, conf), 0);
    cr_assert_eq(rgt_nginx_start(&ngx), 0);
}


/* --- traffic -------------------------------------------------------------- */

/*
 * One client sends "GET /slow" (with an X-Key header when key is not
 * NULL), waits until nginx asked the slow upstream, and closes (FIN):
 * nginx logs a 499 and "epoll_wait() reported that client prematurely
 * closed connection".  Returns 0 once nginx has closed the upstream
 * connection, i.e. logged the abort; -1 on any failure (thread-safe: no
 * Criterion assertion).
 */
static int
abort_one(const char *from, const char *key, size_t key_len)
{
    static pthread_mutex_t  lock = PTHREAD_MUTEX_INITIALIZER;
    char                   *req;
    size_t                  len;
    unsigned long           n, a;
    int                     fd, rc;

    req = malloc(key_len + 256);
    if (req == NULL) {
        return -1;
    }

    len = (size_t) snprintf(req, 256, "GET /slow HTTP/1.1\r\nHost: t\r\n"
                            "Connection: close\r\n%s",
                            key != NULL ? "X-Key: " : "");
    if (key != NULL) {
        memcpy(req + len, key, key_len);
        len += key_len;
        memcpy(req + len, "\r\n", 2);
        len += 2;
    }
    memcpy(req + len, "\r\n", 2);
    len += 2;

    /* one abort at a time: the upstream's counters tell when it is logged */
    pthread_mutex_lock(&lock);

    rc = -1;
    n = rgt_upstream_requests(&up);
    a = rgt_upstream_aborted(&up);
    fd = rgt_connect(ngx.port[0], from, 0);

    if (fd != -1 && rgt_send_all(fd, req, len) == 0
        && rgt_upstream_wait_requests(&up, n + 1, 10000) == 0)
    {
        rgt_abort(fd, RGT_FIN, 5000);
        fd = -1;
        rc = rgt_upstream_wait_aborted(&up, a + 1, 10000);
    }

    if (fd != -1) {
        rgt_close_rst(fd);
    }

    pthread_mutex_unlock(&lock);
    free(req);

    return rc;
}

static void
aborts(const char *from, const char *key, size_t key_len, int n)
{
    for (int i = 0; i < n; i++) {
        cr_assert_eq(abort_one(from, key, key_len), 0, "abort %d from %s",
                     i, from);
    }
}


/* --- reading the logs ----------------------------------------------------- */

/*
 * nginx's own abort lines from a client address (prefix), not counting
 * the summaries whose sample quotes one.
 */
static long
real_lines(const char *text, const char *addr)
{
    const char  *p, *nl;
    char         needle[128];
    long         n = 0;

    snprintf(needle, sizeof(needle), "closed too while sending request to "
             "upstream, client: %s", addr);

    for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        if (memmem(p, (size_t) (nl - p), needle, strlen(needle)) != NULL
            && memmem(p, (size_t) (nl - p), "rstguard: ", 10) == NULL)
        {
            n++;
        }
    }

    return n;
}


#define MAX_SUMS  512

typedef struct {
    rg_summary   s;
    int          level;
    char         key[2048];
    size_t       key_len;
    size_t       line_len;
    const char  *line;          /* in the logview's text */
} sum_line;

typedef struct {
    char       *text;
    sum_line    sums[MAX_SUMS];
    size_t      nsums;
    rg_alert    alerts[64];
    char        alert_time[64][RG_SUMMARY_TIME_LEN + 1];
    size_t      nalerts;
    size_t      bad;            /* "rstguard: " lines in neither grammar */
} logview;

static void
read_log(logview *v)
{
    const char  *p, *nl;
    sum_line    *l;
    int          level;
    size_t       n;

    free(v->text);
    memset(v, 0, sizeof(*v));
    v->text = rgt_nginx_read(&ngx, "logs/error.log");
    cr_assert_not_null(v->text);

    for (p = v->text; *p != '\0'; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            break;
        }
        n = (size_t) (nl - p);

        if (v->nsums < MAX_SUMS
            && rg_summary_parse_line(p, n, &v->sums[v->nsums].s, &level) == 0)
        {
            l = &v->sums[v->nsums++];
            l->line = p;
            l->level = level;
            l->line_len = n;
            l->key_len = rg_summary_unescape(&l->s.key, l->key,
                                             sizeof(l->key));
            cr_assert_neq(l->key_len, (size_t) -1);
            continue;
        }

        if (v->nalerts < 64
            && rg_alert_parse_line(p, n, &v->alerts[v->nalerts], &level)
               == 0)
        {
            cr_assert_eq(level, 5, "alerts are warn: %.*s", (int) n, p);
            memcpy(v->alert_time[v->nalerts], p, RG_SUMMARY_TIME_LEN);
            v->nalerts++;
            continue;
        }

        if (memmem(p, n, "rstguard: ", 10) != NULL
            && memmem(p, n, "rstguard: alert", 15) == NULL)
        {
            v->bad++;
        }
    }
}

static void
free_log(logview *v)
{
    free(v->text);
    v->text = NULL;
}

/* suppressed= over the summaries of (log, class, dry_run), any key */
static long
suppressed(logview *v, const char *log, int dry_run)
{
    long  total = 0;

    for (size_t i = 0; i < v->nsums; i++) {
        rg_summary  *s = &v->sums[i].s;

        if (strcmp(log, s->log == RG_SUMMARY_LOG_ACCESS ? "access" : "error")
                == 0
            && s->cls == RG_CLASS_CLIENT_CLOSED && s->dry_run == dry_run)
        {
            total += (long) s->suppressed;
        }
    }

    return total;
}

/* summaries of (log, client_closed) */
static size_t
nsums(logview *v, const char *log)
{
    size_t  n = 0;

    for (size_t i = 0; i < v->nsums; i++) {
        n += strcmp(log, v->sums[i].s.log == RG_SUMMARY_LOG_ACCESS
                         ? "access" : "error") == 0;
    }

    return n;
}

static long
status_counter(const char *log, const char *outcome)
{
    json_t  *doc;
    long     v;

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    v = rgt_mod_counter(doc, "rg", log, "client_closed", outcome);
    json_decref(doc);

    return v;
}

/* waits (15 s at most) until the summaries of log say want in all */
static void
wait_summaries(logview *v, const char *log, int dry_run, long want)
{
    for (int i = 0; i < 150; i++) {
        read_log(v);
        if (suppressed(v, log, dry_run) >= want) {
            break;
        }
        rgt_msleep(100);
    }
    cr_assert_eq(suppressed(v, log, dry_run), want, "%s", v->text);
}

/* access lines of one client address (l=1: written) */
static size_t
access_lines(const char *addr)
{
    char    *text = rgt_nginx_read(&ngx, "logs/access.log");
    size_t   n;

    n = text ? rgt_mod_count(text, addr, "client_closed", "1") : 0;
    free(text);

    return n;
}


/* --- Debian's default level ------------------------------------------------ */

/*
 * Issue 13, point 1: with "error_log file;" (level error, Debian's
 * default) 40 resets gave 2 access lines and no summary.  Now the summary
 * is written at error, and lines + suppressed= = 40.
 */
static void
default_level(const char *main_log, int want_level)
{
    logview  v = { 0 };
    long     held, passed;

    start(main_log, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_summary_interval 1s;");

    aborts("127.0.0.2", NULL, 0, 40);
    cr_assert_eq(rgt_mod_wait_lines(&ngx, "logs/access.log", "a=", 2), 0);

    /* a new key's bucket: the first line and the burst of one pass */
    passed = status_counter("access", "passed");
    held = status_counter("access", "suppressed");
    cr_assert_eq(passed, 2);
    cr_assert_eq(held, 38);

    wait_summaries(&v, "access", 0, 38);
    cr_assert_eq(access_lines("127.0.0.2"), 2);
    cr_assert_eq(v.nsums, 1, "%s", v.text);
    cr_assert_eq(v.sums[0].level, want_level, "%s", v.text);
    cr_assert_eq(v.sums[0].key_len, 9);
    cr_assert_eq(memcmp(v.sums[0].key, "127.0.0.2", 9), 0);
    cr_assert_eq(v.sums[0].s.keys, 1);
    cr_assert_eq(v.sums[0].s.passed, 2);
    cr_assert_eq(v.sums[0].s.version, 3);
    cr_assert_eq(v.bad, 0, "%s", v.text);

    /* nothing more is held: no more summaries, however long we wait */
    rgt_msleep(2500);
    read_log(&v);
    cr_assert_eq(v.nsums, 1, "%s", v.text);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}

Test(mod_summaries, debian_default_error_level_gets_exact_summaries)
{
    default_level(DEBIAN_LOG, 4);
}

Test(mod_summaries, notice_level_gets_exact_summaries_at_notice)
{
    default_level("error_log @PREFIX@/logs/error.log notice;", 6);
}


/* --- long and escaped keys ------------------------------------------------- */

/*
 * Point 2: a 1,950-byte key, or 480 bytes of \x01 (4x when escaped),
 * dropped the whole summary.  Each now gets its line, cut to fit, with the
 * exact count: 6 aborts, 2 pass (first + burst), 4 held.
 */
Test(mod_summaries, long_and_escaped_keys_still_give_a_fitting_summary)
{
    char      longkey[1950], ctlkey[480];
    logview   v = { 0 };
    size_t    i, got_long = 0, got_ctl = 0;

    memset(longkey, '7', sizeof(longkey));
    memset(ctlkey, '\x01', sizeof(ctlkey));

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL
                    " key=$http_x_key;\n"
                    "    rstguard_summary_interval 1s;");

    aborts("127.0.0.2", longkey, sizeof(longkey), 6);
    aborts("127.0.0.3", ctlkey, sizeof(ctlkey), 6);

    cr_assert_eq(status_counter("access", "passed"), 4);
    cr_assert_eq(status_counter("access", "suppressed"), 8);

    wait_summaries(&v, "access", 0, 8);
    cr_assert_eq(v.nsums, 2, "%s", v.text);
    cr_assert_eq(v.bad, 0, "%s", v.text);
    cr_assert_null(strstr(v.text, "does not fit"), "%s", v.text);

    for (i = 0; i < v.nsums; i++) {
        sum_line  *l = &v.sums[i];

        /* one line inside nginx's 2048-byte buffer, newline included */
        cr_assert_lt(l->line_len, 2048);
        cr_assert_eq(l->s.suppressed, 4);
        cr_assert_eq(l->s.passed, 2);
        cr_assert_gt(l->s.sample.len, 0);
        cr_assert_gt(l->key_len, 100);

        if (l->key[0] == '7') {
            cr_assert_lt(l->key_len, sizeof(longkey));
            cr_assert_eq(memcmp(l->key, longkey, l->key_len), 0);
            got_long++;

        } else {
            cr_assert_lt(l->key_len, sizeof(ctlkey));
            cr_assert_eq(memcmp(l->key, ctlkey, l->key_len), 0);
            got_ctl++;
        }
    }

    cr_assert_eq(got_long, 1);
    cr_assert_eq(got_ctl, 1);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


/* --- kill -9 ---------------------------------------------------------------- */

/* the pids of the master's children */
static size_t
workers(pid_t master, pid_t *pids, size_t cap)
{
    DIR            *d;
    struct dirent  *e;
    char            path[300], buf[512], *p;
    size_t          n = 0;
    FILE           *f;
    long            ppid;

    d = opendir("/proc");
    cr_assert_not_null(d);

    while ((e = readdir(d)) != NULL && n < cap) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (f == NULL) {
            continue;
        }
        if (fgets(buf, sizeof(buf), f) != NULL
            && (p = strrchr(buf, ')')) != NULL
            && sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == master)
        {
            pids[n++] = (pid_t) strtol(e->d_name, NULL, 10);
        }
        fclose(f);
    }

    closedir(d);

    return n;
}

/*
 * Point 4: a worker killed with -9 lost its unsummarised window.  The
 * counts are in the zone now: both workers are killed right after the
 * aborts, and the respawned ones write every held line.
 */
Test(mod_summaries, kill_9_of_the_workers_loses_no_held_count)
{
    logview  v = { 0 };
    pid_t    pids[8];
    size_t   n;

    /* long enough that nothing is written before the kill */
    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_summary_interval 8s;");

    aborts("127.0.0.2", NULL, 0, 10);
    cr_assert_eq(status_counter("access", "suppressed"), 8);

    read_log(&v);
    cr_assert_eq(nsums(&v, "access"), 0, "written too early: %s", v.text);

    n = workers(ngx.pid, pids, 8);
    cr_assert_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(kill(pids[i], SIGKILL), 0);
    }

    wait_summaries(&v, "access", 0, 8);
    cr_assert_eq(rgt_count_lines(v.text, "exited on signal 9"), 2, "%s",
                 v.text);
    cr_assert_eq(nsums(&v, "access"), 1, "%s", v.text);
    cr_assert_eq(v.sums[0].s.passed, 2);
    cr_assert_eq(access_lines("127.0.0.2"), 2);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


static long
seconds_of(const char *t)
{
    return strtol(t + 11, NULL, 10) * 3600 + strtol(t + 14, NULL, 10) * 60
           + strtol(t + 17, NULL, 10);
}

/* the pid of an error-log line: "YYYY/MM/DD HH:MM:SS [level] PID#TID: " */
static pid_t
line_pid(const char *line)
{
    const char  *p = strstr(line, "] ");

    cr_assert_not_null(p);

    return (pid_t) strtol(p + 2, NULL, 10);
}

/*
 * A process blocked in epoll_wait(), by /proc/PID/wchan; where the kernel
 * does not say (wchan "0"), after a second.
 */
static int
in_event_loop(pid_t pid)
{
    static long long  since;
    char              path[64], buf[64];
    FILE             *f;
    size_t            n = 0;

    snprintf(path, sizeof(path), "/proc/%d/wchan", (int) pid);
    f = fopen(path, "r");
    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';

    if (strcmp(buf, "0") == 0 || n == 0) {
        if (since == 0) {
            since = rgt_now_ms();
        }
        return rgt_now_ms() - since > 1000;
    }

    return strstr(buf, "epoll") != NULL;
}

/*
 * kill(SIGSTOP) only queues the signal: until the process has run and
 * stopped it still sits in epoll_wait(), and an exclusive wakeup (nginx's
 * EPOLLEXCLUSIVE listener) may hand it the next connection, which then
 * waits until SIGCONT.  So wait for state "T" in /proc/PID/stat.
 */
static int
stopped(pid_t pid)
{
    char   path[64], buf[512], *p;
    FILE  *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);

    for (int i = 0; i < 200; i++) {
        f = fopen(path, "r");
        if (f == NULL) {
            return 0;
        }
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';

        /* "PID (comm) S ...": comm may hold spaces, the state follows ") " */
        p = strrchr(buf, ')');
        if (p != NULL && p[1] == ' ' && (p[2] == 'T' || p[2] == 't')) {
            return 1;
        }
        rgt_msleep(10);
    }

    return 0;
}

/*
 * The lazy timer (module/README.md, "When the timer runs"): only a worker
 * that counted an abort arms it, so here the worker holding the lines is
 * the only one with a timer.  Worker B is stopped (SIGSTOP) while worker A
 * takes all 10 aborts (2 pass, 8 are held), then A is killed with -9 at
 * once and B continued: B never counted a line and has no timer; A's
 * respawned successor finds the zone's interval running when it starts
 * and writes the 8, within the interval plus a second of the kill.
 */
Test(mod_summaries, a_killed_worker_s_held_counts_are_written_by_its_successor)
{
    logview    v = { 0 };
    pid_t      pids[8], now[8], writer;
    size_t     n, m, i;
    long long  killed, waited;

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_summary_interval 4s;");

    /*
     * nginx answers once one worker runs: wait until both wait for events
     * (so both ran their init_process, when the zone was idle)
     */
    for (i = 0; i < 100; i++) {
        n = workers(ngx.pid, pids, 8);
        if (n == 2 && in_event_loop(pids[0]) && in_event_loop(pids[1])) {
            break;
        }
        rgt_msleep(50);
    }
    cr_assert_eq(n, 2);
    cr_assert_eq(kill(pids[1], SIGSTOP), 0);
    cr_assert(stopped(pids[1]), "worker %d did not stop", (int) pids[1]);

    aborts("127.0.0.2", NULL, 0, 10);
    cr_assert_eq(status_counter("access", "suppressed"), 8);

    read_log(&v);
    cr_assert_eq(nsums(&v, "access"), 0, "written too early: %s", v.text);

    killed = rgt_now_ms();
    cr_assert_eq(kill(pids[0], SIGKILL), 0);
    cr_assert_eq(kill(pids[1], SIGCONT), 0);

    do {
        rgt_msleep(100);
        read_log(&v);
        waited = rgt_now_ms() - killed;
    } while (suppressed(&v, "access", 0) < 8 && waited < 4000 + 1000);

    cr_assert_eq(suppressed(&v, "access", 0), 8, "after %lld ms: %s", waited,
                 v.text);
    cr_assert_eq(nsums(&v, "access"), 1, "%s", v.text);
    cr_assert_eq(v.sums[0].s.passed, 2);
    cr_assert_eq(rgt_count_lines(v.text, "exited on signal 9"), 1, "%s",
                 v.text);
    cr_assert_eq(access_lines("127.0.0.2"), 2);

    /* written by A's successor: a worker of the master now, neither A nor B */
    writer = line_pid(v.sums[0].line);
    cr_assert_neq(writer, pids[0]);
    cr_assert_neq(writer, pids[1], "the worker that saw no abort wrote: %s",
                  v.text);

    m = workers(ngx.pid, now, 8);
    cr_assert_eq(m, 2);
    for (i = 0; i < m && now[i] != writer; i++) {
        /* void */
    }
    cr_assert_lt(i, m, "writer %d is no worker", (int) writer);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


/*
 * After a quiet spell the timers lapse: three intervals with nothing held
 * write no summary, empty or not.  The next abort starts a new interval:
 * its summary comes one whole interval after its first line (first= and
 * the line's own time) and says window= that interval.  Exact counts:
 * 5 aborts (2 pass, 3 held), then 4 from a new key (2 pass, 2 held).
 */
Test(mod_summaries, summaries_stop_when_quiet_and_resume_on_the_next_abort)
{
    logview    v = { 0 };
    sum_line  *l;

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_summary_interval 2s;");

    aborts("127.0.0.2", NULL, 0, 5);
    wait_summaries(&v, "access", 0, 3);
    cr_assert_eq(v.nsums, 1, "%s", v.text);
    cr_assert_eq(v.sums[0].s.passed, 2);

    rgt_msleep(6500);
    read_log(&v);
    cr_assert_eq(v.nsums, 1, "a summary of a quiet interval: %s", v.text);

    aborts("127.0.0.3", NULL, 0, 4);
    wait_summaries(&v, "access", 0, 3 + 2);
    cr_assert_eq(v.nsums, 2, "%s", v.text);
    cr_assert_eq(v.bad, 0, "%s", v.text);

    l = &v.sums[1];
    cr_assert_eq(l->key_len, 9);
    cr_assert_eq(memcmp(l->key, "127.0.0.3", 9), 0);
    cr_assert_eq(l->s.keys, 1);
    cr_assert_eq(l->s.suppressed, 2);
    cr_assert_eq(l->s.passed, 2);

    /* the interval began with the key's first line, not before */
    cr_assert_geq(seconds_of(l->line) - seconds_of(l->s.first.p), 2,
                  "written %.19s, first=%.19s", l->line, l->s.first.p);
    cr_assert(l->s.window >= 2 && l->s.window <= 4, "window=%llus",
              (unsigned long long) l->s.window);

    cr_assert_eq(status_counter("access", "suppressed"), 5);
    cr_assert_eq(status_counter("access", "passed"), 4);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


/* --- dry run ---------------------------------------------------------------- */

/*
 * Point 5: under rstguard_dry_run summaries said passed=0 and first= was
 * the first would-be-held line.  Both logs: 10 aborts, every line written,
 * the summary says 8 would have been held, 2 passed, first= the first
 * abort's own second.
 */
Test(mod_summaries, dry_run_summaries_carry_passed_and_first)
{
    logview      v = { 0 };
    const char  *first_line;
    char         first[RG_SUMMARY_TIME_LEN + 1];

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_error_log on;\n"
                    "    rstguard_dry_run on;\n"
                    "    rstguard_summary_interval 1s;");
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    aborts("127.0.0.2", NULL, 0, 10);

    cr_assert_eq(status_counter("access", "dry_run"), 8);
    cr_assert_eq(status_counter("access", "passed"), 2);
    cr_assert_eq(status_counter("error", "dry_run"), 8);

    wait_summaries(&v, "access", 1, 8);
    wait_summaries(&v, "error", 1, 8);
    cr_assert_eq(suppressed(&v, "access", 0), 0);
    cr_assert_eq(suppressed(&v, "error", 0), 0);

    /* every line was written: dry run holds nothing back */
    cr_assert_eq(access_lines("127.0.0.2"), 10);
    cr_assert_eq(real_lines(v.text, "127.0.0.2"), 10);

    first_line = strstr(v.text, "client prematurely closed connection, so "
                                "upstream");
    cr_assert_not_null(first_line);
    while (first_line > v.text && first_line[-1] != '\n') {
        first_line--;
    }
    memcpy(first, first_line, RG_SUMMARY_TIME_LEN);
    first[RG_SUMMARY_TIME_LEN] = '\0';

    for (size_t i = 0; i < v.nsums; i++) {
        sum_line  *l = &v.sums[i];

        if (l->key_len != 9 || memcmp(l->key, "127.0.0.2", 9) != 0) {
            continue;
        }
        cr_assert_eq(l->s.dry_run, 1);
        cr_assert_eq(l->s.passed, 2, "%s", v.text);
        cr_assert_eq(l->s.suppressed, 8);
        if (l->s.log == RG_SUMMARY_LOG_ERROR) {
            cr_assert_eq(memcmp(l->s.first.p, first, RG_SUMMARY_TIME_LEN), 0,
                         "first=%.19s, first line %s", l->s.first.p, first);
        }
    }

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}


/* --- bounded ---------------------------------------------------------------- */

/*
 * Point 3: summaries were per worker and per key, so they re-created the
 * bloat.  60 client addresses, 3 aborts each (1 passes, 2 are held), both
 * logs, 2 workers: at stop one writer takes everything and writes, per
 * (log, class), the 10 keys (all held 2) and one key="*" line for the
 * other 50 keys: 11 lines, 120 held.
 */
Test(mod_summaries, many_keys_give_at_most_keys_plus_one_lines)
{
    logview  v = { 0 };
    char     addr[32];
    size_t   i, star;

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=0 " GLOBAL ";\n"
                    "    rstguard_error_log on;\n"
                    "    rstguard_summary_interval 60s;");
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    for (i = 1; i <= 60; i++) {
        snprintf(addr, sizeof(addr), "127.0.1.%zu", i);
        aborts(addr, NULL, 0, 3);
    }

    cr_assert_eq(status_counter("access", "suppressed"), 120, "%ld",
                 status_counter("access", "suppressed"));
    cr_assert_eq(status_counter("error", "suppressed"), 120, "%ld",
                 status_counter("error", "suppressed"));

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    read_log(&v);
    cr_assert_eq(v.bad, 0, "%s", v.text);

    for (int log = 0; log < 2; log++) {
        const char  *name = log ? "error" : "access";

        cr_assert_eq(nsums(&v, name), 11, "%s", v.text);
        cr_assert_eq(suppressed(&v, name, 0), 120);

        star = 0;
        for (i = 0; i < v.nsums; i++) {
            sum_line  *l = &v.sums[i];

            if ((int) l->s.log != log) {
                continue;
            }
            if (l->key_len == 1 && l->key[0] == '*') {
                star++;
                cr_assert_eq(l->s.keys, 50);
                cr_assert_eq(l->s.suppressed, 100);
                cr_assert_eq(l->s.passed, 50);
            } else {
                cr_assert_eq(l->s.keys, 1);
                cr_assert_eq(l->s.suppressed, 2);
                cr_assert_eq(l->s.passed, 1);
                cr_assert_eq(memcmp(l->key, "127.0.1.", 8), 0);
            }
        }
        cr_assert_eq(star, 1);
    }

    free_log(&v);
}


/* --- reload under a flood ---------------------------------------------------- */

static volatile int  flood_stop;
static long          flood_done;
static long          flood_failed;

static void *
flood(void *arg)
{
    static const char  *from[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4",
                                   "127.0.0.5" };
    long                i;

    (void) arg;

    for (i = 0; !flood_stop; i++) {
        if (abort_one(from[i % 4], NULL, 0) == 0) {
            flood_done++;
        } else {
            flood_failed++;
        }

        /* a few hundred aborts a second: a flood, on a shared machine */
        rgt_msleep(2);
    }

    return NULL;
}

/* what the summaries held of the readiness probes (127.0.0.1) */
static long
probe_held(logview *v)
{
    long  n = 0;

    for (size_t i = 0; i < v->nsums; i++) {
        if (v->sums[i].s.log == RG_SUMMARY_LOG_ERROR
            && v->sums[i].key_len == 9
            && memcmp(v->sums[i].key, "127.0.0.1", 9) == 0)
        {
            n += (long) v->sums[i].s.suppressed;
        }
    }

    return n;
}

/*
 * "nginx -s reload" every second under a flood: for each log, lines
 * written + suppressed= of the summaries = the aborts made, exactly.
 */
Test(mod_summaries, reload_every_second_under_a_flood_loses_no_count)
{
    logview     v = { 0 };
    pthread_t   th;
    char       *acc;
    long        written;

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_error_log on;\n"
                    "    rstguard_summary_interval 1s;");
    cr_assert_eq(rgt_mod_settle(&ngx), 0);

    flood_stop = 0;
    flood_done = 0;
    flood_failed = 0;
    cr_assert_eq(pthread_create(&th, NULL, flood, NULL), 0);

    for (int i = 0; i < 5; i++) {
        rgt_msleep(1000);
        cr_assert_eq(rgt_nginx_reload(&ngx), 0);
    }

    flood_stop = 1;
    pthread_join(th, NULL);
    cr_assert_eq(flood_failed, 0);
    cr_assert_gt(flood_done, 20);

    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
    read_log(&v);

    acc = rgt_nginx_read(&ngx, "logs/access.log");
    cr_assert_not_null(acc);
    written = (long) rgt_count_lines(acc, "c=client_closed l=1 s=499");
    free(acc);
    cr_assert_eq(written + suppressed(&v, "access", 0), flood_done,
                 "access: %ld written + %ld held != %ld aborts", written,
                 suppressed(&v, "access", 0), flood_done);

    /* the probe of each start and reload (127.0.0.1) is counted apart */
    written = real_lines(v.text, "");
    cr_assert_eq(written + suppressed(&v, "error", 0)
                 - probe_held(&v), flood_done,
                 "error: %ld written + %ld held (%ld probes) != %ld aborts",
                 written, suppressed(&v, "error", 0), probe_held(&v),
                 flood_done);

    free_log(&v);
}


/* --- alerts ------------------------------------------------------------------ */

static long
alerts_counter(void)
{
    json_t  *doc, *a;
    long     v;

    doc = rgt_mod_status(&ngx);
    cr_assert_not_null(doc);
    a = json_object_get(json_object_get(json_object_get(doc, "zones"), "rg"),
                        "alerts");
    cr_assert_not_null(a);
    v = (long) json_integer_value(json_object_get(a, "client_closed"));
    json_decref(doc);

    return v;
}

static long
prometheus_alerts(void)
{
    char  *text = rgt_mod_prometheus(&ngx);
    char  *p;
    long   v;

    cr_assert_not_null(text);
    p = strstr(text, "rstguard_alerts_total{zone=\"rg\","
                     "class=\"client_closed\"} ");
    cr_assert_not_null(p, "%s", text);
    v = strtol(strchr(p, '}') + 2, NULL, 10);
    free(text);

    return v;
}

/*
 * rstguard_alert 1r/s over 2 s intervals: 12 aborts in well under a
 * second make one storm.  Exactly one warn line per interval that ran
 * above the limit (the storm may straddle two intervals), never two in one
 * interval, none once it is over, and the counter says as many.
 */
Test(mod_summaries, alert_once_per_interval_and_counted)
{
    logview      v = { 0 };
    char         ups[64];
    long         count;
    size_t       i;

    start(INFO_LOG, "rstguard_zone zone=rg:1m rate=1r/m burst=1 " GLOBAL ";\n"
                    "    rstguard_summary_interval 2s;\n"
                    "    rstguard_alert 1r/s;");

    aborts("127.0.0.2", NULL, 0, 6);
    aborts("127.0.0.3", NULL, 0, 3);
    aborts("127.0.0.4", NULL, 0, 3);

    for (i = 0; i < 60; i++) {
        read_log(&v);
        if (v.nalerts > 0 && suppressed(&v, "access", 0) == 4 + 1 + 1) {
            break;
        }
        rgt_msleep(100);
    }
    cr_assert_geq(v.nalerts, 1, "%s", v.text);

    /* three more intervals: the storm is over, no new alert */
    rgt_msleep(6500);
    read_log(&v);
    count = (long) v.nalerts;
    cr_assert_leq(count, 2, "%s", v.text);
    cr_assert_eq(alerts_counter(), count);
    cr_assert_eq(prometheus_alerts(), count);
    cr_assert_eq(v.bad, 0, "%s", v.text);

    snprintf(ups, sizeof(ups), "127.0.0.1:%d", up.port);

    for (i = 0; i < v.nalerts; i++) {
        rg_alert  *a = &v.alerts[i];

        cr_assert_eq(a->log, RG_SUMMARY_LOG_ACCESS);
        cr_assert_eq(a->cls, RG_CLASS_CLIENT_CLOSED);
        cr_assert_eq(a->limit, 1);
        cr_assert_eq(a->limit_unit, 's');
        /* the writer looks every 500 ms: a loaded machine can be late */
        cr_assert(a->window >= 2 && a->window <= 4, "window=%llus",
                  (unsigned long long) a->window);
        cr_assert_gt(a->rate_centi, 100);
        cr_assert_eq(a->top_key.len, 9);
        cr_assert_eq(memcmp(a->top_key.p, "127.0.0.", 8), 0);
        cr_assert_eq(a->top_upstream.len, strlen(ups));
        cr_assert_eq(memcmp(a->top_upstream.p, ups, strlen(ups)), 0);
        cr_assert_not_null(memmem(a->sample.p, a->sample.len, "GET /slow",
                                  9));

        /* never two in one interval */
        if (i > 0) {
            cr_assert_geq(seconds_of(v.alert_time[i])
                          - seconds_of(v.alert_time[i - 1]), 1);
        }
    }

    /* the held lines are summarised as always, beside the alert */
    cr_assert_eq(suppressed(&v, "access", 0), 4 + 1 + 1);

    free_log(&v);
    cr_assert_eq(rgt_nginx_stop(&ngx), 0);
}
