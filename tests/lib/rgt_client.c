/*
 * rgt_client.c - real TCP clients for integration tests (rgt_client.h).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rgt_client.h"


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
    char     req[2048], local[4096], *buf;
    size_t   len = 0, size;
    ssize_t  n;

    buf = resp != NULL ? resp : local;
    size = resp != NULL ? cap : sizeof(local);

    fd = rgt_connect(port, from, 0);
    if (fd == -1) {
        return -1;
    }

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
             "Connection: close\r\n\r\n", path);

    if (rgt_send_all(fd, req, strlen(req)) != 0) {
        close(fd);
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
