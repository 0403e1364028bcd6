/*
 * syslog.c - recognises the syslog/journald prefix (see syslog.h).
 */

#include <string.h>

#include "syslog.h"


static size_t rs_syslog_tag(const char *p, size_t len);
static size_t rs_syslog_5424(const char *line, size_t len, size_t i,
    rs_ts *ts);
static size_t rs_syslog_word(const char *line, size_t len, size_t i);


size_t
rs_syslog_parse(const char *line, size_t len, int year, rs_ts *ts)
{
    size_t  i = 0, n, host, tag;

    /* "<PRI>", then the time */
    if (len > 0 && line[0] == '<') {
        for (i = 1; i < len && i < 5 && line[i] >= '0' && line[i] <= '9'; i++) {
            /* skip */
        }
        if (i == 1 || i >= len || line[i] != '>') {
            return 0;
        }
        i++;

        /* RFC 5424: "<PRI>1 TIME HOST APP PROCID MSGID SD MSG" */
        if (len - i > 2 && line[i] == '1' && line[i + 1] == ' ') {
            return rs_syslog_5424(line, len, i + 2, ts);
        }
    }

    n = 0;
    if (len - i >= 16) {
        if (line[i] >= 'A' && line[i] <= 'Z') {
            n = rs_time_syslog(line + i, len - i, year, ts);

        } else if (line[i] >= '0' && line[i] <= '9' && line[i + 4] == '-') {
            n = rs_time_iso(line + i, len - i, ts);
        }
    }

    if (n == 0 || i + n >= len || line[i + n] != ' ') {
        /* "<PRI>" and the message (HAProxy's `format short` and
           `priority`): only the priority is stripped */
        return i;
    }

    i += n + 1;

    /* the host: anything up to a space */
    for (host = i; i < len && line[i] != ' '; i++) {
        /* skip */
    }

    if (i == host || i >= len) {
        return 0;
    }

    i++;
    tag = rs_syslog_tag(line + i, len - i);
    if (tag != 0) {
        return i + tag;
    }

    /* no host: a program's own RFC 3164 line ("<134>Nov 21 10:00:01
       haproxy[8]: ..." on stdout, HAProxy's `format rfc3164`); only
       after a priority, as "TIME word: text" is a common application
       layout too */
    tag = line[0] == '<' ? rs_syslog_tag(line + host, len - host) : 0;

    return tag == 0 ? 0 : host + tag;
}


/* "nginx[12]: " or "nginx: "; the length or 0. */
static size_t
rs_syslog_tag(const char *p, size_t len)
{
    size_t  i, d;

    for (i = 0; i < len && i < 64; i++) {
        char  c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'
              || c == '/'))
        {
            break;
        }
    }

    if (i == 0 || i >= len) {
        return 0;
    }

    if (p[i] == '[') {
        for (d = i + 1; d < len && p[d] >= '0' && p[d] <= '9'; d++) {
            /* skip */
        }
        if (d == i + 1 || d >= len || p[d] != ']') {
            return 0;
        }
        i = d + 1;
    }

    if (i + 1 >= len || p[i] != ':' || p[i + 1] != ' ') {
        return i + 1 == len && p[i] == ':' ? i + 1 : 0;
    }

    return i + 2;
}


/* The index after a space-ended word at i; 0 when there is none. */
static size_t
rs_syslog_word(const char *line, size_t len, size_t i)
{
    const char  *sp;

    if (i >= len) {
        return 0;
    }

    sp = memchr(line + i, ' ', len - i);

    return sp == NULL || sp == line + i ? 0 : (size_t) (sp - line) + 1;
}


/* From the time on: TIME HOST APP-NAME PROCID MSGID, then "-" or [SD]. */
static size_t
rs_syslog_5424(const char *line, size_t len, size_t i, rs_ts *ts)
{
    size_t       n, field;
    const char  *end;

    n = line[i] == '-' ? 1 : rs_time_iso(line + i, len - i, ts);
    if (n == 0 || i + n >= len || line[i + n] != ' ') {
        return 0;
    }
    i += n + 1;

    for (field = 0; field < 4 && i != 0; field++) {
        i = rs_syslog_word(line, len, i);
    }

    if (i == 0 || i >= len) {
        return 0;
    }

    if (line[i] == '-') {
        i++;

    } else if (line[i] == '[') {
        /* structured data: [id k="v" ...][...]; "]" inside a value is
           escaped as \] */
        while (i < len && line[i] == '[') {
            for (end = line + i + 1; end < line + len && *end != ']'; end++) {
                if (*end == '\\' && end + 1 < line + len) {
                    end++;
                }
            }
            if (end == line + len) {
                return 0;
            }
            i = (size_t) (end - line) + 1;
        }

    } else {
        return 0;
    }

    /* the message follows one space (none when it is empty) */
    if (i < len && line[i] == ' ') {
        i++;
    }

    return i;
}
