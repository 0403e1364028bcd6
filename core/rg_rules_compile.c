/*
 * rg_rules_compile.c - orders the rules, JIT-compiles them and builds one
 * prefilter per format.
 *
 * Most log lines match no rule.  The prefilter of a format is the
 * alternation (?:m1)|(?:m2)|... of its rules' `match` patterns, compiled
 * once: a line it rejects matches no rule, so the common line costs one
 * PCRE2 call instead of one per rule.  A pattern whose meaning would change
 * inside a bigger pattern (backreferences, named groups, recursion, verbs
 * such as (*COMMIT), \Q without \E, extended mode's comments) is left out
 * and its rule always runs on its own ("direct").
 *
 * When every part is anchored at the message's start (as the shipped
 * rules are), each part also ends in (*MARK:i), i its rule's index: PCRE2
 * tries the alternatives in order at the one position an anchored match
 * can start at, so the mark of a match names the first rule in priority
 * order whose `match` matches, and the rules before it need not run.
 * Anchoring is PCRE2's own verdict (PCRE2_INFO_ALLOPTIONS); verbs are
 * never in a part, so the marks are the only ones.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rg_rules_impl.h"


static int
rg_compile_cmp(const void *a, const void *b)
{
    const rg_rule  *x = *(rg_rule *const *) a;
    const rg_rule  *y = *(rg_rule *const *) b;

    if (x->priority != y->priority) {
        return x->priority > y->priority ? -1 : 1;
    }

    return x->order < y->order ? -1 : (x->order > y->order);
}


static void
rg_compile_jit(rg_ruleset *rs, rg_regex *re)
{
    re->jit = 0;

    /* when JIT is unavailable or refuses the pattern (no executable
       memory, say), the interpreter runs it with the same limits */
    if (rs->use_jit && pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0) {
        re->jit = 1;
        rs->jit_count++;
    }
}


/* Is "(?" + s an inline option setting without x, like (?i) or (?s-m:? */
static int
rg_compile_safe_options(const char *s)
{
    for ( ;; s++) {
        if (*s == ':' || *s == ')') {
            return 1;
        }

        if (*s == '\0' || strchr("imnsJU^-", *s) == NULL) {
            return 0;
        }
    }
}


/* Can this pattern sit in an alternation without changing meaning? */
static int
rg_compile_prefilterable(const rg_rule *rule)
{
    const char  *p = rule->pattern;
    uint32_t     backrefs = 0, names = 0;

    if (strlen(p) != rule->pattern_len
        || pcre2_pattern_info(rule->match.code, PCRE2_INFO_BACKREFMAX,
                              &backrefs) != 0
        || pcre2_pattern_info(rule->match.code, PCRE2_INFO_NAMECOUNT,
                              &names) != 0
        || backrefs != 0 || names != 0)
    {
        return 0;
    }

    for ( ; *p != '\0'; p++) {
        if (*p == '\\') {
            if (p[1] == 'Q' || p[1] == 'g' || p[1] == 'k') {
                return 0;
            }
            if (p[1] != '\0') {
                p++;
            }
            continue;
        }

        if (p[0] == '(' && p[1] == '*') {
            return 0;
        }

        if (p[0] == '(' && p[1] == '?') {
            switch (p[2]) {
            case ':': case '=': case '!': case '>': case '|':
                break;
            case '<':
                if (p[3] != '=' && p[3] != '!') {
                    return 0;
                }
                break;
            default:
                if (!rg_compile_safe_options(p + 2)) {
                    return 0;
                }
            }
        }
    }

    return 1;
}


/*
 * Marks in dup[i] the prefilter rules whose pattern an earlier prefilter
 * rule has already (rules that differ only in `where` share their `match`:
 * one part covers them).  A hash of the patterns keeps this linear.
 */
static int
rg_compile_duplicates(const rg_format_rules *fr, unsigned char *dup)
{
    rg_strtab   seen = { NULL, 0, 0 };
    size_t      i;
    rg_rule    *r;

    for (i = 0; i < fr->n; i++) {
        r = fr->rules[i];
        dup[i] = 0;

        if (!r->in_prefilter) {
            continue;
        }

        if (rg_strtab_get(&seen, r->pattern, r->pattern_len) != NULL) {
            dup[i] = 1;

        } else if (rg_strtab_put(&seen, r->pattern, r->pattern_len, r) != 0) {
            rg_strtab_free(&seen);
            return -1;
        }
    }

    rg_strtab_free(&seen);

    return 0;
}


