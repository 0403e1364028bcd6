/*
 * reader_zstd.c - zstd input (logrotate's `compresscmd zstd`), through
 * libzstd's streaming decoder (see reader_codec.h).
 *
 * Concatenated frames (`cat a.zst b.zst`) and skippable frames are read
 * through, as zstd -dc does.  A frame cut short, a corrupt block, a
 * checksum that does not match or bytes after the last frame that are no
 * frame are errors that name the compressed byte where it broke.
 */

#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "reader_codec.h"


typedef struct {
    ZSTD_DCtx      *dctx;
    unsigned char  *in;
    size_t          cap, len, pos;      /* compressed bytes held, used */
    uint64_t        raw, decoded;       /* compressed bytes read, decoded */
    size_t          last;               /* the decoder's last hint: 0 when
                                           a frame just ended */
    int             eof;
} rs_zstd;


static int
rs_zstd_magic(const unsigned char *p, size_t n)
{
    if (n < 4) {
        return 0;
    }

    /* a frame (28 b5 2f fd) or a skippable frame (5? 2a 4d 18) */
    return (p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
           || ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d
               && p[3] == 0x18);
}


static void rs_zstd_close(void *state);


static void *
rs_zstd_open(rs_reader *r, const unsigned char *head, size_t n)
{
    rs_zstd  *z;

    (void) r;

    z = calloc(1, sizeof(rs_zstd));
    if (z == NULL) {
        return NULL;
    }

    /* ZSTD_DStreamInSize(): one block, the size the decoder likes */
    z->cap = ZSTD_DStreamInSize();
    if (z->cap < n) {
        z->cap = n;
    }

    z->in = malloc(z->cap);
    z->dctx = ZSTD_createDCtx();
    if (z->in == NULL || z->dctx == NULL) {
        rs_zstd_close(z);
        return NULL;
    }

    memcpy(z->in, head, n);
    z->len = n;
    z->raw = n;
    z->last = 1;

    return z;
}


static ssize_t
rs_zstd_decode(rs_reader *r, void *state, void *buf, size_t cap)
{
    rs_zstd         *z = state;
    ZSTD_outBuffer   out = { buf, cap, 0 };
    ZSTD_inBuffer    in;
    ssize_t          n;
    size_t           ret;

    while (out.pos < out.size) {
        if (z->pos == z->len) {
            if (z->eof) {
                break;
            }

            n = rs_reader_raw(r, z->in, z->cap);
            if (n < 0) {
                return out.pos > 0 ? (ssize_t) out.pos : -1;
            }

            z->len = (size_t) n;
            z->pos = 0;
            z->raw += (uint64_t) n;

            if (n == 0) {
                z->eof = 1;
                break;
            }
        }

        in.src = z->in;
        in.size = z->len;
        in.pos = z->pos;

        ret = ZSTD_decompressStream(z->dctx, &out, &in);
        z->pos = in.pos;

        if (ZSTD_isError(ret)) {
            rs_reader_fail(r, "%s: corrupt zstd input near compressed byte"
                           " %llu: %s", rs_reader_path(r),
                           (unsigned long long) (z->raw - (z->len - z->pos)),
                           ZSTD_getErrorName(ret));
            z->decoded += out.pos;
            return out.pos > 0 ? (ssize_t) out.pos : -1;
        }

        z->last = ret;
    }

    z->decoded += out.pos;

    if (out.pos == 0 && z->eof && z->last != 0) {
        rs_reader_fail(r, "%s: truncated zstd input: the frame ends"
                       " unfinished after %llu compressed bytes (%llu bytes"
                       " decoded)", rs_reader_path(r),
                       (unsigned long long) z->raw,
                       (unsigned long long) z->decoded);
        return -1;
    }

    return (ssize_t) out.pos;
}


static void
rs_zstd_close(void *state)
{
    rs_zstd  *z = state;

    if (z != NULL) {
        ZSTD_freeDCtx(z->dctx);
        free(z->in);
        free(z);
    }
}


const rs_codec  rs_codec_zstd = {
    "zstd", rs_zstd_magic, rs_zstd_open, rs_zstd_decode, rs_zstd_close
};
