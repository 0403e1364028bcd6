/*
 * timefmt.h - the timestamps log formats write, turned into seconds.
 *
 * A timestamp is kept as `sec`: seconds since 1970-01-01 in UTC when the
 * source (or --tz) gave an offset, else the wall-clock time as written,
 * counted as if it were UTC ("naive").  Printing adds `off_min` back, so a
 * time is always printed as the source wrote it, with its offset only when
 * one is known.  Every parser takes pointer+length, checks its bounds and
 * returns the number of bytes it consumed, 0 when the text is not such a
 * timestamp.  No locale, no allocation.
 */

#ifndef RS_TIMEFMT_H
#define RS_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t  sec;
    int32_t  off_min;       /* minutes east of UTC, when has_off */
    uint8_t  valid;
    uint8_t  has_off;
} rs_ts;

/* ts = sec seconds since the epoch, in UTC (offset +00:00). */
void rs_ts_utc(rs_ts *ts, int64_t sec);

/* Seconds of a civil date and time, proleptic Gregorian, as if UTC. */
int64_t rs_civil_to_sec(int year, int mon, int day, int hh, int mm, int ss);

/* "Jan" .. "Dec" -> 1..12; 0 when not a month name. */
int rs_month_from_name(const char *p);

/* 2026/11/21 10:00:01 (nginx error log). */
size_t rs_time_nginx_error(const char *p, size_t len, rs_ts *ts);

/* 21/Nov/2026:10:00:00 +0000 ($time_local, Apache %t without brackets). */
size_t rs_time_local(const char *p, size_t len, rs_ts *ts);

/*
 * 2026-11-21T10:00:00+00:00, 2026-11-21 10:00:00.123, 2026-11-21
 * 10:00:00,123 (ISO 8601, $time_iso8601, Logback, Log4j); fractions and an
 * offset (Z, +hh:mm, +hhmm) are optional.
 */
size_t rs_time_iso(const char *p, size_t len, rs_ts *ts);

/* 21-Nov-2026 10:00:00.123 (Tomcat). */
size_t rs_time_tomcat(const char *p, size_t len, rs_ts *ts);

/*
 * 10:00:00.123 or 10:00:00,123 with no date (the default patterns of
 * Logback and Log4j2, WildFly's console): the bytes it takes, 0 when it is
 * not one.  The fraction is required (a bare "10:00:00" starts too much
 * else); no time is set, as the day is unknown.
 */
size_t rs_time_of_day(const char *p, size_t len);

/*
 * Nov 21, 2026 10:00:00 AM (java.util.logging's SimpleFormatter, the first
 * of its two lines; old Tomcat's catalina.out): day and hour may have one
 * digit; WebLogic writes milliseconds, "10:00:00,123 AM".
 */
size_t rs_time_jul(const char *p, size_t len, rs_ts *ts);

/*
 * 11/21/26 10:00:00:123 (WebSphere's SystemOut.log, in brackets, a time
 * zone's name after it): month, day and hour may have one digit, the year
 * two.
 */
size_t rs_time_websphere(const char *p, size_t len, rs_ts *ts);

/* Sat Nov 21 10:00:00.123456 2026 (Apache 2.4 error log, in brackets). */
size_t rs_time_apache_error(const char *p, size_t len, rs_ts *ts);

/* 21/Nov/2026:10:00:00.123 (HAProxy accept date). */
size_t rs_time_haproxy(const char *p, size_t len, rs_ts *ts);

/* Nov 21 10:00:00 (syslog; `year` supplies what the line leaves out), or
   with a fraction, Nov 21 10:00:00.123456 (journalctl -o short-precise). */
size_t rs_time_syslog(const char *p, size_t len, int year, rs_ts *ts);

/*
 * A time given on the command line (--since/--until): ISO 8601 with a space
 * or T, seconds optional, or the nginx error-log form.  0 or -1.
 */
int rs_time_parse_arg(const char *s, rs_ts *ts);

/*
 * Formats ts as "2026-11-21T10:00:05" (with_seconds) or "2026-11-21T10:00",
 * followed by "+01:00" when the offset is known.  Returns buf.
 */
char *rs_time_format(const rs_ts *ts, int with_seconds, char *buf,
    size_t size);

#endif /* RS_TIMEFMT_H */
