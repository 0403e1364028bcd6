/*
 * formats.h - the analyzer's format registry: for each format its parser
 * and its place in detection.  What core knows of a format (name, access
 * or error log, multi-line records) is core/rg_format.h.  A new format is
 * a row here, a row there, its parser and its rules file
 * (analyzer/README.md, "How to add a format").
 */

#ifndef RS_FORMATS_H
#define RS_FORMATS_H

#include <stddef.h>

#include "parse.h"

typedef struct {
    rg_format     format;
    rs_parse_fn   parse;
    int           detect;       /* tried by --format auto, in table order */
} rs_format_entry;

/* The parser of format (the generic one for an unknown value). */
rs_parse_fn rs_parser_for(rg_format format);

/* The formats --format auto tries, in the order a tie is broken, into
   order[0..max); returns how many. */
size_t rs_detect_order(rg_format *order, size_t max);

#endif /* RS_FORMATS_H */
