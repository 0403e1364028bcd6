/*
 * keytab.c - the per-key counters (see keytab.h).
 */

#include <stdlib.h>
#include <string.h>

#include "hugearr.h"
#include "keytab.h"


/* A slot: the key's hash above, its index + 1 below (0: empty). */
#define RS_SLOT(h, i)  (((uint64_t) (h) << 32) | (uint64_t) ((i) + 1))

static uint32_t rs_hash(const char *p, size_t len);
static int rs_grow(void **arr, size_t *cap, size_t need, size_t size);
static size_t rs_keytab_tchunk(size_t i);
static rs_times *rs_keytab_times_new(rs_keytab *t);
static void rs_keytab_times_free(rs_keytab *t, rs_times *tm);
static int rs_keytab_rehash(rs_keytab *t, size_t nslots);
static rs_key *rs_keytab_add(rs_keytab *t, uint32_t h, const char *p,
    size_t len);
static int rs_keytab_prune(rs_keytab *t);
static uint64_t rs_key_total(const rs_keytab *t, const rs_key *k);
static int rs_tick_cmp(const void *a, const void *b);


void
rs_keytab_init(rs_keytab *t, size_t limit)
{
    memset(t, 0, sizeof(rs_keytab));
    t->limit = limit;
    t->text_limit = RS_KEY_TEXT_MAX;
}


void
rs_keytab_free(rs_keytab *t)
{
    size_t  i;

    for (i = 0; i < t->ntimes; i++) {
        rs_keytab_times_free(t, t->times[i]);
    }

    for (i = 0; i < t->ntchunks; i++) {
        rs_hugearr_free(t->tchunks[i], rs_keytab_tchunk(i));
    }
    free(t->tchunks);

    rs_hugearr_free(t->times, t->times_cap * sizeof(rs_times *));
    rs_hugearr_free(t->cells, t->cells_cap * sizeof(rs_kcell));
    rs_hugearr_free(t->keys, t->cap * sizeof(rs_key));
    rs_hugearr_free(t->slots, t->nslots * sizeof(uint64_t));
    rs_hugearr_free(t->arena, t->acap);
    memset(t, 0, sizeof(rs_keytab));
}


/*
 * Eight bytes at a time with a multiply-xorshift mix (a byte-wise FNV was
 * a visible share of a scan's time).
 */
static uint32_t
rs_hash(const char *p, size_t len)
{
    uint64_t  h = 0x9e3779b97f4a7c15ULL ^ len, w;

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

    return (uint32_t) h;
}


/* Makes room for `need` elements, growing by half; 0 or -1. */
static int
rs_grow(void **arr, size_t *cap, size_t need, size_t size)
{
    size_t  c = *cap ? *cap : 64;

    if (need <= *cap) {
        return 0;
    }

    /* + 1: a pruned table may be left with a capacity of 1, which half
       of would never grow (a scan hung there) */
    while (c < need) {
        c += c / 2 + 1;
    }

    if (rs_hugearr_resize(arr, *cap * size, c * size, 0) != 0) {
        return -1;
    }

    *cap = c;

    return 0;
}


static int
rs_keytab_rehash(rs_keytab *t, size_t nslots)
{
    uint64_t  *slots = NULL;
    size_t     i, j;

    if (rs_hugearr_resize((void **) &slots, 0, nslots * sizeof(uint64_t), 1)
        != 0)
    {
        return -1;
    }

    for (i = 0; i < t->n; i++) {
        for (j = t->keys[i].hash & (nslots - 1); slots[j] != 0;
             j = (j + 1) & (nslots - 1))
        {
            /* linear probing */
        }
        slots[j] = RS_SLOT(t->keys[i].hash, i);
    }

    rs_hugearr_free(t->slots, t->nslots * sizeof(uint64_t));
    t->slots = slots;
    t->nslots = nslots;

    return 0;
}


