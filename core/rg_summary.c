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
#include "rg_nginx_error.h"
#include "rg_summary.h"
#include "rg_summary_impl.h"

static const char  *rg_summary_logs[] = { "access", "error" };



/* --- shared steps (rg_summary_impl.h) --------------------------------- */


int
rg_put_text(char *buf, size_t size, size_t *pos, const char *text)
{
    size_t  n;

    n = strlen(text);
    if (*pos > size || size - *pos < n) {
        return -1;
    }
    memcpy(buf + *pos, text, n);
    *pos += n;

    return 0;
}


int
rg_put_quoted_cut(char *buf, size_t size, size_t *pos, const rg_str *v,
    size_t limit)
{
    size_t  room;

    if (*pos > size || size - *pos < 2) {
        return -1;
    }
    room = size - *pos - 2;
    if (limit < room) {
        room = limit;
    }

    buf[(*pos)++] = '"';
    *pos += rg_escape_c(v->p, v->len, buf + *pos, room, NULL);
    buf[(*pos)++] = '"';

    return 0;
}


/* --- format ---------------------------------------------------------- */


/*
 * The fields between the key and the sample, from " keys=" (v3) or
 * " suppressed=" (v2) to "sample=", into mid; -1 when a time is not one.
 */
static int
rg_summary_mid(char *mid, size_t size, size_t *len, const rg_summary *s)
{
    char    num[160];
    size_t  pos;

    pos = 0;

    if (s->version == 2) {
        num[0] = '\0';
    } else {
        snprintf(num, sizeof(num), " keys=%llu",
                 (unsigned long long) s->keys);
    }

    if (rg_put_text(mid, size, &pos, num) != 0) {
        return -1;
    }

    snprintf(num, sizeof(num),
             " suppressed=%llu passed=%llu window=%llus first=",
             (unsigned long long) s->suppressed,
             (unsigned long long) s->passed,
             (unsigned long long) s->window);

    if (rg_put_text(mid, size, &pos, num) != 0
        || rg_put_quoted_cut(mid, size, &pos, &s->first, (size_t) -1) != 0
        || rg_put_text(mid, size, &pos, " last=") != 0
        || rg_put_quoted_cut(mid, size, &pos, &s->last, (size_t) -1) != 0)
    {
        return -1;
    }

    if (s->version == 2) {
        snprintf(num, sizeof(num), " worker=%llu dry_run=%d sample=",
                 (unsigned long long) s->worker, s->dry_run);
    } else {
        snprintf(num, sizeof(num), " dry_run=%d sample=", s->dry_run);
    }

    if (rg_put_text(mid, size, &pos, num) != 0) {
        return -1;
    }

    *len = pos;

    return 0;
}


size_t
rg_summary_format(char *buf, size_t size, const rg_summary *s)
{
    char         head[128], mid[512];
    const char  *cls;
    size_t       pos, room, hlen, mlen, key_limit, sample_need, mark;

    cls = rg_class_name(s->cls);

    if (cls == NULL || (s->log != RG_SUMMARY_LOG_ACCESS
                        && s->log != RG_SUMMARY_LOG_ERROR)
        || (s->dry_run != 0 && s->dry_run != 1)
        || s->first.len != RG_SUMMARY_TIME_LEN
        || s->last.len != RG_SUMMARY_TIME_LEN
        || rg_summary_mid(mid, sizeof(mid), &mlen, s) != 0)
    {
        return 0;
    }

    snprintf(head, sizeof(head), RG_SUMMARY_PREFIX "log=%s class=%s key=",
             rg_summary_logs[s->log], cls);
    hlen = strlen(head);

    /* two quotes for the key, two for the sample */
    if (size < hlen + mlen + 4) {
        return 0;
    }
    room = size - hlen - mlen - 4;

    /*
     * A key may be as long as a client wants (key=$http_x_forwarded_for):
     * it must not crowd the sample out, nor the line out of nginx's
     * buffer, so the sample keeps up to half the room when it needs it.
     */
    sample_need = rg_escape_c_len(s->sample.p, s->sample.len);
    key_limit = room - (sample_need < room / 2 ? sample_need : room / 2);

    pos = 0;
    memcpy(buf, head, hlen);
    pos = hlen;

    mark = pos;
    (void) rg_put_quoted_cut(buf, size, &pos, &s->key, key_limit);
    room -= pos - mark - 2;

    memcpy(buf + pos, mid, mlen);
    pos += mlen;

    (void) rg_put_quoted_cut(buf, size, &pos, &s->sample, room);

    return pos;
}


/* --- parse ---------------------------------------------------------- */


int
rg_cur_lit(rg_cursor *c, const char *lit)
{
    size_t  n;

    n = strlen(lit);
    if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0) {
        return -1;
    }
    c->p += n;

    return 0;
}


int
rg_cur_uint(rg_cursor *c, uint64_t *out)
{
    rg_str  s;
    size_t  n;

    s.p = c->p;
    s.len = (size_t) (c->end - c->p);
    n = rg_str_digits(s, UINT64_MAX, out);

    /* a summary writes no leading zero: "01" is no number of its */
    if (n == 0 || (*c->p == '0' && n > 1)) {
        return -1;
    }
    c->p += n;

    return 0;
}


