/*
 * detect.c - format detection (see detect.h).
 */

#include <string.h>

#include "detect.h"
#include "syslog.h"


static const rg_format  rs_detect_order[] = {
    RG_FORMAT_NGINX_ERROR, RG_FORMAT_NGINX_ACCESS, RG_FORMAT_APACHE_ERROR,
    RG_FORMAT_APACHE_ACCESS, RG_FORMAT_HAPROXY, RG_FORMAT_JAVA,
};

#define RS_NDETECT  (sizeof(rs_detect_order) / sizeof(rs_detect_order[0]))


rg_format
rs_detect(rs_parser *ps, const char *head, size_t len)
{
    const char  *p = head, *end = head + len, *nl;
    size_t       score[RS_NDETECT] = { 0 }, i, n, lines = 0, best = 0;
    rs_parsed    out;
    rs_ts        ts;

    while (p < end && lines < RS_DETECT_LINES) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            /* a cut last line would only mislead */
            if (p != head) {
                break;
            }
            nl = end;
        }

        n = (size_t) (nl - p);
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }

        if (n > 0) {
            size_t  skip = rs_syslog_prefix(p, n, 1970, &ts);

            for (i = 0; i < RS_NDETECT; i++) {
                rs_parse_fn  fn = rs_parser_for(rs_detect_order[i]);
                int          rc = fn(ps, p + skip, n - skip, &out);

                /* java's parser takes every line: count record starts */
                score[i] += rs_detect_order[i] == RG_FORMAT_JAVA
                            ? rc == 1 : rc == 0;
            }
            lines++;
        }

        p = nl + 1;
    }

    for (i = 1; i < RS_NDETECT; i++) {
        if (score[i] > score[best]) {
            best = i;
        }
    }

    return score[best] > 0 ? rs_detect_order[best] : RG_FORMAT_GENERIC;
}
