/*
 * parse_apache.c - Apache 2.4 error and access lines (see parse.h).
 *
 *   [Sat Nov 21 10:00:00.123456 2026] [proxy_http:error] [pid 7:tid 8]
 *       (104)Connection reset by peer: [client 10.0.0.1:5000] AH01102: ...
 *
 * Apache puts the errno text before `[client A:P]`, so the message rules
 * see ("(104)Connection reset by peer: AH01102: ...") is joined in the
 * parser's scratch buffer without the `[client ...]` and `[remote ...]`
 * tags.
 */

#include <string.h>

#include "parse.h"


static const char *rs_bracket(const char *p, const char *end, rg_str *in);
static rg_str rs_strip_port(rg_str addr);
static void rs_join(rs_parser *ps, rg_str a, rg_str b, rg_str *out);


/* "[...]" at p (after blanks); the text inside; NULL when not there. */
static const char *
rs_bracket(const char *p, const char *end, rg_str *in)
{
    const char  *q;

    while (p < end && *p == ' ') {
        p++;
    }

    if (p == end || *p != '[') {
        return NULL;
    }

    q = memchr(p, ']', (size_t) (end - p));
    if (q == NULL) {
        return NULL;
    }

    in->p = p + 1;
    in->len = (size_t) (q - p - 1);

    return q + 1;
}


/* "10.0.0.1:5000" -> "10.0.0.1"; "::1:5000" -> "::1". */
static rg_str
rs_strip_port(rg_str addr)
{
    size_t  i;

    for (i = addr.len; i > 0; i--) {
        if (addr.p[i - 1] == ':') {
            addr.len = i - 1;
            break;
        }
        if (addr.p[i - 1] < '0' || addr.p[i - 1] > '9') {
            break;
        }
    }

    if (addr.len > 2 && addr.p[0] == '[' && addr.p[addr.len - 1] == ']') {
        addr.p++;
        addr.len -= 2;
    }

    return addr;
}


static void
rs_join(rs_parser *ps, rg_str a, rg_str b, rg_str *out)
{
    size_t  cap = sizeof(ps->scratch), n;

    n = a.len < cap ? a.len : cap;
    memcpy(ps->scratch, a.p, n);

    if (b.len > cap - n) {
        b.len = cap - n;
    }

    memcpy(ps->scratch + n, b.p, b.len);
    out->p = ps->scratch;
    out->len = n + b.len;
}


int
rs_parse_apache_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    const char  *end = p + len, *q, *colon;
    rg_str       in, head = { NULL, 0 }, tail;

    rs_parsed_reset(out);

    q = rs_bracket(p, end, &in);
    if (q == NULL || rs_time_apache_error(in.p, in.len, &out->ts) != in.len) {
        return -1;
    }

    /* [module:level] */
    q = rs_bracket(q, end, &in);
    colon = q ? memchr(in.p, ':', in.len) : NULL;
    if (colon == NULL) {
        return -1;
    }

    out->f.f[RG_FIELD_MODULE].p = in.p;
    out->f.f[RG_FIELD_MODULE].len = (size_t) (colon - in.p);
    out->f.f[RG_FIELD_LEVEL].p = colon + 1;
    out->f.f[RG_FIELD_LEVEL].len = in.len - (size_t) (colon + 1 - in.p);

    /* [pid N:tid N], [client A:P], [remote A:P]; the errno text may sit
       between the pid and the client */
    for ( ;; ) {
        const char  *next;

        while (q < end && *q == ' ') {
            q++;
        }

        if (q < end && *q != '[' && head.p == NULL) {
            /* "(104)Connection reset by peer: " before [client ...] */
            colon = memmem(q, (size_t) (end - q), ": [", 3);
            if (colon == NULL) {
                break;
            }
            head.p = q;
            head.len = (size_t) (colon + 2 - q);
            q = colon + 2;
            continue;
        }

        next = rs_bracket(q, end, &in);

        if (next == NULL) {
            break;
        }

        if (in.len > 4 && memcmp(in.p, "pid ", 4) == 0) {
            q = next;

        } else if (in.len > 7 && memcmp(in.p, "client ", 7) == 0) {
            in.p += 7;
            in.len -= 7;
            out->f.f[RG_FIELD_CLIENT] = rs_strip_port(in);
            q = next;

        } else if (in.len > 7 && memcmp(in.p, "remote ", 7) == 0) {
            q = next;

        } else {
            break;
        }
    }

    while (q < end && *q == ' ') {
        q++;
    }

    tail.p = q;
    tail.len = (size_t) (end - q);

    if (head.p != NULL) {
        rs_join(ps, head, tail, &out->f.f[RG_FIELD_MESSAGE]);
    } else {
        out->f.f[RG_FIELD_MESSAGE] = tail;
    }

    out->f.f[RG_FIELD_LINE].p = p;
    out->f.f[RG_FIELD_LINE].len = len;

    return 0;
}


int
rs_parse_apache_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out)
{
    rg_str  c;

    /* combined with %X, then plain combined */
    if (rs_parse_layout(ps, &ps->apache[0], p, len, out) == 0) {
        c = out->f.f[RG_FIELD_COMPLETION];

        /* %X is one character: X aborted, + kept alive, - closed */
        if (c.len == 1 && (c.p[0] == 'X' || c.p[0] == '+' || c.p[0] == '-')) {
            return 0;
        }
    }

    if (rs_parse_layout(ps, &ps->apache[1], p, len, out) == 0) {
        return 0;
    }

    return -1;
}
