/*
 * timefmt.c - timestamp parsers and the one formatter (see timefmt.h).
 */

#include <stdio.h>
#include <string.h>

#include "rg_str.h"
#include "timefmt.h"


static int rs_digits(const char *p, size_t n, int *out);
static size_t rs_frac(const char *p, size_t len);
static size_t rs_offset(const char *p, size_t len, rs_ts *ts);
static size_t rs_hms(const char *p, size_t len, int *hh, int *mm, int *ss);
static int rs_set(rs_ts *ts, int y, int mo, int d, int hh, int mm, int ss);


void
rs_ts_utc(rs_ts *ts, int64_t sec)
{
    ts->sec = sec;
    ts->off_min = 0;
    ts->has_off = 1;
    ts->valid = 1;
}


int64_t
rs_civil_to_sec(int year, int mon, int day, int hh, int mm, int ss)
{
    /* Howard Hinnant's days_from_civil */
    int64_t   y = (int64_t) year - (mon <= 2);
    int64_t   era = (y >= 0 ? y : y - 399) / 400;
    int64_t   yoe = y - era * 400;
    int64_t   doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t   doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t   days = era * 146097 + doe - 719468;

    return days * 86400 + hh * 3600 + mm * 60 + ss;
}


int
rs_month_from_name(const char *p)
{
    /* a switch on the letters: this runs for every access-log line */
    switch (p[0]) {
    case 'J':
        return p[1] == 'a' && p[2] == 'n' ? 1
               : p[1] == 'u' && p[2] == 'n' ? 6
               : p[1] == 'u' && p[2] == 'l' ? 7 : 0;
    case 'F':
        return p[1] == 'e' && p[2] == 'b' ? 2 : 0;
    case 'M':
        return p[1] == 'a' && p[2] == 'r' ? 3
               : p[1] == 'a' && p[2] == 'y' ? 5 : 0;
    case 'A':
        return p[1] == 'p' && p[2] == 'r' ? 4
               : p[1] == 'u' && p[2] == 'g' ? 8 : 0;
    case 'S':
        return p[1] == 'e' && p[2] == 'p' ? 9 : 0;
    case 'O':
        return p[1] == 'c' && p[2] == 't' ? 10 : 0;
    case 'N':
        return p[1] == 'o' && p[2] == 'v' ? 11 : 0;
    case 'D':
        return p[1] == 'e' && p[2] == 'c' ? 12 : 0;
    default:
        return 0;
    }
}


/* n decimal digits exactly (n <= 4: a year at most); 0 or -1. */
static int
rs_digits(const char *p, size_t n, int *out)
{
    rg_str   s;
    int64_t  v;

    s.p = p;
    s.len = n;
    v = rg_str_number(s);

    if (v < 0) {
        return -1;
    }

    *out = (int) v;
    return 0;
}


/* An optional fraction: [.,]digits; returns the bytes it takes. */
static size_t
rs_frac(const char *p, size_t len)
{
    size_t  i;

    if (len < 2 || (p[0] != '.' && p[0] != ',')
        || p[1] < '0' || p[1] > '9')
    {
        return 0;
    }

    for (i = 1; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
        /* skip */
    }

    return i;
}


/* An optional offset: Z, +hh:mm, +hhmm, +hh; converts ts to UTC. */
static size_t
rs_offset(const char *p, size_t len, rs_ts *ts)
{
    int     hh, mm = 0, sign;
    size_t  n;

    if (len >= 1 && p[0] == 'Z') {
        ts->has_off = 1;
        ts->off_min = 0;
        return 1;
    }

    if (len < 3 || (p[0] != '+' && p[0] != '-') || rs_digits(p + 1, 2, &hh)) {
        return 0;
    }

    sign = p[0] == '-' ? -1 : 1;
    n = 3;

    if (len >= 6 && p[3] == ':' && rs_digits(p + 4, 2, &mm) == 0) {
        n = 6;

    } else if (len >= 5 && rs_digits(p + 3, 2, &mm) == 0) {
        n = 5;
    }

    if (hh > 23 || mm > 59) {
        return 0;
    }

    ts->has_off = 1;
    ts->off_min = sign * (hh * 60 + mm);
    ts->sec -= (int64_t) ts->off_min * 60;

    return n;
}


