/*
 * rg_find.h - a substring search for the short needles of log parsing.
 *
 * glibc's memmem sets up a two-way search on every call, which costs more
 * than the search itself on a log line of a few hundred bytes; most
 * needles here start with a byte that is not common in a line (',', '"',
 * ':'), so memchr to it and compare the rest.
 */

#ifndef RG_FIND_H
#define RG_FIND_H

#include <stddef.h>
#include <string.h>


/* The first needle[0..len) in p[0..end) (len >= 1), or NULL. */
static inline const char *
rg_find(const char *p, const char *end, const char *needle, size_t len)
{
    while ((size_t) (end - p) >= len
           && (p = memchr(p, needle[0], (size_t) (end - p) - len + 1)) != NULL)
    {
        if (memcmp(p + 1, needle + 1, len - 1) == 0) {
            return p;
        }
        p++;
    }

    return NULL;
}

#endif /* RG_FIND_H */
