/*
 * rgt_upstream.c - an in-process misbehaving upstream (rgt_upstream.h).
 *
 * Threads rather than a forked child: the test reads the counters directly
 * and a crashed test takes the server down with it, so nothing outlives the
 * test process.
 */

#define _GNU_SOURCE             /* accept4, pipe2, POLLRDHUP */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rgt_client.h"
#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define RGT_UP_HEAD_MAX  16384

typedef struct {
    rgt_upstream  *u;
    int            fd;
} rgt_up_conn;


static void
rgt_up_count(rgt_upstream *u, unsigned long *counter)
{
    pthread_mutex_lock(&u->lock);
    (*counter)++;
    pthread_cond_broadcast(&u->idle);
    pthread_mutex_unlock(&u->lock);
}


/*
 * Waits for `events` on fd or for the stop signal; 1 ready, 0 timed out,
 * -1 stopping or error.
 */
static int
rgt_up_wait(rgt_upstream *u, int fd, short events, int timeout_ms)
{
    struct pollfd  pfd[2];
    int            rc;

    pfd[0].fd = fd;
    pfd[0].events = events;
    pfd[1].fd = u->wake[0];
    pfd[1].events = POLLIN;

    do {
        rc = poll(pfd, 2, timeout_ms);
    } while (rc == -1 && errno == EINTR);

    if (rc == -1 || (pfd[1].revents & POLLIN)) {
        return -1;
    }

    return rc == 0 ? 0 : 1;
}


/* Sends everything; 0, or -1 when the peer left, stop or timeout. */
static int
rgt_up_send(rgt_upstream *u, int fd, const char *buf, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        if (rgt_up_wait(u, fd, POLLOUT, u->opts.io_timeout_ms) != 1) {
            return -1;
        }

        n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == -1) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return -1;
        }

        buf += n;
        len -= (size_t) n;
    }

    return 0;
}


/* Sends `len` body bytes of the a..z pattern. */
static int
rgt_up_send_body(rgt_upstream *u, int fd, size_t len)
{
    static char  block[65536];
    size_t       i, chunk;

    if (block[0] == '\0') {
        for (i = 0; i < sizeof(block); i++) {
            block[i] = (char) ('a' + i % 26);
        }
    }

    while (len > 0) {
        chunk = len < sizeof(block) ? len : sizeof(block);

        if (rgt_up_send(u, fd, block, chunk) != 0) {
            return -1;
        }

        len -= chunk;
    }

    return 0;
}


/* Reads up to the end of the request head; 0, or -1. */
static int
rgt_up_read_head(rgt_upstream *u, int fd)
{
    char     buf[RGT_UP_HEAD_MAX + 1];
    size_t   len = 0;
    ssize_t  n;

    while (len < RGT_UP_HEAD_MAX) {
        if (rgt_up_wait(u, fd, POLLIN, u->opts.io_timeout_ms) != 1) {
            return -1;
        }

        n = recv(fd, buf + len, RGT_UP_HEAD_MAX - len, MSG_DONTWAIT);
        if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN)) {
            return -1;
        }

        if (n > 0) {
            len += (size_t) n;
            buf[len] = '\0';

            if (strstr(buf, "\r\n\r\n") != NULL) {
                return 0;
            }
        }
    }

    return -1;
}


/*
 * FastCGI: reads records (8-byte header: version, type, request id, content
 * length, padding length) up to the request's empty FCGI_STDIN (type 5);
 * the request id in *id.  0, or -1.
 */
