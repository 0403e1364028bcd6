/*
 * rg_summary.h - the one line rstguard writes for what it held back
 * (module/README.md), and its strict parser.
 *
 *   rstguard: log=error class=client_reset key="203.0.113.7"
 *   suppressed=4213 passed=5 window=60s first="2026/11/21 10:00:01"
 *   last="2026/11/21 10:00:59" worker=1234 dry_run=0 sample="recv() ..."
 *
 * (one line; the fields in exactly this order, separated by one space).
 * Quoted values use C escapes: \" \\ \n \r \t and \xHH for every other
 * byte below 0x20 and 0x7f; nothing else may follow a backslash and no raw
 * control byte or bare quote may appear inside quotes.  Numbers are decimal
 * without leading zeros.  The line ends right after the closing quote of
 * sample.  Anything not exactly in this grammar is not a summary: rstscan
 * adds suppressed= back only for lines the parser accepts.
 */

#ifndef RG_SUMMARY_H
#define RG_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "rg_class.h"
#include "rg_rules.h"

typedef enum {
    RG_SUMMARY_LOG_ACCESS = 0,
    RG_SUMMARY_LOG_ERROR
} rg_summary_log;

/* Timestamps are nginx's error-log time, "YYYY/MM/DD HH:MM:SS". */
#define RG_SUMMARY_TIME_LEN  19

/*
 * One summary.  For rg_summary_format the strings are raw (unescaped)
 * bytes; rg_summary_parse fills key and sample with the escaped text as it
 * stands in the line (rg_summary_unescape decodes it) and first/last with
 * the 19-byte times.
 */
typedef struct {
    rg_summary_log  log;
    rg_class        cls;
    rg_str          key;
    uint64_t        suppressed;
    uint64_t        passed;
    uint64_t        window;         /* seconds */
    rg_str          first;
    rg_str          last;
    uint64_t        worker;         /* pid */
    int             dry_run;        /* 0 or 1 */
    rg_str          sample;
} rg_summary;

#define RG_SUMMARY_PREFIX      "rstguard: "
#define RG_SUMMARY_PREFIX_LEN  (sizeof(RG_SUMMARY_PREFIX) - 1)

/*
 * Writes the summary message (from "rstguard: " to the closing quote of
 * sample, no newline, no NUL) into buf.  The sample is cut, at a character
 * boundary of its escaped form, so that the line fits; every other field
 * is written whole.  Returns the length, or 0 when even an empty sample
 * does not fit or a field is invalid (unknown class, dry_run not 0/1, a
 * time not RG_SUMMARY_TIME_LEN long).
 */
size_t rg_summary_format(char *buf, size_t size, const rg_summary *s);

/*
 * Parses a summary message: p[0..len) must be exactly the grammar above,
 * from "rstguard: " to the closing quote of sample (no newline).  Returns 0
 * and fills out, or -1.
 */
int rg_summary_parse(const char *p, size_t len, rg_summary *out);

/*
 * Parses a whole nginx error-log line (without its newline):
 * "YYYY/MM/DD HH:MM:SS [level] PID#TID: " followed by a summary message.
 * level_out (may be NULL) gets nginx's number for the level (1 emerg ..
 * 8 debug).  Returns 0 or -1.
 */
int rg_summary_parse_line(const char *line, size_t len, rg_summary *out,
    int *level_out);

/*
 * Decodes an escaped quoted value as rg_summary_parse returned it into
 * dst (at most size bytes, no NUL added).  Returns the decoded length, or
 * (size_t) -1 when dst is too small or the text is not validly escaped.
 */
size_t rg_summary_unescape(const rg_str *escaped, char *dst, size_t size);

#endif /* RG_SUMMARY_H */
