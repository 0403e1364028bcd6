/*
 * rgt_abort.h - clients that abort the way real users do, for the module's
 * integration tests: FIN or RST while nginx waits on an upstream or in the
 * middle of a large download, and a client that stops reading (send
 * timeout).  Downloads use a 4 KiB SO_RCVBUF so that, with nginx's
 * `listen ... sndbuf=32k`, the abort lands mid-response.
 */

#ifndef RGT_ABORT_H
#define RGT_ABORT_H

#include <stddef.h>

typedef enum {
    RGT_ABORT_FIN = 0,          /* shutdown(SHUT_WR), then drain until EOF */
    RGT_ABORT_RST               /* SO_LINGER {1, 0} and close() */
} rgt_abort_how;

/*
 * GETs path from local address `from`, reads read_first bytes of the
 * response (0: none, and the default receive buffer), waits pause_ms and
 * aborts.  A FIN abort returns once nginx has closed its side (or after 5
 * seconds).  Returns 0, or -1 when the connection or request failed.
 */
int rgt_abort(int port, const char *from, const char *path,
    rgt_abort_how how, size_t read_first, int pause_ms);

/*
 * GETs path with a 4 KiB receive buffer, reads read_first bytes and stops
 * reading: nginx's send_timeout fires.  Returns the socket (the caller
 * closes it once nginx logged the request) or -1.
 */
int rgt_stall(int port, const char *from, const char *path,
    size_t read_first);

#endif /* RGT_ABORT_H */
