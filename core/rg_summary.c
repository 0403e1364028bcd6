/*
 * rg_summary.c - format and strict parse of rstguard's summary line.
 *
 * The parser is a cursor over explicit bounds: each step either consumes
 * exactly what the grammar demands or fails, so a line that merely looks
 * like a summary is never counted.
 */

#include <stdio.h>
#include <string.h>

#include "rg_escape.h"
#include "rg_summary.h"

typedef struct {
    const char  *p;
    const char  *end;
} rg_cursor;

static const char  *rg_summary_logs[] = { "access", "error" };

/* nginx's err_levels[], indexed by its level number */
static const char  *rg_levels[] = {
    "", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"
};


/* --- format ---------------------------------------------------------- */


/* Appends a quoted, C-escaped value; -1 when it does not fit whole. */
static int
rg_put_quoted(char *buf, size_t size, size_t *pos, const rg_str *v)
{
    size_t  n, used;

    if (*pos + 1 > size) {
        return -1;
    }
    buf[(*pos)++] = '"';

    n = rg_escape_c(v->p, v->len, buf + *pos, size - *pos, &used);
    if (used != v->len) {
        return -1;
    }
    *pos += n;

    if (*pos + 1 > size) {
        return -1;
    }
    buf[(*pos)++] = '"';

    return 0;
}


/* Appends printf-style text; -1 when it does not fit. */
static int
rg_put(char *buf, size_t size, size_t *pos, const char *text)
{
    size_t  n;

    n = strlen(text);
    if (*pos + n > size) {
        return -1;
    }
    memcpy(buf + *pos, text, n);
    *pos += n;

    return 0;
}


size_t
rg_summary_format(char *buf, size_t size, const rg_summary *s)
{
    char         num[160];
    const char  *cls;
    size_t       pos, n;

    cls = rg_class_name(s->cls);

    if (cls == NULL || (s->log != RG_SUMMARY_LOG_ACCESS
                        && s->log != RG_SUMMARY_LOG_ERROR)
        || (s->dry_run != 0 && s->dry_run != 1)
        || s->first.len != RG_SUMMARY_TIME_LEN
        || s->last.len != RG_SUMMARY_TIME_LEN)
    {
        return 0;
    }

    pos = 0;

    snprintf(num, sizeof(num), RG_SUMMARY_PREFIX "log=%s class=%s key=",
             rg_summary_logs[s->log], cls);
    if (rg_put(buf, size, &pos, num) != 0
        || rg_put_quoted(buf, size, &pos, &s->key) != 0)
    {
        return 0;
    }

    snprintf(num, sizeof(num),
             " suppressed=%llu passed=%llu window=%llus first=",
             (unsigned long long) s->suppressed,
             (unsigned long long) s->passed,
             (unsigned long long) s->window);
    if (rg_put(buf, size, &pos, num) != 0
        || rg_put_quoted(buf, size, &pos, &s->first) != 0
        || rg_put(buf, size, &pos, " last=") != 0
        || rg_put_quoted(buf, size, &pos, &s->last) != 0)
    {
        return 0;
    }

    snprintf(num, sizeof(num), " worker=%llu dry_run=%d sample=\"",
             (unsigned long long) s->worker, s->dry_run);
    if (rg_put(buf, size, &pos, num) != 0 || pos + 1 > size) {
        return 0;
    }

    /* the sample takes what is left, less its closing quote */
    n = rg_escape_c(s->sample.p, s->sample.len, buf + pos, size - pos - 1,
                    NULL);
    pos += n;
    buf[pos++] = '"';

    return pos;
}


/* --- parse ----------------------------------------------------------- */


static int
rg_lit(rg_cursor *c, const char *lit)
{
    size_t  n;

    n = strlen(lit);
    if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0) {
        return -1;
    }
    c->p += n;

    return 0;
}


/* Decimal, no leading zeros, no overflow. */
static int
rg_uint(rg_cursor *c, uint64_t *out)
{
    const char  *start;
    uint64_t     v;
    unsigned     d;

    start = c->p;
    v = 0;

    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        d = (unsigned) (*c->p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
        c->p++;
    }

    if (c->p == start || (*start == '0' && c->p - start > 1)) {
        return -1;
    }
    *out = v;

    return 0;
}


/* A word of [a-z_] up to the next space; *out points into the line. */
static int
rg_word(rg_cursor *c, rg_str *out)
{
    const char  *start;

    start = c->p;
    while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') || *c->p == '_')) {
        c->p++;
    }
    if (c->p == start) {
        return -1;
    }
    out->p = start;
    out->len = (size_t) (c->p - start);

    return 0;
}


static int
rg_is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}


/* A quoted, validly C-escaped value; out gets the text between quotes. */
static int
rg_quoted(rg_cursor *c, rg_str *out)
{
    const char     *start;
    unsigned char   ch;

    if (rg_lit(c, "\"") != 0) {
        return -1;
    }
    start = c->p;

    while (c->p < c->end) {
        ch = (unsigned char) *c->p;

        if (ch == '"') {
            out->p = start;
            out->len = (size_t) (c->p - start);
            c->p++;
            return 0;
        }

        if (ch < 0x20 || ch == 0x7f) {
            return -1;
        }

        if (ch != '\\') {
            c->p++;
            continue;
        }

        if (c->end - c->p < 2) {
            return -1;
        }

        switch (c->p[1]) {
        case '"': case '\\': case 'n': case 'r': case 't':
            c->p += 2;
            break;
        case 'x':
            if (c->end - c->p < 4 || !rg_is_hex(c->p[2])
                || !rg_is_hex(c->p[3]))
            {
                return -1;
            }
            /* only the bytes the writer spells \xHH (found by make fuzz:
               "\x2b" for "+" is not in the grammar) */
            ch = (unsigned char) ((c->p[2] <= '9' ? c->p[2] - '0'
                                                  : c->p[2] - 'a' + 10) * 16
                                  + (c->p[3] <= '9' ? c->p[3] - '0'
                                                    : c->p[3] - 'a' + 10));
            if ((ch >= 0x20 && ch != 0x7f)
                || ch == '\n' || ch == '\r' || ch == '\t')
            {
                return -1;
            }
            c->p += 4;
            break;
        default:
            return -1;
        }
    }

    return -1;
}


