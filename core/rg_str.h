/*
 * rg_str.h - a view of bytes that are not NUL-terminated (pointer and
 * length), the currency of every parser, and the decimal reader they
 * share (no atoi, no strtol: a log field is not a C string and must not
 * be read past its length).
 */

#ifndef RG_STR_H
#define RG_STR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char  *p;
    size_t       len;
} rg_str;

/* At most this many digits: any such number fits an int64_t. */
#define RG_STR_DIGITS_MAX  18


/*
 * The decimal digits at the start of s (at least one; no sign, no space)
 * when their value is at most max: the value in *out and the bytes they
 * took returned.  0, *out untouched, when s starts with no digit or the
 * value would exceed max; the bound is checked before every step, so no
 * max overflows.  The one decimal reader of core and analyzer: a field
 * in a log line, an option's value, a time's digits.
 */
static inline size_t
rg_str_digits(rg_str s, uint64_t max, uint64_t *out)
{
    uint64_t  v = 0, d;
    size_t    i;

    for (i = 0; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
        d = (uint64_t) (s.p[i] - '0');
        /* v * 10 + d > max, asked without computing it (constants when
           max is: two comparisons a digit) */
        if (v > max / 10 || (v == max / 10 && d > max % 10)) {
            return 0;
        }
        v = v * 10 + d;
    }

    if (i > 0) {
        *out = v;
    }

    return i;
}


/*
 * The value of s in *out when s is decimal digits and nothing else, at
 * most max: 0; -1 otherwise (a NULL or empty s too).
 */
static inline int
rg_str_uint(rg_str s, uint64_t max, uint64_t *out)
{
    uint64_t  v = 0;

    if (s.p == NULL || s.len == 0 || rg_str_digits(s, max, &v) != s.len) {
        return -1;
    }

    *out = v;

    return 0;
}


/* The same for a C string (an option's value). */
static inline int
rg_str_uint_cstr(const char *s, uint64_t max, uint64_t *out)
{
    rg_str  v;

    v.p = s;
    v.len = 0;
    while (s[v.len] != '\0') {
        v.len++;
    }

    return rg_str_uint(v, max, out);
}


/*
 * The value of s when it is 1 to RG_STR_DIGITS_MAX decimal digits and
 * nothing else (no sign, no space); -1 otherwise (a NULL or empty s too).
 */
static inline int64_t
rg_str_number(rg_str s)
{
    int64_t  v = 0;
    size_t   i;

    /* 18 digits cannot overflow: no bound to check a digit (the status
       and sizes of every access line come here) */
    if (s.p == NULL || s.len == 0 || s.len > RG_STR_DIGITS_MAX) {
        return -1;
    }

    for (i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return -1;
        }
        v = v * 10 + (s.p[i] - '0');
    }

    return v;
}

#endif /* RG_STR_H */
