/*
 * rg_nginx_error.c - splits an nginx error-log line (see rg_nginx_error.h).
 *
 * Only memchr/memrchr and byte compares: this runs on every line rstscan
 * reads and on every line the module's error-log filter sees.
 *
 * Finding the context.  nginx appends ", client: A, server: S, ..." after
 * the message, but the message itself may quote what a client sent (an
 * open() of a URI such as "/x, client: 6.6.6.6"), so the first ", client: "
 * is not necessarily nginx's.  The context is the first ", client: " that is
 * followed by an address (IPv4, IPv6, or "unix:...") and then ", server: "
 * (or the end of a line nginx cut at its 2 KiB limit).  A forged phrase
 * that passes this test can only sit in a message that starts with nginx's
 * own text (open() "...", "...", is not found), so the message is cut short
 * but still starts as nginx wrote it: rules, anchored at the start, see the
 * same verdict.  The quoted request, upstream and host values may contain
 * anything; each ends at the first '", ' followed by a key that may come
 * after it, or at the closing quote at the end of the line.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memrchr */
#endif

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rg_find.h"
#include "rg_nginx_error.h"


#define RG_CTX_CLIENT  ", client: "
#define RG_CTX_SERVER  ", server: "

/* The quoted context keys, in the order nginx writes them. */
static const struct {
    const char  *key;           /* ", request: \"" */
    size_t       len;
    int          field;         /* -1: not kept */
} rg_ngx_keys[] = {
    { ", request: \"", sizeof(", request: \"") - 1, RG_FIELD_REQUEST },
    { ", subrequest: \"", sizeof(", subrequest: \"") - 1, -1 },
    { ", upstream: \"", sizeof(", upstream: \"") - 1, RG_FIELD_UPSTREAM },
    { ", host: \"", sizeof(", host: \"") - 1, RG_FIELD_HOST },
    { ", referrer: \"", sizeof(", referrer: \"") - 1, -1 },
};

#define RG_NGX_NKEYS  (sizeof(rg_ngx_keys) / sizeof(rg_ngx_keys[0]))

/* As nginx numbers them: NGX_LOG_STDERR 0 ("") .. NGX_LOG_DEBUG 8. */
static const struct {
    const char  *name;
    size_t       len;
} rg_ngx_levels[] = {
    { "", 0 }, { "emerg", 5 }, { "alert", 5 }, { "crit", 4 }, { "error", 5 },
    { "warn", 4 }, { "notice", 6 }, { "info", 4 }, { "debug", 5 }
};

_Static_assert(sizeof(rg_ngx_levels) / sizeof(rg_ngx_levels[0])
               == RG_NGINX_LEVELS, "one name for each of nginx's levels");


#define rg_ngx_d(c)  ((unsigned char) ((c) - '0') <= 9)


/* "YYYY/MM/DD HH:MM:SS [" (p has at least 21 bytes) */
static int
rg_ngx_time_ok(const char *p)
{
#ifdef __SSE2__
    /* the first 16 bytes at once: digits where digits go, the separators
       where they go (this runs on every line of an error log) */
    const __m128i  v = _mm_loadu_si128((const __m128i *) p);
    const __m128i  d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    const __m128i  sep = _mm_setr_epi8(0, 0, 0, 0, '/', 0, 0, '/', 0, 0, ' ',
                                       0, 0, ':', 0, 0);
    unsigned       digit, same;

    digit = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
    same = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, sep));

    /* digits: bytes 0-3, 5-6, 8-9, 11-12, 14-15; separators: 4 7 10 13 */
    if ((digit & 0xdb6f) != 0xdb6f || (same & 0x2490) != 0x2490) {
        return 0;
    }

    return p[16] == ':' && rg_ngx_d(p[17]) && rg_ngx_d(p[18])
           && p[19] == ' ' && p[20] == '[';
#else
    return rg_ngx_d(p[0]) && rg_ngx_d(p[1]) && rg_ngx_d(p[2])
           && rg_ngx_d(p[3]) && p[4] == '/' && rg_ngx_d(p[5])
           && rg_ngx_d(p[6]) && p[7] == '/' && rg_ngx_d(p[8])
           && rg_ngx_d(p[9]) && p[10] == ' ' && rg_ngx_d(p[11])
           && rg_ngx_d(p[12]) && p[13] == ':' && rg_ngx_d(p[14])
           && rg_ngx_d(p[15]) && p[16] == ':' && rg_ngx_d(p[17])
           && rg_ngx_d(p[18]) && p[19] == ' ' && p[20] == '[';
