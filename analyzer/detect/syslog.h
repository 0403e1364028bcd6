/*
 * syslog.h - the prefix syslog and journald put before a program's line.
 *
 *   Nov 21 10:00:00 host nginx[12]: <the line nginx wrote>
 *   <13>Nov 21 10:00:00 host nginx: ...
 *   2026-11-21T10:00:00+00:00 host nginx[12]: ...   (journalctl -o short-iso,
 *                                                    rsyslog's high-precision)
 *   <13>1 2026-11-21T10:00:00Z host nginx 12 - - ... (RFC 5424)
 *   <134>Nov 21 10:00:00 haproxy[8]: ...             (no host: a program's
 *                                                    own line on stdout)
 *   <134>...                                         (the priority alone)
 *
 * It is recognised and stripped before every format's parser, so a log
 * shipped through syslog reads like the file the program would write.
 */

#ifndef RS_SYSLOG_H
#define RS_SYSLOG_H

#include <stddef.h>

#include "timefmt.h"

/* rs_syslog_prefix's parse, for a line that may start with a prefix. */
size_t rs_syslog_parse(const char *line, size_t len, int year, rs_ts *ts);

/*
 * When line[0..len) starts with a syslog prefix, returns its length and
 * sets *ts (syslog's own time; `year` fills the year BSD syslog leaves
 * out); else returns 0.  Inline, with a test of the first bytes ("<PRI>",
 * a month name or an ISO date): a log read without syslog pays a test per
 * line, not a call.
 */
static inline size_t
rs_syslog_prefix(const char *line, size_t len, int year, rs_ts *ts)
{
    if ((len > 0 && line[0] == '<')
        || (len >= 16 && ((line[0] >= 'A' && line[0] <= 'Z')
                          || (line[0] >= '0' && line[0] <= '9'
                              && line[4] == '-'))))
    {
        return rs_syslog_parse(line, len, year, ts);
    }

    return 0;
}

#endif /* RS_SYSLOG_H */
