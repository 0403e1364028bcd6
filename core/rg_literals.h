/*
 * rg_literals.h - the literals a rule's match requires (rg_literals.c);
 * for rg_prescan.c only.
 */

#ifndef RG_LITERALS_H
#define RG_LITERALS_H

#include <stddef.h>

#define RG_LIT_LEN   48         /* bytes of a literal kept */
#define RG_LIT_SET   16         /* literals of one alternation */

typedef struct {
    unsigned char  s[RG_LIT_LEN];
    size_t         len;
} rg_lit;

typedef struct {
    rg_lit   v[RG_LIT_SET];
    size_t   n;                 /* 0: no requirement known */
    int      exact;             /* v is every string it can match */
} rg_litset;

/* How rare a byte is in a log line (higher: rarer); the fingerprint and
   the literal choice both use it. */
unsigned rg_byte_weight(unsigned char c);
int rg_alnum(unsigned char c);

/* The literal set of a whole pattern; n == 0 when none is known. */
void rg_pattern_literals(const char *pattern, size_t len, rg_litset *out);

#endif /* RG_LITERALS_H */