#endif
}


/* memcmp(a, b, n) == 0 for the short strings here, without a call. */
static inline int
rg_ngx_eq(const char *a, const char *b, size_t n)
{
    size_t  i;

    for (i = 0; i < n && a[i] == b[i]; i++) { /* void */ }

    return i == n;
}


/* Skips the decimal digits at *pp (at least one, at most 19); 0 or -1.
   Inlined: pid and tid of every line of an error log come through here,
   and the call cost as much as the 16-byte test. */
static inline __attribute__((always_inline)) int
rg_ngx_digits(const char **pp, const char *end)
{
    const char  *p = *pp, *lim = end - *pp > 19 ? *pp + 19 : end;

#ifdef __SSE2__
    /* pid, tid and cid on every line: 16 bytes at once when readable */
    if (end - p >= 16) {
        const __m128i  v = _mm_loadu_si128((const __m128i *) p);
        const __m128i  d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
        unsigned       m;

        m = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
        m = ~m & 0xffff;

        if (m != 0) {
            p += __builtin_ctz(m);
            if (p == *pp) {
                return -1;
            }
            *pp = p;
            return 0;
        }

        p += 16;        /* 16 digits: the scalar loop goes on to 19 */
    }
#endif

    /* the bound is computed once, not per digit */
    while (p < lim && rg_ngx_d(*p)) {
        p++;
    }

    if (p == *pp) {
        return -1;
    }

    *pp = p;

    return 0;
}


/* The value of the digits p[0..end) (rg_ngx_digits found them: at most
   19, which always fit). */
static uint64_t
rg_ngx_value(const char *p, const char *end)
{
    rg_str    s;
    int64_t   v;
    uint64_t  n = 0;

    s.p = p;
    s.len = (size_t) (end - p);

    /* 18 digits at most, the usual, read without a bound to check */
    v = rg_str_number(s);
    if (v >= 0) {
        return (uint64_t) v;
    }

    (void) rg_str_digits(s, UINT64_MAX, &n);

    return n;
}


static void
rg_ngx_set(rg_nginx_error *out, rg_field f, const char *p, const char *end)
{
    out->fields.f[f].p = p;
    out->fields.f[f].len = (size_t) (end - p);
}


/* What the head holds (the time is the line's first 19 bytes). */
typedef struct {
    int          level;
    const char  *level_p, *level_end;
    const char  *pid_p, *pid_end;       /* digits; only the full parse */
    const char  *cid_p, *cid_end;       /* reads their values */
} rg_ngx_hd;


/* Parses "YYYY/MM/DD HH:MM:SS [level] pid#tid: "; returns what follows
   (rg_ngx_cid then reads an optional "*cid "), NULL when it fails. */
static const char *
rg_ngx_head(const char *line, const char *end, rg_ngx_hd *out)
{
    const char  *p, *q;
    size_t       i, n;

    if (end - line < 24 || !rg_ngx_time_ok(line)) {
        return NULL;
    }

    /* the first letter (and the second for "emerg"/"error") names the one
       level it can be: one compare instead of a walk over the table or a
       search for the ']' (24 bytes are there, so p[1] is) */
    p = line + 21;

    switch (*p) {
    case ']':  i = 0; break;
    case 'e':  i = p[1] == 'm' ? 1 : 4; break;
    case 'a':  i = 2; break;
    case 'c':  i = 3; break;
    case 'w':  i = 5; break;
    case 'n':  i = 6; break;
    case 'i':  i = 7; break;
    case 'd':  i = 8; break;
    default:   return NULL;
    }

    n = rg_ngx_levels[i].len;
    if ((size_t) (end - p) <= n || !rg_ngx_eq(rg_ngx_levels[i].name, p, n)
        || p[n] != ']')
    {
        return NULL;
    }

    q = p + n;

    out->level = (int) i;
    out->level_p = p;
    out->level_end = q;

    p = q + 1;
    if (p >= end || *p++ != ' ') {
        return NULL;
    }

    out->pid_p = p;
    if (rg_ngx_digits(&p, end) != 0) {
        return NULL;
    }
    out->pid_end = p;

    if (p >= end || *p++ != '#' || rg_ngx_digits(&p, end) != 0
        || end - p < 2 || p[0] != ':' || p[1] != ' ')
    {
        return NULL;
    }

    return p + 2;
}