static rs_key *
rs_keytab_add(rs_keytab *t, uint32_t h, const char *p, size_t len)
{
    rs_key  *k;
    size_t   j;

    if (((t->limit > 0 && t->n >= t->limit)
         || (t->text_limit > 0 && t->alen + len > t->text_limit))
        && rs_keytab_prune(t) != 0)
    {
        return NULL;
    }

    if (rs_grow((void **) &t->keys, &t->cap, t->n + 1, sizeof(rs_key))
        || rs_grow((void **) &t->arena, &t->acap, t->alen + len + 1, 1)
        || (2 * (t->n + 1) > t->nslots
            && rs_keytab_rehash(t, t->nslots ? t->nslots * 2 : 1024)))
    {
        return NULL;
    }

    memcpy(t->arena + t->alen, p, len);

    k = &t->keys[t->n++];
    k->hash = h;
    k->off = (uint32_t) t->alen;
    k->len = (uint32_t) len;
    k->cell = 0;
    t->alen += len;

    for (j = h & (t->nslots - 1); t->slots[j] != 0;
         j = (j + 1) & (t->nslots - 1))
    {
        /* linear probing */
    }
    t->slots[j] = RS_SLOT(h, t->n - 1);

    return k;
}


uint32_t
rs_keytab_hash(const char *p, size_t len)
{
    return rs_hash(p, len > RS_KEY_MAX ? RS_KEY_MAX : len);
}


/* The key whose slot carries tag h, found without touching any key (the
   first candidate: a hint only); NULL when the probe meets an empty slot. */
static const rs_key *
rs_keytab_guess(const rs_keytab *t, uint32_t h)
{
    size_t  j;

    for (j = h & (t->nslots - 1); t->slots[j] != 0;
         j = (j + 1) & (t->nslots - 1))
    {
        if ((uint32_t) (t->slots[j] >> 32) == h) {
            return &t->keys[(uint32_t) t->slots[j] - 1];
        }
    }

    return NULL;
}


/*
 * One link of a lookup (see keytab.h).  Past stage 2 (the key's first
 * cell) it follows the key's chain one cell a stage: a client aborts in
 * about three classes and its records come in no order, so the cell of
 * cls is often not first, and each cell walked was a miss of its own (a
 * third of the lookups' time).  Each stage walks the cells fetched before
 * it; past the cell of cls, the stages fetch its event list.
 */
static inline void
rs_keytab_fetch(const rs_keytab *t, uint32_t h, int cls, int stage,
    uint32_t *hint)
{
    const rs_key    *k;
    const rs_kcell  *c;
    const rs_times  *tm;
    int              depth;

    if (stage == 0) {
        __builtin_prefetch(&t->slots[h & (t->nslots - 1)]);
        *hint = 0;
        return;
    }

    /* the probe once (stage 1), its key remembered for the later stages */
    if (stage == 1) {
        k = rs_keytab_guess(t, h);
        *hint = k != NULL ? (uint32_t) (k - t->keys) + 1 : 0;
        if (k != NULL) {
            __builtin_prefetch(k);
        }
        return;
    }

    if (*hint == 0) {
        return;
    }

    k = &t->keys[*hint - 1];

    if (stage == 2) {
        __builtin_prefetch(t->arena + k->off);
    }

    if (k->cell == 0) {
        return;
    }

    c = &t->cells[k->cell - 1];

    for (depth = 2; depth < stage && c->cls != cls; depth++) {
        if (c->next == 0) {
            return;
        }
        c = &t->cells[c->next - 1];
    }

    if (depth == stage) {
        /* a cell may straddle two cache lines */
        __builtin_prefetch(c);
        __builtin_prefetch(&c->cls);
        return;
    }

    if (c->times == 0) {
        return;
    }

    /* its event list: the pointer, the list, the tick an event lands on */
    switch (stage - depth) {

    case 1:
        __builtin_prefetch(&t->times[c->times - 1]);
        break;

    case 2:
        __builtin_prefetch(t->times[c->times - 1]);
        break;

    case 3:
        tm = t->times[c->times - 1];
        __builtin_prefetch(&tm->v[tm->n > 0 ? tm->n - 1 : 0]);
        break;

    default:
        break;
    }
}


void
rs_keytab_prefetch(const rs_keytab *t, size_t n, const uint32_t *h,
    size_t stride, const uint8_t *cls, int stages, uint32_t *hint)
{
    size_t  i;
    int     stage;

    if (t->nslots == 0) {
        return;
    }

    for (stage = 0; stage < stages; stage++) {
        for (i = 0; i < n; i++) {
            /* 0: no key (an empty field) */
            if (h[i * stride] != 0) {
                rs_keytab_fetch(t, h[i * stride], cls[i], stage, &hint[i]);
            }
        }
    }
}


