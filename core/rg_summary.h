/*
 * rg_summary.h - the lines rstguard writes for what it held back and for
 * abort storms (module/README.md), and their strict parsers.
 *
 * A summary (version 3, what the module writes):
 *
 *   rstguard: log=error class=client_reset key="203.0.113.7" keys=1
 *   suppressed=4213 passed=5 window=60s first="2026/11/21 10:00:01"
 *   last="2026/11/21 10:00:59" dry_run=0 sample="recv() ..."
 *
 * key="*" folds every key not named on its own line; keys= says how many
 * keys the line stands for.  Version 2 (older modules, one line per worker
 * and key) had " worker=PID" between last= and dry_run= and no keys=; the
 * parser still reads it (keys is then 1, version 2).
 *
 * An alert (never held back, written at warn):
 *
 *   rstguard: alert log=error class=client_reset rate=12.50/s limit=10r/s
 *   window=60s top_key="203.0.113.7" top_upstream="10.0.0.5:8080"
 *   sample="recv() ..."
 *
 * rate= is the class's server-wide rate over the window with exactly two
 * decimals; limit= is rstguard_alert's RATE as N r/s or N r/m.
 *
 * Each is one line; the fields in exactly this order, separated by one
 * space.  Quoted values use C escapes: \" \\ \n \r \t and \xHH for every
 * other byte below 0x20 and 0x7f; nothing else may follow a backslash and
 * no raw control byte or bare quote may appear inside quotes.  Numbers are
 * decimal without leading zeros.  The line ends right after the closing
 * quote of sample.  Anything not exactly in this grammar is neither:
 * rstscan adds suppressed= back only for lines the parser accepts.
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
    uint64_t        keys;           /* v3: keys the line stands for */
    uint64_t        worker;         /* v2 only: pid */
    int             version;        /* 2 or 3; format writes 2 only if 2 */
    int             dry_run;        /* 0 or 1 */
    rg_str          sample;
} rg_summary;

/* the key of the line that folds every key not named on its own */
#define RG_SUMMARY_OTHER_KEYS  "*"

#define RG_SUMMARY_PREFIX      "rstguard: "
#define RG_SUMMARY_PREFIX_LEN  (sizeof(RG_SUMMARY_PREFIX) - 1)

/*
 * Writes the summary message (from "rstguard: " to the closing quote of
 * sample, no newline, no NUL) into buf, as version 3 unless s->version is
 * 2.  The key and the sample are cut, at whole escapes, so that the line
 * fits: the sample keeps at least half of the room they share when it
 * needs it, the key the rest.  Returns the length, or 0 when even an
 * empty key and sample do not fit or a field is invalid (unknown class,
 * dry_run not 0/1, a time not RG_SUMMARY_TIME_LEN long).
 */
size_t rg_summary_format(char *buf, size_t size, const rg_summary *s);

/*
 * Parses a summary message (version 3 or 2; out->version says which):
 * p[0..len) must be exactly the grammar above,
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


/* --- alerts ----------------------------------------------------------- */

typedef struct {
    rg_summary_log  log;
    rg_class        cls;
    uint64_t        rate_centi;     /* rate=R/s, in hundredths */
    uint64_t        limit;          /* limit=Nr/s or Nr/m */
    char            limit_unit;     /* 's' or 'm' */
    uint64_t        window;         /* seconds */
    rg_str          top_key;
    rg_str          top_upstream;
    rg_str          sample;
} rg_alert;

#define RG_ALERT_PREFIX      "rstguard: alert "
#define RG_ALERT_PREFIX_LEN  (sizeof(RG_ALERT_PREFIX) - 1)

/*
 * Writes the alert message, from "rstguard: alert " to the closing quote
 * of sample, into buf; top_key, top_upstream and sample are cut at whole
 * escapes to fit.  Returns the length, or 0 when the fixed fields do not
 * fit or a field is invalid (unknown class, unit not 's'/'m').
 */
size_t rg_alert_format(char *buf, size_t size, const rg_alert *a);

/* Parses an alert message exactly (no newline).  Returns 0 or -1. */
int rg_alert_parse(const char *p, size_t len, rg_alert *out);

/*
 * The same for a whole nginx error-log line, as rg_summary_parse_line
 * (the module writes alerts at warn, but any level is accepted).
 */
int rg_alert_parse_line(const char *line, size_t len, rg_alert *out,
    int *level_out);

#endif /* RG_SUMMARY_H */
