/*
 * rgt_client.c - real TCP clients for integration tests (rgt_client.h).
 */

#define _GNU_SOURCE             /* strcasestr */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_nginx.h"


int
rgt_connect(int port, const char *from, int rcvbuf)
{
    int                 fd, one = 1;
    struct sockaddr_in  sin;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }

    if (rcvbuf > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }

    if (from != NULL) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* the port is chosen at connect(): a flood from one address can
           then use the whole ephemeral range per destination */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        inet_pton(AF_INET, from, &sin.sin_addr);

        if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1) {
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


int
rgt_send_all(int fd, const char *buf, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }

        buf += n;
        len -= (size_t) n;
    }

    return 0;
}


int
rgt_http_get(int port, const char *from, const char *path, char *resp,
    size_t cap)
{
    int      fd, status;
    char     local[4096], *buf;
    size_t   len = 0, size;
    ssize_t  n;

    buf = resp != NULL ? resp : local;
    size = resp != NULL ? cap : sizeof(local);

    fd = rgt_open_request(port, from, path, 0);
    if (fd == -1) {
        return -1;
    }

    for ( ;; ) {
        char  sink[16384];

        if (len + 1 < size) {
            n = recv(fd, buf + len, size - len - 1, 0);
            if (n > 0) {
                len += (size_t) n;
            }
        } else {
            n = recv(fd, sink, sizeof(sink), 0);
        }

        if (n == 0 || (n == -1 && errno != EINTR)) {
            break;
        }
    }

    buf[len] = '\0';
    close(fd);

    if (sscanf(buf, "HTTP/1.%*c %d", &status) != 1) {
        return -1;
    }

    return status;
}


void
rgt_close_rst(int fd)
{
    struct linger  lg = { 1, 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}


size_t
rgt_read_some(int fd, size_t n, int timeout_ms)
{
    char           buf[16384];
    size_t         got = 0;
    ssize_t        r;
    struct pollfd  pfd = { fd, POLLIN, 0 };

    while (got < n) {
        if (poll(&pfd, 1, timeout_ms) <= 0) {
            break;
        }

        r = recv(fd, buf, n - got < sizeof(buf) ? n - got : sizeof(buf), 0);
        if (r <= 0) {
            break;
        }

        got += (size_t) r;
    }

    return got;
}


long long
rgt_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/* "GET path HTTP/1.1" with Connection: close, into req. */
static void
rgt_get_request(char *req, size_t size, const char *path)
{
    snprintf(req, size, "GET %s HTTP/1.1\r\nHost: localhost\r\n"
             "Connection: close\r\n\r\n", path);
}


/* Connects and sends len bytes; the fd, or -1. */
static int
rgt_connect_send(int port, const char *from, int rcvbuf, const char *data,
    size_t len)
{
    int  fd;

    fd = rgt_connect(port, from, rcvbuf);
    if (fd == -1) {
        return -1;
    }

    if (rgt_send_all(fd, data, len) != 0) {
        close(fd);
        return -1;
    }

    return fd;
}


int
rgt_open_request(int port, const char *from, const char *path, int rcvbuf)
{
    char  req[2048];

    rgt_get_request(req, sizeof(req), path);

    return rgt_connect_send(port, from, rcvbuf, req, strlen(req));
}


size_t
rgt_abort(int fd, rgt_abort_how how, int timeout_ms)
{
    size_t  drained = 0;

    if (how == RGT_RST) {
        rgt_close_rst(fd);
        return 0;
    }

    if (how == RGT_FIN_RST) {
        shutdown(fd, SHUT_WR);
        rgt_msleep(100);
        rgt_close_rst(fd);
        return 0;
    }

    if (shutdown(fd, SHUT_WR) == 0) {
        drained = rgt_read_some(fd, (size_t) -1, timeout_ms);
    }

    close(fd);

    return drained;
}


/* A GET through a 4 KiB receive buffer, read_bytes of it read; fd or -1. */
static int
rgt_start_download(int port, const char *from, const char *path,
    size_t read_bytes, size_t *got)
{
    int  fd;

    fd = rgt_open_request(port, from, path, RGT_SMALL_RCVBUF);
    if (fd == -1) {
        return -1;
    }

    *got = rgt_read_some(fd, read_bytes, 5000);

    return fd;
}


long
rgt_abort_download(int port, const char *from, const char *path,
    rgt_abort_how how, size_t read_bytes, int settle_ms)
{
    int     fd;
    size_t  got;

    fd = rgt_start_download(port, from, path, read_bytes, &got);
    if (fd == -1) {
        return -1;
    }

    if (got < read_bytes) {
        /* the response ended (or stalled) before the abort point */
        close(fd);
        return -1;
    }

    /* nginx refills the window and blocks on a full socket again */
    rgt_msleep(settle_ms);
    rgt_abort(fd, how, 5000);

    return (long) got;
}


int
rgt_abort_waiting(int port, const char *from, const char *path,
    rgt_abort_how how, int wait_ms)
{
    char  req[2048];

    rgt_get_request(req, sizeof(req), path);

    return rgt_abort_partial(port, from, req, strlen(req), how, wait_ms);
}


long
rgt_slow_reader(int port, const char *from, const char *path,
    size_t read_bytes, int stall_ms)
{
    int     fd;
    size_t  got;

    fd = rgt_start_download(port, from, path, read_bytes, &got);
    if (fd == -1) {
        return -1;
    }

    rgt_msleep(stall_ms);

    /* nginx gave up on us: what it had queued, then its FIN */
    got += rgt_read_some(fd, (size_t) -1, 5000);
    close(fd);

    return (long) got;
}


/* Reads one response head + Content-Length body; its status or -1. */
static int
rgt_read_response(int fd, char *buf, size_t size)
{
    int          status;
    size_t       len = 0, head, body;
    ssize_t      n;
    const char  *end, *cl;

    for ( ;; ) {
        if (len + 1 >= size) {
            return -1;
        }

        n = recv(fd, buf + len, size - len - 1, 0);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }

        len += (size_t) n;
        buf[len] = '\0';

        end = strstr(buf, "\r\n\r\n");
        if (end != NULL) {
            break;
        }
    }

    head = (size_t) (end - buf) + 4;
    cl = strcasestr(buf, "\r\nContent-Length:");

    if (sscanf(buf, "HTTP/1.%*c %d", &status) != 1 || cl == NULL || cl > end
        || sscanf(cl + 17, " %zu", &body) != 1)
    {
        return -1;
    }

    if (len - head > body) {
        /* nothing may follow: one request in flight at a time */
        return -1;
    }

    if (rgt_read_some(fd, body - (len - head), 5000) != body - (len - head)) {
        return -1;
    }

    return status;
}


