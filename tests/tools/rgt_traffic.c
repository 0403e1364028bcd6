/*
 * rgt_traffic - real normal requests and real client aborts against a
 * loopback nginx, for `make demo` and the benchmarks.
 *
 *   rgt_traffic --port P [--h2-port P2] --normal N --aborts N
 *               [--kind rst|fin|h2cancel|mix] [--from A[-B] | --clients N]
 *               [--path /x] [--abort-path /slow] [--abort-delay MS]
 *               [--duration S] [--concurrency C] [--json]
 *               [--upstream-port P [--upstream-delay MS]]
 *   rgt_traffic --free-ports N
 *
 * Every request goes to 127.0.0.1 from a loopback source address (spread
 * round robin over --from or --clients), so nginx sees distinct clients.
 * The run is bounded by the counts and by --duration; what it did is
 * printed as one line (or one JSON object with --json).  --upstream-port
 * runs a slow upstream (tests/lib/rgt_upstream) in this process for the
 * length of the run, so nginx has something to wait on while clients
 * abort; --free-ports prints free loopback ports for a config, so the demo
 * needs no other tool.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define MAX_ADDRS    60000
#define MAX_THREADS  256

typedef enum { K_RST = 0, K_FIN, K_H2, K_N } abort_kind;

static const char  *kind_names[K_N] = { "rst", "fin", "h2cancel" };

typedef struct {
    char           addr[16];
    unsigned long  normal;
    unsigned long  aborts;
    unsigned long  failed;
} addr_stats;

typedef struct {
    int            port;
    int            h2_port;
    long           normal;
    long           aborts;
    int            kind;          /* K_* or K_N for mix */
    const char    *path;
    const char    *abort_path;
    int            abort_delay;   /* ms between request and abort */
    double         duration;      /* s; 0 = unbounded but counts */
    int            concurrency;
    int            json;
    int            upstream_port;
    int            upstream_delay;

    addr_stats    *addrs;
    long           naddrs;

    /* shared progress, under lock */
    pthread_mutex_t  lock;
    long           next;          /* next job index */
    long           total;
    long long      deadline;
    int            cut_short;
    unsigned long  normal_ok, normal_failed;
    unsigned long  aborts_done[K_N], aborts_failed;
} traffic;


static void
usage(FILE *out)
{
    fprintf(out,
        "usage: rgt_traffic --port P [--h2-port P2] --normal N --aborts N\n"
        "         [--kind rst|fin|h2cancel|mix] [--from A[-B] | --clients N]\n"
        "         [--path /x] [--abort-path /slow] [--abort-delay MS]\n"
        "         [--duration S] [--concurrency C] [--json]\n"
        "         [--upstream-port P [--upstream-delay MS]]\n"
        "       rgt_traffic --free-ports N\n");
}


static int
parse_long(const char *opt, const char *s, long min, long max, long *out)
{
    char  *end;
    long   v;

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "rgt_traffic: --%s: \"%s\" is not a number in "
                "%ld..%ld\n", opt, s, min, max);
        return -1;
    }

    *out = v;

    return 0;
}


/* A loopback IPv4 address as a host-order number; -1 if not 127/8. */
static long
loopback_addr(const char *s)
{
    struct in_addr  a;
    unsigned long   h;

    if (inet_pton(AF_INET, s, &a) != 1) {
        return -1;
    }

    h = ntohl(a.s_addr);

    return (h >> 24) == 127 ? (long) h : -1;
}


static int
add_addrs(traffic *t, unsigned long first, unsigned long last)
{
    struct in_addr  a;

    if (last < first || last - first + 1 > MAX_ADDRS) {
        fprintf(stderr, "rgt_traffic: 1..%d client addresses, please\n",
                MAX_ADDRS);
        return -1;
    }

    t->naddrs = (long) (last - first + 1);
    t->addrs = calloc((size_t) t->naddrs, sizeof(addr_stats));
    if (t->addrs == NULL) {
        return -1;
    }

    for (long i = 0; i < t->naddrs; i++) {
        a.s_addr = htonl((uint32_t) (first + (unsigned long) i));
        inet_ntop(AF_INET, &a, t->addrs[i].addr, sizeof(t->addrs[i].addr));
    }

    return 0;
}


