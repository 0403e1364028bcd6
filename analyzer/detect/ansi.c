/*
 * ansi.c - terminal color codes taken out of a log's text (see ansi.h).
 */

#include <string.h>

#include "ansi.h"

#define RS_ESC  0x1b
#define RS_BEL  0x07


int
rs_ansi_seen(const char *head, size_t len)
{
    static const char  json[] = "\\u001";
    const char        *p = head, *end = head + len;

    while ((p = memchr(p, RS_ESC, (size_t) (end - p))) != NULL) {
        if (end - p >= 2 && (p[1] == '[' || p[1] == ']')) {
            return 1;
        }
        p++;
    }

    /* Go's encoding/json (Docker) writes \u001b, others \u001B */
    for (p = head;
         (p = memmem(p, (size_t) (end - p), json, sizeof(json) - 1)) != NULL;
         p++)
    {
        if (end - p >= 7 && (p[5] == 'b' || p[5] == 'B')
            && (p[6] == '[' || p[6] == ']'))
        {
            return 1;
        }
    }

    return 0;
}


/* The end of the sequence whose ESC is at p (p < end). */
static const char *
rs_ansi_skip(const char *p, const char *end)
{
    p++;
    if (p == end) {
        return end;
    }

    if (*p == '[') {
        /* CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, then one
           final byte 0x40-0x7e; anything else ends it where it is */
        for (p++; p < end && (unsigned char) *p >= 0x20
                  && (unsigned char) *p <= 0x3f; p++)
        {
            /* parameters and intermediates */
        }
        if (p < end && (unsigned char) *p >= 0x40
            && (unsigned char) *p <= 0x7e)
        {
            p++;
        }
        return p;
    }

    if (*p == ']') {
        /* OSC: up to BEL or ST (ESC '\') */
        for (p++; p < end; p++) {
            if (*p == RS_BEL) {
                return p + 1;
            }
            if (*p == RS_ESC && p + 1 < end && p[1] == '\\') {
                return p + 2;
            }
        }
        return end;
    }

    /* ESC, intermediate bytes 0x20-0x2f, one final byte ("ESC ( B"
       picks a character set); or ESC and one byte */
    while (p < end && (unsigned char) *p >= 0x20
           && (unsigned char) *p <= 0x2f)
    {
        p++;
    }

    return p < end ? p + 1 : end;
}


size_t
rs_ansi_strip(const char *p, size_t len, char *out)
{
    const char  *end = p + len, *esc;
    size_t       n = 0;

    while ((esc = memchr(p, RS_ESC, (size_t) (end - p))) != NULL) {
        memcpy(out + n, p, (size_t) (esc - p));
        n += (size_t) (esc - p);
        p = rs_ansi_skip(esc, end);
    }

    memcpy(out + n, p, (size_t) (end - p));

    return n + (size_t) (end - p);
}