static int
rgt_up_read_fastcgi(rgt_upstream *u, int fd, unsigned *id)
{
    unsigned char  buf[RGT_UP_HEAD_MAX];
    size_t         len = 0, at = 0, rec;
    ssize_t        n;

    for ( ;; ) {
        while (len - at >= 8) {
            rec = 8 + ((size_t) buf[at + 4] << 8 | buf[at + 5]) + buf[at + 6];
            if (len - at < rec) {
                break;
            }

            if (buf[at + 1] == 5 && rec == 8 + (size_t) buf[at + 6]) {
                *id = (unsigned) buf[at + 2] << 8 | buf[at + 3];
                return 0;
            }

            at += rec;
        }

        if (at > 0) {
            memmove(buf, buf + at, len - at);
            len -= at;
            at = 0;
        }

        if (len == sizeof(buf)
            || rgt_up_wait(u, fd, POLLIN, u->opts.io_timeout_ms) != 1)
        {
            return -1;
        }

        n = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);
        if (n == 0 || (n == -1 && errno != EINTR && errno != EAGAIN)) {
            return -1;
        }

        len += n > 0 ? (size_t) n : 0;
    }
}


/* FastCGI: an empty FCGI_STDOUT (stdout ends before any header), then
   FCGI_END_REQUEST (app status 0, FCGI_REQUEST_COMPLETE). */
static void
rgt_up_fastcgi_empty(rgt_upstream *u, int fd, unsigned id)
{
    unsigned char  rec[24] = {
        1, 6, 0, 0, 0, 0, 0, 0,
        1, 3, 0, 0, 0, 8, 0, 0,   0, 0, 0, 0, 0, 0, 0, 0
    };

    rec[2] = rec[10] = (unsigned char) (id >> 8);
    rec[3] = rec[11] = (unsigned char) id;

    rgt_up_send(u, fd, (const char *) rec, sizeof(rec));
}


static void
rgt_up_reset(int fd)
{
    struct linger  lg = { 1, 0 };

    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}


static int
rgt_up_send_head(rgt_upstream *u, int fd, size_t content_length)
{
    char  head[256];

    snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
             "Content-Type: application/octet-stream\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
             content_length);

    return rgt_up_send(u, fd, head, strlen(head));
}


/*
 * SLOW: waits delay_ms, answering only if nginx is still there.  A
 * readable socket before then means nginx closed (its client gave up):
 * -1, and the connection does not count as answered.
 */
static int
rgt_up_slow(rgt_upstream *u, int fd)
{
    long long  deadline = rgt_now_ms() + u->opts.delay_ms;
    long long  left;
    char       c;
    int        rc;

    while ((left = deadline - rgt_now_ms()) > 0) {
        rc = rgt_up_wait(u, fd, POLLIN | POLLRDHUP, (int) left);
        if (rc == -1) {
            return -1;
        }

        if (rc == 1) {
            if (recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) <= 0) {
                rgt_up_count(u, &u->aborted);
                return -1;
            }
            /* stray bytes (a pipelined request): keep waiting */
            rgt_msleep(10);
        }
    }

    if (rgt_up_send_head(u, fd, u->opts.body_len) == 0) {
        rgt_up_send_body(u, fd, u->opts.body_len);
    }

    return 0;
}


/*
 * UPGRADE: the 101 of a WebSocket handshake, then an echo of whatever
 * comes through the tunnel until nginx closes it (or a reset, stop or
 * io_timeout_ms of silence); the message "reset" resets the tunnel,
 * "flood" sends without end (until nginx closes it).
 */
static void
rgt_up_upgrade(rgt_upstream *u, int fd)
{
    static const char  head[] = "HTTP/1.1 101 Switching Protocols\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n\r\n";
    char     buf[4096];
    ssize_t  n;

    if (rgt_up_send(u, fd, head, sizeof(head) - 1) != 0) {
        return;
    }

    while (rgt_up_wait(u, fd, POLLIN, u->opts.io_timeout_ms) == 1) {
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

        if (n == -1 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }

        if (n <= 0) {
            return;
        }

        if (n >= 5 && memcmp(buf, "reset", 5) == 0) {
            rgt_up_reset(fd);
            return;
        }

        if (n >= 5 && memcmp(buf, "flood", 5) == 0) {
            /* until nginx gives up on a client that does not read */
            while (rgt_up_send_body(u, fd, 65536) == 0) { /* void */ }
            return;
        }

        if (rgt_up_send(u, fd, buf, (size_t) n) != 0) {
            return;
        }
    }
}


