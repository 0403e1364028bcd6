/*
 * detect.h - `--format auto`: which format a file is, from its first lines.
 */

#ifndef RS_DETECT_H
#define RS_DETECT_H

#include <stddef.h>

#include "parse.h"
#include "shipper.h"

/* Lines of the head that are tried. */
#define RS_DETECT_LINES  64

/*
 * Tries every parser (only `format` when it is >= 0) on the first lines of
 * head[0..len) and returns the format most lines fit; on a tie the earlier
 * one of nginx-error, nginx-access, apache-error, apache-access, haproxy,
 * java.  generic when no line fits any (an empty file included).  Sets sh
 * to the shipper whose prefix the lines carry (shipper.h): CRI or Docker
 * when most lines show theirs; else, when fewer than half the lines fit a
 * format as they stand, the number of words before them (1 to
 * RS_SHIP_MAX_WORDS) that lets most fit.  syslog prefixes are stripped
 * after the shipper's, as the scan does.  *also is the other of nginx's
 * two formats when lines of both were seen (a container's stdout and
 * stderr in one file), else generic.
 */
rg_format rs_detect(rs_parser *ps, const char *head, size_t len, int format,
    rs_shipper *sh, rg_format *also);

#endif /* RS_DETECT_H */
