/*
 * partial.h - `rstscan --partial` and `rstscan merge`: the mergeable state
 * of a scan as one versioned JSON document, and back.
 *
 * The document holds everything the report is computed from, in full:
 * totals, per-class sums, the inputs, every (class, minute) cell of the
 * timeline, every (dimension, key, class) counter with its event times
 * per second (what bursts come from) and the findings' state.  Loading a
 * document adds it to an aggregate and a findings collector exactly as
 * rs_agg_merge()/rs_findings_merge() add a scan's, so `merge` of the
 * shards of a log prints what one scan of all of it prints.
 */

#ifndef RS_PARTIAL_H
#define RS_PARTIAL_H

#include <stdio.h>

#include <jansson.h>

#include "agg.h"
#include "findings.h"

/* The "rstscan_partial" version this build writes and reads. */
#define RS_PARTIAL_VERSION  5

/*
 * A JSON string of len bytes; bytes that are not UTF-8 (a log may hold
 * any) become '?', so a key with such bytes is merged under that text.
 */
json_t *rs_json_bytes(const char *p, size_t len);

/* Writes the document of a scan; 0 or -1. */
int rs_partial_write(FILE *out, const rs_agg *a, const rs_findings *f);

/*
 * Adds a parsed document to a and f; 0, or -1 with err saying what is
 * wrong (another version, a missing or mistyped member).  On error a and
 * f may hold part of the document.
 */
int rs_partial_add(const json_t *doc, rs_agg *a, rs_findings *f, char *err,
    size_t errlen);

/*
 * Parses the document at path (not checked further); NULL with err
 * naming the file and, for bad JSON, the line and column.
 */
json_t *rs_partial_load_file(const char *path, char *err, size_t errlen);

/* The path of the first input a document holds; NULL when none. */
const char *rs_partial_first_path(const json_t *doc);

#endif /* RS_PARTIAL_H */
