/*
 * reader_utf16.c - UTF-16 text, read as UTF-8 (see reader_codec.h).
 *
 * Windows PowerShell's `>` and Out-File write UTF-16 (little-endian, with
 * a byte order mark): a Java server's console log kept that way is a log
 * no parser could read, its abort phrases invisible to the phrase count
 * too.  A byte order mark (FF FE or FE FF) says so; the text is converted
 * with iconv(3) as it is read.  A unit that is no UTF-16 (a lone
 * surrogate, an odd byte at the end) becomes U+FFFD, as a text editor
 * would show it: the line keeps its place and the rest is read.
 */

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "reader_codec.h"

#define RS_UTF16_IN  (64 * 1024)

typedef struct {
    iconv_t         cd;
    unsigned char  *in;
    size_t          cap, len, pos;
    int             eof;
    char            hold[4];        /* converted, not yet handed out */
    size_t          held;
} rs_utf16;


static int
rs_utf16_magic(const unsigned char *p, size_t n)
{
    /* FF FE 00 00 is UTF-32's mark: not ours */
    return n >= 2
           && ((p[0] == 0xff && p[1] == 0xfe
                && !(n >= 4 && p[2] == 0 && p[3] == 0))
               || (p[0] == 0xfe && p[1] == 0xff));
}


static void rs_utf16_close(void *state);


static void *
rs_utf16_open(rs_reader *r, const unsigned char *head, size_t n)
{
    rs_utf16  *u;

    u = calloc(1, sizeof(rs_utf16));
    if (u == NULL) {
        return NULL;
    }

    /* the bytes the reader read ahead are ours now: all of them */
    u->cap = n > RS_UTF16_IN ? n : RS_UTF16_IN;
    u->in = malloc(u->cap);
    if (u->in == NULL) {
        free(u);
        return NULL;
    }

    /* the mark says the order; the named order keeps iconv from writing
       or expecting one */
    u->cd = iconv_open("UTF-8", head[0] == 0xff ? "UTF-16LE" : "UTF-16BE");
    if (u->cd == (iconv_t) -1) {
        rs_reader_fail(r, "%s: UTF-16 text, and this system cannot convert"
                       " it (iconv: %s); convert it first: iconv -f UTF-16"
                       " -t UTF-8", rs_reader_path(r), strerror(errno));
        u->eof = 1;
        return u;
    }

    memcpy(u->in, head, n);
    u->len = n;
    u->pos = 2;

    return u;
}


/*
 * Converts into out[0..cap), cap >= 4 (one character's UTF-8 at most):
 * the bytes written; *failed when the raw input broke.
 */
static size_t
rs_utf16_convert(rs_reader *r, rs_utf16 *u, char *out, size_t cap,
    int *failed)
{
    static const char  replacement[] = "\xef\xbf\xbd";
    char              *o = out, *in;
    size_t             outleft = cap, inleft;
    ssize_t            n;

    while (outleft >= 4) {
        /* at least one whole unit pair in hand, unless at the end */
        if (u->len - u->pos < 4 && !u->eof) {
            memmove(u->in, u->in + u->pos, u->len - u->pos);
            u->len -= u->pos;
            u->pos = 0;

            n = rs_reader_raw(r, u->in + u->len, u->cap - u->len);
            if (n < 0) {
                *failed = 1;
                break;
            }
            u->eof = n == 0;
            u->len += (size_t) n;
        }

        if (u->pos == u->len) {
            break;
        }

        in = (char *) u->in + u->pos;
        inleft = u->len - u->pos;

        if (iconv(u->cd, &in, &inleft, &o, &outleft) != (size_t) -1) {
            u->pos = u->len;
            continue;
        }

        u->pos = u->len - inleft;

        if (errno == E2BIG) {
            break;
        }

        if (errno == EINVAL && !u->eof) {
            /* a pair cut by the buffer's end: read on */
            continue;
        }

        /* EILSEQ, or an odd byte at the very end: U+FFFD, when it fits
           (else the next call starts with it) */
        if (outleft < sizeof(replacement) - 1) {
            break;
        }
        memcpy(o, replacement, sizeof(replacement) - 1);
        o += sizeof(replacement) - 1;
        outleft -= sizeof(replacement) - 1;
        u->pos += inleft >= 2 ? 2 : inleft;
    }

    return (size_t) (o - out);
}


static ssize_t
rs_utf16_decode(rs_reader *r, void *state, void *buf, size_t cap)
{
    rs_utf16  *u = state;
    char      *out = buf, small[4];
    size_t     n, got;
    int        failed = 0;

    if (u->cd == (iconv_t) -1) {
        return -1;
    }

    /* what a read smaller than a character left over comes first */
    n = u->held < cap ? u->held : cap;
    memcpy(out, u->hold, n);
    memmove(u->hold, u->hold + n, u->held - n);
    u->held -= n;
    out += n;
    cap -= n;

    if (cap >= 4) {
        out += rs_utf16_convert(r, u, out, cap, &failed);

    } else if (cap > 0 && u->held == 0) {
        /* a read smaller than one character: convert into room for one,
           hand out what fits, hold the rest */
        got = rs_utf16_convert(r, u, small, sizeof(small), &failed);
        n = got < cap ? got : cap;
        memcpy(out, small, n);
        out += n;
        memcpy(u->hold, small + n, got - n);
        u->held = got - n;
    }

    if (out == (char *) buf && failed) {
        return -1;
    }

    return (ssize_t) (out - (char *) buf);
}


static void
rs_utf16_close(void *state)
{
    rs_utf16  *u = state;

    if (u != NULL) {
        if (u->cd != (iconv_t) -1) {
            iconv_close(u->cd);
        }
        free(u->in);
        free(u);
    }
}


const rs_codec  rs_codec_utf16 = {
    "UTF-16", rs_utf16_magic, rs_utf16_open, rs_utf16_decode,
    rs_utf16_close
};
