/*
 * print.h - the printers: one report model (report.h) in, one format out.
 */

#ifndef RS_PRINT_H
#define RS_PRINT_H

#include <stdio.h>

#include "report.h"

/* The DESIGN.md section 3 object, through libjansson; 0 or -1. */
int rs_print_json(const rs_report *rep, FILE *out);

/* The findings section of the terminal report (print_findings.c). */
void rs_print_findings_text(const json_t *findings, FILE *out);

/* The terminal report; 0 or -1. */
int rs_print_text(const rs_report *rep, const rs_report_opts *o, FILE *out);

#endif /* RS_PRINT_H */