/* HH:MM:SS; returns 8 or 0. */
static size_t
rs_hms(const char *p, size_t len, int *hh, int *mm, int *ss)
{
    if (len < 8 || p[2] != ':' || p[5] != ':'
        || rs_digits(p, 2, hh) || rs_digits(p + 3, 2, mm)
        || rs_digits(p + 6, 2, ss) || *hh > 23 || *mm > 59 || *ss > 60)
    {
        return 0;
    }

    return 8;
}


static int
rs_set(rs_ts *ts, int y, int mo, int d, int hh, int mm, int ss)
{
    if (mo < 1 || mo > 12 || d < 1 || d > 31) {
        return -1;
    }

    ts->sec = rs_civil_to_sec(y, mo, d, hh, mm, ss);
    ts->off_min = 0;
    ts->has_off = 0;
    ts->valid = 1;

    return 0;
}


size_t
rs_time_nginx_error(const char *p, size_t len, rs_ts *ts)
{
    int  y, mo, d, hh, mm, ss;

    if (len < 19 || p[4] != '/' || p[7] != '/' || p[10] != ' '
        || rs_digits(p, 4, &y) || rs_digits(p + 5, 2, &mo)
        || rs_digits(p + 8, 2, &d) || rs_hms(p + 11, 8, &hh, &mm, &ss) == 0
        || rs_set(ts, y, mo, d, hh, mm, ss))
    {
        return 0;
    }

    return 19;
}


size_t
rs_time_local(const char *p, size_t len, rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n;

    if (len < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':'
        || p[20] != ' ' || rs_digits(p, 2, &d)
        || (mo = rs_month_from_name(p + 3)) == 0 || rs_digits(p + 7, 4, &y)
        || rs_hms(p + 12, 8, &hh, &mm, &ss) == 0
        || rs_set(ts, y, mo, d, hh, mm, ss))
    {
        return 0;
    }

    n = rs_offset(p + 21, len - 21, ts);
    if (n != 5) {
        ts->valid = 0;
        return 0;
    }

    return 26;
}


size_t
rs_time_iso(const char *p, size_t len, rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n;

    if (len < 19 || p[4] != '-' || p[7] != '-'
        || (p[10] != 'T' && p[10] != ' ')
        || rs_digits(p, 4, &y) || rs_digits(p + 5, 2, &mo)
        || rs_digits(p + 8, 2, &d) || rs_hms(p + 11, 8, &hh, &mm, &ss) == 0
        || rs_set(ts, y, mo, d, hh, mm, ss))
    {
        return 0;
    }

    n = 19;
    n += rs_frac(p + n, len - n);
    n += rs_offset(p + n, len - n, ts);

    return n;
}


/*
 * "21-Nov-2026 10:00:00[.123]" (Tomcat) and "21/Nov/2026:10:00:00[.123]"
 * (HAProxy): one layout, with the date separator and the one before the
 * time as the only difference.
 */
static size_t
rs_time_day_month_year(const char *p, size_t len, char dsep, char tsep,
    rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n;

    if (len < 20 || p[2] != dsep || p[6] != dsep || p[11] != tsep
        || rs_digits(p, 2, &d) || (mo = rs_month_from_name(p + 3)) == 0
        || rs_digits(p + 7, 4, &y) || rs_hms(p + 12, 8, &hh, &mm, &ss) == 0
        || rs_set(ts, y, mo, d, hh, mm, ss))
    {
        return 0;
    }

    n = 20;
    return n + rs_frac(p + n, len - n);
}


size_t
rs_time_tomcat(const char *p, size_t len, rs_ts *ts)
{
    return rs_time_day_month_year(p, len, '-', ' ', ts);
}


