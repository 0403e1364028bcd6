/*
 * keytab.h - exact per-(class, key) counters within a memory bound.
 *
 * A key (a client, a URI, an upstream) is stored once, its text in one
 * arena, with a chain of class cells: most keys abort in one or two
 * classes, so a key costs about 16 bytes, its text and 32 bytes per
 * class.  A small open-addressing table of our own: uthash (which
 * findings uses) costs a malloc and a 56-byte handle per entry, and
 * pruning here is one pass over three arrays.
 *
 * Counts are exact until a table holds `limit` keys, or keys of more than
 * `text_limit` bytes in all (RS_KEY_TEXT_MAX: 200,000 URIs of 400 bytes
 * would hold 80 MB); then the keys with the smallest totals are dropped
 * (lossy counting), `approximate` is set and `dropped_max` says how large
 * a dropped count was, which bounds the error of every count still held.
 *
 * A cell may also keep its events' times (for bursts): inline while they
 * fall in one second, in an rs_times list from the second second on (the
 * lists of a table share its chunks: one page fault for thousands).
 * Pointers to cells stay valid only until the next insertion.
 */

#ifndef RS_KEYTAB_H
#define RS_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

/* Event times of one cell, run-length coded per second. */
typedef struct {
    int32_t   d;                /* seconds after rs_times.base */
    uint32_t  n;                /* events in that second */
} rs_tick;

typedef struct {
    int64_t   base;             /* the first event's time (rs_ts.sec) */
    int32_t   off_min;          /* its offset, for printing */
    uint8_t   has_off;
    uint8_t   sorted;           /* ticks are in time order, no repeats */
    uint32_t  n, cap;
    rs_tick  *v;
} rs_times;

/* One class of one key. */
typedef struct {
    uint64_t   count;
    int64_t    t0;              /* the inline second (rs_ts.sec) */
    uint32_t   n0;              /* events in it; 0: none */
    uint32_t   next;            /* the key's next cell, index + 1; 0: none */
    uint32_t   times;           /* its rs_times, index + 1; 0: inline only */
    int16_t    off_min;         /* the inline second's offset */
    uint8_t    has_off;
    uint8_t    cls;
} rs_kcell;

typedef struct {
    uint32_t   hash;
    uint32_t   off;             /* text in the arena */
    uint32_t   len;
    uint32_t   cell;            /* first cell, index + 1 */
} rs_key;

typedef struct {
    rs_key     *keys;
    size_t      n, cap;
    uint64_t   *slots;          /* hash << 32 | key index + 1; 0 empty */
    size_t      nslots;         /* a power of two, at least 2n */
    rs_kcell   *cells;
    size_t      ncells, cells_cap;
    rs_times  **times;
    size_t      ntimes, times_cap;
    /* the lists' headers (with their first ticks): carved from chunks of
       the table's own, 64 KiB doubling to 2 MiB (hugearr.h), not a
       calloc each; those pruning frees are reused first */
    char      **tchunks;
    size_t      ntchunks, tused;
    rs_times   *tfree;
    char       *arena;
    size_t      alen, acap;
    size_t      limit;          /* keys held before pruning */
    size_t      text_limit;     /* and bytes of their texts */
    uint64_t    dropped_max;
    int         approximate;
} rs_keytab;

/* Keys longer than this are cut (a URI of 1 MiB is one key, not 1 MiB). */
#define RS_KEY_MAX  512

/* Bytes of key text one table holds before pruning: 200,000 keys of 80. */
#define RS_KEY_TEXT_MAX  (16u << 20)

void rs_keytab_init(rs_keytab *t, size_t limit);
void rs_keytab_free(rs_keytab *t);

/* The cell of (cls, key), added when new; NULL when out of memory. */
rs_kcell *rs_keytab_cell(rs_keytab *t, int cls, const char *p, size_t len);

/* The same with h = rs_keytab_hash(p, len) computed before. */
uint32_t rs_keytab_hash(const char *p, size_t len);
rs_kcell *rs_keytab_cell_h(rs_keytab *t, uint32_t h, int cls, const char *p,
    size_t len);

/*
 * Hints before n lookups of (cls[i], the key with hash h[i * stride]), for
 * batches (agg.c): the tables are larger than the caches, so a lookup is a
 * chain of cache misses (slot, key, text, the key's cells up to the one of
 * cls, its event list: the pointer to it, the list, the last tick).  Each
 * stage fetches one link of every lookup, so the misses of a stage
 * overlap and the next stage finds the links before it in the cache.
 * `stages`: RS_KEYTAB_STAGES, or RS_KEYTAB_CELL_STAGES for a table
 * without event lists.  A hash of 0 (an empty field) is skipped; hint is
 * scratch for n entries.
 */
#define RS_KEYTAB_CELL_STAGES  5        /* up to a key's third cell */
#define RS_KEYTAB_STAGES       (RS_KEYTAB_CELL_STAGES + 3)
void rs_keytab_prefetch(const rs_keytab *t, size_t n, const uint32_t *h,
    size_t stride, const uint8_t *cls, int stages, uint32_t *hint);

const char *rs_keytab_text(const rs_keytab *t, const rs_key *k);

/* A key's cells: rs_keytab_first(t, k), then rs_keytab_next(t, c). */
rs_kcell *rs_keytab_first(const rs_keytab *t, const rs_key *k);
rs_kcell *rs_keytab_next(const rs_keytab *t, const rs_kcell *c);

/*
 * Adds n events at second `when` to a cell.  A list is started only when
 * may_grow (the caller's tick budget); *ticks counts list entries added.
 * Returns 0, 1 when the events were dropped for the budget, -1 when out
 * of memory.
 */
int rs_kcell_event(rs_keytab *t, rs_kcell *c, int64_t when, int32_t off_min,
    int has_off, uint64_t n, int may_grow, uint64_t *ticks);

/* The cell's event times, sorted; one/tick are scratch for the inline. */
const rs_times *rs_kcell_times(const rs_keytab *t, const rs_kcell *c,
    rs_times *one, rs_tick *tick);

/* Adds n events at time t; grows the list; -1 when out of memory. */
int rs_times_add(rs_times *tm, int64_t t, int32_t off_min, int has_off,
    uint64_t n);

/* Sorts and merges repeats. */
void rs_times_normalize(rs_times *tm);

/* An empty list with room for RS_TIMES_FIRST ticks; NULL on no memory. */
rs_times *rs_times_new(void);
void rs_times_free(rs_times *tm);

#define RS_TIMES_FIRST      2
#define RS_TIMES_INLINE(tm) ((rs_tick *) ((tm) + 1))

#endif /* RS_KEYTAB_H */
