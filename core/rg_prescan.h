/*
 * rg_prescan.h - which lines no rule can match, without PCRE2 or a parse.
 *
 * Most log lines match no rule.  When a ruleset is compiled, every rule's
 * `match` pattern is read for literals a match must contain (the pattern
 * "^client timed out\b" cannot match a subject without "client timed
 * out"; "^x(?:ab|cd)" needs "ab" or "cd").  When every rule of a format
 * has such a set, a subject that contains none of the format's literals
 * matches no rule of that format, whatever its fields: the caller may
 * skip the field split and the rules for that line.
 *
 * Only sound where each rule's `match` subject (the message) is a part of
 * the text given here, e.g. the physical line of an nginx error log (not
 * Apache's error log, whose message is joined from pieces).  A pattern
 * whose literals cannot be read with certainty (inline options, \Q, \x..,
 * verbs, a quantifier in braces) gives its format no prescan: such a
 * format's lines all "may match".
 */

#ifndef RG_PRESCAN_H
#define RG_PRESCAN_H

#include <stddef.h>

#include "rg_rules.h"

typedef struct rg_prescan  rg_prescan;

/* From a compiled ruleset; NULL when out of memory or not compiled. */
rg_prescan *rg_prescan_create(const rg_ruleset *rs);
void rg_prescan_destroy(rg_prescan *ps);

/* Tests compare the SIMD paths with the plain one: on = 0 forces the
   plain one, 1 SSSE3, 2 AVX2 (each where the CPU has it, else the one
   below); rg_prescan_create picks the best. */
void rg_prescan_set_simd(rg_prescan *ps, int on);

/*
 * Adds a literal whose lines the caller wants to see too (rstscan: the
 * module's summary lines, which no rule matches).  0, or -1 for a literal
 * shorter than 3 or longer than 48 bytes; nothing for a format without a
 * prescan.
 */
int rg_prescan_add(rg_prescan *ps, rg_format format, const char *lit,
    size_t len);

/* Whether the format has a prescan (else every line may match). */
int rg_prescan_active(const rg_prescan *ps, rg_format format);

/*
 * 0 when p[0..len) holds none of the literals of the format's rules (no
 * rule can match a message within it); 1 otherwise, and always 1 for a
 * format without a prescan.
 */
int rg_prescan_may_match(const rg_prescan *ps, rg_format format,
    const char *p, size_t len);

/*
 * Where in p[0..len) (many lines) the first of the format's literals is:
 * the offset of a byte of it, len when there is none.  No line before the
 * one holding that offset can match a rule of the format; a literal that
 * spans a line end only makes the line it starts in a candidate.  0 for a
 * format without a prescan (every line a candidate).  One pass over a
 * block costs far less than one call per line (no per-call tail).
 */
size_t rg_prescan_find(const rg_prescan *ps, rg_format format,
    const char *p, size_t len);

/*
 * Whether every literal of the format (active) lies within one line: then
 * which lines rg_prescan_find stops at depends on each line alone, not on
 * where a block of lines starts or ends, and a search over other blocks
 * finds the same lines (scan_hits.h).
 */
int rg_prescan_in_lines(const rg_prescan *ps, rg_format format);

/*
 * The literals read from one pattern, for tests: "lit1|lit2|..." into
 * buf (NUL-terminated, cut to size); returns how many, 0 when the pattern
 * requires none that can be read with certainty.
 */
size_t rg_prescan_literals(const char *pattern, size_t len, char *buf,
    size_t size);

#endif /* RG_PRESCAN_H */
