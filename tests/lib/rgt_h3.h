/*
 * rgt_h3.h - a real HTTP/3 client for integration tests: Debian's ngtcp2
 * example client (`gtlsclient`, package ngtcp2-client) run as a child
 * process, and what it takes to abort its request the ways a user's
 * client does:
 *
 *   SIGINT   the client leaves its event loop and closes the QUIC
 *            connection (CONNECTION_CLOSE, no error);
 *   SIGSTOP  the client goes silent, as a phone that lost its network:
 *            nginx's QUIC idle timeout ends the connection;
 *   a response header the client's HTTP/3 library (nghttp3) rejects
 *            (two Content-Length values) makes it reset that stream
 *            (STOP_SENDING, H3_MESSAGE_ERROR) and keep the connection.
 *
 * The client has no "cancel" command of its own; the last way is how to
 * get the STOP_SENDING frame a browser sends when the user navigates away.
 */

#ifndef RGT_H3_H
#define RGT_H3_H

#include <stddef.h>
#include <sys/types.h>

/*
 * NULL when the nginx under test ($RSTGUARD_NGINX) has HTTP/3 and the
 * client and openssl are installed; otherwise why a test cannot run.
 */
const char *rgt_h3_unavailable(void);

/* Writes a fresh self-signed key and certificate (CN localhost); 0 or -1. */
int rgt_h3_make_cert(const char *key, const char *cert);

/*
 * Starts the client: GET https://localhost:PORT/PATH over QUIC to
 * 127.0.0.1:PORT, the body saved under dldir (as the path's last
 * component), its output in logpath.  It exits (closing the connection)
 * once the stream is closed, unless `stay`: then it keeps the connection
 * until signalled or idle for 30 s, as a browser keeps it for the next
 * request.  The child's pid, or -1.
 */
pid_t rgt_h3_get(int port, const char *path, const char *dldir,
    const char *logpath, int stay);

/* Waits until the file has at least min bytes; 0, or -1 after timeout_ms. */
int rgt_h3_wait_bytes(const char *file, off_t min, int timeout_ms);

/*
 * Waits up to timeout_ms for the client to exit, SIGKILLs it after that;
 * its exit status, or -1 when it was killed or did not exit normally.
 */
int rgt_h3_reap(pid_t pid, int timeout_ms);

#endif /* RGT_H3_H */