/* --from 127.0.0.2-127.0.0.9 or --from 127.0.0.5 */
static int
parse_from(traffic *t, const char *s)
{
    char   first[32];
    long   a, b;
    const char  *dash = strchr(s, '-');

    if (dash == NULL) {
        a = b = loopback_addr(s);
    } else {
        snprintf(first, sizeof(first), "%.*s", (int) (dash - s), s);
        a = loopback_addr(first);
        b = loopback_addr(dash + 1);
    }

    if (a < 0 || b < 0) {
        fprintf(stderr, "rgt_traffic: --from \"%s\": only loopback "
                "addresses (127.0.0.0/8)\n", s);
        return -1;
    }

    return add_addrs(t, (unsigned long) a, (unsigned long) b);
}


static int
is_abort_job(const traffic *t, long j)
{
    /* spreads the aborts evenly among the normal requests */
    return (j + 1) * t->aborts / t->total > j * t->aborts / t->total;
}


static abort_kind
kind_of(const traffic *t, long nth_abort)
{
    int  kinds;

    if (t->kind != K_N) {
        return (abort_kind) t->kind;
    }

    kinds = t->h2_port > 0 ? 3 : 2;

    return (abort_kind) (nth_abort % kinds);
}


static int
do_abort(traffic *t, abort_kind k, const char *from)
{
    int            fd;
    rgt_h2_result  res;
    rgt_h2_opts    o;

    if (k == K_H2) {
        memset(&o, 0, sizeof(o));
        o.from = from;
        o.path = t->abort_path;
        o.how = RGT_H2_CANCEL_WAITING;
        o.wait_ms = t->abort_delay;

        return rgt_h2_request(t->h2_port, &o, &res);
    }

    /* a small receive buffer, so a big abort path is cut mid-response */
    fd = rgt_open_request(t->port, from, t->abort_path, RGT_SMALL_RCVBUF);
    if (fd == -1) {
        return -1;
    }

    rgt_msleep(t->abort_delay);
    rgt_abort(fd, k == K_RST ? RGT_RST : RGT_FIN, 5000);

    return 0;
}


static void *
worker(void *arg)
{
    traffic     *t = arg;
    long         j, nth;
    int          abort, rc, status;
    addr_stats  *a;
    abort_kind   k = K_RST;

    for ( ;; ) {
        pthread_mutex_lock(&t->lock);

        if (t->next >= t->total) {
            pthread_mutex_unlock(&t->lock);
            break;
        }

        if (t->duration > 0 && rgt_now_ms() >= t->deadline) {
            t->cut_short = 1;
            pthread_mutex_unlock(&t->lock);
            break;
        }

        j = t->next++;
        pthread_mutex_unlock(&t->lock);

        a = &t->addrs[j % t->naddrs];
        abort = is_abort_job(t, j);

        if (abort) {
            nth = j * t->aborts / t->total;
            k = kind_of(t, nth);
            rc = do_abort(t, k, a->addr);
        } else {
            status = rgt_http_get(t->port, a->addr, t->path, NULL, 0);
            rc = (status >= 200 && status < 400) ? 0 : -1;
        }

        pthread_mutex_lock(&t->lock);

        if (rc != 0) {
            a->failed++;
        }

        if (abort) {
            a->aborts++;
            if (rc == 0) {
                t->aborts_done[k]++;
            } else {
                t->aborts_failed++;
            }
        } else {
            a->normal++;
            if (rc == 0) {
                t->normal_ok++;
            } else {
                t->normal_failed++;
            }
        }

        pthread_mutex_unlock(&t->lock);
    }

    return NULL;
}


static void
report_text(traffic *t, double elapsed)
{
    printf("rgt_traffic: normal=%ld ok=%lu failed=%lu aborts=%ld",
           t->normal, t->normal_ok, t->normal_failed, t->aborts);

    for (int k = 0; k < K_N; k++) {
        printf(" %s=%lu", kind_names[k], t->aborts_done[k]);
    }

    printf(" abort_failed=%lu elapsed=%.2fs%s addresses=%ld",
           t->aborts_failed, elapsed, t->cut_short ? " cut_short" : "",
           t->naddrs);

    for (long i = 0; i < t->naddrs; i++) {
        if (t->addrs[i].normal + t->addrs[i].aborts == 0) {
            continue;
        }
        printf(" %s:%lu/%lu", t->addrs[i].addr, t->addrs[i].normal,
               t->addrs[i].aborts);
    }

    printf("\n");
}


