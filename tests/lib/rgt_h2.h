/*
 * rgt_h2.h - a real HTTP/2 client (libnghttp2) over cleartext h2c with
 * prior knowledge, for the stream cancels browsers make when the user
 * presses Stop: RST_STREAM(CANCEL) on one stream while the connection
 * stays up, so nginx logs "client canceled stream N" (module/README.md N3).
 *
 * The target is a `listen 127.0.0.1:P http2;` port (no TLS: prior
 * knowledge only).  After a cancel the client sends PING and waits for its
 * ACK: nginx handles frames in order, so the ACK proves the RST_STREAM was
 * processed before the connection is closed with GOAWAY.  The connection
 * itself is therefore never torn down while a stream is active, and nginx
 * logs nothing at the connection level.
 */

#ifndef RGT_H2_H
#define RGT_H2_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    RGT_H2_COMPLETE = 0,      /* read the whole response */
    RGT_H2_CANCEL_WAITING,    /* cancel before any response byte */
    RGT_H2_CANCEL_AFTER_DATA, /* cancel on the first DATA frame */
    /* no RST_STREAM: the whole TCP connection is reset (SO_LINGER 0), as
       curl does on a timeout; nginx logs "recv() failed (104: ...) while
       processing HTTP/2 connection" */
    RGT_H2_RESET_WAITING,
    RGT_H2_RESET_AFTER_DATA
} rgt_h2_how;

typedef struct {
    const char  *from;        /* local address ("127.0.0.3") or NULL */
    const char  *path;        /* request path, "/" if NULL */
    rgt_h2_how   how;
    uint32_t     error_code;  /* RST_STREAM code; 0 means NGHTTP2_CANCEL */
    int          wait_ms;     /* *_WAITING: delay before the abort */
    /* *_WAITING: called instead of the delay (e.g. wait until the
       upstream saw the request); its result is ignored */
    int        (*wait_fn)(void *arg);
    void        *wait_arg;
    /* *_AFTER_DATA: pause this long without reading before the abort, so
       nginx is blocked on a full window or socket when it comes; a TCP
       reset that meets nginx mid-write is logged as writev() failed */
    int          settle_ms;
    int          timeout_ms;  /* whole exchange; 0 means 10000 */
} rgt_h2_opts;

typedef struct {
    int       status;         /* :status, 0 if no HEADERS came */
    size_t    data_bytes;     /* DATA payload received on the stream */
    int32_t   stream_id;
    int       canceled;       /* our RST_STREAM (or TCP reset) went out */
    int       closed;         /* the stream is closed */
    uint32_t  close_error;    /* error code the stream closed with */
    int       acked;          /* the PING after the cancel came back */
    char      error[128];     /* why the exchange failed, "" if it did not */
} rgt_h2_result;

/*
 * One request on a fresh h2c connection to 127.0.0.1:port.  Returns 0
 * when the exchange went as asked (response complete, or the cancel sent
 * and acknowledged), -1 otherwise; res is filled in either case.
 */
int rgt_h2_request(int port, const rgt_h2_opts *opts, rgt_h2_result *res);

#endif /* RGT_H2_H */