rs_kcell *
rs_keytab_cell(rs_keytab *t, int cls, const char *p, size_t len)
{
    return rs_keytab_cell_h(t, rs_keytab_hash(p, len), cls, p, len);
}


rs_kcell *
rs_keytab_cell_h(rs_keytab *t, uint32_t h, int cls, const char *p,
    size_t len)
{
    uint32_t   i, prev;
    size_t     j;
    rs_key    *k = NULL;
    rs_kcell  *c;

    if (len > RS_KEY_MAX) {
        len = RS_KEY_MAX;
    }

    /* the slot's tag (the hash) is checked before the key is touched:
       a probe past another key costs no cache miss */
    for (j = t->nslots ? h & (t->nslots - 1) : 0;
         t->nslots > 0 && t->slots[j] != 0; j = (j + 1) & (t->nslots - 1))
    {
        rs_key  *e;

        if ((uint32_t) (t->slots[j] >> 32) != h) {
            continue;
        }

        e = &t->keys[(uint32_t) t->slots[j] - 1];
        if (e->len == len && memcmp(t->arena + e->off, p, len) == 0) {
            k = e;
            break;
        }
    }

    if (k == NULL && (k = rs_keytab_add(t, h, p, len)) == NULL) {
        return NULL;
    }

    /* the cell found moves to the front of the key's chain: a busy key
       has cells in many classes, but its records come in runs of one
       class, and each link walked may be a cache miss */
    for (i = k->cell, prev = 0; i != 0; prev = i, i = t->cells[i - 1].next) {
        c = &t->cells[i - 1];
        if (c->cls == cls) {
            if (prev != 0) {
                t->cells[prev - 1].next = c->next;
                c->next = k->cell;
                k->cell = i;
            }
            return c;
        }
    }

    if (rs_grow((void **) &t->cells, &t->cells_cap, t->ncells + 1,
                sizeof(rs_kcell)))
    {
        return NULL;
    }

    c = &t->cells[t->ncells++];
    memset(c, 0, sizeof(rs_kcell));
    c->cls = (uint8_t) cls;
    c->next = k->cell;
    k->cell = (uint32_t) t->ncells;

    return c;
}


const char *
rs_keytab_text(const rs_keytab *t, const rs_key *k)
{
    return t->arena + k->off;
}


rs_kcell *
rs_keytab_first(const rs_keytab *t, const rs_key *k)
{
    return k->cell ? &t->cells[k->cell - 1] : NULL;
}


rs_kcell *
rs_keytab_next(const rs_keytab *t, const rs_kcell *c)
{
    return c->next ? &t->cells[c->next - 1] : NULL;
}


static uint64_t
rs_key_total(const rs_keytab *t, const rs_key *k)
{
    const rs_kcell  *c;
    uint64_t         n = 0;

    for (c = rs_keytab_first(t, k); c != NULL; c = rs_keytab_next(t, c)) {
        n += c->count;
    }

    return n;
}


/*
 * Drops the keys whose total is at most a threshold chosen so that about
 * half of the table goes, then compacts keys, texts, cells and lists in
 * place: the table is at its largest here, and a second array of cells
 * and of slots (what this did before) was 13 MiB more at the peak with
 * 200,000 keys.  Cells move down in index order, so a cell is never
 * overwritten before it moved; a map from old index to new (4 bytes a
 * cell) relinks the chains.
 */
