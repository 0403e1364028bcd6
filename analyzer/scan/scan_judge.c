/*
 * scan_judge.c - whether an input was read at all (see scan_impl.h): a
 * file no parser reads is judged by the abort phrases its lines carry.
 */

#include <inttypes.h>
#include <stdio.h>

#include "rg_find.h"
#include "scan_impl.h"


/*
 * The phrases that say a line is about an abort, whatever its layout: a
 * file no parser reads is judged by them (rs_scan_judge).
 */
static const struct {
    const char  *s;
    size_t       len;
} rs_phrases[] = {
#define RS_PHRASE(s)  { s, sizeof(s) - 1 }
    RS_PHRASE("Connection reset"), RS_PHRASE("Broken pipe"),
    RS_PHRASE("prematurely closed"), RS_PHRASE("Connection refused"),
    RS_PHRASE("timed out"), RS_PHRASE("ClientAbortException"),
    RS_PHRASE("forcibly closed"), RS_PHRASE("connection abort"),
    RS_PHRASE("canceled stream"), RS_PHRASE(" 499 "),
#undef RS_PHRASE
};


int
rs_has_phrase(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < sizeof(rs_phrases) / sizeof(rs_phrases[0]); i++) {
        if (rg_find(p, p + len, rs_phrases[i].s, rs_phrases[i].len) != NULL) {
            return 1;
        }
    }

    return 0;
}


/*
 * A file no parser could read is never clean: detected as generic (no
 * layout fits), or every line unparsed.  Its error names it with how many
 * lines carry abort phrases; it makes the exit status 2 only with
 * --fail-on (rs_file.unreadable).  -1 for any other error, else 0.
 */
int
rs_scan_judge(rs_scanner *sc)
{
    rs_file  *f = sc->file;
    char      msg[1536];

    if (f->error != NULL) {
        return -1;
    }

    if (f->lines == 0
        || !((sc->format == RG_FORMAT_GENERIC && f->detected)
             || f->unparsed == f->lines))
    {
        return 0;
    }

    snprintf(msg, sizeof(msg), "%s" RS_UNREADABLE "format %s): "
             "%" PRIu64 " of %" PRIu64 " lines carry abort phrases", f->path,
             rg_format_name(sc->format), f->abort_lines, f->lines);
    f->unreadable = 1;
    rs_file_set(&f->error, msg);

    return 0;
}
