/*
 * rg_literals.c - the literals a rule's match requires (see rg_prescan.h,
 * rg_prescan_literals, and rg_literals.h).
 *
 * Reading the literals.  A small recursive descent over the PCRE2 syntax
 * the shipped rules use; anything it does not know for certain makes the
 * whole pattern "no literal", which only costs speed.  A sequence of atoms
 * yields its literal runs (bytes not followed by an optional quantifier)
 * and the sets of its mandatory groups; the best of them by a rarity score
 * is the sequence's requirement.  An alternation requires one of its
 * branches' requirements (their union), known only when every branch has
 * one.  A substring of a required literal is required too, so runs longer
 * than RG_LIT_LEN are cut.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rg_literals.h"
#include "rg_prescan.h"
#include "rg_str.h"

#define RG_LEX_QUANT_MAX  100000

typedef struct {
    const char  *p, *end;
    int          fail;
} rg_lex;


static void rg_lex_alt(rg_lex *lx, rg_litset *out, int depth);


/* How rare a byte is in a log line: spaces and the common letters are
   everywhere, digits and the punctuation of times, addresses and paths
   often, other letters and brackets less. */
unsigned
rg_byte_weight(unsigned char c)
{
    if (c == ' ' || (c >= 'a' && c <= 'z' && strchr("etaoinsrhlcduf", c))) {
        return 1;
    }

    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || strchr(".,:/-_\"'", c))
    {
        return 2;
    }

    return 3;
}


/*
 * How selective a literal is: the weight of its rarest 4 bytes in a row.
 * Length beyond that hardly helps, so " (104: " beats " closed keepalive
 * connection" (a phrase of most info lines).  Ties go to the longer.
 */
int
rg_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9');
}


static unsigned
rg_lit_score(const rg_lit *l)
{
    unsigned  best = 0, w;
    size_t    i, k;

    for (i = 0; i < l->len; i++) {
        w = 0;
        for (k = i; k < l->len && k < i + 4; k++) {
            w += rg_byte_weight(l->s[k]);
        }
        best = w > best ? w : best;
    }

    return best * 64 + (unsigned) (l->len < 63 ? l->len : 63);
}


/* A set is as good as its weakest literal. */
static unsigned
rg_set_score(const rg_litset *set)
{
    unsigned  s = ~0u, x;
    size_t    i;

    for (i = 0; i < set->n; i++) {
        x = rg_lit_score(&set->v[i]);
        s = x < s ? x : s;
    }

    return set->n ? s : 0;
}


/*
 * A quantifier at lx->p: its minimum (0 for ?, *, {0,...}), or -1 when
 * none follows.  Braces that are not a quantifier are literal in PCRE2;
 * here they fail the pattern.
 */
static long
rg_lex_quant(rg_lex *lx)
{
    long      min = -1;
    uint64_t  v;
    rg_str    digits;

    if (lx->p >= lx->end) {
        return -1;
    }

    if (*lx->p == '?' || *lx->p == '*' || *lx->p == '+') {
        min = *lx->p == '+';
        lx->p++;

    } else if (*lx->p == '{') {
        lx->p++;
        min = 0;
        if (lx->p >= lx->end || *lx->p < '0' || *lx->p > '9') {
            lx->fail = 1;
            return -1;
        }
        /* only none or some matters: a larger minimum is as good as
           RG_LEX_QUANT_MAX */
        digits.p = lx->p;
        digits.len = (size_t) (lx->end - lx->p);
        min = rg_str_digits(digits, RG_LEX_QUANT_MAX, &v) ? (long) v
                                                          : RG_LEX_QUANT_MAX;
        while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
            lx->p++;
        }
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
                lx->p++;
            }
        }
        if (lx->p >= lx->end || *lx->p != '}') {
            lx->fail = 1;
            return -1;
        }
        lx->p++;

    } else {
        return -1;
    }

    /* lazy or possessive */
    if (lx->p < lx->end && (*lx->p == '?' || *lx->p == '+')) {
        lx->p++;
    }

    return min;
}


