/*
 * rg_rules.h - rule files (rules/README.md) and the matcher.
 *
 * A ruleset is loaded once (YAML through libyaml, every pattern compiled
 * with PCRE2 and JIT), then read-only: any number of threads match against
 * it, each through its own rg_matcher (its own match data and JIT stack).
 * Matching allocates nothing.
 *
 * Lifecycle:
 *     rs = rg_ruleset_create();
 *     rg_ruleset_add_shipped(rs, &err);          -- unless --no-default-rules
 *     rg_ruleset_add_path(rs, "my.yaml", &err);  -- --rules FILE|DIR
 *     rg_ruleset_compile(rs, &err);              -- sort by priority, JIT
 *     m = rg_matcher_create(rs);                 -- one per thread
 *     rule = rg_match(m, RG_FORMAT_NGINX_ERROR, &fields);
 *
 * Errors never print: they fill rg_error with "FILE:LINE:COLUMN: message".
 */

#ifndef RG_RULES_H
#define RG_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "rg_class.h"
#include "rg_format.h"
#include "rg_str.h"


/*
 * The fields a parser fills and a rule may name: `match:` runs on
 * RG_FIELD_MESSAGE, `where:` on any of them by name.  A field a parser did
 * not fill has p == NULL, and a `where:` on it does not match.
 */
typedef enum {
    RG_FIELD_MESSAGE = 0,   /* "message": nginx-error: after "pid#tid: [*cid ]"
                               up to ", client: "; java/generic: the line */
    RG_FIELD_ACTION,        /* "action": after the last " while " */
    RG_FIELD_LEVEL,         /* "level": info, error, ... */
    RG_FIELD_CLIENT,        /* "client" */
    RG_FIELD_SERVER,        /* "server" */
    RG_FIELD_REQUEST,       /* "request": the request line */
    RG_FIELD_UPSTREAM,      /* "upstream" */
    RG_FIELD_HOST,          /* "host" */
    RG_FIELD_STATUS,        /* "status" */
    RG_FIELD_MODULE,        /* "module": apache's [proxy_http:error] */
    RG_FIELD_TERMINATION,   /* "termination": haproxy's termination state */
    RG_FIELD_COMPLETION,    /* "completion": $request_completion */
    RG_FIELD_RECORD,        /* "record": a java record's first line */
    RG_FIELD_LINE,          /* "line": the whole physical line */
    RG_FIELD_COUNT
} rg_field;

/*
 * What each format's parser fills (agreed with the scanner; `match:` always
 * runs on "message", `where:` may name any field).  A field the parser did
 * not fill has p == NULL and a `where:` on it fails; a field present but
 * empty has p != NULL and len 0.
 *
 * - nginx-error (rg_nginx_error_parse): message (after "pid#tid: " and the
 *   optional "*cid ", up to the context nginx appends), action (after the
 *   last " while " of the message; present and empty when there is none),
 *   level ("info"), client, server, request, upstream, host (each only when
 *   the line has it), line.
 * - nginx-access: message = the status text ("499"); status; completion
 *   ($request_completion, only when the layout has it: "OK" or ""); client,
 *   request, host, upstream; line.
 * - apache-error: message = the text after the bracketed prefix, e.g.
 *   "(104)Connection reset by peer: AH01102: error reading status line";
 *   module ("proxy_http"); level; client; line.
 * - apache-access: message = status; completion = the %X character when the
 *   layout has it; client, request; line.
 * - java: rules run on each physical line of a record (message = line =
 *   that line; record = the record's first line); the record's class is
 *   decided by rg_java.h from what matched.
 * - haproxy: message = termination = the 4-character termination state
 *   ("CD--"); status; client; request; line.
 * - generic: message = line = the whole line.
 */

typedef struct {
    rg_str  f[RG_FIELD_COUNT];
} rg_fields;

typedef struct {
    char  msg[1024];            /* "rules/x.yaml:12:5: unknown class \"foo\"" */
} rg_error;

