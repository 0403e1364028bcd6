/*
 * scan_record.c - record assembly (see scan_impl.h): the physical lines
 * of the input into records.  Behind a shipper's prefix (shipper.h) the
 * parts it split a line into are joined: CRI's partial lines ("P") up to
 * the full one ("F"), Docker JSON's lines without their newline; in a
 * Java log the lines after a timestamped one are folded into its record.
 * A record's text goes on to scan.c (rs_scan_text), a folded Java record
 * to classification (rs_classify_java).
 */

#include <string.h>

#include "scan_impl.h"


/* A line behind a shipper's prefix: the record it wrote, parts joined. */
void
rs_record_line(rs_scanner *sc, const rs_line *ln)
{
    const char  *p = ln->p;
    size_t       len = ln->len;
    uint64_t     bytes = ln->bytes, lines;
    int          rc;

    rc = rs_ship_line(&sc->ship, &p, &len, &bytes, &lines);
    if (rc < 0) {
        sc->failed = 1;
        return;
    }

    if (rc > 0) {
        sc->phys = lines;
        rs_scan_text(sc, p, len, bytes);
        sc->phys = 1;
    }
}


/* At the input's end: the parts of a record it ended in. */
void
rs_record_flush(rs_scanner *sc)
{
    const char  *p;
    size_t       len;
    uint64_t     bytes, lines;

    if (sc->ship.kind != RS_SHIP_NONE
        && rs_ship_flush(&sc->ship, &p, &len, &bytes, &lines))
    {
        sc->phys = lines;
        rs_scan_text(sc, p, len, bytes);
        sc->phys = 1;
    }
}


/*
 * Java: a timestamped line opens a record, the lines after it continue it
 * (up to RS_RECORD_MAX_BYTES / _LINES; beyond, a limit hit, and the rest
 * are unparsed).  Rules run on every line of the record.
 */
void
rs_record_java(rs_scanner *sc, const char *p, size_t len, uint64_t bytes,
    const rs_ts *sys)
{
    rs_record_state  *rec = &sc->rec;
    rs_parsed         out;
    int               start;

    start = rs_parse_java(&sc->parser, p, len, &out);

    if (start) {
        rs_record_close(sc);
        rec->open = 1;
        rec->bytes = 0;
        rec->lines = 0;
        rec->ts = out.ts.valid ? out.ts : *sys;
        rec->in_range = rs_in_range(sc, &rec->ts);
        rec->first_len = len < sizeof(rec->first) ? len : sizeof(rec->first);
        memcpy(rec->first, p, rec->first_len);
        rec->sig_len = 0;

    } else if (rec->open && (rec->lines + 1 > RS_RECORD_MAX_LINES
                             || rec->bytes + bytes > RS_RECORD_MAX_BYTES))
    {
        rs_record_close(sc);
        rec->overflow = 1;
        sc->limit_hits++;
    }

    if (!rec->open) {
        /* before the first record, or past a record's limit */
        if (rec->overflow ? rec->in_range : rs_in_range(sc, &out.ts)) {
            rs_count_line(sc, bytes, 1);
        }
        return;
    }

    rec->lines++;
    rec->bytes += bytes;

    /* the exception header: the first continuation line not indented */
    if (!start && rec->sig_len == 0 && len > 0 && p[0] != ' '
        && p[0] != '\t')
    {
        rec->sig_len = len < sizeof(rec->sig) ? len : sizeof(rec->sig);
        memcpy(rec->sig, p, rec->sig_len);
    }

    if (rec->in_range) {
        rs_count_line(sc, bytes, 0);
        rg_java_record_line(&rec->jr, sc->matcher, p, len, start);
    }
}



/* The Java record being folded, closed: classified when in range. */
void
rs_record_close(rs_scanner *sc)
{
    rs_record_state  *rec = &sc->rec;

    if (!rec->open) {
        return;
    }

    rec->open = 0;
    rec->overflow = 0;

    if (!rec->in_range) {
        return;
    }

    rs_classify_java(sc, rec);
}
