/*
 * rgt_mod.c - helpers for the module's integration tests (rgt_mod.h).
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
#include "rgt_mod.h"


#define RGT_MOD_TRUNC_HEAD                                                   \
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"          \
    "Content-Length: 100000\r\nConnection: close\r\n\r\n"


static void *
rgt_mod_up_conn(void *arg)
{
    int     fd = (int) (intptr_t) arg;
    char    req[4096], body[1000];
    size_t  len = 0;

    /* the request head */
    while (len + 1 < sizeof(req)) {
        struct pollfd  pfd = { fd, POLLIN, 0 };

        if (poll(&pfd, 1, 10000) <= 0) {
            break;
        }

        ssize_t  n = recv(fd, req + len, sizeof(req) - 1 - len, 0);
        if (n <= 0) {
            break;
        }

        len += (size_t) n;
        req[len] = '\0';

        if (strstr(req, "\r\n\r\n") != NULL) {
            break;
        }
    }

    req[len] = '\0';

    if (strstr(req, "/trunc") != NULL) {
        memset(body, 'x', sizeof(body));
        rgt_send_all(fd, RGT_MOD_TRUNC_HEAD, sizeof(RGT_MOD_TRUNC_HEAD) - 1);
        rgt_send_all(fd, body, sizeof(body));

    } else {
        /* slow: answer nothing, wait for nginx to give up */
        rgt_read_some(fd, 1, 10000);
    }

    close(fd);

    return NULL;
}


static void *
rgt_mod_up_accept(void *arg)
{
    rgt_mod_up  *up = arg;

    while (!up->stop) {
        struct pollfd  pfd = { up->fd, POLLIN, 0 };
        pthread_t      th;
        int            c;

        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }

        c = accept(up->fd, NULL, NULL);
        if (c == -1) {
            continue;
        }

        if (pthread_create(&th, NULL, rgt_mod_up_conn, (void *) (intptr_t) c)
            != 0)
        {
            close(c);
            continue;
        }

        pthread_detach(th);
    }

    return NULL;
}


int
rgt_mod_up_start(rgt_mod_up *up, int port)
{
    int                 one = 1;
    struct sockaddr_in  sin;

    memset(up, 0, sizeof(*up));
    up->port = port;

    up->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (up->fd == -1) {
        return -1;
    }

    setsockopt(up->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short) port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (bind(up->fd, (struct sockaddr *) &sin, sizeof(sin)) == -1
        || listen(up->fd, 64) == -1
        || pthread_create(&up->acceptor, NULL, rgt_mod_up_accept, up) != 0)
    {
        close(up->fd);
        return -1;
    }

    up->running = 1;

    return 0;
}


void
rgt_mod_up_stop(rgt_mod_up *up)
{
    if (!up->running) {
        return;
    }

    up->stop = 1;
    pthread_join(up->acceptor, NULL);
    close(up->fd);
    up->running = 0;
}


size_t
rgt_mod_count(const char *text, const char *addr, const char *cls,
    const char *log)
{
    char  needle[256];

    if (log != NULL) {
        snprintf(needle, sizeof(needle), "a=%s c=%s l=%s ", addr, cls, log);

    } else {
        snprintf(needle, sizeof(needle), "a=%s c=%s ", addr, cls);
    }

    return text != NULL ? rgt_count_lines(text, needle) : 0;
}


int
rgt_mod_wait_lines(rgt_nginx *n, const char *rel, const char *needle,
    size_t lines)
{
    char  path[600];

    return rgt_wait_lines(rgt_nginx_path(n, rel, path, sizeof(path)), needle,
                          lines, 10000);
}


int
rgt_mod_wait_file(const char *path)
{
    int  i;

    for (i = 0; i < 250; i++) {
        if (access(path, F_OK) == 0) {
            return 0;
        }

        rgt_msleep(20);
    }

    return -1;
}


char *
rgt_mod_get(int port, const char *path, int *status)
{
    char        *resp, *body;
    const char  *p;
    size_t       cap = 1 << 20;

    resp = malloc(cap);
    if (resp == NULL) {
        return NULL;
    }

    *status = rgt_http_get(port, NULL, path, resp, cap);

    p = strstr(resp, "\r\n\r\n");
    body = (p != NULL) ? strdup(p + 4) : NULL;
    free(resp);

    return body;
}


json_t *
rgt_mod_status(rgt_nginx *n)
{
    int           status;
    char         *body;
    json_t       *doc;
    json_error_t  err;

    body = rgt_mod_get(n->port[0], "/status", &status);
    if (body == NULL || status != 200) {
        free(body);
        return NULL;
    }

    doc = json_loads(body, 0, &err);
    free(body);

    return doc;
}


long
rgt_mod_counter(json_t *doc, const char *zone, const char *log,
    const char *cls, const char *outcome)
{
    json_t  *v;

    v = json_object_get(json_object_get(json_object_get(json_object_get(
            json_object_get(json_object_get(doc, "zones"), zone), "lines"),
            log), cls), outcome);

    return json_is_integer(v) ? (long) json_integer_value(v) : -1;
}