/* Builds the format's prefilter from its prefilterable rules. */
static int
rg_compile_prefilter(rg_ruleset *rs, rg_format_rules *fr)
{
    size_t       i, len = 0, n = 0;
    char        *pat, *p;
    unsigned char  *dup;
    int          errcode;
    uint32_t     opts;
    PCRE2_SIZE   erroffset;

    fr->marked = 1;

    for (i = 0; i < fr->n; i++) {
        fr->rules[i]->in_prefilter = rg_compile_prefilterable(fr->rules[i]);
    }

    dup = malloc(fr->n);
    if (dup == NULL || rg_compile_duplicates(fr, dup) != 0) {
        free(dup);
        return -1;
    }

    for (i = 0; i < fr->n; i++) {
        if (fr->rules[i]->in_prefilter && !dup[i]) {
            len += fr->rules[i]->pattern_len + sizeof("|(?:)(*MARK:)") + 20;
            n++;

            if (pcre2_pattern_info(fr->rules[i]->match.code,
                                   PCRE2_INFO_ALLOPTIONS, &opts) != 0
                || !(opts & PCRE2_ANCHORED))
            {
                fr->marked = 0;
            }
        }
    }

    fr->direct = 0;
    for (i = 0; i < fr->n; i++) {
        fr->direct += !fr->rules[i]->in_prefilter;
    }

    /* one rule is its own prefilter */
    if (n < 2) {
        for (i = 0; i < fr->n; i++) {
            fr->rules[i]->in_prefilter = 0;
        }
        fr->direct = fr->n;
        fr->marked = 0;
        free(dup);
        return 0;
    }

    pat = malloc(len + 1);
    if (pat == NULL) {
        free(dup);
        return -1;
    }

    p = pat;
    for (i = 0; i < fr->n; i++) {
        if (fr->rules[i]->in_prefilter && !dup[i]) {
            if (p != pat) {
                *p++ = '|';
            }
            memcpy(p, "(?:", 3);
            memcpy(p + 3, fr->rules[i]->pattern, fr->rules[i]->pattern_len);
            p += 3 + fr->rules[i]->pattern_len;
            *p++ = ')';
            if (fr->marked) {
                p += snprintf(p, (size_t) (pat + len + 1 - p), "(*MARK:%zu)",
                              i);
            }
        }
    }

    fr->prefilter.code = pcre2_compile((PCRE2_SPTR) pat, (size_t) (p - pat),
                                       RG_PCRE2_OPTIONS, &errcode, &erroffset,
                                       NULL);
    free(pat);
    free(dup);

    if (fr->prefilter.code == NULL) {
        /* every part compiled alone; if the whole does not (too large),
           every rule runs on its own: slower, still correct */
        for (i = 0; i < fr->n; i++) {
            fr->rules[i]->in_prefilter = 0;
        }
        fr->direct = fr->n;
        fr->marked = 0;
        return 0;
    }

    rg_compile_jit(rs, &fr->prefilter);

    return 0;
}


void
rg_ruleset_uncompile(rg_ruleset *rs)
{
    int  f;

    for (f = 0; f < RG_FORMAT_COUNT; f++) {
        free(rs->fmt[f].rules);
        pcre2_code_free(rs->fmt[f].prefilter.code);
        memset(&rs->fmt[f], 0, sizeof(rg_format_rules));
    }

    rs->jit_count = 0;
    rs->compiled = 0;
}


static int
rg_compile_format(rg_ruleset *rs, rg_format format)
{
    rg_format_rules  *fr = &rs->fmt[format];
    size_t            i, w;

    for (i = 0; i < rs->n; i++) {
        fr->n += rs->rules[i]->format == format;
    }

    if (fr->n == 0) {
        return 0;
    }

    fr->rules = malloc(fr->n * sizeof(rg_rule *));
    if (fr->rules == NULL) {
        return -1;
    }

    fr->n = 0;
    for (i = 0; i < rs->n; i++) {
        if (rs->rules[i]->format == format) {
            fr->rules[fr->n++] = rs->rules[i];
        }
    }

    qsort(fr->rules, fr->n, sizeof(rg_rule *), rg_compile_cmp);

    for (i = 0; i < fr->n; i++) {
        rg_compile_jit(rs, &fr->rules[i]->match);
        for (w = 0; w < fr->rules[i]->nwhere; w++) {
            rg_compile_jit(rs, &fr->rules[i]->where[w].re);
        }
    }

    return rg_compile_prefilter(rs, fr);
}


int
rg_ruleset_compile(rg_ruleset *rs, rg_error *err)
{
    int  f;

    rg_ruleset_uncompile(rs);

    for (f = 0; f < RG_FORMAT_COUNT; f++) {
        if (rg_compile_format(rs, (rg_format) f) != 0) {
            rg_ruleset_uncompile(rs);
            rg_error_set(err, "rules: out of memory");
            return -1;
        }
    }

    rs->compiled = 1;

    return 0;
}
