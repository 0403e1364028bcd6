/*
 * html.h - the --html report: one self-contained page (inline CSS and an
 * inline SVG chart; no script, no network, no external asset) with the
 * inputs, the classes, a timeline chart of aborts per minute by class,
 * the top offenders, the truncated URIs and the findings with their
 * evidence and numbers.  It reads the same report model as the text and
 * JSON printers.
 */

#ifndef RS_HTML_H
#define RS_HTML_H

#include <stdio.h>

#include "report.h"

/* Writes the page; 0, or -1 when out could not be written. */
int rs_print_html(const rs_report *rep, FILE *out);

#endif /* RS_HTML_H */
