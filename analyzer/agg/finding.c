/*
 * finding.c - the findings list (finding.h): adding a finding, the kinds'
 * names, freeing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"


/* The length of the UTF-8 sequence at p (RFC 3629, as jansson checks
   it), 0 when it is not one. */
static size_t
rs_utf8_len(const unsigned char *p)
{
    size_t    n, i;
    uint32_t  v;

    if (p[0] < 0x80) {
        return 1;
    }

    n = p[0] >= 0xc2 && p[0] <= 0xdf ? 2
        : p[0] >= 0xe0 && p[0] <= 0xef ? 3
        : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    v = n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;

    for (i = 1; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
        v = v << 6 | (p[i] & 0x3f);
    }

    if (n == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)
        || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
    {
        return 0;
    }

    return n;
}


/*
 * Log text quoted in a finding is kept as the JSON report writes it (and
 * the text and HTML reports show it): when it is not UTF-8, each of its
 * non-ASCII bytes becomes '?' (partial.h, rs_json_bytes).
 */
void
rs_finding_text_fix(char *s)
{
    size_t  i, n;

    for (i = 0; s[i] != '\0'; i += n) {
        n = rs_utf8_len((const unsigned char *) s + i);

        if (n == 0) {
            for (i = 0; s[i] != '\0'; i++) {
                s[i] = (unsigned char) s[i] >= 0x80 ? '?' : s[i];
            }
            return;
        }
    }
}


/* Appends a finding (its numbers zero) to l; NULL when out of memory. */
rs_finding *
rs_finding_add(rs_finding_list *l, rs_finding_kind kind, rg_class cls,
    const char *cause, const char *advice, const char *evidence)
{
    rs_finding  *fd, *v;
    size_t       cap;

    if (l->n == l->cap) {
        cap = l->cap ? 2 * l->cap : 8;
        v = realloc(l->v, cap * sizeof(rs_finding));
        if (v == NULL) {
            return NULL;
        }
        l->v = v;
        l->cap = cap;
    }

    fd = &l->v[l->n++];
    memset(fd, 0, sizeof(rs_finding));
    fd->kind = kind;
    fd->cls = cls;
    fd->cause = cause;
    snprintf(fd->advice, sizeof(fd->advice), "%s", advice);
    rs_finding_text_fix(fd->advice);
    snprintf(fd->evidence, sizeof(fd->evidence), "%s", evidence);
    rs_finding_text_fix(fd->evidence);

    return fd;
}


static const char  *rs_fd_names[RS_FD_KINDS] = {
    "user_navigation", "overload", "abort_storm", "idle_timeout",
    "output_buffer", "output_buffer", "output_buffer", "log_bloat",
    "backend_down", "port_in_use", "socket_misuse"
};


const char *
rs_finding_name(rs_finding_kind kind)
{
    return rs_fd_names[kind];
}


void
rs_finding_list_free(rs_finding_list *l)
{
    size_t  i, j;

    if (l == NULL) {
        return;
    }

    for (i = 0; i < l->n; i++) {
        if (l->v[i].kind == RS_FD_LOG_BLOAT) {
            for (j = 0; j < l->v[i].u.bloat.nsigs; j++) {
                free(l->v[i].u.bloat.sig[j].signature);
            }
        }
    }

    for (i = 0; i < l->ntrunc; i++) {
        free(l->trunc[i].uri);
    }

    free(l->v);
    free(l);
}