size_t
rs_time_apache_error(const char *p, size_t len, rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n;

    /* "Sat Nov 21 10:00:00.123456 2026"; the day may be " 1" */
    if (len < 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' '
        || (mo = rs_month_from_name(p + 4)) == 0
        || rs_hms(p + 11, len - 11, &hh, &mm, &ss) == 0)
    {
        return 0;
    }

    if (rs_digits(p + 8, 2, &d) && !(p[8] == ' ' && !rs_digits(p + 9, 1, &d))) {
        return 0;
    }

    n = 19;
    n += rs_frac(p + n, len - n);

    if (len < n + 5 || p[n] != ' ' || rs_digits(p + n + 1, 4, &y)
        || rs_set(ts, y, mo, d, hh, mm, ss))
    {
        return 0;
    }

    return n + 5;
}


size_t
rs_time_of_day(const char *p, size_t len)
{
    int     hh, mm, ss;
    size_t  n;

    if (rs_hms(p, len, &hh, &mm, &ss) == 0) {
        return 0;
    }

    n = rs_frac(p + 8, len - 8);

    return n == 4 ? 8 + n : 0;
}


/* 1 or 2 digits at p (up to len): their value in *v, the digits taken. */
static size_t
rs_one_or_two(const char *p, size_t len, int *v)
{
    if (len >= 2 && rs_digits(p, 2, v) == 0) {
        return 2;
    }

    return len >= 1 && rs_digits(p, 1, v) == 0 ? 1 : 0;
}


size_t
rs_time_jul(const char *p, size_t len, rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n, k;

    /* "Nov 21, 2026 10:00:00 AM", "Nov 1, 2026 1:04:19 PM" */
    if (len < 23 || p[3] != ' ' || (mo = rs_month_from_name(p)) == 0
        || (k = rs_one_or_two(p + 4, len - 4, &d)) == 0)
    {
        return 0;
    }

    n = 4 + k;
    if (len < n + 19 || p[n] != ',' || p[n + 1] != ' '
        || rs_digits(p + n + 2, 4, &y) || p[n + 6] != ' ')
    {
        return 0;
    }

    n += 7;
    if ((k = rs_one_or_two(p + n, len - n, &hh)) == 0 || hh < 1 || hh > 12
        || len < n + k + 9 || p[n + k] != ':'
        || rs_digits(p + n + k + 1, 2, &mm) || p[n + k + 3] != ':'
        || rs_digits(p + n + k + 4, 2, &ss) || mm > 59 || ss > 60)
    {
        return 0;
    }

    /* WebLogic's milliseconds, then the half of the day */
    n += k + 6;
    n += rs_frac(p + n, len - n);

    if (len < n + 3 || p[n] != ' ' || (p[n + 1] != 'A' && p[n + 1] != 'P')
        || p[n + 2] != 'M')
    {
        return 0;
    }

    /* 12 AM is midnight, 12 PM noon */
    hh = hh % 12 + (p[n + 1] == 'P' ? 12 : 0);

    if (rs_set(ts, y, mo, d, hh, mm, ss)) {
        return 0;
    }

    return n + 3;
}


size_t
rs_time_websphere(const char *p, size_t len, rs_ts *ts)
{
    int     y, mo, d, hh, mm, ss;
    size_t  n, k;

    /* "11/21/26 10:00:00:123", "1/5/26 9:03:04:412" */
    if ((n = rs_one_or_two(p, len, &mo)) == 0 || len < n + 16
        || p[n] != '/')
    {
        return 0;
    }
    n++;

    if ((k = rs_one_or_two(p + n, len - n, &d)) == 0 || p[n + k] != '/'
        || rs_digits(p + n + k + 1, 2, &y) || p[n + k + 3] != ' ')
    {
        return 0;
    }
    n += k + 4;

    if ((k = rs_one_or_two(p + n, len - n, &hh)) == 0 || len < n + k + 10
        || p[n + k] != ':' || rs_digits(p + n + k + 1, 2, &mm)
        || p[n + k + 3] != ':' || rs_digits(p + n + k + 4, 2, &ss)
        || p[n + k + 6] != ':' || p[n + k + 7] < '0' || p[n + k + 7] > '9'
        || hh > 23 || mm > 59 || ss > 60
        || rs_set(ts, 2000 + y, mo, d, hh, mm, ss))
    {
        return 0;
    }
    n += k + 7;

    while (n < len && p[n] >= '0' && p[n] <= '9') {
        n++;
    }

    return n;
}


