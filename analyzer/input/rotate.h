/*
 * rotate.h - reads a rotated log set oldest first.
 *
 *   access.log.10.gz access.log.2.gz access.log.1   numeric, descending
 *   access.log-20261120 access.log-20261121.gz      logrotate dateext, ascending
 *   access.log                                      the live file, last
 *
 * A .gz or .zst ending is no part of the order (access.log.3.zst sits
 * between access.log.4.gz and access.log.2).
 * Files of one set are moved together to where the set's first file was
 * given; files of no set keep their place.
 */

#ifndef RS_ROTATE_H
#define RS_ROTATE_H

#include <stddef.h>

/* Reorders paths[0..n) in place; -1 when out of memory (order kept). */
int rs_rotate_order(const char **paths, size_t n);

#endif /* RS_ROTATE_H */
