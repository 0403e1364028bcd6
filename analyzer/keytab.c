/*
 * keytab.c - the per-key counters (see keytab.h).
 */

#include <stdlib.h>
#include <string.h>

#include "keytab.h"


static uint64_t rs_hash(int cls, const char *p, size_t len);
static int rs_keytab_grow(rs_keytab *t);
static int rs_keytab_rehash(rs_keytab *t, size_t nslots);
static int rs_keytab_prune(rs_keytab *t);
static int rs_tick_cmp(const void *a, const void *b);


void
rs_keytab_init(rs_keytab *t, size_t limit)
{
    memset(t, 0, sizeof(rs_keytab));
    t->limit = limit;
}


void
rs_keytab_free(rs_keytab *t)
{
    size_t  i;

    for (i = 0; i < t->n; i++) {
        rs_times_free(t->keys[i].times);
    }

    free(t->keys);
    free(t->slots);
    free(t->arena);
    memset(t, 0, sizeof(rs_keytab));
}


/*
 * The class and the text, eight bytes at a time with a multiply-xorshift
 * mix (a byte-wise FNV was a visible share of a scan's time).
 */
static uint64_t
rs_hash(int cls, const char *p, size_t len)
{
    uint64_t  h = 0x9e3779b97f4a7c15ULL * (uint64_t) (cls + 1) ^ len, w;

    while (len >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        p += 8;
        len -= 8;
    }

    if (len > 0) {
        w = 0;
        memcpy(&w, p, len);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
    }

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;

    return h;
}


static int
rs_keytab_rehash(rs_keytab *t, size_t nslots)
{
    uint32_t  *slots;
    size_t     i, j;

    slots = calloc(nslots, sizeof(uint32_t));
    if (slots == NULL) {
        return -1;
    }

    for (i = 0; i < t->n; i++) {
        for (j = t->keys[i].hash & (nslots - 1); slots[j] != 0;
             j = (j + 1) & (nslots - 1))
        {
            /* linear probing */
        }
        slots[j] = (uint32_t) (i + 1);
    }

    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;

    return 0;
}


static int
rs_keytab_grow(rs_keytab *t)
{
    rs_key  *keys;
    size_t   cap;

    if (t->n == t->cap) {
        cap = t->cap ? t->cap * 2 : 256;
        keys = realloc(t->keys, cap * sizeof(rs_key));
        if (keys == NULL) {
            return -1;
        }
        t->keys = keys;
        t->cap = cap;
    }

    if (2 * (t->n + 1) > t->nslots) {
        return rs_keytab_rehash(t, t->nslots ? t->nslots * 2 : 512);
    }

    return 0;
}


/*
 * Drops the keys whose count is at most a threshold chosen so that about
 * half of the table goes, then rebuilds the arena and the slots.
 */
static int
rs_keytab_prune(rs_keytab *t)
{
    uint64_t  threshold = 1, below;
    size_t    i, n;
    char     *arena;
    size_t    alen = 0;

    for ( ;; ) {
        for (below = 0, i = 0; i < t->n; i++) {
            below += t->keys[i].count <= threshold;
        }
        if (below >= t->n / 2 || threshold > (1ULL << 40)) {
            break;
        }
        threshold *= 2;
    }

    arena = malloc(t->acap);
    if (arena == NULL) {
        return -1;
    }

    for (n = 0, i = 0; i < t->n; i++) {
        rs_key  k = t->keys[i];

        if (k.count <= threshold) {
            rs_times_free(k.times);
            continue;
        }

        memcpy(arena + alen, t->arena + k.off, k.len);
        k.off = (uint32_t) alen;
        alen += k.len;
        t->keys[n++] = k;
    }

    free(t->arena);
    t->arena = arena;
    t->alen = alen;
    t->n = n;
    t->approximate = 1;
    if (threshold > t->dropped_max) {
        t->dropped_max = threshold;
    }

    return rs_keytab_rehash(t, t->nslots);
}