size_t
rs_time_haproxy(const char *p, size_t len, rs_ts *ts)
{
    return rs_time_day_month_year(p, len, '/', ':', ts);
}


size_t
rs_time_syslog(const char *p, size_t len, int year, rs_ts *ts)
{
    int  mo, d, hh, mm, ss;

    /* "Nov 21 10:00:00" or "Nov  1 10:00:00" */
    if (len < 15 || p[3] != ' ' || p[6] != ' '
        || (mo = rs_month_from_name(p)) == 0
        || rs_hms(p + 7, 8, &hh, &mm, &ss) == 0)
    {
        return 0;
    }

    if (rs_digits(p + 4, 2, &d) && !(p[4] == ' ' && !rs_digits(p + 5, 1, &d))) {
        return 0;
    }

    if (rs_set(ts, year, mo, d, hh, mm, ss)) {
        return 0;
    }

    return 15 + rs_frac(p + 15, len - 15);
}


int
rs_time_parse_arg(const char *s, rs_ts *ts)
{
    char    buf[64];
    size_t  len = strlen(s), n;

    if (len >= sizeof(buf) - 4) {
        return -1;
    }

    memcpy(buf, s, len + 1);

    /* "2026-11-21" and "2026-11-21 10:00" get the missing parts */
    if (len == 10) {
        memcpy(buf + len, " 00:00:00", 10);
        len += 9;

    } else if (len >= 16 && (len == 16 || buf[16] != ':')) {
        memmove(buf + 19, buf + 16, len - 16 + 1);
        memcpy(buf + 16, ":00", 3);
        len += 3;
    }

    n = rs_time_iso(buf, len, ts);
    if (n == 0) {
        n = rs_time_nginx_error(buf, len, ts);
    }

    return n == len && n != 0 ? 0 : -1;
}


/* n decimal digits of v (0 <= v < 10^n), zero-padded, no terminator. */
static void
rs_time_digits(char *p, int v, int n)
{
    while (n-- > 0) {
        p[n] = (char) ('0' + v % 10);
        v /= 10;
    }
}


char *
rs_time_format(const rs_ts *ts, int with_seconds, char *buf, size_t size)
{
    int64_t  t, days, z, era, doe, yoe, doy, mp;
    int      y, m, d, sod, off;

    t = ts->sec + (ts->has_off ? (int64_t) ts->off_min * 60 : 0);
    days = (t >= 0 ? t : t - 86399) / 86400;
    sod = (int) (t - days * 86400);

    /* Howard Hinnant's civil_from_days */
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = (int) (doy - (153 * mp + 2) / 5 + 1);
    m = (int) (mp < 10 ? mp + 3 : mp - 9);
    y = (int) (yoe + era * 400 + (m <= 2));

    if (y >= 0 && y <= 9999 && size >= sizeof("YYYY-MM-DDTHH:MM:SS")) {
        /* digit by digit: a report prints one per class and minute, and
           snprintf cost more than the rest of the point */
        rs_time_digits(buf, y, 4);
        buf[4] = '-';
        rs_time_digits(buf + 5, m, 2);
        buf[7] = '-';
        rs_time_digits(buf + 8, d, 2);
        buf[10] = 'T';
        rs_time_digits(buf + 11, sod / 3600, 2);
        buf[13] = ':';
        rs_time_digits(buf + 14, sod / 60 % 60, 2);
        buf[16] = '\0';
        if (with_seconds) {
            buf[16] = ':';
            rs_time_digits(buf + 17, sod % 60, 2);
            buf[19] = '\0';
        }

    } else if (with_seconds) {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d,
                 sod / 3600, sod / 60 % 60, sod % 60);
    } else {
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d", y, m, d,
                 sod / 3600, sod / 60 % 60);
    }

    if (ts->has_off) {
        off = ts->off_min < 0 ? -ts->off_min : ts->off_min;
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%c%02d:%02d",
                 ts->off_min < 0 ? '-' : '+', off / 60, off % 60);
    }

    return buf;
}
