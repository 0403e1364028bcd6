/*
 * gzip_probe.h - checks one gzip member before a byte of it is counted.
 *
 * A gzip member has one checksum, at its end.  Damage inside its deflate
 * data often decodes on (into text-like garbage) for megabytes, and only
 * the trailer's CRC-32 shows it: a reader that counts while it decodes has
 * counted the garbage by then.  So when the input can be read twice (a
 * regular file, or memory), the reader first inflates each member here,
 * discarding the output, and counts the member only when it is intact.
 */

#ifndef RS_GZIP_PROBE_H
#define RS_GZIP_PROBE_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_gzip_probe  rs_gzip_probe;

typedef struct {
    int       rc;       /* ISA-L's error code when damaged; 1 for a member
                           cut short (the input ends inside it) */
    uint64_t  at;       /* the compressed byte where decoding failed */
} rs_gzip_damage;

rs_gzip_probe *rs_gzip_probe_create(void);
void rs_gzip_probe_free(rs_gzip_probe *p);

/*
 * Inflates the member at compressed byte `start` of fd (read with pread)
 * or, with mem != NULL, of the len bytes at mem.  Returns 0 when it ends
 * with a matching trailer, 1 when damaged or cut short (d says how and
 * where), -1 when fd cannot be read (errno set).
 */
int rs_gzip_probe_member(rs_gzip_probe *p, int fd, const unsigned char *mem,
    uint64_t len, uint64_t start, rs_gzip_damage *d);

/* ISA-L's error code in words. */
const char *rs_gzip_what(int rc);

#endif /* RS_GZIP_PROBE_H */
