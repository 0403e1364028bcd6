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
 * The value of s when it is 1 to RG_STR_DIGITS_MAX decimal digits and
 * nothing else (no sign, no space); -1 otherwise (a NULL or empty s too).
 */
static inline int64_t
rg_str_number(rg_str s)
{
    int64_t  v = 0;
    size_t   i;

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
