/*
 * pair.c - HTTP/2 cancel and close lines counted as one abort (see
 * pair.h).
 */

#include <string.h>

#include "pair.h"

#define RS_CANCEL      "client canceled stream "
#define RS_CANCEL_LEN  (sizeof(RS_CANCEL) - 1)
#define RS_CLOSE       "client prematurely closed connection while sending" \
                       " response to client"
#define RS_CLOSE_LEN   (sizeof(RS_CLOSE) - 1)


void
rs_pairs_reset(rs_pairs *p)
{
    p->head = 0;
    p->n = 0;
}


/* FNV-1a: the request line, compared only between lines of one *cid */
static uint64_t
rs_pair_hash(rg_str s)
{
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    for (i = 0; i < s.len; i++) {
        h = (h ^ (unsigned char) s.p[i]) * 0x100000001b3ULL;
    }

    return h;
}


/*
 * The *cid before the message ("pid#tid: *cid message"); 0 when the line
 * has none (nginx's connection numbers start at 1).
 */
static uint64_t
rs_pair_cid(const rs_parsed *out)
{
    const char  *line = out->f.f[RG_FIELD_LINE].p;
    const char  *msg = out->f.f[RG_FIELD_MESSAGE].p;
    const char  *q;
    uint64_t     cid = 0;
    rg_str       digits;

    if (line == NULL || msg == NULL || msg - line < 3 || msg[-1] != ' ') {
        return 0;
    }

    for (q = msg - 2; q > line && *q >= '0' && *q <= '9'; q--) {
        /* back to the '*' */
    }

    digits.p = q + 1;
    digits.len = (size_t) (msg - 1 - digits.p);

    if (*q != '*' || digits.len == 0
        || rg_str_uint(digits, UINT64_MAX, &cid) != 0)
    {
        return 0;
    }

    return cid;
}


int
rs_pairs_note(rs_pairs *p, const rs_parsed *out, uint64_t pos)
{
    rg_str     msg = out->f.f[RG_FIELD_MESSAGE];
    int        cancel;
    uint64_t   cid, req;
    size_t     i, k;
    rs_pair   *e;

    cancel = msg.len > RS_CANCEL_LEN
             && memcmp(msg.p, RS_CANCEL, RS_CANCEL_LEN) == 0;

    if (!cancel && !(msg.len == RS_CLOSE_LEN
                     && memcmp(msg.p, RS_CLOSE, RS_CLOSE_LEN) == 0))
    {
        return 0;
    }

    cid = rs_pair_cid(out);
    if (cid == 0) {
        return 0;
    }

    req = rs_pair_hash(out->f.f[RG_FIELD_REQUEST]);

    /* cancels older than the window can absorb nothing any more */
    while (p->n > 0 && p->v[p->head].pos + RS_PAIR_WINDOW < pos) {
        p->head = (p->head + 1) % RS_PAIR_MAX;
        p->n--;
    }

    if (cancel) {
        if (p->n == RS_PAIR_MAX) {
            /* cannot happen with lines longer than 64 bytes; the oldest
               goes if it does */
            p->head = (p->head + 1) % RS_PAIR_MAX;
            p->n--;
        }

        e = &p->v[(p->head + p->n++) % RS_PAIR_MAX];
        e->cid = cid;
        e->req = req;
        e->pos = pos;
        e->used = 0;
        return 0;
    }

    /* the most recent cancel of this connection and request, if it has
       absorbed nothing yet (an older one never: then what a chunk of
       the file sees in the window before it decides as a whole scan) */
    for (i = p->n; i > 0; i--) {
        k = (p->head + i - 1) % RS_PAIR_MAX;
        e = &p->v[k];

        if (e->cid == cid && e->req == req) {
            if (e->used) {
                return 0;
            }
            e->used = 1;
            return 1;
        }
    }

    return 0;
}