static void
rgt_up_serve(rgt_upstream *u, int fd)
{
    char    head[512], *big;
    size_t  n;
    const rgt_upstream_opts  *o = &u->opts;

    if (o->mode == RGT_UP_FASTCGI_EMPTY) {
        unsigned  id;

        if (rgt_up_read_fastcgi(u, fd, &id) != 0) {
            return;
        }
        rgt_up_count(u, &u->requests);
        rgt_up_fastcgi_empty(u, fd, id);
        rgt_up_count(u, &u->answered);
        return;
    }

    if (rgt_up_read_head(u, fd) != 0) {
        return;
    }

    rgt_up_count(u, &u->requests);

    switch (o->mode) {

    case RGT_UP_SLOW:
        if (rgt_up_slow(u, fd) != 0) {
            return;
        }
        break;

    case RGT_UP_TRUNCATE:
        if (rgt_up_send_head(u, fd, o->body_len) == 0) {
            rgt_up_send_body(u, fd, o->send_len);
        }
        break;

    case RGT_UP_CHUNKED_TRUNCATE:
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
                 "Content-Type: application/octet-stream\r\n"
                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 "%zx\r\n", o->send_len);

        if (rgt_up_send(u, fd, head, strlen(head)) == 0
            && rgt_up_send_body(u, fd, o->send_len) == 0)
        {
            /* the chunk ends, the final 0-chunk never comes */
            rgt_up_send(u, fd, "\r\n", 2);
        }
        break;

    case RGT_UP_RESET:
        rgt_up_reset(fd);
        break;

    case RGT_UP_RESET_AFTER_HEADERS:
        if (rgt_up_send_head(u, fd, o->body_len) == 0
            && rgt_up_send_body(u, fd, o->send_len) == 0)
        {
            /* let the bytes reach nginx before the reset overtakes them */
            rgt_up_wait(u, fd, POLLRDHUP, 100);
        }
        rgt_up_reset(fd);
        break;

    case RGT_UP_BIG_HEADER:
        n = o->body_len;
        big = malloc(n + 64);
        if (big == NULL) {
            break;
        }
        memcpy(big, "HTTP/1.1 200 OK\r\nX-Big: ", 24);
        memset(big + 24, 'h', n);
        memcpy(big + 24 + n, "\r\n\r\n", 4);
        rgt_up_send(u, fd, big, n + 28);
        free(big);
        break;

    case RGT_UP_UPGRADE:
        rgt_up_upgrade(u, fd);
        break;

    case RGT_UP_OK:
    case RGT_UP_LARGE:
    default:
        if (rgt_up_send_head(u, fd, o->body_len) == 0) {
            rgt_up_send_body(u, fd, o->body_len);
        }
        break;
    }

    rgt_up_count(u, &u->answered);
}


static void *
rgt_up_conn_thread(void *arg)
{
    rgt_up_conn   *c = arg;
    rgt_upstream  *u = c->u;

    rgt_up_serve(u, c->fd);
    close(c->fd);
    free(c);

    pthread_mutex_lock(&u->lock);
    u->active--;
    pthread_cond_broadcast(&u->idle);
    pthread_mutex_unlock(&u->lock);

    return NULL;
}


static void *
rgt_up_accept_thread(void *arg)
{
    rgt_upstream    *u = arg;
    rgt_up_conn     *c;
    pthread_t        tid;
    pthread_attr_t   attr;
    long long        deadline, left;
    int              fd;

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);

    deadline = rgt_now_ms() + u->opts.lifetime_ms;

    while ((left = deadline - rgt_now_ms()) > 0) {
        if (rgt_up_wait(u, u->listen_fd, POLLIN, (int) left) != 1) {
            break;
        }

        fd = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd == -1) {
            continue;
        }

        c = malloc(sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }

        c->u = u;
        c->fd = fd;

        pthread_mutex_lock(&u->lock);
        u->accepted++;
        u->active++;
        pthread_mutex_unlock(&u->lock);

        if (pthread_create(&tid, &attr, rgt_up_conn_thread, c) != 0) {
            close(fd);
            free(c);
            pthread_mutex_lock(&u->lock);
            u->active--;
            pthread_mutex_unlock(&u->lock);
        }
    }

    pthread_attr_destroy(&attr);

    return NULL;
}