static int
rs_keytab_prune(rs_keytab *t)
{
    uint64_t   threshold = 1, below;
    size_t     i, j, n = 0, alen = 0, ncells = 0, ntimes = 0;
    uint32_t  *map;
    rs_kcell  *c;
    rs_times **times;

    for ( ;; ) {
        for (below = 0, i = 0; i < t->n; i++) {
            below += rs_key_total(t, &t->keys[i]) <= threshold;
        }
        if (below >= t->n / 2 || threshold > (1ULL << 40)) {
            break;
        }
        threshold *= 2;
    }

    map = calloc(t->ncells ? t->ncells : 1, sizeof(uint32_t));
    times = NULL;
    if (map == NULL
        || rs_hugearr_resize((void **) &times, 0, (t->ntimes ? t->ntimes : 1)
                                                  * sizeof(rs_times *), 0)
           != 0)
    {
        free(map);
        return -1;
    }

    /* which cells stay (map 1), and the keys and texts that stay */
    for (i = 0; i < t->n; i++) {
        rs_key  k = t->keys[i];
        int     keep = rs_key_total(t, &k) > threshold;

        for (c = rs_keytab_first(t, &k); c != NULL; c = rs_keytab_next(t, c)) {
            if (keep) {
                map[c - t->cells] = 1;
            } else if (c->times) {
                rs_keytab_times_free(t, t->times[c->times - 1]);
            }
        }

        if (keep) {
            memmove(t->arena + alen, t->arena + k.off, k.len);
            k.off = (uint32_t) alen;
            alen += k.len;
            t->keys[n++] = k;
        }
    }

    /* cells down, in order; their lists into the new list array */
    for (j = 0; j < t->ncells; j++) {
        if (!map[j]) {
            continue;
        }

        t->cells[ncells] = t->cells[j];
        if (t->cells[ncells].times) {
            times[ntimes++] = t->times[t->cells[ncells].times - 1];
            t->cells[ncells].times = (uint32_t) ntimes;
        }
        map[j] = (uint32_t) ++ncells;
    }

    for (j = 0; j < ncells; j++) {
        if (t->cells[j].next) {
            t->cells[j].next = map[t->cells[j].next - 1];
        }
    }

    for (i = 0; i < n; i++) {
        if (t->keys[i].cell) {
            t->keys[i].cell = map[t->keys[i].cell - 1];
        }
    }

    free(map);
    rs_hugearr_free(t->times, t->times_cap * sizeof(rs_times *));
    t->times = times;
    t->times_cap = t->ntimes ? t->ntimes : 1;
    t->ncells = ncells;
    t->ntimes = ntimes;
    t->alen = alen;
    t->n = n;
    t->approximate = 1;
    if (threshold > t->dropped_max) {
        t->dropped_max = threshold;
    }

    /* the slots again, in the same array */
    memset(t->slots, 0, t->nslots * sizeof(uint64_t));
    for (i = 0; i < t->n; i++) {
        for (j = t->keys[i].hash & (t->nslots - 1); t->slots[j] != 0;
             j = (j + 1) & (t->nslots - 1))
        {
            /* linear probing */
        }
        t->slots[j] = RS_SLOT(t->keys[i].hash, i);
    }

    return 0;
}


int
rs_kcell_event(rs_keytab *t, rs_kcell *c, int64_t when, int32_t off_min,
    int has_off, uint64_t n, int may_grow, uint64_t *ticks)
{
    rs_times  *tm;
    uint32_t   before;

    if (c->times == 0) {
        if (c->n0 == 0 || c->t0 == when) {
            if (c->n0 == 0) {
                c->t0 = when;
                c->off_min = (int16_t) off_min;
                c->has_off = (uint8_t) has_off;
            }
            c->n0 += (uint32_t) n;
            return 0;
        }

        if (!may_grow) {
            return 1;
        }

        if (rs_grow((void **) &t->times, &t->times_cap, t->ntimes + 1,
                    sizeof(rs_times *)))
        {
            return -1;
        }

        tm = rs_keytab_times_new(t);
        if (tm == NULL
            || rs_times_add(tm, c->t0, c->off_min, c->has_off, c->n0) != 0)
        {
            rs_keytab_times_free(t, tm);
            return -1;
        }

        t->times[t->ntimes++] = tm;
        c->times = (uint32_t) t->ntimes;
        c->n0 = 0;
        *ticks += 1;
    }

    tm = t->times[c->times - 1];
    before = tm->n;

    if (!may_grow && !(before > 0 && tm->base + tm->v[before - 1].d == when))
    {
        return 1;
    }

    if (rs_times_add(tm, when, off_min, has_off, n) != 0) {
        return -1;
    }

    *ticks += tm->n - before;

    return 0;
}


const rs_times *
rs_kcell_times(const rs_keytab *t, const rs_kcell *c, rs_times *one,
    rs_tick *tick)
{
    if (c->times != 0) {
        rs_times_normalize(t->times[c->times - 1]);
        return t->times[c->times - 1];
    }

    memset(one, 0, sizeof(rs_times));
    if (c->n0 == 0) {
        return one;
    }

    tick->d = 0;
    tick->n = c->n0;
    one->base = c->t0;
    one->off_min = c->off_min;
    one->has_off = c->has_off;
    one->sorted = 1;
    one->n = 1;
    one->cap = 1;
    one->v = tick;

    return one;
}


