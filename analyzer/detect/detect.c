/*
 * detect.c - format detection (see detect.h).
 */

#include <string.h>

#include "ansi.h"
#include "detect.h"
#include "formats.h"
#include "shipper.h"
#include "syslog.h"


#define RS_NDETECT  RG_FORMAT_COUNT


/*
 * Scores the formats (only `format` when it is >= 0) on the first lines of
 * head, seen through the shipper sh; the best one, its score in *best_score
 * and the lines tried in *tried.
 */
static rg_format
rs_detect_score(rs_parser *ps, const char *head, size_t len, int format,
    const rs_shipper *sh, size_t *best_score, size_t *tried, rg_format *also)
{
    const char  *p = head, *end = head + len, *nl, *text;
    size_t       score[RS_NDETECT] = { 0 }, read[RS_NDETECT] = { 0 };
    size_t       i, n, tlen, lines = 0, best = 0;
    size_t       nfmt;
    rg_format    order[RS_NDETECT];
    int          partial;
    char         dec[8192], plain[8192];
    rs_parsed    out;
    rs_ts        ts;

    nfmt = rs_detect_order(order, RS_NDETECT);

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
            if (!rs_ship_strip(sh, p, n, dec, sizeof(dec), &text, &tlen,
                               &partial))
            {
                text = p;
                tlen = n;
            }

            /* a colored line is read without its colors (ansi.h) */
            if (memchr(text, 0x1b, tlen) != NULL) {
                if (tlen > sizeof(plain)) {
                    tlen = sizeof(plain);
                }
                tlen = rs_ansi_strip(text, tlen, plain);
                text = plain;
            }

            size_t  skip = rs_syslog_prefix(text, tlen, 1970, &ts);

            for (i = 0; i < nfmt; i++) {
                if (format >= 0 && order[i] != (rg_format) format) {
                    continue;
                }

                rs_parse_fn  fn = rs_parser_for(order[i]);
                int          rc = fn(ps, text + skip, tlen - skip, &out);

                /* a multi-line format's parser takes every line: count
                   record starts (1); a line read whole scores twice what
                   a fallback's reading of it does (parse.h, loose) */
                if (rg_format_is_multiline(order[i]) ? rc == 1 : rc == 0) {
                    read[i]++;
                    score[i] += rg_format_is_multiline(order[i]) || !out.loose
                                ? 2 : 1;
                }
            }
            lines++;
        }

        p = nl + 1;
    }

    for (i = 1; i < nfmt; i++) {
        if (score[i] > score[best]) {
            best = i;
        }
    }

    *best_score = read[best];
    *tried = lines;

    /* nginx's error and access lines in one file (`docker logs`, a
       container's stdout and stderr): both are read */
    *also = RG_FORMAT_GENERIC;
    if (score[best] > 0
        && (order[best] == RG_FORMAT_NGINX_ERROR
            || order[best] == RG_FORMAT_NGINX_ACCESS))
    {
        rg_format  other = order[best] == RG_FORMAT_NGINX_ERROR
                           ? RG_FORMAT_NGINX_ACCESS : RG_FORMAT_NGINX_ERROR;

        for (i = 0; i < nfmt; i++) {
            if (order[i] == other && score[i] > 0) {
                *also = other;
            }
        }
    }

    return score[best] > 0 ? order[best] : RG_FORMAT_GENERIC;
}


rg_format
rs_detect(rs_parser *ps, const char *head, size_t len, int format,
    rs_shipper *sh, rg_format *also)
{
    static const rs_ship_kind  kinds[] = { RS_SHIP_GREP, RS_SHIP_INDENT };
    const char                *p = head, *nl;
    size_t                     best, tried, sc, t, n, i;
    rg_format                  f, got, a;
    rs_shipper                 words;
    rs_ship_kind               glued = RS_SHIP_NONE;
    unsigned                   k, best_k = 0;

    rs_ship_sniff(sh, head, len);

    got = rs_detect_score(ps, head, len, format, sh, &best, &tried, also);

    /* most lines read as they stand (or behind CRI/Docker): done; a plain
       log pays nothing more.  Java's parser takes any line that starts
       with an ISO time, as CloudWatch's tools put one before the line:
       words are tried, and win a tie with it. */
    if (sh->kind != RS_SHIP_NONE
        || (best * 2 > tried && got != RG_FORMAT_JAVA))
    {
        return got;
    }

    /* else words before the lines (CloudWatch's tools): the first line
       names what the first word is */
    while (p < head + len && (*p == '\n' || *p == '\r')) {
        p++;
    }
    nl = memchr(p, '\n', (size_t) (head + len - p));
    n = (size_t) ((nl ? nl : head + len) - p);

    for (k = 1; k <= RS_SHIP_MAX_WORDS; k++) {
        memset(&words, 0, sizeof(rs_shipper));
        rs_ship_words(&words, k, p, n);
        f = rs_detect_score(ps, head, len, format, &words, &sc, &t, &a);
        if (f != RG_FORMAT_GENERIC
            && (sc > best
                || (sc == best && got == RG_FORMAT_JAVA
                    && f != RG_FORMAT_JAVA)))
        {
            best = sc;
            best_k = k;
            got = f;
            *also = a;
        }
    }

    /* or a file's name glued before each line (grep over several files),
       or blanks (lines pasted into a document) */
    for (i = 0; i < 2; i++) {
        memset(&words, 0, sizeof(rs_shipper));
        words.kind = kinds[i];
        f = rs_detect_score(ps, head, len, format, &words, &sc, &t, &a);
        if (f != RG_FORMAT_GENERIC && sc > best) {
            best = sc;
            best_k = 0;
            glued = kinds[i];
            got = f;
            *also = a;
        }
    }

    if (glued != RS_SHIP_NONE) {
        /* only the kind: sh's buffer (a scanner's, kept from file to
           file) stays */
        sh->kind = glued;
        sh->words = 0;

    } else if (best_k > 0) {
        rs_ship_words(sh, best_k, p, n);
    }

    return format >= 0 ? (rg_format) format : got;
}
