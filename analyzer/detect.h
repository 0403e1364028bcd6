/*
 * detect.h - `--format auto`: which format a file is, from its first lines.
 */

#ifndef RS_DETECT_H
#define RS_DETECT_H

#include <stddef.h>

#include "parse.h"

/* Lines of the head that are tried. */
#define RS_DETECT_LINES  64

/*
 * Tries every parser on the first lines of head[0..len) (syslog prefixes
 * stripped) and returns the format most lines fit; on a tie the earlier
 * one of nginx-error, nginx-access, apache-error, apache-access, haproxy,
 * java.  generic when no line fits any (an empty file included).
 */
rg_format rs_detect(rs_parser *ps, const char *head, size_t len);

#endif /* RS_DETECT_H */
