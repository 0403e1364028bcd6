/*
 * rg_escape.h - the two escapings rstguard writes.
 *
 * C escapes for quoted values of summary lines (rg_summary.h): \" \\ \n \r
 * \t, and \xHH (lower-case hex) for every other byte below 0x20 and 0x7f.
 *
 * Line escapes for error-log lines: nginx writes request URIs decoded, so
 * "GET /x%0A2026/11/21 ..." would put a forged second line into the log.
 * While the filter is on, every CR, LF and ESC inside a line is written as
 * \r, \n and \x1b; nothing else changes, so ordinary lines stay as nginx
 * wrote them.
 */

#ifndef RG_ESCAPE_H
#define RG_ESCAPE_H

#include <stddef.h>

/* The most a byte can grow to under either escaping ("\x1b"). */
#define RG_ESCAPE_MAX_GROWTH  4

/*
 * C-escapes src[0..len) into dst[0..size), whole escape sequences only.
 * Returns the bytes written; *consumed (may be NULL) gets how many input
 * bytes they stand for, which is less than len when dst was too small.
 */
size_t rg_escape_c(const char *src, size_t len, char *dst, size_t size,
    size_t *consumed);

/* The length of src[0..len) once C-escaped (what rg_escape_c would need). */
size_t rg_escape_c_len(const char *src, size_t len);

/* How many bytes of src[0..len) rg_escape_line would change. */
size_t rg_escape_line_count(const char *src, size_t len);

/*
 * Writes src[0..len) with CR, LF and ESC escaped into dst[0..size).
 * Returns the length, or (size_t) -1 when it does not fit.
 */
size_t rg_escape_line(const char *src, size_t len, char *dst, size_t size);

#endif /* RG_ESCAPE_H */
