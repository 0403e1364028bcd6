/*
 * benchclient.c - the two loopback clients `make bench-module` needs.
 *
 *   benchclient keepalive PORT N PATH [HEADER...]
 *       N GET requests one after another over one keepalive connection
 *       (N = 0: connect and close), each response read in full.  The
 *       request has only a Host header unless more are given
 *       ("User-Agent: curl/7.88.1").  Under callgrind, (Ir(N) - Ir(0)) / N is then the cost of
 *       one request.
 *
 *   benchclient abort PORT COUNT ADDRS SECONDS PATH
 *       COUNT aborted requests spread evenly over SECONDS, from ADDRS client
 *       addresses 127.0.0.10, 127.0.0.11, ... (on through 127.0.1.0): each connects with a 4 KiB
 *       receive buffer, asks for PATH (a file far larger than the socket
 *       buffers), reads the first bytes of the response and resets the
 *       connection (SO_LINGER 0) with the rest unread, so nginx meets the
 *       reset mid-response, as when a user presses Stop.
 *
 * Only loopback addresses; every loop is bounded in count and in time (a
 * run stops at twice SECONDS whatever happened).  Prints one summary line;
 * exits 1 when a request failed.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BC_BUF        65536
#define BC_IO_MS      10000     /* one read or connect may take this long */
#define BC_MAX_ADDRS  100000


static double
bc_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
bc_number(const char *s, long max, long *out)
{
    char  *end;
    long   v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
        fprintf(stderr, "benchclient: bad number \"%s\"\n", s);
        return -1;
    }

    *out = v;
    return 0;
}


/* Connects to 127.0.0.1:port from `from` (or any address when NULL). */
static int
bc_connect(int port, const char *from, int rcvbuf)
{
    int                 fd, one = 1;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }

    if (from != NULL) {
#ifdef IP_BIND_ADDRESS_NO_PORT
        /* the port is chosen at connect(), per destination: no exhaustion */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        if (inet_pton(AF_INET, from, &sin.sin_addr) != 1
            || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1)
        {
            close(fd);
            return -1;
        }
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
        close(fd);
        return -1;
    }

    return fd;
}


static int
bc_send_all(int fd, const char *p, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (n == -1 && errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }

    return 0;
}


/* One read with a timeout: the count, 0 on EOF, -1 on error or timeout. */
static ssize_t
bc_read(int fd, char *buf, size_t cap)
{
    struct pollfd  pfd = { fd, POLLIN, 0 };
    ssize_t        n;

    for ( ;; ) {
        if (poll(&pfd, 1, BC_IO_MS) != 1) {
            return -1;
        }

        n = recv(fd, buf, cap, 0);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        return n;
    }
}


/*
 * Reads one response (headers, then Content-Length bytes of body) into the
 * carry-over buffer; returns the status or -1.  Bytes of a following
 * response stay in buf (*have).
 */
static int
bc_response(int fd, char *buf, size_t *have)
{
    char     *hend, *cl;
    size_t    head, total;
    long      len;
    int       status;
    ssize_t   n;

    for ( ;; ) {
        buf[*have] = '\0';
        hend = strstr(buf, "\r\n\r\n");
        if (hend != NULL) {
            break;
        }
        if (*have >= BC_BUF - 1) {
            return -1;
        }
        n = bc_read(fd, buf + *have, BC_BUF - 1 - *have);
        if (n <= 0) {
            return -1;
        }
        *have += (size_t) n;
    }

    head = (size_t) (hend - buf) + 4;
    if (sscanf(buf, "HTTP/1.%*c %d", &status) != 1) {
        return -1;
    }

    len = 0;
    cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl != NULL && cl < hend) {
        len = strtol(cl + 17, NULL, 10);
    }
    if (len < 0 || (size_t) len > BC_BUF - 1 - head) {
        return -1;
    }

    total = head + (size_t) len;

    while (*have < total) {
        n = bc_read(fd, buf + *have, BC_BUF - 1 - *have);
        if (n <= 0) {
            return -1;
        }
        *have += (size_t) n;
    }

    memmove(buf, buf + total, *have - total);
    *have -= total;

    return status;
}


