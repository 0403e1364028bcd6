/*
 * rgt_upstream.h - an in-process HTTP/1.1 upstream for nginx to proxy to.
 *
 * It runs in threads of the calling process (one acceptor, one thread per
 * connection) on a free 127.0.0.1 port, so a test sees its counters
 * directly.  Every mode misbehaves in one precise way that makes nginx log
 * one known upstream-side line (module/README.md N3):
 *
 *   RGT_UP_OK          200, Content-Length body_len, keeps nothing open
 *   RGT_UP_SLOW        waits delay_ms before answering like OK, so a client
 *                      that gives up meanwhile gets nginx's 499
 *   RGT_UP_TRUNCATE    promises Content-Length body_len, sends send_len
 *                      (< body_len) bytes of body and closes: "upstream
 *                      prematurely closed connection while reading upstream"
 *   RGT_UP_CHUNKED_TRUNCATE  chunked body of send_len bytes, no final chunk
 *   RGT_UP_RESET       reads the request and resets (SO_LINGER 0) before any
 *                      byte of response: "recv() failed (104: Connection
 *                      reset by peer) while reading response header ..."
 *   RGT_UP_RESET_AFTER_HEADERS  sends the header and send_len body bytes of
 *                      body_len, then resets
 *   RGT_UP_BIG_HEADER  one header line of body_len bytes (default 64 KiB):
 *                      "upstream sent too big header"
 *   RGT_UP_LARGE       like OK with a large body (default 8 MiB), so a
 *                      buffering nginx spills it into a temp file
 *   RGT_UP_UPGRADE     answers "101 Switching Protocols" (a WebSocket
 *                      handshake) and then echoes every byte back until
 *                      nginx closes the tunnel; counted as answered then.
 *                      A message "reset" makes it reset the tunnel instead:
 *                      "[error] recv() failed (104: Connection reset by
 *                      peer) while proxying upgraded connection"; a
 *                      message "flood" makes it send data without end,
 *                      until nginx closes the tunnel
 *   RGT_UP_FASTCGI_EMPTY  a FastCGI responder (nginx's fastcgi_pass) that
 *                      reads the request's records and ends its stdout
 *                      at once, as a PHP-FPM worker killed mid-request
 *                      does: "upstream prematurely closed FastCGI stdout
 *                      while reading response header from upstream"
 *
 * Every connection is bounded (io_timeout_ms) and the server as a whole
 * stops accepting after lifetime_ms; rgt_upstream_stop() wakes every
 * connection thread (including one sleeping in SLOW) and joins them.
 */

#ifndef RGT_UPSTREAM_H
#define RGT_UPSTREAM_H

#include <pthread.h>
#include <stddef.h>

typedef enum {
    RGT_UP_OK = 0,
    RGT_UP_SLOW,
    RGT_UP_TRUNCATE,
    RGT_UP_CHUNKED_TRUNCATE,
    RGT_UP_RESET,
    RGT_UP_RESET_AFTER_HEADERS,
    RGT_UP_BIG_HEADER,
    RGT_UP_LARGE,
    RGT_UP_UPGRADE,
    RGT_UP_FASTCGI_EMPTY
} rgt_upstream_mode;

typedef struct {
    rgt_upstream_mode  mode;
    /* 0: the mode's default: 1000, LARGE 8 MiB, BIG_HEADER 64 KiB, the
       cut modes 100000 (CHUNKED_TRUNCATE ignores it beyond send_len) */
    size_t             body_len;
    /* body bytes sent by the cut modes; 0 or >= body_len: 1000 */
    size_t             send_len;
    int                delay_ms;     /* SLOW: 0 means 3000 */
    int                lifetime_ms;  /* 0 means 120000 */
    int                io_timeout_ms;/* per read/write wait; 0 means 10000 */
    int                port;         /* 0: pick a free loopback port */
} rgt_upstream_opts;

typedef struct {
    rgt_upstream_opts  opts;
    int                port;
    int                listen_fd;
    int                wake[2];      /* readable once stop was asked */
    pthread_t          acceptor;
    int                running;

    pthread_mutex_t    lock;
    pthread_cond_t     idle;
    int                active;       /* connection threads alive */
    unsigned long      accepted;     /* connections */
    unsigned long      requests;     /* complete request heads read */
    unsigned long      answered;     /* responses (or resets) done;
                                        not the SLOW ones nginx left */
    unsigned long      aborted;      /* peer went away first (SLOW) */
} rgt_upstream;

/* Starts the server; 0, or -1 (nothing left running). */
int rgt_upstream_start(rgt_upstream *u, const rgt_upstream_opts *opts);

/* Stops accepting, wakes and joins every connection; safe to call twice. */
void rgt_upstream_stop(rgt_upstream *u);

/* Counter snapshots, taken under the lock. */
unsigned long rgt_upstream_requests(rgt_upstream *u);
unsigned long rgt_upstream_answered(rgt_upstream *u);
unsigned long rgt_upstream_aborted(rgt_upstream *u);

/*
 * Waits until the server has read at least n request heads (nginx has
 * connected and sent the request); 0, or -1 after timeout_ms.
 */
int rgt_upstream_wait_requests(rgt_upstream *u, unsigned long n,
    int timeout_ms);

/* Waits until at least n connections were answered (UPGRADE: closed). */
int rgt_upstream_wait_answered(rgt_upstream *u, unsigned long n,
    int timeout_ms);

/* Waits until at least n SLOW connections saw their peer (nginx) leave. */
int rgt_upstream_wait_aborted(rgt_upstream *u, unsigned long n,
    int timeout_ms);

/*
 * A free 127.0.0.1 TCP port below the kernel's ephemeral range (so no
 * outgoing connection takes it as its source port before nginx binds it),
 * probed with bind + listen and released; -1 on error.
 */
int rgt_free_tcp_port(void);

/*
 * A loopback port nothing listens on, for connect() failed (111): kept
 * bound (not listening) until the next call or the process exits, so
 * nothing else takes it.
 */
int rgt_closed_port(void);

#endif /* RGT_UPSTREAM_H */
