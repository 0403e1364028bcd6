/*
 * tz.h - `--tz ZONE`: the zone of timestamps that carry no offset.
 *
 * ZONE is UTC, a fixed offset (+02:00, -0500) or a zone name of the tz
 * database (Europe/Berlin).  A named zone is read through the C library,
 * which knows only the process's TZ: rs_tz_init sets it, so it must run
 * before any thread starts.  Offsets are cached per hour of wall time.
 */

#ifndef RS_TZ_H
#define RS_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "timefmt.h"

#define RS_TZ_CACHE  64

typedef struct {
    int       named;
    int32_t   fixed_min;
    int64_t   hour[RS_TZ_CACHE];    /* naive hour + 1; 0 is empty */
    int32_t   off[RS_TZ_CACHE];
} rs_tz;

/* 0, or -1 with err naming the zone. */
int rs_tz_init(rs_tz *tz, const char *spec, char *err, size_t errlen);

/* Gives ts (naive, valid, no offset) the zone's offset for that time. */
void rs_tz_apply(rs_tz *tz, rs_ts *ts);

#endif /* RS_TZ_H */
