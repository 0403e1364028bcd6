/*
 * rgt_h2.c - HTTP/2 client over h2c prior knowledge, on libnghttp2
 * (rgt_h2.h).  One blocking socket, one stream, nghttp2 does the framing.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "rgt_client.h"
#include "rgt_h2.h"
#include "rgt_nginx.h"

typedef struct {
    int                 fd;
    const rgt_h2_opts  *opts;
    rgt_h2_result      *res;
    int                 cancel_now;  /* set from a callback, acted on after */
    int                 ping_sent;
    int                 failed;
} rgt_h2_conn;


static ssize_t
rgt_h2_send_cb(nghttp2_session *session, const uint8_t *data, size_t len,
    int flags, void *user_data)
{
    rgt_h2_conn  *c = user_data;

    (void) session;
    (void) flags;

    if (rgt_send_all(c->fd, (const char *) data, len) != 0) {
        c->failed = 1;
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }

    return (ssize_t) len;
}


static int
rgt_h2_header_cb(nghttp2_session *session, const nghttp2_frame *frame,
    const uint8_t *name, size_t namelen, const uint8_t *value,
    size_t valuelen, uint8_t flags, void *user_data)
{
    rgt_h2_conn  *c = user_data;
    char          buf[8];

    (void) session;
    (void) flags;

    if (frame->hd.type == NGHTTP2_HEADERS
        && frame->hd.stream_id == c->res->stream_id
        && namelen == 7 && memcmp(name, ":status", 7) == 0
        && valuelen < sizeof(buf))
    {
        memcpy(buf, value, valuelen);
        buf[valuelen] = '\0';
        c->res->status = atoi(buf);
    }

    return 0;
}


static int
rgt_h2_data_cb(nghttp2_session *session, uint8_t flags, int32_t stream_id,
    const uint8_t *data, size_t len, void *user_data)
{
    rgt_h2_conn  *c = user_data;

    (void) session;
    (void) flags;
    (void) data;

    if (stream_id != c->res->stream_id) {
        return 0;
    }

    c->res->data_bytes += len;

    if ((c->opts->how == RGT_H2_CANCEL_AFTER_DATA
         || c->opts->how == RGT_H2_RESET_AFTER_DATA)
        && !c->res->canceled)
    {
        c->cancel_now = 1;
    }

    return 0;
}


static int
rgt_h2_frame_cb(nghttp2_session *session, const nghttp2_frame *frame,
    void *user_data)
{
    rgt_h2_conn  *c = user_data;

    (void) session;

    if (frame->hd.type == NGHTTP2_PING
        && (frame->hd.flags & NGHTTP2_FLAG_ACK) && c->ping_sent)
    {
        c->res->acked = 1;
    }

    return 0;
}


static int
rgt_h2_close_cb(nghttp2_session *session, int32_t stream_id,
    uint32_t error_code, void *user_data)
{
    rgt_h2_conn  *c = user_data;

    (void) session;

    if (stream_id == c->res->stream_id) {
        c->res->closed = 1;
        c->res->close_error = error_code;
    }

    return 0;
}


static int
rgt_h2_fail(rgt_h2_result *res, const char *what, int err)
{
    if (res->error[0] == '\0') {
        snprintf(res->error, sizeof(res->error), "%s: %s", what,
                 err < 0 ? nghttp2_strerror(err) : strerror(err));
    }

    return -1;
}


/* RST_STREAM, then a PING whose ACK proves nginx has handled it. */
static int
rgt_h2_cancel(nghttp2_session *s, rgt_h2_conn *c)
{
    uint32_t  code = c->opts->error_code ? c->opts->error_code
                                         : NGHTTP2_CANCEL;

    c->cancel_now = 0;

    if (c->opts->how == RGT_H2_RESET_WAITING
        || c->opts->how == RGT_H2_RESET_AFTER_DATA)
    {
        rgt_close_rst(c->fd);
        c->fd = -1;
        c->res->canceled = 1;
        return 0;
    }

    if (nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, c->res->stream_id,
                                  code) != 0
        || nghttp2_submit_ping(s, NGHTTP2_FLAG_NONE, NULL) != 0)
    {
        return -1;
    }

    c->res->canceled = 1;
    c->ping_sent = 1;

    return nghttp2_session_send(s) == 0 ? 0 : -1;
}


static int
rgt_h2_done(rgt_h2_conn *c)
{
    if (c->opts->how == RGT_H2_COMPLETE) {
        return c->res->closed;
    }

    /* a reset connection is done the moment it is reset */
    return c->res->acked || c->fd == -1;
}