int
rgt_http_keepalive(int port, const char *from, const char *path, int n)
{
    int   fd, i, ok = 0;
    char  req[2048], buf[8192];

    fd = rgt_connect(port, from, 0);
    if (fd == -1) {
        return -1;
    }

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
             path);

    for (i = 0; i < n; i++) {
        if (rgt_send_all(fd, req, strlen(req)) != 0) {
            close(fd);
            return -1;
        }

        switch (rgt_read_response(fd, buf, sizeof(buf))) {
        case -1:
            close(fd);
            return -1;
        case 200:
            ok++;
            break;
        default:
            break;
        }
    }

    /* every byte was read: close() sends a FIN, not a reset */
    close(fd);

    return ok;
}


int
rgt_abort_partial(int port, const char *from, const char *data, size_t len,
    rgt_abort_how how, int wait_ms)
{
    int  fd;

    fd = rgt_connect_send(port, from, 0, data, len);
    if (fd == -1) {
        return -1;
    }

    /* nginx has read what came and waits for the rest */
    rgt_msleep(wait_ms);
    rgt_abort(fd, how, 5000);

    return 0;
}


long
rgt_stall_partial(int port, const char *from, const char *data, size_t len,
    int timeout_ms)
{
    int            fd;
    char           buf[4096];
    long           got = 0;
    ssize_t        n;
    struct pollfd  pfd;

    fd = rgt_connect_send(port, from, 0, data, len);
    if (fd == -1) {
        return -1;
    }

    pfd.fd = fd;
    pfd.events = POLLIN;

    for ( ;; ) {
        if (poll(&pfd, 1, timeout_ms) <= 0) {
            close(fd);
            return -1;
        }

        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            break;
        }

        got += n;
    }

    close(fd);

    return got;
}
