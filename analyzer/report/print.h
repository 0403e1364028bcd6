/*
 * print.h - the printers: one report model (report.h) in, one format out.
 */

#ifndef RS_PRINT_H
#define RS_PRINT_H

#include <stdio.h>

#include <jansson.h>

#include "report.h"

/* The analyzer/README.md object, through libjansson; 0 or -1. */
int rs_print_json(const rs_report *rep, FILE *out);

/*
 * For rs_report_opts.series_done: renders the JSON timeline into
 * rep->ahead ahead of rs_print_json, unless it has more than
 * RS_JSON_AHEAD_POINTS points (about 60 bytes each; rs_print_json then
 * streams it).  0, or -1 when out of memory.
 */
#define RS_JSON_AHEAD_POINTS  (128 * 1024)
int rs_json_timeline_ahead(rs_report *rep);

/*
 * The JSON printer's part for the findings (print_json_findings.c): the
 * `findings` and `truncations` arrays, and one finding's `numbers` object
 * (which the text and HTML reports show as JSON); NULL when out of memory.
 * l may be NULL (no findings computed: empty arrays).
 */
json_t *rs_json_findings(const rs_finding_list *l);
json_t *rs_json_truncations(const rs_finding_list *l);
json_t *rs_json_numbers(const rs_finding_list *l, const rs_finding *fd);

/* The findings section of the terminal report (print_findings.c). */
void rs_print_findings_text(const rs_finding_list *l, FILE *out);

/*
 * s with every control byte (below 0x20, and 0x7f) as '?', in buf (cut to
 * size): log text printed on a terminal must not carry escape sequences
 * (an ESC in a Java message would recolour or retitle the operator's
 * terminal).  NULL gives "".
 */
const char *rs_print_safe(const char *s, char *buf, size_t size);

/* The terminal report; 0 or -1. */
int rs_print_text(const rs_report *rep, const rs_report_opts *o, FILE *out);

#endif /* RS_PRINT_H */
