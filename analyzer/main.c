/*
 * main.c - rstscan's entry point.
 *
 * The first slice: reads every input (plain or gzip) and prints its line
 * and byte counts.  Exit status: 0 clean, 2 when an input could not be read
 * (the other inputs are still scanned).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define RS_BUF_SIZE  (1024 * 1024)


static int rs_count(const char *path, char *buf);


int
main(int argc, char **argv)
{
    int    i, status;
    char  *buf;

    if (argc < 2) {
        fprintf(stderr, "usage: rstscan FILE...\n");
        return 2;
    }

    buf = malloc(RS_BUF_SIZE);
    if (buf == NULL) {
        fprintf(stderr, "rstscan: out of memory\n");
        return 2;
    }

    status = 0;

    for (i = 1; i < argc; i++) {
        if (rs_count(argv[i], buf) != 0) {
            status = 2;
        }
    }

    free(buf);

    return status;
}


static int
rs_count(const char *path, char *buf)
{
    char                err[1536];
    ssize_t             n;
    rs_reader          *r;
    unsigned long long  lines, bytes;
    int                 last_nl;

    r = rs_reader_open(path, err, sizeof(err));
    if (r == NULL) {
        fprintf(stderr, "rstscan: %s\n", err);
        return -1;
    }

    lines = 0;
    bytes = 0;
    last_nl = 1;

    while ((n = rs_reader_read(r, buf, RS_BUF_SIZE)) > 0) {
        char  *p = buf, *end = buf + n;

        while ((p = memchr(p, '\n', (size_t) (end - p))) != NULL) {
            lines++;
            p++;
        }

        bytes += (unsigned long long) n;
        last_nl = buf[n - 1] == '\n';
    }

    /* a last line without its newline is still a line */
    if (!last_nl) {
        lines++;
    }

    printf("%s: %llu lines, %llu bytes%s\n", rs_reader_path(r), lines, bytes,
           rs_reader_is_gzip(r) ? " (gzip)" : "");

    if (n < 0) {
        fprintf(stderr, "rstscan: %s\n", rs_reader_error(r));
        rs_reader_close(r);
        return -1;
    }

    rs_reader_close(r);

    return 0;
}
