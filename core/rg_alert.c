/*
 * rg_alert.c - format and strict parse of rstguard's alert line (an abort
 * storm: one class's server-wide rate over an interval above
 * rstguard_alert's RATE).  The grammar is in rg_summary.h.
 */

#include <stdio.h>
#include <string.h>

#include "rg_escape.h"
#include "rg_summary.h"
#include "rg_summary_impl.h"


static size_t
rg_min(size_t a, size_t b)
{
    return a < b ? a : b;
}


size_t
rg_alert_format(char *buf, size_t size, const rg_alert *a)
{
    char         head[256];
    const char  *cls;
    size_t       pos, room, hlen, mark, lim;

    static const char  tail_key[] = " top_upstream=";
    static const char  tail_ups[] = " sample=";

    cls = rg_class_name(a->cls);

    if (cls == NULL || (a->log != RG_SUMMARY_LOG_ACCESS
                        && a->log != RG_SUMMARY_LOG_ERROR)
        || (a->limit_unit != 's' && a->limit_unit != 'm'))
    {
        return 0;
    }

    snprintf(head, sizeof(head),
             RG_ALERT_PREFIX "log=%s class=%s rate=%llu.%02llu/s "
             "limit=%llur/%c window=%llus top_key=",
             a->log == RG_SUMMARY_LOG_ACCESS ? "access" : "error", cls,
             (unsigned long long) (a->rate_centi / 100),
             (unsigned long long) (a->rate_centi % 100),
             (unsigned long long) a->limit, a->limit_unit,
             (unsigned long long) a->window);
    hlen = strlen(head);

    /* three quoted values: six quotes */
    if (size < hlen + sizeof(tail_key) - 1 + sizeof(tail_ups) - 1 + 6) {
        return 0;
    }
    room = size - hlen - (sizeof(tail_key) - 1) - (sizeof(tail_ups) - 1) - 6;

    memcpy(buf, head, hlen);
    pos = hlen;

    /* the upstream is an address: a quarter is plenty; the key a half */
    lim = rg_min(rg_escape_c_len(a->top_upstream.p, a->top_upstream.len),
                 room / 4);
    lim = rg_min(rg_escape_c_len(a->top_key.p, a->top_key.len),
                 (room - lim) / 2);

    mark = pos;
    (void) rg_put_quoted_cut(buf, size, &pos, &a->top_key, lim);
    room -= pos - mark - 2;
    (void) rg_put_text(buf, size, &pos, tail_key);

    mark = pos;
    (void) rg_put_quoted_cut(buf, size, &pos, &a->top_upstream, room / 2);
    room -= pos - mark - 2;
    (void) rg_put_text(buf, size, &pos, tail_ups);

    (void) rg_put_quoted_cut(buf, size, &pos, &a->sample, room);

    return pos;
}


/* "R.RR" with exactly two decimals, in hundredths */
static int
rg_cur_centi(rg_cursor *c, uint64_t *out)
{
    uint64_t  whole;

    if (rg_cur_uint(c, &whole) != 0 || rg_cur_lit(c, ".") != 0
        || c->end - c->p < 2
        || c->p[0] < '0' || c->p[0] > '9' || c->p[1] < '0' || c->p[1] > '9'
        || whole > (UINT64_MAX - 99) / 100)
    {
        return -1;
    }

    *out = whole * 100 + (uint64_t) (c->p[0] - '0') * 10
           + (uint64_t) (c->p[1] - '0');
    c->p += 2;

    return 0;
}


int
rg_alert_parse(const char *p, size_t len, rg_alert *out)
{
    rg_cursor  c;
    rg_alert   a;
    int        log, cls;

    c.p = p;
    c.end = p + len;
    memset(&a, 0, sizeof(a));

    if (rg_cur_lit(&c, RG_ALERT_PREFIX "log=") != 0
        || rg_cur_log(&c, &log) != 0
        || rg_cur_lit(&c, " class=") != 0 || rg_cur_class(&c, &cls) != 0
        || rg_cur_lit(&c, " rate=") != 0 || rg_cur_centi(&c, &a.rate_centi)
        || rg_cur_lit(&c, "/s limit=") != 0 || rg_cur_uint(&c, &a.limit) != 0
        || rg_cur_lit(&c, "r/") != 0 || c.p == c.end
        || (*c.p != 's' && *c.p != 'm'))
    {
        return -1;
    }
    a.log = (rg_summary_log) log;
    a.cls = (rg_class) cls;
    a.limit_unit = *c.p++;

    if (rg_cur_lit(&c, " window=") != 0 || rg_cur_uint(&c, &a.window) != 0
        || rg_cur_lit(&c, "s top_key=") != 0
        || rg_cur_quoted(&c, &a.top_key) != 0
        || rg_cur_lit(&c, " top_upstream=") != 0
        || rg_cur_quoted(&c, &a.top_upstream) != 0
        || rg_cur_lit(&c, " sample=") != 0
        || rg_cur_quoted(&c, &a.sample) != 0
        || c.p != c.end)
    {
        return -1;
    }

    *out = a;

    return 0;
}


int
rg_alert_parse_line(const char *line, size_t len, rg_alert *out,
    int *level_out)
{
    rg_cursor  c;
    int        level;

    c.p = line;
    c.end = line + len;

    if (rg_cur_nginx_head(&c, &level) != 0
        || rg_alert_parse(c.p, (size_t) (c.end - c.p), out) != 0)
    {
        return -1;
    }

    if (level_out != NULL) {
        *level_out = level;
    }

    return 0;
}
