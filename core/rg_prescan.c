/*
 * rg_prescan.c - a line test on the literals every rule of a format
 * requires (see rg_prescan.h; the literals come from rg_literals.c).
 *
 * The line test is Teddy (the multi-literal search of Hyperscan and of
 * ripgrep's regex crate): each literal is found by three of its bytes
 * (the rarest by the same score), its "fingerprint", and each literal is
 * in one of 8 buckets.  Per 16 bytes of the line, SSSE3 shuffles look up
 * the low and high nibble of every byte in per-position tables, so one
 * AND gives, for each of the 16 positions, the buckets whose fingerprint
 * may start there; only such a position compares whole literals.  About
 * one instruction per byte, whatever the number of literals; with AVX2,
 * 32 positions at a time.  Without SSSE3 (or off x86) the same tables are
 * read one position at a time.
 * No packaged multi-literal matcher is available here (Hyperscan is not
 * in Debian's archive for this machine).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define RG_TEDDY_SIMD  1
#include <immintrin.h>
#endif

#include "rg_literals.h"
#include "rg_prescan.h"
#include "rg_rules_impl.h"

#define RG_LIT_FMT   64         /* literals of one format */

typedef struct {
    unsigned char  s[RG_LIT_LEN];
    size_t         len;
    size_t         at;          /* offset of its fingerprint */
} rg_plit;

/* Teddy: mask[b][0] by low nibble, mask[b][1] by high nibble, for the
   fingerprint's byte b; bit k: a literal of bucket k may have it there */
typedef struct {
    uint8_t    mask[3][2][16];
    int        active;
    rg_plit    lits[RG_LIT_FMT];
    size_t     n;
    uint8_t    bucket[8][RG_LIT_FMT];   /* literal indexes per bucket */
    size_t     nbucket[8];
} rg_pfmt;

struct rg_prescan {
    rg_pfmt    fmt[RG_FORMAT_COUNT];
    int        simd;            /* 0 plain, 1 SSSE3, 2 SSSE3 and AVX2 */
};

#define RG_NO_HIT  ((size_t) -1)


static size_t rg_pfmt_find(const rg_pfmt *pf, int simd,
    const unsigned char *s, size_t len);



/*
 * How often a byte shows in log text, roughly, from its rarity class
 * (rg_byte_weight): the unit of the bucket costs below.
 */
static double
rg_byte_freq(unsigned char c)
{
    switch (rg_byte_weight(c)) {
    case 1:
        return 1.0;
    case 2:
        return 0.25;
    default:
        return 0.02;
    }
}


/*
 * How often bucket k's masks flag a position, roughly: the masks are per
 * byte of the fingerprint and per nibble, so a bucket holding "(11" and
 * "stg" also flags "sta" (every mix of their nibbles); the bytes each
 * byte position lets through, their frequencies summed, multiplied over
 * the three positions.  A flag that is no literal costs a verification.
 */
static double
rg_bucket_cost(uint8_t mask[3][2][16], unsigned k)
{
    double    cost = 1.0, sum;
    unsigned  b, lo, hi;

    for (b = 0; b < 3; b++) {
        sum = 0.0;
        for (hi = 0; hi < 16; hi++) {
            if (!(mask[b][1][hi] & (1u << k))) {
                continue;
            }
            for (lo = 0; lo < 16; lo++) {
                if (mask[b][0][lo] & (1u << k)) {
                    sum += rg_byte_freq((unsigned char) (hi << 4 | lo));
                }
            }
        }
        cost *= sum;
    }

    return cost;
}


static void
rg_mask_set(uint8_t mask[3][2][16], const unsigned char *fp, unsigned k)
{
    unsigned  b;

    for (b = 0; b < 3; b++) {
        mask[b][0][fp[b] & 15] |= (uint8_t) (1u << k);
        mask[b][1][fp[b] >> 4] |= (uint8_t) (1u << k);
    }
}


/*
 * Adds a literal to a format (once).  Its fingerprint (3 bytes of it) and
 * bucket are the pair that adds the least to how often the buckets flag
 * a position: rare bytes, and buckets whose literals' nibbles do not mix
 * into common text (assigned in turn, "(11" and "stg" shared a bucket
 * that flagged every "sta": 46% of all verifications on an error log).
 * Two words joined by a space ("t c" of "client closed") count as rarer
 * than any piece of one ("cli" is in every ", client: ").
 */
