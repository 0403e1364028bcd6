/*
 * rg_rules_match.c - matchers (one per thread) and rg_match().
 *
 * A matcher owns everything a PCRE2 call writes: the match data, the JIT
 * stack and the match context that carries the limits.  The ruleset is
 * only read, so any number of matchers share it.  Nothing here allocates
 * per line: JIT code runs on the matcher's JIT stack, and the interpreter's
 * frame vector lives in the match data, allocated when the matcher is
 * created (it grows only for a subject that needs more than ten frames per
 * pattern, up to the heap limit).
 *
 * A small memo remembers the answer for short subjects: a record's class
 * depends only on its message and the fields its format's rules name in
 * `where`, and in an access log those are a status and maybe a completion,
 * a handful of distinct values over millions of lines; a PCRE2 call on
 * them cost more than the rest of the line.  An answer computed while a
 * limit was hit is not remembered (each such line counts its own hit).
 */

#include <stdlib.h>
#include <string.h>

#include "rg_rules_impl.h"


/* no rule named by the prefilter's mark */
#define RG_NO_MARK     ((size_t) -1)

/* subjects (message and `where` fields together) up to this are memoised */
#define RG_MEMO_KEY    48
#define RG_MEMO_SLOTS  64           /* direct-mapped, a power of two */

typedef struct {
    const rg_rule  *rule;           /* the answer, NULL: none */
    uint32_t        hash;
    uint16_t        len;            /* of key; 0: empty slot */
    uint8_t         format;
    char            key[RG_MEMO_KEY];
} rg_memo;

struct rg_matcher {
    const rg_ruleset      *rs;
    pcre2_match_data      *md;
    pcre2_match_context   *mctx;
    pcre2_jit_stack       *stack;
    uint64_t               limit_hits;
    uint64_t              *rule_hits;   /* per rule, by rule->order */
    unsigned char         *off;         /* per rule: switched off */
    size_t                 noff[RG_FORMAT_COUNT];
    uint32_t               used[RG_FORMAT_COUNT];  /* fields rules read */
    rg_memo                memo[RG_MEMO_SLOTS];
};


/*
 * The interpreter keeps its backtracking frames in the match data and
 * allocates them on first use; one empty match per interpreted pattern
 * does that here, so rg_match() never allocates.
 */
static void
rg_matcher_warm(rg_matcher *m, const rg_regex *re)
{
    if (re->code != NULL && !re->jit) {
        (void) pcre2_match(re->code, (PCRE2_SPTR) "", 0, 0, PCRE2_NO_JIT,
                           m->md, m->mctx);
    }
}