static int
rgt_up_listen(int port, int *bound)
{
    int                 fd, one = 1;
    struct sockaddr_in  sin;
    socklen_t           len = sizeof(sin);

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }

    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || listen(fd, 1024) == -1
        || getsockname(fd, (struct sockaddr *) &sin, &len) == -1)
    {
        close(fd);
        return -1;
    }

    *bound = ntohs(sin.sin_port);

    return fd;
}


int
rgt_upstream_start(rgt_upstream *u, const rgt_upstream_opts *opts)
{
    rgt_upstream_opts  *o;

    memset(u, 0, sizeof(*u));
    u->opts = *opts;
    o = &u->opts;

    if (o->lifetime_ms <= 0) {
        o->lifetime_ms = 120000;
    }
    if (o->io_timeout_ms <= 0) {
        o->io_timeout_ms = 10000;
    }
    if (o->mode == RGT_UP_SLOW && o->delay_ms <= 0) {
        o->delay_ms = 3000;
    }
    if (o->body_len == 0) {
        switch (o->mode) {
        case RGT_UP_LARGE:      o->body_len = 8 * 1024 * 1024; break;
        case RGT_UP_BIG_HEADER: o->body_len = 64 * 1024; break;
        case RGT_UP_TRUNCATE:
        case RGT_UP_CHUNKED_TRUNCATE:
        case RGT_UP_RESET_AFTER_HEADERS:
                                o->body_len = 100000; break;
        default:                o->body_len = 1000; break;
        }
    }
    if (o->send_len == 0 || o->send_len >= o->body_len) {
        o->send_len = o->body_len > 1000 ? 1000 : o->body_len / 2;
    }

    pthread_mutex_init(&u->lock, NULL);
    pthread_cond_init(&u->idle, NULL);
    u->wake[0] = u->wake[1] = -1;

    if (o->port > 0) {
        u->listen_fd = rgt_up_listen(o->port, &u->port);
    } else {
        /* below the ephemeral range, like every other test port */
        for (int i = 0; i < 100; i++) {
            u->listen_fd = rgt_up_listen(rgt_free_tcp_port(), &u->port);
            if (u->listen_fd != -1) {
                break;
            }
        }
    }

    if (u->listen_fd == -1) {
        return -1;
    }

    if (pipe2(u->wake, O_CLOEXEC) == -1) {
        close(u->listen_fd);
        return -1;
    }

    if (pthread_create(&u->acceptor, NULL, rgt_up_accept_thread, u) != 0) {
        close(u->listen_fd);
        close(u->wake[0]);
        close(u->wake[1]);
        return -1;
    }

    u->running = 1;

    return 0;
}


void
rgt_upstream_stop(rgt_upstream *u)
{
    struct timespec  until;

    if (!u->running) {
        return;
    }

    u->running = 0;

    if (write(u->wake[1], "x", 1) != 1) {
        /* a pipe with room cannot fail; the timeouts bound us anyway */
    }

    pthread_join(u->acceptor, NULL);
    close(u->listen_fd);

    /* every connection thread polls wake[0], so they all leave at once */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 15;

    pthread_mutex_lock(&u->lock);
    while (u->active > 0) {
        if (pthread_cond_timedwait(&u->idle, &u->lock, &until) == ETIMEDOUT) {
            fprintf(stderr, "rgt_upstream: %d connection(s) did not stop\n",
                    u->active);
            break;
        }
    }
    pthread_mutex_unlock(&u->lock);

    close(u->wake[0]);
    close(u->wake[1]);
}