int
rg_cur_word(rg_cursor *c, rg_str *out)
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


int
rg_cur_log(rg_cursor *c, int *log)
{
    rg_str  w;

    if (rg_cur_word(c, &w) != 0) {
        return -1;
    }
    if (w.len == 6 && memcmp(w.p, "access", 6) == 0) {
        *log = RG_SUMMARY_LOG_ACCESS;
    } else if (w.len == 5 && memcmp(w.p, "error", 5) == 0) {
        *log = RG_SUMMARY_LOG_ERROR;
    } else {
        return -1;
    }

    return 0;
}


int
rg_cur_class(rg_cursor *c, int *cls)
{
    rg_str  w;

    if (rg_cur_word(c, &w) != 0) {
        return -1;
    }
    *cls = rg_class_from_name(w.p, w.len);

    return *cls == RG_CLASS_NONE ? -1 : 0;
}


static int
rg_is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}


int
rg_cur_quoted(rg_cursor *c, rg_str *out)
{
    const char     *start;
    unsigned char   ch;

    if (rg_cur_lit(c, "\"") != 0) {
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


int
rg_is_log_time(const char *p, size_t len)
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


/* first="..." last="..." with nginx's times in both */
static int
rg_cur_times(rg_cursor *c, rg_summary *s)
{
    if (rg_cur_lit(c, "s first=") != 0 || rg_cur_quoted(c, &s->first) != 0
        || !rg_is_log_time(s->first.p, s->first.len)
        || rg_cur_lit(c, " last=") != 0 || rg_cur_quoted(c, &s->last) != 0
        || !rg_is_log_time(s->last.p, s->last.len))
    {
        return -1;
    }

    return 0;
}


int
rg_summary_parse(const char *p, size_t len, rg_summary *out)
{
    rg_cursor   c;
    rg_summary  s;
    uint64_t    dry;
    int         log, cls;

    c.p = p;
    c.end = p + len;
    memset(&s, 0, sizeof(s));

    if (rg_cur_lit(&c, RG_SUMMARY_PREFIX "log=") != 0
        || rg_cur_log(&c, &log) != 0
        || rg_cur_lit(&c, " class=") != 0 || rg_cur_class(&c, &cls) != 0
        || rg_cur_lit(&c, " key=") != 0 || rg_cur_quoted(&c, &s.key) != 0)
    {
        return -1;
    }
    s.log = (rg_summary_log) log;
    s.cls = (rg_class) cls;

    /* version 3 has keys= here; version 2 goes straight on */
    if (rg_cur_lit(&c, " keys=") == 0) {
        s.version = 3;
        if (rg_cur_uint(&c, &s.keys) != 0) {
            return -1;
        }
    } else {
        s.version = 2;
        s.keys = 1;
    }

    if (rg_cur_lit(&c, " suppressed=") != 0 || rg_cur_uint(&c, &s.suppressed) != 0
        || rg_cur_lit(&c, " passed=") != 0 || rg_cur_uint(&c, &s.passed) != 0
        || rg_cur_lit(&c, " window=") != 0 || rg_cur_uint(&c, &s.window) != 0
        || rg_cur_times(&c, &s) != 0)
    {
        return -1;
    }

    if (s.version == 2
        && (rg_cur_lit(&c, " worker=") != 0
            || rg_cur_uint(&c, &s.worker) != 0))
    {
        return -1;
    }

    if (rg_cur_lit(&c, " dry_run=") != 0 || rg_cur_uint(&c, &dry) != 0
        || dry > 1
        || rg_cur_lit(&c, " sample=") != 0 || rg_cur_quoted(&c, &s.sample) != 0
        || c.p != c.end)
    {
        return -1;
    }
    s.dry_run = (int) dry;

    *out = s;

    return 0;
}


int
rg_cur_nginx_head(rg_cursor *c, int *level)
{
    uint64_t  pid, tid;
    size_t    i, n;

    if ((size_t) (c->end - c->p) < RG_SUMMARY_TIME_LEN
        || !rg_is_log_time(c->p, RG_SUMMARY_TIME_LEN))
    {
        return -1;
    }
    c->p += RG_SUMMARY_TIME_LEN;

    if (rg_cur_lit(c, " [") != 0) {
        return -1;
    }

    *level = -1;
    for (i = 1; i < RG_NGINX_LEVELS; i++) {
        n = strlen(rg_nginx_level_name((int) i));
        if ((size_t) (c->end - c->p) > n
            && memcmp(c->p, rg_nginx_level_name((int) i), n) == 0
            && c->p[n] == ']')
        {
            *level = (int) i;
            c->p += n;
            break;
        }
    }

    if (*level < 0 || rg_cur_lit(c, "] ") != 0 || rg_cur_uint(c, &pid) != 0
        || rg_cur_lit(c, "#") != 0 || rg_cur_uint(c, &tid) != 0
        || rg_cur_lit(c, ": ") != 0)
    {
        return -1;
    }

    return 0;
}


int
rg_summary_parse_line(const char *line, size_t len, rg_summary *out,
    int *level_out)
{
    rg_cursor  c;
    int        level;

    c.p = line;
    c.end = line + len;

    if (rg_cur_nginx_head(&c, &level) != 0
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