/* "YYYY/MM/DD HH:MM:SS": digits and separators exactly where nginx puts them */
static int
rg_is_time(const char *p, size_t len)
{
    static const char  shape[] = "dddd/dd/dd dd:dd:dd";
    size_t             i;

    if (len != RG_SUMMARY_TIME_LEN) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (shape[i] == 'd' ? (p[i] < '0' || p[i] > '9') : p[i] != shape[i]) {
            return 0;
        }
    }

    return 1;
}


int
rg_summary_parse(const char *p, size_t len, rg_summary *out)
{
    rg_cursor   c;
    rg_str      w;
    rg_summary  s;
    uint64_t    dry;

    c.p = p;
    c.end = p + len;
    memset(&s, 0, sizeof(s));

    if (rg_lit(&c, RG_SUMMARY_PREFIX "log=") != 0 || rg_word(&c, &w) != 0) {
        return -1;
    }
    if (w.len == 6 && memcmp(w.p, "access", 6) == 0) {
        s.log = RG_SUMMARY_LOG_ACCESS;
    } else if (w.len == 5 && memcmp(w.p, "error", 5) == 0) {
        s.log = RG_SUMMARY_LOG_ERROR;
    } else {
        return -1;
    }

    if (rg_lit(&c, " class=") != 0 || rg_word(&c, &w) != 0) {
        return -1;
    }
    s.cls = rg_class_from_name(w.p, w.len);
    if (s.cls == RG_CLASS_NONE) {
        return -1;
    }

    if (rg_lit(&c, " key=") != 0 || rg_quoted(&c, &s.key) != 0
        || rg_lit(&c, " suppressed=") != 0 || rg_uint(&c, &s.suppressed) != 0
        || rg_lit(&c, " passed=") != 0 || rg_uint(&c, &s.passed) != 0
        || rg_lit(&c, " window=") != 0 || rg_uint(&c, &s.window) != 0
        || rg_lit(&c, "s first=") != 0 || rg_quoted(&c, &s.first) != 0
        || !rg_is_time(s.first.p, s.first.len)
        || rg_lit(&c, " last=") != 0 || rg_quoted(&c, &s.last) != 0
        || !rg_is_time(s.last.p, s.last.len)
        || rg_lit(&c, " worker=") != 0 || rg_uint(&c, &s.worker) != 0
        || rg_lit(&c, " dry_run=") != 0 || rg_uint(&c, &dry) != 0 || dry > 1
        || rg_lit(&c, " sample=") != 0 || rg_quoted(&c, &s.sample) != 0
        || c.p != c.end)
    {
        return -1;
    }
    s.dry_run = (int) dry;

    *out = s;

    return 0;
}


int
rg_summary_parse_line(const char *line, size_t len, rg_summary *out,
    int *level_out)
{
    rg_cursor  c;
    uint64_t   pid, tid;
    size_t     i, n;
    int        level;

    c.p = line;
    c.end = line + len;

    if (!rg_is_time(line, len < RG_SUMMARY_TIME_LEN ? len
                                                    : RG_SUMMARY_TIME_LEN))
    {
        return -1;
    }
    c.p += RG_SUMMARY_TIME_LEN;

    if (rg_lit(&c, " [") != 0) {
        return -1;
    }

    level = -1;
    for (i = 1; i < sizeof(rg_levels) / sizeof(rg_levels[0]); i++) {
        n = strlen(rg_levels[i]);
        if ((size_t) (c.end - c.p) > n && memcmp(c.p, rg_levels[i], n) == 0
            && c.p[n] == ']')
        {
            level = (int) i;
            c.p += n;
            break;
        }
    }

    if (level < 0 || rg_lit(&c, "] ") != 0 || rg_uint(&c, &pid) != 0
        || rg_lit(&c, "#") != 0 || rg_uint(&c, &tid) != 0
        || rg_lit(&c, ": ") != 0
        || rg_summary_parse(c.p, (size_t) (c.end - c.p), out) != 0)
    {
        return -1;
    }

    if (level_out != NULL) {
        *level_out = level;
    }

    return 0;
}


static int
rg_hex_value(char ch)
{
    return ch <= '9' ? ch - '0' : ch - 'a' + 10;
}


size_t
rg_summary_unescape(const rg_str *escaped, char *dst, size_t size)
{
    const char  *p, *end;
    size_t       out;
    char         ch;

    p = escaped->p;
    end = p + escaped->len;
    out = 0;

    while (p < end) {
        ch = *p++;

        if (ch == '\\') {
            if (p == end) {
                return (size_t) -1;
            }
            switch (*p++) {
            case '"':  ch = '"';  break;
            case '\\': ch = '\\'; break;
            case 'n':  ch = '\n'; break;
            case 'r':  ch = '\r'; break;
            case 't':  ch = '\t'; break;
            case 'x':
                if (end - p < 2 || !rg_is_hex(p[0]) || !rg_is_hex(p[1])) {
                    return (size_t) -1;
                }
                ch = (char) (rg_hex_value(p[0]) * 16 + rg_hex_value(p[1]));
                p += 2;
                break;
            default:
                return (size_t) -1;
            }
        }

        if (out == size) {
            return (size_t) -1;
        }
        dst[out++] = ch;
    }

    return out;
}
