/*
 * tz.c - the zone of offset-less timestamps (see tz.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tz.h"


static int32_t rs_tz_lookup(int64_t naive);


int
rs_tz_init(rs_tz *tz, const char *spec, char *err, size_t errlen)
{
    char   path[512], env[520];
    rs_ts  ts;

    memset(tz, 0, sizeof(rs_tz));

    if (strcmp(spec, "UTC") == 0 || strcmp(spec, "Z") == 0) {
        return 0;
    }

    /* a fixed offset: parse it as the offset of a known time */
    if (spec[0] == '+' || spec[0] == '-') {
        snprintf(path, sizeof(path), "2000-01-01T00:00:00%s", spec);
        if (rs_time_iso(path, strlen(path), &ts) != strlen(path)
            || !ts.has_off)
        {
            snprintf(err, errlen, "invalid --tz \"%s\": expected UTC, +HH:MM"
                     " or a zone name such as Europe/Berlin", spec);
            return -1;
        }
        tz->fixed_min = ts.off_min;
        return 0;
    }

    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", spec);
    if (strstr(spec, "..") != NULL || access(path, R_OK) != 0) {
        snprintf(err, errlen, "unknown --tz zone \"%s\" (not in"
                 " /usr/share/zoneinfo)", spec);
        return -1;
    }

    snprintf(env, sizeof(env), ":%s", spec);
    setenv("TZ", env, 1);
    tzset();
    tz->named = 1;

    return 0;
}


/* The zone's offset, in minutes, at a wall-clock time. */
static int32_t
rs_tz_lookup(int64_t naive)
{
    struct tm  tm;
    time_t     t = (time_t) naive, utc;

    gmtime_r(&t, &tm);
    tm.tm_isdst = -1;
    utc = mktime(&tm);

    return (int32_t) ((naive - (int64_t) utc) / 60);
}


void
rs_tz_apply(rs_tz *tz, rs_ts *ts)
{
    int64_t  hour;
    size_t   slot;

    if (!ts->valid || ts->has_off) {
        return;
    }

    if (tz->named) {
        hour = (ts->sec >= 0 ? ts->sec : ts->sec - 3599) / 3600;
        slot = (size_t) ((uint64_t) hour % RS_TZ_CACHE);
        if (tz->hour[slot] != hour + 1) {
            tz->hour[slot] = hour + 1;
            tz->off[slot] = rs_tz_lookup(hour * 3600 + 1800);
        }
        ts->off_min = tz->off[slot];

    } else {
        ts->off_min = tz->fixed_min;
    }

    ts->has_off = 1;
    ts->sec -= (int64_t) ts->off_min * 60;
}