rg_matcher *
rg_matcher_create(const rg_ruleset *rs)
{
    const rg_format_rules  *fr;
    size_t                  f, i, w;
    rg_matcher             *m;

    if (!rs->compiled) {
        return NULL;
    }

    m = calloc(1, sizeof(rg_matcher));
    if (m == NULL) {
        return NULL;
    }

    m->rs = rs;
    m->rule_hits = calloc(rs->n ? rs->n : 1, sizeof(uint64_t));
    m->off = calloc(rs->n ? rs->n : 1, 1);
    /* one pair: rules answer yes or no, captures are never read */
    m->md = pcre2_match_data_create(1, NULL);
    m->mctx = pcre2_match_context_create(NULL);
    m->stack = pcre2_jit_stack_create(RG_JIT_STACK_MIN, RG_JIT_STACK_MAX,
                                      NULL);

    if (m->md == NULL || m->mctx == NULL || m->stack == NULL
        || m->rule_hits == NULL || m->off == NULL)
    {
        rg_matcher_destroy(m);
        return NULL;
    }

    pcre2_set_match_limit(m->mctx, RG_MATCH_LIMIT);
    pcre2_set_depth_limit(m->mctx, RG_DEPTH_LIMIT);
    pcre2_set_heap_limit(m->mctx, RG_HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(m->mctx, NULL, m->stack);

    for (f = 0; f < RG_FORMAT_COUNT; f++) {
        fr = &rs->fmt[f];
        rg_matcher_warm(m, &fr->prefilter);
        m->used[f] = 1u << RG_FIELD_MESSAGE;

        for (i = 0; i < fr->n; i++) {
            rg_matcher_warm(m, &fr->rules[i]->match);
            for (w = 0; w < fr->rules[i]->nwhere; w++) {
                rg_matcher_warm(m, &fr->rules[i]->where[w].re);
                m->used[f] |= 1u << fr->rules[i]->where[w].field;
            }
        }
    }

    return m;
}


void
rg_matcher_destroy(rg_matcher *m)
{
    if (m == NULL) {
        return;
    }

    pcre2_jit_stack_free(m->stack);
    pcre2_match_context_free(m->mctx);
    pcre2_match_data_free(m->md);
    free(m->rule_hits);
    free(m->off);
    free(m);
}


int
rg_matcher_rule_off(rg_matcher *m, size_t i, int off)
{
    const rg_rule  *rule;

    if (i >= m->rs->n) {
        return -1;
    }

    off = off != 0;
    if (m->off[i] == off) {
        return 0;
    }

    rule = m->rs->rules[i];
    m->off[i] = (unsigned char) off;
    m->noff[rule->format] += off ? 1 : (size_t) -1;

    /* remembered answers may name the rule, or were found without it */
    memset(m->memo, 0, sizeof(m->memo));

    return 0;
}


int
rg_matcher_rule_is_off(const rg_matcher *m, size_t i)
{
    return i < m->rs->n && m->off[i];
}


uint64_t
rg_matcher_limit_hits(const rg_matcher *m)
{
    return m->limit_hits;
}


uint64_t
rg_matcher_rule_limit_hits(const rg_matcher *m, size_t i)
{
    return i < m->rs->n ? m->rule_hits[i] : 0;
}


/*
 * 1 match, 0 no match, -1 an error: a PCRE2 match, depth or heap limit, a
 * JIT stack overflow (or, defensively, any other matching error).
 */
static int
rg_run(rg_matcher *m, const rg_regex *re, const char *p, size_t len)
{
    int  rc;

    if (len > RG_SUBJECT_CAP) {
        len = RG_SUBJECT_CAP;
    }

    if (re->jit) {
        rc = pcre2_jit_match(re->code, (PCRE2_SPTR) p, len, 0, 0, m->md,
                             m->mctx);
    } else {
        rc = pcre2_match(re->code, (PCRE2_SPTR) p, len, 0, PCRE2_NO_JIT,
                         m->md, m->mctx);
    }

    /* 0 is "matched, ovector too small": still a match */
    if (rc >= 0) {
        return 1;
    }

    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}


/* Runs one of rule's regexes; a limit hit counts (for it) and is no match. */
static int
rg_run_counted(rg_matcher *m, const rg_rule *rule, const rg_regex *re,
    const rg_str *s)
{
    int  rc;

    if (s->p == NULL) {
        return 0;
    }

    rc = rg_run(m, re, s->p, s->len);
    if (rc < 0) {
        m->limit_hits++;
        m->rule_hits[rule->order]++;
        return 0;
    }

    return rc;
}


/* The rule index a marked prefilter's match carries; RG_NO_MARK when it
   carries none that makes sense (then no rule is skipped). */
static size_t
rg_mark_index(const rg_matcher *m, size_t n)
{
    PCRE2_SPTR  mark = pcre2_get_mark(m->md);
    uint64_t    i;

    if (mark == NULL || n == 0
        || rg_str_uint_cstr((const char *) mark, n - 1, &i) != 0)
    {
        return RG_NO_MARK;
    }

    return (size_t) i;
}


/* Whether the rule matches; its `match` is not run again when the
   prefilter has shown that it matches (matched != 0). */
static int
rg_rule_matches(rg_matcher *m, const rg_rule *rule, const rg_fields *fields,
    int matched)
{
    size_t  i;

    if (!matched
        && !rg_run_counted(m, rule, &rule->match,
                           &fields->f[RG_FIELD_MESSAGE]))
    {
        return 0;
    }

    for (i = 0; i < rule->nwhere; i++) {
        if (!rg_run_counted(m, rule, &rule->where[i].re,
                            &fields->f[rule->where[i].field]))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * The memo key of a record: each field the format's rules read, as a
 * length byte and its bytes (0xff for an absent field).  0 when too long.
 */
static size_t
rg_memo_key(const rg_matcher *m, rg_format format, const rg_fields *fields,
    char *key)
{
    size_t   n = 0;
    int      f;

    for (f = 0; f < RG_FIELD_COUNT; f++) {
        if (!(m->used[format] & (1u << f))) {
            continue;
        }

        if (fields->f[f].p == NULL) {
            if (n + 1 > RG_MEMO_KEY) {
                return 0;
            }
            key[n++] = (char) 0xff;
            continue;
        }

        if (fields->f[f].len > 0xfe || n + 1 + fields->f[f].len > RG_MEMO_KEY) {
            return 0;
        }
        key[n++] = (char) fields->f[f].len;
        memcpy(key + n, fields->f[f].p, fields->f[f].len);
        n += fields->f[f].len;
    }

    return n;
}


static const rg_rule *
rg_match_rules(rg_matcher *m, rg_format format, const rg_fields *fields)
{
    const rg_format_rules  *fr;
    const rg_str           *msg = &fields->f[RG_FIELD_MESSAGE];
    size_t                  i, first = RG_NO_MARK;
    int                     pre = 1;

    fr = &m->rs->fmt[format];

    /* a rule switched off may be part of the prefilter: it runs no more */
    if (fr->prefilter.code != NULL && m->noff[format] == 0) {
        /* a limit hit in the prefilter proves nothing: the rules then run
           one by one and count their own hits */
        pre = rg_run(m, &fr->prefilter, msg->p, msg->len);

        if (pre == 0 && fr->direct == 0) {
            return NULL;
        }

        /* the prefilter rules before the one it names do not match */
        if (pre == 1 && fr->marked) {
            first = rg_mark_index(m, fr->n);
        }
    }

    for (i = 0; i < fr->n; i++) {
        if ((fr->rules[i]->in_prefilter
             && (pre == 0 || (first != RG_NO_MARK && i < first)))
            || m->off[fr->rules[i]->order])
        {
            continue;
        }

        /* the rule the prefilter named matches: only its `where` runs */
        if (rg_rule_matches(m, fr->rules[i], fields, i == first)) {
            return fr->rules[i];
        }
    }

    return NULL;
}


const rg_rule *
rg_match(rg_matcher *m, rg_format format, const rg_fields *fields)
{
    const rg_rule  *rule;
    rg_memo        *e;
    char            key[RG_MEMO_KEY];
    size_t          len, i;
    uint32_t        h = 2166136261u;
    uint64_t        hits;

    if ((unsigned) format >= RG_FORMAT_COUNT
        || fields->f[RG_FIELD_MESSAGE].p == NULL)
    {
        return NULL;
    }

    len = rg_memo_key(m, format, fields, key);
    if (len == 0) {
        return rg_match_rules(m, format, fields);
    }

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) key[i]) * 16777619u;
    }

    e = &m->memo[(h ^ (uint32_t) format) & (RG_MEMO_SLOTS - 1)];
    if (e->len == len && e->hash == h && e->format == (uint8_t) format
        && memcmp(e->key, key, len) == 0)
    {
        return e->rule;
    }

    hits = m->limit_hits;
    rule = rg_match_rules(m, format, fields);

    if (m->limit_hits == hits) {
        e->rule = rule;
        e->hash = h;
        e->len = (uint16_t) len;
        e->format = (uint8_t) format;
        memcpy(e->key, key, len);
    }

    return rule;
}