static int
rg_pfmt_add(rg_pfmt *pf, const rg_lit *l)
{
    rg_plit   *pl;
    size_t     i, best = 0;
    unsigned   k, bk = 0;
    double     base[8], d, bd = -1.0;
    uint8_t    mask[3][2][16];

    for (i = 0; i < pf->n; i++) {
        if (pf->lits[i].len == l->len
            && memcmp(pf->lits[i].s, l->s, l->len) == 0)
        {
            return 0;
        }
    }

    if (pf->n == RG_LIT_FMT) {
        return -1;
    }

    for (k = 0; k < 8; k++) {
        base[k] = rg_bucket_cost(pf->mask, k);
    }

    for (i = 0; i + 2 < l->len; i++) {
        for (k = 0; k < 8; k++) {
            memcpy(mask, pf->mask, sizeof(mask));
            rg_mask_set(mask, l->s + i, k);
            d = rg_bucket_cost(mask, k) - base[k];

            if (l->s[i + 1] == ' ' && rg_alnum(l->s[i])
                && rg_alnum(l->s[i + 2]))
            {
                d /= 8;
            }

            if (bd < 0 || d < bd) {
                bd = d;
                best = i;
                bk = k;
            }
        }
    }

    pl = &pf->lits[pf->n];
    memcpy(pl->s, l->s, l->len);
    pl->len = l->len;
    pl->at = best;
    pf->bucket[bk][pf->nbucket[bk]++] = (uint8_t) pf->n;
    pf->n++;

    rg_mask_set(pf->mask, l->s + best, bk);

    return 0;
}


rg_prescan *
rg_prescan_create(const rg_ruleset *rs)
{
    rg_prescan             *ps;
    rg_pfmt                *pf;
    const rg_format_rules  *fr;
    rg_litset               set;
    size_t                  f, i, k;

    if (rs == NULL || !rs->compiled) {
        return NULL;
    }

    ps = calloc(1, sizeof(rg_prescan));
    if (ps == NULL) {
        return NULL;
    }

#ifdef RG_TEDDY_SIMD
    __builtin_cpu_init();
    ps->simd = !__builtin_cpu_supports("ssse3") ? 0
               : __builtin_cpu_supports("avx2") ? 2 : 1;
#endif

    for (f = 0; f < RG_FORMAT_COUNT; f++) {
        fr = &rs->fmt[f];
        pf = &ps->fmt[f];
        pf->active = fr->n > 0;

        for (i = 0; i < fr->n && pf->active; i++) {
            rg_pattern_literals(fr->rules[i]->pattern,
                                fr->rules[i]->pattern_len, &set);

            if (set.n == 0) {
                pf->active = 0;
            }

            for (k = 0; k < set.n && pf->active; k++) {
                if (rg_pfmt_add(pf, &set.v[k]) != 0) {
                    pf->active = 0;
                }
            }
        }
    }

    return ps;
}


void
rg_prescan_set_simd(rg_prescan *ps, int on)
{
    ps->simd = 0;

#ifdef RG_TEDDY_SIMD
    ps->simd = !on || !__builtin_cpu_supports("ssse3") ? 0
               : on > 1 && __builtin_cpu_supports("avx2") ? 2 : 1;
#else
    (void) on;
#endif
}


void
rg_prescan_destroy(rg_prescan *ps)
{
    free(ps);
}


int
rg_prescan_add(rg_prescan *ps, rg_format format, const char *lit,
    size_t len)
{
    rg_lit  l;

    if (!rg_prescan_active(ps, format)) {
        return 0;
    }

    if (len < 3 || len > RG_LIT_LEN) {
        return -1;
    }

    memcpy(l.s, lit, len);
    l.len = len;

    /* a format whose table is full scans every line: slower, not wrong */
    if (rg_pfmt_add(&ps->fmt[format], &l) != 0) {
        ps->fmt[format].active = 0;
    }

    return 0;
}


int
rg_prescan_active(const rg_prescan *ps, rg_format format)
{
    return ps != NULL && (unsigned) format < RG_FORMAT_COUNT
           && ps->fmt[format].active;
}


int
rg_prescan_in_lines(const rg_prescan *ps, rg_format format)
{
    const rg_pfmt  *pf;
    size_t          i;

    if (!rg_prescan_active(ps, format)) {
        return 0;
    }

    pf = &ps->fmt[format];

    for (i = 0; i < pf->n; i++) {
        if (memchr(pf->lits[i].s, '\n', pf->lits[i].len) != NULL) {
            return 0;
        }
    }

    return 1;
}