/* Skips a character class from its '['. */
static void
rg_lex_class(rg_lex *lx)
{
    lx->p++;

    if (lx->p < lx->end && *lx->p == '^') {
        lx->p++;
    }

    if (lx->p < lx->end && *lx->p == ']') {
        lx->p++;                /* a literal ']' first */
    }

    while (lx->p < lx->end) {
        if (*lx->p == '\\') {
            if (lx->p + 1 >= lx->end || lx->p[1] == 'Q' || lx->p[1] == 'E') {
                break;
            }
            lx->p += 2;

        } else if (*lx->p == '[' && lx->p + 1 < lx->end && lx->p[1] == ':') {
            /* [:alpha:] */
            const char  *q = lx->p + 2;

            while (q + 1 < lx->end && !(q[0] == ':' && q[1] == ']')) {
                q++;
            }
            if (q + 1 >= lx->end) {
                break;
            }
            lx->p = q + 2;

        } else if (*lx->p == ']') {
            lx->p++;
            return;

        } else {
            lx->p++;
        }
    }

    lx->fail = 1;
}


/* A candidate replaces the best when better; none shorter than 3 bytes. */
static void
rg_set_consider(rg_litset *best, const rg_litset *cand)
{
    size_t  i;

    for (i = 0; i < cand->n; i++) {
        if (cand->v[i].len < 3) {
            return;
        }
    }

    if (cand->n > 0 && rg_set_score(cand) > rg_set_score(best)) {
        *best = *cand;
        best->exact = 0;
    }
}


/* Ends the current run: a candidate when every string has 3 bytes. */
static void
rg_run_close(rg_litset *run, rg_litset *best)
{
    size_t  i;

    for (i = 0; i < run->n && run->v[i].len >= 3; i++) { /* void */ }

    if (run->n > 0 && i == run->n) {
        rg_set_consider(best, run);
    }

    run->n = 1;
    run->v[0].len = 0;
    run->exact = 1;
}


/* Appends a byte to every string of the run; 0, or -1 when one is full. */
static int
rg_run_add(rg_litset *run, unsigned char c)
{
    size_t  i;

    for (i = 0; i < run->n; i++) {
        if (run->v[i].len == RG_LIT_LEN) {
            return -1;
        }
    }

    for (i = 0; i < run->n; i++) {
        run->v[i].s[run->v[i].len++] = c;
    }

    return 0;
}


/* run x g ("x(?:ab|c)y" -> "xaby", "xcy"); 0, or -1 when too many. */
static int
rg_run_cross(rg_litset *run, const rg_litset *g)
{
    rg_litset  x;
    size_t     i, j;

    if (run->n * g->n > RG_LIT_SET || g->n == 0) {
        return -1;
    }

    x.n = 0;
    x.exact = 1;

    for (i = 0; i < run->n; i++) {
        for (j = 0; j < g->n; j++) {
            if (run->v[i].len + g->v[j].len > RG_LIT_LEN) {
                return -1;
            }
            memcpy(x.v[x.n].s, run->v[i].s, run->v[i].len);
            memcpy(x.v[x.n].s + run->v[i].len, g->v[j].s, g->v[j].len);
            x.v[x.n].len = run->v[i].len + g->v[j].len;
            x.n++;
        }
    }

    *run = x;

    return 0;
}


/*
 * One branch: atoms up to '|', ')' or the end.  The run is the set of
 * strings the atoms since the last break spell (more than one after an
 * exact group such as (?:104|32)).  A branch of literal bytes and exact
 * groups only is exact itself: *best is then all it can match.
 */
