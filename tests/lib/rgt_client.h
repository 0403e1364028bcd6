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

/* Reads up to n bytes (less on EOF); returns the count read. */
size_t rgt_read_some(int fd, size_t n, int timeout_ms);

#endif /* RGT_CLIENT_H */