rs_key *
rs_keytab_get(rs_keytab *t, int cls, const char *p, size_t len)
{
    uint64_t  h;
    size_t    j;
    rs_key   *k;
    char     *arena;

    if (len > RS_KEY_MAX) {
        len = RS_KEY_MAX;
    }

    h = rs_hash(cls, p, len);

    if (t->nslots > 0) {
        for (j = h & (t->nslots - 1); t->slots[j] != 0;
             j = (j + 1) & (t->nslots - 1))
        {
            k = &t->keys[t->slots[j] - 1];
            if (k->hash == h && k->cls == cls && k->len == len
                && memcmp(t->arena + k->off, p, len) == 0)
            {
                return k;
            }
        }
    }

    if (t->limit > 0 && t->n >= t->limit && rs_keytab_prune(t) != 0) {
        return NULL;
    }

    if (rs_keytab_grow(t) != 0) {
        return NULL;
    }

    if (t->alen + len > t->acap) {
        size_t  acap = t->acap ? t->acap * 2 : 16384;

        while (acap < t->alen + len) {
            acap *= 2;
        }
        arena = realloc(t->arena, acap);
        if (arena == NULL) {
            return NULL;
        }
        t->arena = arena;
        t->acap = acap;
    }

    memcpy(t->arena + t->alen, p, len);

    k = &t->keys[t->n];
    memset(k, 0, sizeof(rs_key));
    k->hash = h;
    k->off = (uint32_t) t->alen;
    k->len = (uint32_t) len;
    k->cls = (uint8_t) cls;
    t->alen += len;
    t->n++;

    for (j = h & (t->nslots - 1); t->slots[j] != 0;
         j = (j + 1) & (t->nslots - 1))
    {
        /* linear probing */
    }
    t->slots[j] = (uint32_t) t->n;

    return k;
}


const char *
rs_keytab_text(const rs_keytab *t, const rs_key *k)
{
    return t->arena + k->off;
}


int
rs_times_add(rs_times *tm, int64_t t, int32_t off_min, int has_off,
    uint64_t n)
{
    int64_t   d;
    rs_tick  *v;

    if (tm->n == 0 && tm->cap == 0) {
        tm->base = t;
        tm->off_min = off_min;
        tm->has_off = (uint8_t) has_off;
        tm->sorted = 1;
    }

    d = t - tm->base;
    if (d > INT32_MAX || d < INT32_MIN) {
        return 0;               /* 68 years away: not a burst partner */
    }

    if (tm->n > 0 && tm->v[tm->n - 1].d == (int32_t) d) {
        tm->v[tm->n - 1].n += (uint32_t) n;
        return 0;
    }

    if (tm->n == tm->cap) {
        uint32_t  cap = tm->cap ? tm->cap * 2 : 4;

        v = realloc(tm->v, cap * sizeof(rs_tick));
        if (v == NULL) {
            return -1;
        }
        tm->v = v;
        tm->cap = cap;
    }

    if (tm->n > 0 && tm->v[tm->n - 1].d > (int32_t) d) {
        tm->sorted = 0;
    }

    tm->v[tm->n].d = (int32_t) d;
    tm->v[tm->n].n = (uint32_t) n;
    tm->n++;

    return 0;
}


static int
rs_tick_cmp(const void *a, const void *b)
{
    const rs_tick  *x = a, *y = b;

    return (x->d > y->d) - (x->d < y->d);
}


int
rs_times_normalize(rs_times *tm)
{
    uint32_t  i, n;

    if (tm->sorted) {
        return 0;
    }

    qsort(tm->v, tm->n, sizeof(rs_tick), rs_tick_cmp);

    for (n = 0, i = 0; i < tm->n; i++) {
        if (n > 0 && tm->v[n - 1].d == tm->v[i].d) {
            tm->v[n - 1].n += tm->v[i].n;
        } else {
            tm->v[n++] = tm->v[i];
        }
    }

    tm->n = n;
    tm->sorted = 1;

    return 0;
}


int
rs_times_merge(rs_times *dst, const rs_times *src)
{
    uint32_t  i;

    for (i = 0; i < src->n; i++) {
        if (rs_times_add(dst, src->base + src->v[i].d, src->off_min,
                         src->has_off, src->v[i].n) != 0)
        {
            return -1;
        }
    }

    return 0;
}


void
rs_times_free(rs_times *tm)
{
    if (tm != NULL) {
        free(tm->v);
        free(tm);
    }
}