/* After the head: "*cid " when the line belongs to a connection (never
   fails: without it the message starts right there); what follows. */
static const char *
rg_ngx_cid(const char *p, const char *end, rg_ngx_hd *out)
{
    const char  *q;

    out->cid_p = NULL;
    out->cid_end = NULL;

    if (p < end && *p == '*') {
        q = p + 1;
        if (rg_ngx_digits(&q, end) == 0 && q < end && *q == ' ') {
            out->cid_p = p + 1;
            out->cid_end = q;
            p = q + 1;
        }
    }

    return p;
}


/* The end of an address that starts at p, or NULL. */
static const char *
rg_ngx_address(const char *p, const char *end)
{
    const char  *s = p;

    if (end - p >= 5 && memcmp(p, "unix:", 5) == 0) {
        p += 5;
        while (p < end && *p != ',') {
            p++;
        }
        return p;
    }

    while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
                       || (*p >= 'A' && *p <= 'F') || *p == '.' || *p == ':'))
    {
        p++;
    }

    return p > s ? p : NULL;
}


/*
 * The end of a client written as text (a redacted or anonymised address:
 * "10.xxx.xx.xxxx", "CLIENT_IP"): a word without blanks, quotes or commas,
 * taken only when ", server: " follows it (never at a cut line's end, where
 * a quoted URI could end with such a word); NULL when there is none.
 */
static const char *
rg_ngx_text_client(const char *p, const char *end)
{
    const char  *s = p;
    size_t       sl = sizeof(RG_CTX_SERVER) - 1;

    while (p < end && *p != ',' && *p != ' ' && *p != '"') {
        p++;
    }

    return p > s && (size_t) (end - p) >= sl && rg_ngx_eq(p, RG_CTX_SERVER, sl)
           ? p : NULL;
}


/*
 * Finds the real context (see the top of the file); returns the position of
 * its ", client: " or NULL, with *addr_end set.  An address, else a text
 * client (rg_ngx_text_client), followed by ", server: ".
 */
static const char *
rg_ngx_context(const char *msg, const char *end, const char **addr_end)
{
    const char  *c, *a, *from = msg;
    size_t       sl = sizeof(RG_CTX_SERVER) - 1;

    while ((c = rg_find(from, end, RG_CTX_CLIENT,
                            sizeof(RG_CTX_CLIENT) - 1)) != NULL)
    {
        a = rg_ngx_address(c + sizeof(RG_CTX_CLIENT) - 1, end);

        if (a != NULL
            && (a == end
                || ((size_t) (end - a) >= sl
                    && rg_ngx_eq(a, RG_CTX_SERVER, sl))))
        {
            *addr_end = a;
            return c;
        }

        a = rg_ngx_text_client(c + sizeof(RG_CTX_CLIENT) - 1, end);
        if (a != NULL) {
            *addr_end = a;
            return c;
        }

        from = c + 1;
    }

    return NULL;
}


/* Which quoted key starts at p, with index above `after`; -1 when none. */
static int
rg_ngx_key_at(const char *p, const char *end, int after)
{
    size_t  k;

    if (end - p < 4) {
        return -1;
    }

    for (k = (size_t) (after + 1); k < RG_NGX_NKEYS; k++) {
        if (p[2] == rg_ngx_keys[k].key[2]
            && (size_t) (end - p) >= rg_ngx_keys[k].len
            && rg_ngx_eq(p, rg_ngx_keys[k].key, rg_ngx_keys[k].len))
        {
            return (int) k;
        }
    }

    return -1;
}