int
rs_times_add(rs_times *tm, int64_t t, int32_t off_min, int has_off,
    uint64_t n)
{
    int64_t   d;
    rs_tick  *v;

    if (tm->n == 0) {
        tm->base = t;
        tm->off_min = off_min;
        tm->has_off = (uint8_t) has_off;
        tm->sorted = 1;
    }

    /* 68 years away, or beyond int64_t's reach (times of a --partial
       document): not a burst partner */
    if (__builtin_sub_overflow(t, tm->base, &d)
        || d > INT32_MAX || d < INT32_MIN)
    {
        return 0;
    }

    if (tm->n > 0 && tm->v[tm->n - 1].d == (int32_t) d) {
        tm->v[tm->n - 1].n += (uint32_t) n;
        return 0;
    }

    if (tm->n == tm->cap) {
        uint32_t  cap = tm->cap ? tm->cap * 2 : 4;

        /* the first ticks live in the header's allocation */
        if (tm->v == RS_TIMES_INLINE(tm)) {
            v = malloc(cap * sizeof(rs_tick));
            if (v != NULL) {
                memcpy(v, tm->v, tm->n * sizeof(rs_tick));
            }
        } else {
            v = realloc(tm->v, cap * sizeof(rs_tick));
        }

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


void
rs_times_normalize(rs_times *tm)
{
    uint32_t  i, n;

    if (tm->sorted) {
        return;
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
}


/* A list header with room for its first ticks in itself: empty. */
#define RS_TIMES_HDR  (sizeof(rs_times) + RS_TIMES_FIRST * sizeof(rs_tick))

static void
rs_times_init(rs_times *tm)
{
    memset(tm, 0, RS_TIMES_HDR);
    tm->v = RS_TIMES_INLINE(tm);
    tm->cap = RS_TIMES_FIRST;
}


/* Frees the ticks a list grew out of its header with. */
static void
rs_times_drop_ticks(rs_times *tm)
{
    if (tm->v != RS_TIMES_INLINE(tm)) {
        free(tm->v);
    }
}


/* The size of a table's i-th chunk of list headers. */
static size_t
rs_keytab_tchunk(size_t i)
{
    return i < 5 ? (size_t) (64 * 1024) << i : (size_t) 2 << 20;
}


/* An empty list of the table's, as rs_times_new's; NULL on no memory. */
static rs_times *
rs_keytab_times_new(rs_keytab *t)
{
    rs_times      *tm;
    char         **chunks, *chunk = NULL;

    if (t->tfree != NULL) {
        tm = t->tfree;
        t->tfree = (rs_times *) (void *) tm->v;

    } else {
        if (t->ntchunks == 0
            || rs_keytab_tchunk(t->ntchunks - 1) - t->tused < RS_TIMES_HDR)
        {
            chunks = realloc(t->tchunks, (t->ntchunks + 1) * sizeof(char *));
            if (chunks == NULL) {
                return NULL;
            }
            t->tchunks = chunks;

            if (rs_hugearr_resize((void **) &chunk, 0,
                                  rs_keytab_tchunk(t->ntchunks), 0) != 0)
            {
                return NULL;
            }
            t->tchunks[t->ntchunks++] = chunk;
            t->tused = 0;
        }

        tm = (rs_times *) (void *) (t->tchunks[t->ntchunks - 1] + t->tused);
        t->tused += RS_TIMES_HDR;
    }

    rs_times_init(tm);

    return tm;
}


/* A list of the table's back to it (its ticks beyond the first freed). */
static void
rs_keytab_times_free(rs_keytab *t, rs_times *tm)
{
    if (tm == NULL) {
        return;
    }

    rs_times_drop_ticks(tm);
    tm->v = (rs_tick *) (void *) t->tfree;
    t->tfree = tm;
}


rs_times *
rs_times_new(void)
{
    rs_times  *tm;

    /* one allocation for the header and its first ticks: most lists stay
       that short, and a malloc less per client counts at 200,000 keys */
    tm = malloc(RS_TIMES_HDR);
    if (tm != NULL) {
        rs_times_init(tm);
    }

    return tm;
}


void
rs_times_free(rs_times *tm)
{
    if (tm != NULL) {
        rs_times_drop_ticks(tm);
        free(tm);
    }
}
