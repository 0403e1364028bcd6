/*
 * gzip.c - fuzzes rstscan's reader (analyzer/input/reader.c) on arbitrary bytes:
 * plain text, gzip members, concatenated, truncated and corrupt streams.
 *
 * The input is read from memory (rs_reader_open_memory): the reader's
 * real sniff/inflate/member code, without a file or a thread per input.  The reader must return
 * every byte or an error that names the input, never crash or loop; output
 * is capped at 64 MiB so a decompression bomb costs bounded time.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "reader.h"

#define FUZZ_GZIP_MAX_OUT  (64u << 20)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char  buf[1 << 16];
    static const char  path[] = "fuzz.gz";
    char         err[1536];
    size_t       total;
    ssize_t      n;
    rs_reader   *r;

    r = rs_reader_open_memory(path, data, size, err, sizeof(err));
    if (r == NULL) {
        /* only an unreadable input may fail to open, and it must say so */
        if (strstr(err, path) == NULL) {
            abort();
        }
        return 0;
    }

    total = 0;

    /* odd read sizes exercise the buffer edges */
    while ((n = rs_reader_read(r, buf, 1 + (total % sizeof(buf)))) > 0) {
        total += (size_t) n;
        if (total > FUZZ_GZIP_MAX_OUT) {
            break;
        }
    }

    if (n < 0 && strstr(rs_reader_error(r), path) == NULL) {
        abort();            /* an error that does not name its input */
    }

    if (!rs_reader_is_gzip(r) && total != size) {
        abort();            /* plain input comes back byte for byte */
    }

    rs_reader_close(r);

    return 0;
}