/* Parses the quoted values from p (", request: \"..." ...). */
static void
rg_ngx_quoted(const char *p, const char *end, rg_nginx_error *out)
{
    const char  *v, *q, *from;
    int          k = -1, next;

    while (p < end && (k = rg_ngx_key_at(p, end, k)) >= 0) {
        v = p + rg_ngx_keys[k].len;
        from = v;
        p = end;
        next = -1;

        while ((q = rg_find(from, end, "\", ", 3)) != NULL) {
            next = rg_ngx_key_at(q + 1, end, k);
            if (next >= 0) {
                p = q + 1;
                break;
            }
            from = q + 1;
        }

        /* no later key: the value runs to the closing quote at the end, or
           to the end of a line nginx cut short */
        if (next < 0) {
            q = (end > v && end[-1] == '"') ? end - 1 : end;
        }

        if (rg_ngx_keys[k].field >= 0) {
            rg_ngx_set(out, (rg_field) rg_ngx_keys[k].field, v, q);
        }
    }
}


static void
rg_ngx_server(const char *p, const char *end, rg_nginx_error *out)
{
    const char  *q, *from = p;

    while ((q = rg_find(from, end, ", ", 2)) != NULL) {
        if (rg_ngx_key_at(q, end, -1) >= 0) {
            break;
        }
        from = q + 1;
    }

    if (q == NULL) {
        q = end;
    }

    rg_ngx_set(out, RG_FIELD_SERVER, p, q);
    rg_ngx_quoted(q, end, out);
}


/* The action: after the last " while " of the message, "" when none. */
static void
rg_ngx_action(const char *msg, const char *mend, rg_nginx_error *out)
{
    const char  *p = mend;

    while (p > msg && (p = memrchr(msg, 'w', (size_t) (p - msg))) != NULL) {
        if (p > msg && p[-1] == ' ' && mend - p >= 6
            && memcmp(p, "while ", 6) == 0)
        {
            rg_ngx_set(out, RG_FIELD_ACTION, p + 6, mend);
            return;
        }
    }

    rg_ngx_set(out, RG_FIELD_ACTION, mend, mend);
}


/*
 * Empties *out: every field unset.  NULL and 0 are all zero bits on every
 * platform nginx and rstscan build for, and one memset is a few vector
 * stores.
 */
static void
rg_ngx_clear(rg_nginx_error *out)
{
    memset(out, 0, sizeof(rg_nginx_error));
}


/* The line's length without the LF (or CRLF) a log writer ends it with. */
static size_t
rg_ngx_trimmed(const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }

    return len;
}


int
rg_nginx_error_parse(const char *line, size_t len, rg_nginx_error *out)
{
    const char  *end, *msg, *ctx, *cl, *addr_end = NULL;
    rg_ngx_hd    hd;

    end = line + rg_ngx_trimmed(line, len);
    rg_ngx_clear(out);

    msg = rg_ngx_head(line, end, &hd);
    if (msg == NULL) {
        return -1;
    }

    msg = rg_ngx_cid(msg, end, &hd);

    out->time.p = line;
    out->time.len = 19;
    out->level = hd.level;
    out->pid = rg_ngx_value(hd.pid_p, hd.pid_end);
    out->cid = hd.cid_p ? rg_ngx_value(hd.cid_p, hd.cid_end) : 0;
    rg_ngx_set(out, RG_FIELD_LEVEL, hd.level_p, hd.level_end);
    rg_ngx_set(out, RG_FIELD_LINE, line, end);

    ctx = rg_ngx_context(msg, end, &addr_end);
    if (ctx == NULL) {
        ctx = end;

    } else {
        cl = ctx + sizeof(RG_CTX_CLIENT) - 1;
        rg_ngx_set(out, RG_FIELD_CLIENT, cl, addr_end);

        if (addr_end < end) {
            rg_ngx_server(addr_end + sizeof(RG_CTX_SERVER) - 1, end, out);
        }
    }

    rg_ngx_set(out, RG_FIELD_MESSAGE, msg, ctx);
    rg_ngx_action(msg, ctx, out);

    return 0;
}


int
rg_nginx_error_head_ok(const char *line, size_t len)
{
    rg_ngx_hd  hd;

    /* the "*cid " that may follow never fails the line */
    return rg_ngx_head(line, line + rg_ngx_trimmed(line, len), &hd) != NULL;
}


const char *
rg_nginx_level_name(int level)
{
    if (level < 0 || level >= RG_NGINX_LEVELS) {
        return NULL;
    }

    return rg_ngx_levels[level].name;
}
