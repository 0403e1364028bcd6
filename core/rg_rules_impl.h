/*
 * rg_rules_impl.h - what the rules engine's files share (not an API).
 *
 * rg_rules.c        ruleset lifetime, adding files and directories
 * rg_rules_load.c   YAML (libyaml document API) -> validated rules
 * rg_rules_names.c  format and field names
 * rg_rules_compile.c  ordering, JIT, the per-format prefilters
 * rg_rules_match.c  matchers and rg_match()
 */

#ifndef RG_RULES_IMPL_H
#define RG_RULES_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rg_rules.h"
#include "rg_strtab.h"

/*
 * Bounds of one PCRE2 call.  The match limit caps backtracking (JIT and
 * interpreter); the depth limit caps nested backtracking frames of the
 * interpreter (a 4 KiB subject repeated group by group needs about 4096);
 * the heap limit (KiB) caps the interpreter's frame vector; the JIT stack
 * caps what JIT code may use.  With these a catastrophic pattern on a 4 KiB
 * line stops within milliseconds.
 */
#define RG_MATCH_LIMIT      1000000
#define RG_DEPTH_LIMIT      10000
#define RG_HEAP_LIMIT_KIB   4096
#define RG_JIT_STACK_MIN    (32 * 1024)
#define RG_JIT_STACK_MAX    (512 * 1024)

/*
 * What a rule file may hold (core/README.md, "Hardening").  Each bound
 * fails the load with FILE:LINE:COLUMN at the first byte, node or rule
 * beyond it, found before any pattern is compiled, so a hostile or
 * runaway file is refused in milliseconds instead of loading for minutes.
 * The shipped rules use a fraction of each (about 50 rules, 16 KiB,
 * patterns under 200 bytes, 3 levels of nesting).
 */
#define RG_RULE_FILE_MAX    (4 * 1024 * 1024)  /* bytes in one file */
#define RG_RULES_MAX        10000   /* rules in a ruleset, all files */
#define RG_RULES_DEPTH_MAX  32      /* nested YAML collections */
#define RG_PATTERN_MAX      4096    /* bytes in one `match` or `where` */

/* Patterns: no UTF (logs carry any bytes), and nobody may turn it on. */
#define RG_PCRE2_OPTIONS    PCRE2_NEVER_UTF

/* a rule's priority, either way at most */
#define RG_PRIORITY_MAX  1000000

typedef struct {
    pcre2_code  *code;
    int          jit;           /* JIT-compiled: run with pcre2_jit_match */
} rg_regex;

typedef struct {
    rg_field     field;
    rg_regex     re;
} rg_where;

struct rg_rule {
    char        *id;
    char        *advice;        /* "" when none */
    char        *pattern;       /* the `match` source, for the prefilter */
    size_t       pattern_len;
    rg_format    format;
    rg_class     cls;
    long         priority;     /* -RG_PRIORITY_MAX..RG_PRIORITY_MAX */
    size_t       order;         /* load order over the whole ruleset */
    rg_regex     match;
    rg_where     where[RG_FIELD_COUNT];
    size_t       nwhere;
    int          in_prefilter;  /* its `match` is part of the prefilter */
    char        *file;          /* where it was defined, for duplicate ids */
    unsigned     line;
    unsigned     column;
};

typedef struct {
    rg_rule    **rules;         /* by priority, then load order */
    size_t       n;
    rg_regex     prefilter;     /* alternation of the rules' `match`, or
                                   code == NULL when there is none */
    size_t       direct;        /* rules left out of the prefilter */
    int          marked;        /* every part anchored and marked with its
                                   rule's index: a match names the first
                                   prefilter rule whose `match` matches */
} rg_format_rules;

struct rg_ruleset {
    rg_rule        **rules;     /* load order */
    size_t           n;
    size_t           cap;
    int              use_jit;
    int              compiled;
    size_t           jit_count;
    rg_format_rules  fmt[RG_FORMAT_COUNT];
    rg_strtab        ids;       /* id -> rule, for the duplicate check */
};

/* Parses and validates one YAML text; appends to rs, or fails with err. */
int rg_rules_load_yaml(rg_ruleset *rs, const char *name, const char *buf,
    size_t len, rg_error *err);

/*
 * Checks a YAML text against the bounds above before it is loaded (one
 * pass of libyaml's event parser, stopped at the first bound crossed):
 * its size, nesting, number of rules (`before` are loaded already), and
 * that libyaml can read it.  0, or -1 with err set.
 */
int rg_rules_check_bounds(const char *name, const char *buf, size_t len,
    size_t before, rg_error *err);

/* libyaml's parser error as FILE:LINE:COLUMN: message; a reader error
   (a NUL, invalid UTF-8) at the line and column of its byte. */
struct yaml_parser_s;
void rg_rules_yaml_error(const char *name, const struct yaml_parser_s *p,
    const char *buf, size_t len, rg_error *err);

/* Takes ownership of rule (on failure too). */
int rg_ruleset_append(rg_ruleset *rs, rg_rule *rule);

/* Drops the rules added after the first `n` (a failed add is atomic). */
void rg_ruleset_truncate(rg_ruleset *rs, size_t n);

void rg_rule_free(rg_rule *rule);

/* Frees what rg_ruleset_compile built. */
void rg_ruleset_uncompile(rg_ruleset *rs);

/* Fills err->msg like snprintf. */
void rg_error_set(rg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* RG_RULES_IMPL_H */