static int
bc_keepalive(int port, long n, const char *path, char **headers, int nh)
{
    char    req[4096], *buf;
    size_t  have = 0;
    long    i, ok = 0;
    int     fd, len, k, m;

    len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench.local\r\n",
                   path);
    for (k = 0; k < nh && len > 0 && (size_t) len < sizeof(req); k++) {
        m = snprintf(req + len, sizeof(req) - (size_t) len, "%s\r\n",
                     headers[k]);
        len = m < 0 ? -1 : len + m;
    }
    if (len > 0 && (size_t) len < sizeof(req) - 2) {
        len += snprintf(req + len, sizeof(req) - (size_t) len, "\r\n");
    } else {
        len = -1;
    }

    buf = malloc(BC_BUF);
    if (buf == NULL || len <= 0) {
        fprintf(stderr, "benchclient: request too long\n");
        free(buf);
        return 1;
    }

    fd = bc_connect(port, NULL, 0);
    if (fd == -1) {
        fprintf(stderr, "benchclient: connect: %s\n", strerror(errno));
        free(buf);
        return 1;
    }

    for (i = 0; i < n; i++) {
        int  status;

        if (bc_send_all(fd, req, (size_t) len) != 0) {
            break;
        }
        status = bc_response(fd, buf, &have);
        if (status != 200) {
            fprintf(stderr, "benchclient: request %ld: status %d\n", i + 1,
                    status);
            break;
        }
        ok++;
    }

    close(fd);
    free(buf);
    printf("keepalive: %ld of %ld requests answered 200\n", ok, n);

    return ok == n ? 0 : 1;
}


/* Closes with RST: SO_LINGER {1, 0}, unread data in the receive buffer. */
static void
bc_close_rst(int fd)
{
    struct linger  l = { 1, 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    close(fd);
}


static int
bc_abort(int port, long count, long addrs, long seconds, const char *path)
{
    char     req[1024], buf[512], from[32];
    double   start, due, deadline;
    long     i, k, done = 0, failed = 0;
    int      fd, len;
    ssize_t  n;

    len = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: bench.local\r\n"
                   "User-Agent: benchclient/1.0\r\n\r\n", path);
    if (len <= 0 || (size_t) len >= sizeof(req)) {
        return 1;
    }

    start = bc_now();
    deadline = start + 2.0 * (double) seconds + 5.0;

    for (i = 0; i < count && bc_now() < deadline; i++) {
        /* pace: abort i is due at start + i * seconds / count */
        due = start + (double) i * (double) seconds / (double) count;
        while (bc_now() < due) {
            struct timespec  ts = { 0, 200000 };

            nanosleep(&ts, NULL);
        }

        /* 127.0.0.10 onwards through 127.0.0.0/8: 10,000 addresses fit */
        k = 10 + i % addrs;
        snprintf(from, sizeof(from), "127.%ld.%ld.%ld", (k >> 16) & 255,
                 (k >> 8) & 255, k & 255);

        fd = bc_connect(port, from, 4096);
        if (fd == -1) {
            failed++;
            continue;
        }

        if (bc_send_all(fd, req, (size_t) len) != 0) {
            close(fd);
            failed++;
            continue;
        }

        /* the first bytes prove nginx is mid-response; then reset */
        n = bc_read(fd, buf, sizeof(buf));
        if (n <= 0) {
            failed++;
        } else {
            done++;
        }
        bc_close_rst(fd);
    }

    printf("abort: %ld aborted requests from %ld addresses in %.2f s, "
           "%ld failed\n", done, addrs, bc_now() - start, failed);

    return failed == 0 && done == count ? 0 : 1;
}


int
main(int argc, char **argv)
{
    long  port, n, addrs, seconds;

    if (argc >= 5 && strcmp(argv[1], "keepalive") == 0) {
        if (bc_number(argv[2], 65535, &port) != 0
            || bc_number(argv[3], 100000000, &n) != 0)
        {
            return 2;
        }
        return bc_keepalive((int) port, n, argv[4], argv + 5, argc - 5);
    }

    if (argc == 7 && strcmp(argv[1], "abort") == 0) {
        if (bc_number(argv[2], 65535, &port) != 0
            || bc_number(argv[3], 10000000, &n) != 0
            || bc_number(argv[4], BC_MAX_ADDRS, &addrs) != 0
            || bc_number(argv[5], 3600, &seconds) != 0
            || addrs == 0)
        {
            return 2;
        }
        return bc_abort((int) port, n, addrs, seconds, argv[6]);
    }

    fprintf(stderr,
            "usage: benchclient keepalive PORT N PATH [HEADER...]\n"
            "       benchclient abort PORT COUNT ADDRS SECONDS PATH\n");
    return 2;
}