static void
rg_lex_seq(rg_lex *lx, rg_litset *best, int depth)
{
    rg_litset   run, g;
    int         keep, pure = 1;
    long        q;
    unsigned    char c;

    best->n = 0;
    best->exact = 0;
    run.n = 0;
    rg_run_close(&run, best);

    while (!lx->fail && lx->p < lx->end && *lx->p != '|' && *lx->p != ')') {
        c = (unsigned char) *lx->p;

        switch (c) {

        case '(':
            lx->p++;
            keep = 1;
            if (lx->p < lx->end && *lx->p == '*') {
                lx->fail = 1;           /* a verb */
                return;
            }
            if (lx->p < lx->end && *lx->p == '?') {
                lx->p++;
                if (lx->p < lx->end && (*lx->p == ':' || *lx->p == '>')) {
                    lx->p++;
                } else if (lx->p < lx->end && (*lx->p == '=' || *lx->p == '!')) {
                    lx->p++;
                    keep = 0;           /* a lookahead consumes nothing */
                } else if (lx->p + 1 < lx->end && *lx->p == '<'
                           && (lx->p[1] == '=' || lx->p[1] == '!'))
                {
                    lx->p += 2;
                    keep = 0;
                } else {
                    lx->fail = 1;       /* options, names, comments */
                    return;
                }
            }
            if (depth > 32) {
                lx->fail = 1;
                return;
            }
            rg_lex_alt(lx, &g, depth + 1);
            if (lx->fail || lx->p >= lx->end || *lx->p != ')') {
                lx->fail = 1;
                return;
            }
            lx->p++;
            q = rg_lex_quant(lx);
            if (keep && q < 0 && g.exact && rg_run_cross(&run, &g) == 0) {
                continue;               /* still one run */
            }
            pure = 0;
            rg_run_close(&run, best);
            if (keep && q != 0) {
                rg_set_consider(best, &g);
            }
            continue;

        case '[':
            rg_lex_class(lx);
            pure = 0;
            rg_run_close(&run, best);
            (void) rg_lex_quant(lx);
            continue;

        case '.':
        case '^':
        case '$':
            lx->p++;
            pure = 0;
            rg_run_close(&run, best);
            (void) rg_lex_quant(lx);
            continue;

        case '*':
        case '+':
        case '?':
        case '{':
            lx->fail = 1;
            return;

        case '\\':
            if (lx->p + 1 >= lx->end) {
                lx->fail = 1;
                return;
            }
            c = (unsigned char) lx->p[1];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9'))
            {
                /* single-letter classes and assertions only: \x, \p,
                   \Q, \N{...}, back references ... fail */
                if (strchr("dDwWsSbBhHvVAzZG", c) == NULL) {
                    lx->fail = 1;
                    return;
                }
                lx->p += 2;
                pure = 0;
                rg_run_close(&run, best);
                (void) rg_lex_quant(lx);
                continue;
            }
            lx->p += 2;                 /* an escaped punctuation byte */
            break;

        default:
            lx->p++;
            break;
        }

        /* a literal byte c; "ab+c": "ab" is required, then a break */
        q = rg_lex_quant(lx);
        if (q != 0 && rg_run_add(&run, c) != 0) {
            pure = 0;
            rg_run_close(&run, best);   /* a prefix of it is required */
            (void) rg_run_add(&run, c);
        }
        if (q >= 0) {
            pure = 0;
            rg_run_close(&run, best);
        }
    }

    if (pure) {
        *best = run;                    /* all the branch can match */
        best->exact = 1;
        return;
    }

    rg_run_close(&run, best);
}


/* Branches up to ')' or the end: the union of theirs, or none. */
static void
rg_lex_alt(rg_lex *lx, rg_litset *out, int depth)
{
    rg_litset  b;
    size_t     i;
    int        none = 0;

    out->n = 0;
    out->exact = 1;

    for ( ;; ) {
        rg_lex_seq(lx, &b, depth);
        if (lx->fail) {
            out->n = 0;
            return;
        }

        out->exact &= b.exact;

        if (b.n == 0 || out->n + b.n > RG_LIT_SET) {
            none = 1;
        } else {
            for (i = 0; i < b.n; i++) {
                out->v[out->n++] = b.v[i];
            }
        }

        if (lx->p < lx->end && *lx->p == '|') {
            lx->p++;
            continue;
        }

        break;
    }

    if (none) {
        out->n = 0;
        out->exact = 0;
    }
}


/* The literal set of a whole pattern; n == 0 when none is known. */
void
rg_pattern_literals(const char *pattern, size_t len, rg_litset *out)
{
    rg_lex  lx;
    size_t  i;

    lx.p = pattern;
    lx.end = pattern + len;
    lx.fail = memchr(pattern, '\0', len) != NULL;

    if (!lx.fail) {
        rg_lex_alt(&lx, out, 0);
    }

    if (lx.fail || lx.p != lx.end) {
        out->n = 0;
    }

    /* an exact pattern may spell short strings ("^(?:ab|c)$") */
    for (i = 0; i < out->n; i++) {
        if (out->v[i].len < 3) {
            out->n = 0;
        }
    }
}


size_t
rg_prescan_literals(const char *pattern, size_t len, char *buf, size_t size)
{
    rg_litset  set;
    size_t     i, o = 0, k;

    rg_pattern_literals(pattern, len, &set);

    for (i = 0; i < set.n; i++) {
        if (i > 0 && o + 1 < size) {
            buf[o++] = '|';
        }
        for (k = 0; k < set.v[i].len && o + 1 < size; k++) {
            buf[o++] = (char) set.v[i].s[k];
        }
    }

    if (size > 0) {
        buf[o] = '\0';
    }

    return set.n;
}