/* Reads and feeds nghttp2 until the exchange is done; 0 or -1. */
static int
rgt_h2_loop(nghttp2_session *s, rgt_h2_conn *c, long long deadline)
{
    uint8_t        buf[16384];
    ssize_t        n, rc;
    long long      left;
    struct pollfd  pfd;

    while (!rgt_h2_done(c)) {
        left = deadline - rgt_now_ms();
        if (left <= 0) {
            return rgt_h2_fail(c->res, "timed out", ETIMEDOUT);
        }

        pfd.fd = c->fd;
        pfd.events = POLLIN;

        if (poll(&pfd, 1, (int) left) <= 0) {
            continue;
        }

        n = recv(c->fd, buf, sizeof(buf), 0);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return rgt_h2_fail(c->res, "recv", n == 0 ? ECONNRESET : errno);
        }

        rc = nghttp2_session_mem_recv(s, buf, (size_t) n);
        if (rc < 0) {
            return rgt_h2_fail(c->res, "nghttp2_session_mem_recv", (int) rc);
        }

        if (c->cancel_now) {
            rgt_msleep(c->opts->settle_ms);

            if (rgt_h2_cancel(s, c) != 0) {
                return rgt_h2_fail(c->res, "cancel", errno);
            }
        }

        if (c->fd == -1) {
            return 0;
        }

        rc = nghttp2_session_send(s);
        if (rc != 0 || c->failed) {
            return rgt_h2_fail(c->res, "nghttp2_session_send",
                               c->failed ? errno : (int) rc);
        }

        if (c->opts->how == RGT_H2_COMPLETE && c->res->closed
            && c->res->close_error != NGHTTP2_NO_ERROR)
        {
            return rgt_h2_fail(c->res, "stream reset by nginx",
                               NGHTTP2_ERR_STREAM_CLOSED);
        }
    }

    return 0;
}


/*
 * GOAWAY, then a short drain before close(): closing with unread bytes
 * would send a TCP RST and make nginx log a connection-level reset.
 */
static void
rgt_h2_goodbye(nghttp2_session *s, rgt_h2_conn *c)
{
    char           sink[16384];
    struct pollfd  pfd = { c->fd, POLLIN, 0 };
    int            i;

    if (nghttp2_session_terminate_session(s, NGHTTP2_NO_ERROR) == 0) {
        nghttp2_session_send(s);
    }

    shutdown(c->fd, SHUT_WR);

    for (i = 0; i < 50 && poll(&pfd, 1, 100) > 0; i++) {
        if (recv(c->fd, sink, sizeof(sink), 0) <= 0) {
            break;
        }
    }
}


int
rgt_h2_request(int port, const rgt_h2_opts *opts, rgt_h2_result *res)
{
    int                         rc = -1, timeout;
    char                        authority[32];
    const char                 *path;
    long long                   deadline;
    rgt_h2_conn                 c;
    nghttp2_session            *s = NULL;
    nghttp2_session_callbacks  *cbs;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.opts = opts;
    c.res = res;

    timeout = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    deadline = rgt_now_ms() + timeout;
    path = opts->path != NULL ? opts->path : "/";
    snprintf(authority, sizeof(authority), "127.0.0.1:%d", port);

    nghttp2_nv  nv[] = {
#define RGT_NV(n, v, vl)                                                     \
        { (uint8_t *) (n), (uint8_t *) (v), sizeof(n) - 1, (vl),             \
          NGHTTP2_NV_FLAG_NONE }
        RGT_NV(":method", "GET", 3),
        RGT_NV(":scheme", "http", 4),
        RGT_NV(":authority", authority, strlen(authority)),
        RGT_NV(":path", path, strlen(path)),
        RGT_NV("user-agent", "rgt_h2", 6),
#undef RGT_NV
    };

    c.fd = rgt_connect(port, opts->from, 0);
    if (c.fd == -1) {
        return rgt_h2_fail(res, "connect", errno);
    }

    if (nghttp2_session_callbacks_new(&cbs) != 0) {
        close(c.fd);
        return rgt_h2_fail(res, "nghttp2_session_callbacks_new", ENOMEM);
    }

    nghttp2_session_callbacks_set_send_callback(cbs, rgt_h2_send_cb);
    nghttp2_session_callbacks_set_on_header_callback(cbs, rgt_h2_header_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs,
                                                              rgt_h2_data_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs,
                                                         rgt_h2_frame_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs,
                                                           rgt_h2_close_cb);

    if (nghttp2_session_client_new(&s, cbs, &c) != 0) {
        s = NULL;
        rgt_h2_fail(res, "nghttp2_session_client_new", ENOMEM);
        goto done;
    }

    /* the client magic goes out with the first send */
    if (nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0) != 0) {
        rgt_h2_fail(res, "nghttp2_submit_settings", ENOMEM);
        goto done;
    }

    res->stream_id = nghttp2_submit_request(s, NULL, nv,
                                            sizeof(nv) / sizeof(nv[0]),
                                            NULL, NULL);
    if (res->stream_id < 0 || nghttp2_session_send(s) != 0) {
        rgt_h2_fail(res, "sending the request", errno);
        goto done;
    }

    if (opts->how == RGT_H2_CANCEL_WAITING
        || opts->how == RGT_H2_RESET_WAITING)
    {
        if (opts->wait_fn != NULL) {
            opts->wait_fn(opts->wait_arg);
        } else {
            rgt_msleep(opts->wait_ms);
        }

        if (rgt_h2_cancel(s, &c) != 0) {
            rgt_h2_fail(res, "cancel", errno);
            goto done;
        }
    }

    rc = rgt_h2_loop(s, &c, deadline);

    if (rc == 0 && c.fd != -1) {
        rgt_h2_goodbye(s, &c);
    }

done:

    if (s != NULL) {
        nghttp2_session_del(s);
    }

    nghttp2_session_callbacks_del(cbs);

    if (c.fd != -1) {
        close(c.fd);
    }

    return rc;
}
