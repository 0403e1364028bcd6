/*
 * rgt_client.h - real TCP clients for integration tests: normal requests
 * and the aborts rstguard classifies (RST via SO_LINGER 0, FIN mid-response).
 */

#ifndef RGT_CLIENT_H
#define RGT_CLIENT_H

#include <stddef.h>

/*
 * Connects to 127.0.0.1:port from local address `from` ("127.0.0.2", or
 * NULL for any); rcvbuf > 0 sets SO_RCVBUF first.  Returns the fd or -1.
 */
int rgt_connect(int port, const char *from, int rcvbuf);

/* Writes the whole buffer; 0 or -1. */
int rgt_send_all(int fd, const char *buf, size_t len);

/*
 * One HTTP/1.1 GET with Connection: close; returns the status code (or -1)
 * and, when body is not NULL, up to cap bytes of the response.
 */
int rgt_http_get(int port, const char *from, const char *path, char *resp,
    size_t cap);

/* Closes with RST: SO_LINGER {1, 0} then close(). */
void rgt_close_rst(int fd);

/* CLOCK_MONOTONIC in milliseconds. */
long long rgt_now_ms(void);

/* Reads up to n bytes (less on EOF); returns the count read. */
size_t rgt_read_some(int fd, size_t n, int timeout_ms);

/*
 * The aborts nginx tells apart (module/README.md N2, N3).  Every function
 * takes the local address to connect from (127.0.0.2 .. 127.0.0.9, so
 * rstguard keys differ; NULL for any) and only ever talks to 127.0.0.1.
 */
typedef enum {
    RGT_FIN = 0,   /* shutdown(SHUT_WR), then read to nginx's close */
    RGT_RST,       /* SO_LINGER {1, 0} and close(): a TCP reset */
    /* shutdown(SHUT_WR), 100 ms, then the reset: nginx's socket is in
       CLOSE_WAIT when the RST comes, so its next write fails with EPIPE
       (32: Broken pipe) instead of ECONNRESET */
    RGT_FIN_RST
} rgt_abort_how;

/* The socket buffer a mid-response abort uses, so it lands mid-body. */
#define RGT_SMALL_RCVBUF  4096

/*
 * Connects (rcvbuf > 0 sets SO_RCVBUF), sends "GET path HTTP/1.1" with
 * Connection: close and returns the fd, or -1.
 */
int rgt_open_request(int port, const char *from, const char *path,
    int rcvbuf);

/*
 * Ends a connection the chosen way.  RGT_FIN half-closes and then reads
 * and discards until nginx closes (at most timeout_ms), so a close() with
 * unread bytes cannot turn the FIN into a reset; when it returns, nginx has
 * closed, i.e. finished and logged the request.  RGT_RST returns at once.
 * Returns the bytes drained.
 */
size_t rgt_abort(int fd, rgt_abort_how how, int timeout_ms);

/*
 * A download given up midway: SO_RCVBUF 4 KiB, reads read_bytes of the
 * response, waits settle_ms so nginx is blocked on a full socket, then
 * aborts.  Returns the bytes read before the abort, or -1.
 * FIN -> "client prematurely closed connection while sending response to
 * client"; RST -> the same with "(104: Connection reset by peer)".
 */
long rgt_abort_download(int port, const char *from, const char *path,
    rgt_abort_how how, size_t read_bytes, int settle_ms);

/*
 * Sends the request, waits wait_ms (nginx is waiting for a slow upstream)
 * and aborts: "epoll_wait() reported that client prematurely closed
 * connection, so upstream connection is closed too ..." and status 499.
 * 0 or -1.
 */
int rgt_abort_waiting(int port, const char *from, const char *path,
    rgt_abort_how how, int wait_ms);

/*
 * A reader that stops reading: reads read_bytes (4 KiB buffer), stalls
 * stall_ms (longer than nginx's send_timeout), then drains to nginx's
 * close: "client timed out (110: Connection timed out) while sending
 * response to client".  Returns all bytes read, or -1.
 */
long rgt_slow_reader(int port, const char *from, const char *path,
    size_t read_bytes, int stall_ms);

/*
 * n GETs of path over one keep-alive connection, each response read in
 * full (Content-Length), then a FIN: "client 127.0.0.x closed keepalive
 * connection".  Returns how many answered 200, or -1 on a broken exchange.
 */
int rgt_http_keepalive(int port, const char *from, const char *path, int n);

/*
 * Sends len bytes of a request nginx is still reading (a cut request line,
 * headers without their blank line, a body shorter than its
 * Content-Length), waits wait_ms and aborts the chosen way.  0 or -1.
 * FIN in the headers -> "client prematurely closed connection while
 * reading client request headers", 400; RST -> "recv() failed (104: ...)";
 * in the body -> "client prematurely closed connection" (no "while"), 400.
 */
int rgt_abort_partial(int port, const char *from, const char *data,
    size_t len, rgt_abort_how how, int wait_ms);

/*
 * Sends len bytes of an unfinished request and waits (at most timeout_ms)
 * for nginx to give up and close: client_header_timeout -> "client timed
 * out (110: ...) while reading client request headers", 408;
 * client_body_timeout -> nothing logged, 408.  Returns the bytes nginx
 * sent before closing (0: the 408 is only logged), or -1 on timeout.
 */
long rgt_stall_partial(int port, const char *from, const char *data,
    size_t len, int timeout_ms);

#endif /* RGT_CLIENT_H */
