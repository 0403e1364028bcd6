/*
 * rgt_abort.c - aborting clients (rgt_abort.h).
 */

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rgt_abort.h"
#include "rgt_client.h"
#include "rgt_nginx.h"


#define RGT_SMALL_RCVBUF  4096


static int
rgt_abort_request(int port, const char *from, const char *path, int rcvbuf)
{
    int   fd;
    char  req[1024];

    fd = rgt_connect(port, from, rcvbuf);
    if (fd == -1) {
        return -1;
    }

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
             path);

    if (rgt_send_all(fd, req, strlen(req)) != 0) {
        close(fd);
        return -1;
    }

    return fd;
}


int
rgt_abort(int port, const char *from, const char *path, rgt_abort_how how,
    size_t read_first, int pause_ms)
{
    int  fd;

    fd = rgt_abort_request(port, from, path,
                           read_first ? RGT_SMALL_RCVBUF : 0);
    if (fd == -1) {
        return -1;
    }

    if (read_first && rgt_read_some(fd, read_first, 5000) < read_first) {
        close(fd);
        return -1;
    }

    rgt_msleep(pause_ms);

    if (how == RGT_ABORT_RST) {
        rgt_close_rst(fd);
        return 0;
    }

    shutdown(fd, SHUT_WR);

    /* nginx closes once it has seen the FIN; whatever it had sent drains */
    while (rgt_read_some(fd, 1 << 20, 5000) == (size_t) 1 << 20) {
        /* go on draining */
    }

    close(fd);

    return 0;
}


int
rgt_stall(int port, const char *from, const char *path, size_t read_first)
{
    int  fd;

    fd = rgt_abort_request(port, from, path, RGT_SMALL_RCVBUF);
    if (fd == -1) {
        return -1;
    }

    if (rgt_read_some(fd, read_first, 5000) < read_first) {
        close(fd);
        return -1;
    }

    return fd;
}