/* Whether a literal of the buckets in `hit` has its fingerprint at i. */
static int
rg_pfmt_verify(const rg_pfmt *pf, const unsigned char *s, size_t len,
    size_t i, unsigned hit)
{
    const rg_plit  *pl;
    size_t          b, k;

    for (b = 0; hit != 0; b++, hit >>= 1) {
        if (!(hit & 1)) {
            continue;
        }

        for (k = 0; k < pf->nbucket[b]; k++) {
            pl = &pf->lits[pf->bucket[b][k]];

            /* the nibble tables let through mixes of two literals:
               the fingerprint's own bytes first */
            if (s[i] == pl->s[pl->at] && s[i + 1] == pl->s[pl->at + 1]
                && s[i + 2] == pl->s[pl->at + 2]
                && pl->at <= i && i - pl->at + pl->len <= len
                && memcmp(s + i - pl->at, pl->s, pl->len) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}


/* The buckets whose fingerprint may start at s[0] (3 bytes readable). */
static inline unsigned
rg_pfmt_at(const rg_pfmt *pf, const unsigned char *s)
{
    return pf->mask[0][0][s[0] & 15] & pf->mask[0][1][s[0] >> 4]
           & pf->mask[1][0][s[1] & 15] & pf->mask[1][1][s[1] >> 4]
           & pf->mask[2][0][s[2] & 15] & pf->mask[2][1][s[2] >> 4];
}


#ifdef RG_TEDDY_SIMD

/* The buckets whose fingerprint may start at each of the 16 positions of
   v0 (v1, v2: the same bytes 1 and 2 further on). */
#define RG_TEDDY_BLOCK(v0, v1, v2)                                           \
    _mm_and_si128(                                                           \
        _mm_and_si128(                                                       \
            _mm_and_si128(_mm_shuffle_epi8(l0, _mm_and_si128(v0, nib)),      \
                _mm_shuffle_epi8(h0,                                         \
                    _mm_and_si128(_mm_srli_epi16(v0, 4), nib))),             \
            _mm_and_si128(_mm_shuffle_epi8(l1, _mm_and_si128(v1, nib)),      \
                _mm_shuffle_epi8(h1,                                         \
                    _mm_and_si128(_mm_srli_epi16(v1, 4), nib)))),            \
        _mm_and_si128(_mm_shuffle_epi8(l2, _mm_and_si128(v2, nib)),          \
            _mm_shuffle_epi8(h2, _mm_and_si128(_mm_srli_epi16(v2, 4), nib))))


/* Verifies the positions flagged in res (block at s + i), in order: the
   first where a literal is, RG_NO_HIT when none. */
static size_t
rg_teddy_hits(const rg_pfmt *pf, const unsigned char *s, size_t len,
    size_t i, const uint8_t *r, unsigned m)
{
    unsigned  j;

    for (j = 0; m != 0; j++, m >>= 1) {
        if ((m & 1) && rg_pfmt_verify(pf, s, len, i + j, r[j])) {
            return i + j;
        }
    }

    return RG_NO_HIT;
}


/* From position i, 16 positions at a time: the first literal's
   position, RG_NO_HIT when none. */
__attribute__((target("ssse3")))
static size_t
rg_teddy(const rg_pfmt *pf, const unsigned char *s, size_t len, size_t i)
{
    const __m128i  nib = _mm_set1_epi8(0x0f);
    const __m128i  l0 = _mm_loadu_si128((const __m128i *) pf->mask[0][0]);
    const __m128i  h0 = _mm_loadu_si128((const __m128i *) pf->mask[0][1]);
    const __m128i  l1 = _mm_loadu_si128((const __m128i *) pf->mask[1][0]);
    const __m128i  h1 = _mm_loadu_si128((const __m128i *) pf->mask[1][1]);
    const __m128i  l2 = _mm_loadu_si128((const __m128i *) pf->mask[2][0]);
    const __m128i  h2 = _mm_loadu_si128((const __m128i *) pf->mask[2][1]);
    size_t         n, hit;
    unsigned       m;
    uint8_t        r[16];
    unsigned char  tail[32];
    __m128i        res, v0, v1, v2;

    for ( ; i + 18 <= len; i += 16) {
        v0 = _mm_loadu_si128((const __m128i *) (s + i));
        v1 = _mm_loadu_si128((const __m128i *) (s + i + 1));
        v2 = _mm_loadu_si128((const __m128i *) (s + i + 2));
        res = RG_TEDDY_BLOCK(v0, v1, v2);

        m = (unsigned) _mm_movemask_epi8(
                _mm_cmpeq_epi8(res, _mm_setzero_si128())) ^ 0xffffu;
        if (m != 0) {
            _mm_storeu_si128((__m128i *) r, res);
            hit = rg_teddy_hits(pf, s, len, i, r, m);
            if (hit != RG_NO_HIT) {
                return hit;
            }
        }
    }

    if (i + 3 > len) {
        return RG_NO_HIT;
    }

    /* the last positions (fewer than 16 with 3 bytes left): one more
       block over a zero-padded copy, hits beyond len - 3 masked off */
    n = len - i;
    memset(tail, 0, sizeof(tail));
    memcpy(tail, s + i, n);
    v0 = _mm_loadu_si128((const __m128i *) tail);
    v1 = _mm_loadu_si128((const __m128i *) (tail + 1));
    v2 = _mm_loadu_si128((const __m128i *) (tail + 2));
    res = RG_TEDDY_BLOCK(v0, v1, v2);

    m = (unsigned) _mm_movemask_epi8(
            _mm_cmpeq_epi8(res, _mm_setzero_si128())) ^ 0xffffu;
    m &= (1u << (n - 2)) - 1;
    if (m != 0) {
        _mm_storeu_si128((__m128i *) r, res);
        return rg_teddy_hits(pf, s, len, i, r, m);
    }

    return RG_NO_HIT;
}



/* The same 32 positions at a time (the nibble tables in both lanes);
   *done: where the 16-byte loop goes on.  The first literal's position,
   RG_NO_HIT when none. */
__attribute__((target("avx2")))
static size_t
rg_teddy_avx2(const rg_pfmt *pf, const unsigned char *s, size_t len,
    size_t *done)
{
#define RG_T2(b, k)                                                          \
    _mm256_broadcastsi128_si256(                                             \
        _mm_loadu_si128((const __m128i *) pf->mask[b][k]))
    const __m256i  nib = _mm256_set1_epi8(0x0f);
    const __m256i  l0 = RG_T2(0, 0), h0 = RG_T2(0, 1);
    const __m256i  l1 = RG_T2(1, 0), h1 = RG_T2(1, 1);
    const __m256i  l2 = RG_T2(2, 0), h2 = RG_T2(2, 1);
#undef RG_T2
    size_t         i, hit;
    unsigned       m;
    uint8_t        r[32];
    __m256i        res, v0, v1, v2;

#define RG_T2_LOOK(v, l, h)                                                  \
    _mm256_and_si256(_mm256_shuffle_epi8(l, _mm256_and_si256(v, nib)),      \
        _mm256_shuffle_epi8(h, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)))

    for (i = 0; i + 34 <= len; i += 32) {
        v0 = _mm256_loadu_si256((const __m256i *) (s + i));
        v1 = _mm256_loadu_si256((const __m256i *) (s + i + 1));
        v2 = _mm256_loadu_si256((const __m256i *) (s + i + 2));
        res = _mm256_and_si256(_mm256_and_si256(RG_T2_LOOK(v0, l0, h0),
                                                RG_T2_LOOK(v1, l1, h1)),
                               RG_T2_LOOK(v2, l2, h2));

        m = ~(unsigned) _mm256_movemask_epi8(
                _mm256_cmpeq_epi8(res, _mm256_setzero_si256()));
        if (m != 0) {
            _mm256_storeu_si256((__m256i *) r, res);
            hit = rg_teddy_hits(pf, s, len, i, r, m & 0xffff);
            if (hit == RG_NO_HIT) {
                hit = rg_teddy_hits(pf, s, len, i + 16, r + 16, m >> 16);
            }
            if (hit != RG_NO_HIT) {
                return hit;
            }
        }
    }
#undef RG_T2_LOOK

    *done = i;

    return RG_NO_HIT;
}

#endif


int
rg_prescan_may_match(const rg_prescan *ps, rg_format format, const char *p,
    size_t len)
{
    if (!rg_prescan_active(ps, format)) {
        return 1;
    }

    return rg_pfmt_find(&ps->fmt[format], ps->simd,
                        (const unsigned char *) p, len) != RG_NO_HIT;
}


size_t
rg_prescan_find(const rg_prescan *ps, rg_format format, const char *p,
    size_t len)
{
    size_t  hit;

    if (!rg_prescan_active(ps, format)) {
        return 0;
    }

    hit = rg_pfmt_find(&ps->fmt[format], ps->simd,
                       (const unsigned char *) p, len);

    return hit == RG_NO_HIT ? len : hit;
}


/* The first position of s[0..len) where a literal's fingerprint verifies,
   RG_NO_HIT when none. */
static size_t
rg_pfmt_find(const rg_pfmt *pf, int simd, const unsigned char *s, size_t len)
{
    size_t    i;
    unsigned  hit;

#ifdef RG_TEDDY_SIMD
    size_t    at;

    i = 0;
    if (simd == 2) {
        at = rg_teddy_avx2(pf, s, len, &i);
        if (at != RG_NO_HIT) {
            return at;
        }
    }
    if (simd) {
        return rg_teddy(pf, s, len, i);
    }
#else
    (void) simd;
#endif

    /* without SSSE3: the same tables, one position at a time */
    for (i = 0; i + 3 <= len; i++) {
        hit = rg_pfmt_at(pf, s + i);
        if (hit != 0 && rg_pfmt_verify(pf, s, len, i, hit)) {
            return i;
        }
    }

    return RG_NO_HIT;
}
