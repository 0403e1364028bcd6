/*
 * scan_range.c - a record's time and --since/--until, the one place the
 * range is decided (see scan_impl.h).  Without a range no time is parsed
 * at all but for the records that count (rs_scan_time, when emitted).
 */

#include <string.h>

#include "scan_impl.h"


/* An input's start: before its first timed line, it is in range unless
   --since is given. */
void
rs_range_begin(rs_scanner *sc)
{
    sc->in_range = !sc->cfg->since.valid;
}


/* With a range: whether the record's time (parsed here) is inside it
   (rs_range_keep). */
int
rs_range_check(rs_scanner *sc, rs_parsed *out)
{
    rs_scan_time(sc, out);

    return rs_in_range(sc, &out->ts);
}


/*
 * Whether a timed record is inside --since/--until (both inclusive); an
 * untimed line goes with the last timed one before it.
 */
int
rs_in_range(rs_scanner *sc, rs_ts *ts)
{
    if (!ts->valid) {
        return sc->in_range;
    }

    if (sc->cfg->tz != NULL) {
        rs_tz_apply(&sc->tz, ts);
    }

    sc->in_range = (!sc->cfg->since.valid || ts->sec >= sc->cfg->since.sec)
                   && (!sc->cfg->until.valid
                       || ts->sec <= sc->cfg->until.sec);

    return sc->in_range;
}


/* The record's time, once it is needed: the line's, else syslog's. */
void
rs_scan_time(rs_scanner *sc, rs_parsed *out)
{
    rs_time_memo  *tm = &sc->time_memo;

    /* records come many to a second: the last text's time is remembered */
    if (!out->ts.valid && out->ts_parse != NULL
        && out->ts_text.len <= sizeof(tm->text)
        && tm->parse == out->ts_parse && tm->len == out->ts_text.len
        && memcmp(tm->text, out->ts_text.p, tm->len) == 0)
    {
        out->ts = tm->ts;

    } else if (!out->ts.valid && out->ts_parse != NULL) {
        rs_parsed_time(out);

        if (out->ts_text.len <= sizeof(tm->text)) {
            tm->parse = out->ts_parse;
            tm->len = out->ts_text.len;
            memcpy(tm->text, out->ts_text.p, tm->len);
            tm->ts = out->ts;
        }
    }

    if (!out->ts.valid) {
        out->ts = sc->sys;
    }

    if (sc->cfg->tz != NULL) {
        rs_tz_apply(&sc->tz, &out->ts);     /* once: it sets has_off */
    }
}