static int
report_json(traffic *t, double elapsed)
{
    json_t  *root, *aborts, *by;

    aborts = json_pack("{s:I, s:I}", "requested", (json_int_t) t->aborts,
                       "failed", (json_int_t) t->aborts_failed);
    by = json_object();

    if (aborts == NULL || by == NULL) {
        return -1;
    }

    for (int k = 0; k < K_N; k++) {
        json_object_set_new(aborts, kind_names[k],
                            json_integer((json_int_t) t->aborts_done[k]));
    }

    for (long i = 0; i < t->naddrs; i++) {
        if (t->addrs[i].normal + t->addrs[i].aborts == 0) {
            continue;
        }
        json_object_set_new(by, t->addrs[i].addr,
            json_pack("{s:I, s:I, s:I}",
                      "normal", (json_int_t) t->addrs[i].normal,
                      "aborts", (json_int_t) t->addrs[i].aborts,
                      "failed", (json_int_t) t->addrs[i].failed));
    }

    root = json_pack("{s:{s:I, s:I, s:I}, s:o, s:o, s:f, s:b}",
                     "normal", "requested", (json_int_t) t->normal,
                     "ok", (json_int_t) t->normal_ok,
                     "failed", (json_int_t) t->normal_failed,
                     "aborts", aborts, "by_address", by,
                     "elapsed_s", elapsed, "cut_short", t->cut_short);
    if (root == NULL) {
        return -1;
    }

    if (json_dumpf(root, stdout, JSON_COMPACT | JSON_SORT_KEYS) != 0) {
        json_decref(root);
        return -1;
    }

    printf("\n");
    json_decref(root);

    return 0;
}


static int
free_ports(long n)
{
    int  seen[64], port;

    for (long i = 0; i < n; i++) {
        do {
            port = rgt_free_tcp_port();
            if (port == -1) {
                perror("rgt_traffic: no free port");
                return 1;
            }
            for (long j = 0; j < i; j++) {
                if (seen[j] == port) {
                    port = 0;
                }
            }
        } while (port == 0);

        seen[i] = port;
        printf("%s%d", i ? " " : "", port);
    }

    printf("\n");

    return 0;
}