static unsigned long
rgt_up_get(rgt_upstream *u, unsigned long *counter)
{
    unsigned long  v;

    pthread_mutex_lock(&u->lock);
    v = *counter;
    pthread_mutex_unlock(&u->lock);

    return v;
}


unsigned long
rgt_upstream_requests(rgt_upstream *u)
{
    return rgt_up_get(u, &u->requests);
}


unsigned long
rgt_upstream_answered(rgt_upstream *u)
{
    return rgt_up_get(u, &u->answered);
}


unsigned long
rgt_upstream_aborted(rgt_upstream *u)
{
    return rgt_up_get(u, &u->aborted);
}


static int
rgt_up_wait_counter(rgt_upstream *u, unsigned long *counter, unsigned long n,
    int timeout_ms)
{
    struct timespec  until;
    int              rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }

    pthread_mutex_lock(&u->lock);
    while (*counter < n) {
        if (pthread_cond_timedwait(&u->idle, &u->lock, &until) == ETIMEDOUT) {
            rc = *counter < n ? -1 : 0;
            break;
        }
    }
    pthread_mutex_unlock(&u->lock);

    return rc;
}


int
rgt_upstream_wait_requests(rgt_upstream *u, unsigned long n, int timeout_ms)
{
    return rgt_up_wait_counter(u, &u->requests, n, timeout_ms);
}


int
rgt_upstream_wait_answered(rgt_upstream *u, unsigned long n, int timeout_ms)
{
    return rgt_up_wait_counter(u, &u->answered, n, timeout_ms);
}


int
rgt_upstream_wait_aborted(rgt_upstream *u, unsigned long n, int timeout_ms)
{
    return rgt_up_wait_counter(u, &u->aborted, n, timeout_ms);
}


/* The low end of the kernel's ephemeral range (32768 if unreadable). */
static int
rgt_ephemeral_low(void)
{
    int    low = 32768, high;
    FILE  *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

    if (f != NULL) {
        if (fscanf(f, "%d %d", &low, &high) != 2 || low < 2048) {
            low = 32768;
        }
        fclose(f);
    }

    return low;
}


/*
 * A port below the ephemeral range, never one the kernel hands out as the
 * source port of an outgoing connection: with a machine full of loopback
 * clients, a port picked by binding port 0 is soon some client's source
 * port, and nginx's later bind() of it fails (nginx then retries for 2.5 s
 * with its other ports already up).  Probed with bind + listen.
 */
int
rgt_free_tcp_port(void)
{
    int       fd, port, bound, low, span, i;
    unsigned  r;

    low = rgt_ephemeral_low();
    span = low - 1 - 10000;

    if (span < 100) {
        fd = rgt_up_listen(0, &bound);
        if (fd == -1) {
            return -1;
        }
        close(fd);
        return bound;
    }

    for (i = 0; i < 1000; i++) {
        if (getrandom(&r, sizeof(r), 0) != sizeof(r)) {
            r = (unsigned) rand();
        }

        port = 10000 + (int) (r % (unsigned) span);

        fd = rgt_up_listen(port, &bound);
        if (fd != -1) {
            close(fd);
            return port;
        }
    }

    return -1;
}


/*
 * A port that is merely free could be taken by a test running beside this
 * one (its nginx or upstream) before nginx connects to it, and then the
 * connect would not be refused.  So the port stays bound, without
 * SO_REUSEADDR and without listen(), until the next call or the end of the
 * process: connects to it are refused (RST), and every other bind of it
 * fails.  The next call lets the last one go, so a caller that drew one of
 * its own nginx's ports (they are probed, not held) can draw again.
 */
int
rgt_closed_port(void)
{
    int                 fd, port;
    struct sockaddr_in  sa;
    static int          held = -1;

    if (held != -1) {
        close(held);
        held = -1;
    }

    for (int tries = 0; tries < 20; tries++) {
        port = rgt_free_tcp_port();
        if (port == -1) {
            return -1;
        }

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd == -1) {
            return -1;
        }

        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t) port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0) {
            held = fd;
            return port;
        }

        close(fd);
    }

    return -1;
}