typedef struct rg_ruleset  rg_ruleset;
typedef struct rg_matcher  rg_matcher;
typedef struct rg_rule     rg_rule;

/* Subjects longer than this are matched on their first RG_SUBJECT_CAP bytes. */
#define RG_SUBJECT_CAP  4096

rg_ruleset *rg_ruleset_create(void);
void rg_ruleset_destroy(rg_ruleset *rs);

/* Adds the rule files compiled in from rules/ (rg_shipped.h); 0 or -1. */
int rg_ruleset_add_shipped(rg_ruleset *rs, rg_error *err);

/* Adds a file, or every *.yaml / *.yml of a directory in C-locale order. */
int rg_ruleset_add_path(rg_ruleset *rs, const char *path, rg_error *err);

/* Adds rules from memory; `name` stands for the file in error messages. */
int rg_ruleset_add_buffer(rg_ruleset *rs, const char *name, const char *buf,
    size_t len, rg_error *err);

/*
 * Orders rules (priority, then load order) and JIT-compiles; 0 or -1.
 * Call it after the last add and before rg_matcher_create(); adding rules
 * later needs another compile (and new matchers).
 */
int rg_ruleset_compile(rg_ruleset *rs, rg_error *err);

size_t rg_ruleset_count(const rg_ruleset *rs);

/*
 * JIT on (the default) or off, for the next rg_ruleset_compile().  Off, or
 * where JIT cannot compile a pattern, the interpreter runs it with the
 * same limits.
 */
void rg_ruleset_set_jit(rg_ruleset *rs, int on);

/* How many patterns (rules and prefilters) the last compile JIT-compiled. */
size_t rg_ruleset_jit_count(const rg_ruleset *rs);

/* One per thread; NULL when out of memory or the ruleset is not compiled. */
rg_matcher *rg_matcher_create(const rg_ruleset *rs);
void rg_matcher_destroy(rg_matcher *m);

/*
 * The first rule of `format` (by priority, then file order) whose `match`
 * and every `where` match; NULL when none does.  A PCRE2 match, depth, heap
 * or JIT-stack limit counts as a limit hit and as no match for that rule.
 */
const rg_rule *rg_match(rg_matcher *m, rg_format format,
    const rg_fields *fields);

/* Limit hits counted by this matcher so far. */
uint64_t rg_matcher_limit_hits(const rg_matcher *m);

/*
 * The rule added i-th (0 .. rg_ruleset_count() - 1), NULL past the end,
 * and the limit hits this matcher counted for it: reports name the rules
 * that hit PCRE2's limits.
 */
const rg_rule *rg_ruleset_rule(const rg_ruleset *rs, size_t i);
uint64_t rg_matcher_rule_limit_hits(const rg_matcher *m, size_t i);

/*
 * Switches the rule added i-th off (off != 0) or back on in this matcher:
 * a rule switched off never runs, and while any rule of a format is off
 * that format's prefilter (which may contain it) is not used either, so
 * its rules run one by one.  0, or -1 when there is no such rule.  The
 * module's cost guard switches off a rule that keeps hitting PCRE2's
 * limits.
 */
int rg_matcher_rule_off(rg_matcher *m, size_t i, int off);
int rg_matcher_rule_is_off(const rg_matcher *m, size_t i);

rg_class rg_rule_class(const rg_rule *rule);
const char *rg_rule_id(const rg_rule *rule);
const char *rg_rule_advice(const rg_rule *rule);     /* "" when none */
rg_format rg_rule_format(const rg_rule *rule);

/* "nginx-error" <-> RG_FORMAT_NGINX_ERROR; -1 when unknown. */

/* "message" <-> RG_FIELD_MESSAGE; -1 when unknown. */
int rg_field_from_name(const char *name, size_t len);
const char *rg_field_name(rg_field field);

#endif /* RG_RULES_H */