static int
parse_args(traffic *t, int argc, char **argv)
{
    long  v;
    int   c, idx;

    static const struct option  opts[] = {
        { "port",           required_argument, NULL, 'p' },
        { "h2-port",        required_argument, NULL, '2' },
        { "normal",         required_argument, NULL, 'n' },
        { "aborts",         required_argument, NULL, 'a' },
        { "kind",           required_argument, NULL, 'k' },
        { "from",           required_argument, NULL, 'f' },
        { "clients",        required_argument, NULL, 'c' },
        { "path",           required_argument, NULL, 'P' },
        { "abort-path",     required_argument, NULL, 'A' },
        { "abort-delay",    required_argument, NULL, 'D' },
        { "duration",       required_argument, NULL, 'd' },
        { "concurrency",    required_argument, NULL, 'C' },
        { "json",           no_argument,       NULL, 'j' },
        { "upstream-port",  required_argument, NULL, 'u' },
        { "upstream-delay", required_argument, NULL, 'U' },
        { "free-ports",     required_argument, NULL, 'F' },
        { "help",           no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    while ((c = getopt_long(argc, argv, "", opts, &idx)) != -1) {
        const char  *name = c == '?' ? "" : opts[idx].name;

        switch (c) {
        case 'p': case '2': case 'u':
            if (parse_long(name, optarg, 1, 65535, &v) != 0) {
                return -1;
            }
            *(c == 'p' ? &t->port : c == '2' ? &t->h2_port
                                             : &t->upstream_port) = (int) v;
            break;
        case 'n': case 'a':
            if (parse_long(name, optarg, 0, 10000000, &v) != 0) {
                return -1;
            }
            *(c == 'n' ? &t->normal : &t->aborts) = v;
            break;
        case 'k':
            t->kind = -1;
            for (int k = 0; k < K_N; k++) {
                if (strcmp(optarg, kind_names[k]) == 0) {
                    t->kind = k;
                }
            }
            if (strcmp(optarg, "mix") == 0) {
                t->kind = K_N;
            }
            if (t->kind < 0) {
                fprintf(stderr, "rgt_traffic: --kind \"%s\": rst, fin, "
                        "h2cancel or mix\n", optarg);
                return -1;
            }
            break;
        case 'f':
            if (t->addrs != NULL || parse_from(t, optarg) != 0) {
                return -1;
            }
            break;
        case 'c':
            if (t->addrs != NULL
                || parse_long(name, optarg, 1, MAX_ADDRS, &v) != 0
                /* 127.0.0.2 upwards: 127.0.0.1 stays the harness's own */
                || add_addrs(t, 0x7f000002UL, 0x7f000002UL + (unsigned long) v
                                                             - 1) != 0)
            {
                return -1;
            }
            break;
        case 'P':
            t->path = optarg;
            break;
        case 'A':
            t->abort_path = optarg;
            break;
        case 'D': case 'U':
            if (parse_long(name, optarg, 0, 600000, &v) != 0) {
                return -1;
            }
            *(c == 'D' ? &t->abort_delay : &t->upstream_delay) = (int) v;
            break;
        case 'd':
            if (parse_long(name, optarg, 1, 3600, &v) != 0) {
                return -1;
            }
            t->duration = (double) v;
            break;
        case 'C':
            if (parse_long(name, optarg, 1, MAX_THREADS, &v) != 0) {
                return -1;
            }
            t->concurrency = (int) v;
            break;
        case 'j':
            t->json = 1;
            break;
        case 'F':
            if (parse_long(name, optarg, 1, 64, &v) != 0) {
                return -1;
            }
            exit(free_ports(v));
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }

    if (optind < argc) {
        fprintf(stderr, "rgt_traffic: unexpected argument \"%s\"\n",
                argv[optind]);
        return -1;
    }

    if (t->port == 0 && (t->normal > 0 || t->kind != K_H2)) {
        fprintf(stderr, "rgt_traffic: --port is required\n");
        return -1;
    }

    if (t->kind == K_H2 && t->h2_port == 0 && t->aborts > 0) {
        fprintf(stderr, "rgt_traffic: --kind h2cancel needs --h2-port\n");
        return -1;
    }

    if (t->addrs == NULL && parse_from(t, "127.0.0.2-127.0.0.9") != 0) {
        return -1;
    }

    return 0;
}


int
main(int argc, char **argv)
{
    traffic            t;
    pthread_t          tids[MAX_THREADS];
    int                i, started = 0, rc;
    long long          t0;
    double             elapsed;
    rgt_upstream       up;
    rgt_upstream_opts  uo;

    memset(&t, 0, sizeof(t));
    t.kind = K_N;
    t.path = "/";
    t.abort_path = "/slow";
    t.abort_delay = 20;
    t.concurrency = 8;
    t.upstream_delay = 5000;

    if (parse_args(&t, argc, argv) != 0) {
        return 2;
    }

    t.total = t.normal + t.aborts;
    pthread_mutex_init(&t.lock, NULL);

    if (t.upstream_port > 0) {
        memset(&uo, 0, sizeof(uo));
        uo.mode = RGT_UP_SLOW;
        uo.port = t.upstream_port;
        uo.delay_ms = t.upstream_delay;
        /* the slow upstream lives exactly as long as the run may */
        uo.lifetime_ms = t.duration > 0 ? (int) (t.duration * 1000) + 10000
                                        : 600000;

        if (rgt_upstream_start(&up, &uo) != 0) {
            fprintf(stderr, "rgt_traffic: cannot listen on 127.0.0.1:%d: "
                    "%s\n", t.upstream_port, strerror(errno));
            return 1;
        }
    }

    t0 = rgt_now_ms();
    t.deadline = t0 + (long long) (t.duration * 1000);

    for (i = 0; i < t.concurrency && i < t.total; i++) {
        if (pthread_create(&tids[i], NULL, worker, &t) != 0) {
            break;
        }
        started++;
    }

    for (i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
    }

    elapsed = (double) (rgt_now_ms() - t0) / 1000.0;

    if (t.upstream_port > 0) {
        rgt_upstream_stop(&up);
    }

    if (t.json) {
        rc = report_json(&t, elapsed);
    } else {
        report_text(&t, elapsed);
        rc = 0;
    }

    free(t.addrs);

    if (rc != 0) {
        return 1;
    }

    return (t.normal_failed || t.aborts_failed || t.cut_short) ? 1 : 0;
}
