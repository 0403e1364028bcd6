/*
 * gzip_probe.c - see gzip_probe.h.  ISA-L inflates the member into a
 * scratch buffer; where it fails is the compressed byte it had reached,
 * less the whole bytes it had buffered but not yet used.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>

#include "gzip_probe.h"

#define RS_PROBE_BUF  (64 * 1024)

/* three allocations, each under 128 KiB: allocators keep blocks that size
   on free lists (ASan maps anything larger afresh each time, which made a
   fuzz input cost 25 times more) */
struct rs_gzip_probe {
    struct inflate_state  *is;
    unsigned char         *in;
    unsigned char         *out;
};


rs_gzip_probe *
rs_gzip_probe_create(void)
{
    rs_gzip_probe  *p = calloc(1, sizeof(rs_gzip_probe));

    if (p == NULL) {
        return NULL;
    }

    p->is = malloc(sizeof(struct inflate_state));
    p->in = malloc(RS_PROBE_BUF);
    p->out = malloc(RS_PROBE_BUF);

    if (p->is == NULL || p->in == NULL || p->out == NULL) {
        rs_gzip_probe_free(p);
        return NULL;
    }

    return p;
}


void
rs_gzip_probe_free(rs_gzip_probe *p)
{
    if (p != NULL) {
        free(p->is);
        free(p->in);
        free(p->out);
        free(p);
    }
}


const char *
rs_gzip_what(int rc)
{
    switch (rc) {
    case ISAL_INVALID_WRAPPER:
        return "not a gzip member header";
    case ISAL_UNSUPPORTED_METHOD:
        return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
        return "checksum mismatch (the CRC-32 or length in the trailer,"
               " or the header's CRC)";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    case ISAL_INVALID_SYMBOL:
        return "invalid deflate code";
    default:
        return "invalid deflate block";
    }
}


/* The next input at compressed byte off, at *at: its length, 0 at the
   end, -1 on an error. */
static ssize_t
rs_probe_read(rs_gzip_probe *p, int fd, const unsigned char *mem,
    uint64_t len, uint64_t off, const unsigned char **at)
{
    ssize_t  n;

    if (mem != NULL) {
        /* all of it at once, read in place */
        *at = mem + off;
        return (ssize_t) (off >= len ? 0 : len - off > UINT32_MAX
                                         ? UINT32_MAX : len - off);
    }

    *at = p->in;

    do {
        n = pread(fd, p->in, RS_PROBE_BUF, (off_t) off);
    } while (n < 0 && errno == EINTR);

    return n;
}


int
rs_gzip_probe_member(rs_gzip_probe *p, int fd, const unsigned char *mem,
    uint64_t len, uint64_t start, rs_gzip_damage *d)
{
    struct inflate_state  *is = p->is;
    const unsigned char   *at;
    uint64_t               off = start;
    uint32_t               in_before;
    ssize_t                n;
    int                    rc, eof = 0;

    isal_inflate_init(is);
    is->crc_flag = ISAL_GZIP;
    is->avail_in = 0;

    for ( ;; ) {
        if (is->avail_in == 0 && !eof) {
            n = rs_probe_read(p, fd, mem, len, off, &at);
            if (n < 0) {
                return -1;
            }
            eof = n == 0;
            off += (uint64_t) n;
            is->next_in = (uint8_t *) at;
            is->avail_in = (uint32_t) n;
        }

        is->next_out = p->out;
        is->avail_out = RS_PROBE_BUF;
        in_before = is->avail_in;

        rc = isal_inflate(is);

        /* the byte decoding had reached: read, less what is still
           waiting in `in` and the whole bytes in ISA-L's bit buffer */
        d->at = off - is->avail_in
                - (uint64_t) (is->read_in_length > 0
                              ? is->read_in_length / 8 : 0);

        if (rc != ISAL_DECOMP_OK) {
            d->rc = rc;
            return 1;
        }

        if (is->block_state == ISAL_BLOCK_FINISH) {
            return 0;
        }

        if (is->avail_in == in_before && is->avail_out == RS_PROBE_BUF) {
            if (is->avail_in != 0) {
                d->rc = ISAL_INVALID_BLOCK;     /* stuck on its input */
                return 1;
            }
            if (eof) {
                d->rc = 1;                      /* cut short */
                return 1;
            }
        }
    }
}
