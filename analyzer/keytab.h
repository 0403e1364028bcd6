/*
 * keytab.h - exact per-(class, key) counters with a memory bound.
 *
 * A small open-addressing table: nothing packaged fits (glib's GHashTable
 * aborts on allocation failure, hsearch(3) is one global table and cannot
 * delete), and this one keeps every key string in one arena so a table of
 * 200,000 keys costs a few MiB.  Counts are exact until a table holds
 * `limit` keys; then the keys with the smallest counts are dropped (lossy
 * counting), `approximate` is set and `dropped_max` says how large a
 * dropped count was, which bounds the error of every count still held.
 *
 * An entry may also carry its event times (rs_times) for burst detection.
 */

#ifndef RS_KEYTAB_H
#define RS_KEYTAB_H

#include <stddef.h>
#include <stdint.h>

/* Event times of one key, run-length coded per second. */
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

typedef struct {
    uint64_t   hash;
    uint64_t   count;
    rs_times  *times;           /* NULL unless events are kept */
    uint32_t   off;             /* key text in the arena */
    uint32_t   len;
    uint8_t    cls;
} rs_key;

typedef struct {
    rs_key    *keys;
    size_t     n, cap;
    uint32_t  *slots;           /* index + 1 into keys; 0 is empty */
    size_t     nslots;          /* a power of two, at least 2n */
    char      *arena;
    size_t     alen, acap;
    size_t     limit;           /* keys held before pruning */
    uint64_t   dropped_max;
    int        approximate;
} rs_keytab;

/* Keys longer than this are cut (a URI of 1 MiB is one key, not 1 MiB). */
#define RS_KEY_MAX  512

void rs_keytab_init(rs_keytab *t, size_t limit);
void rs_keytab_free(rs_keytab *t);

/* Finds or adds (cls, key); NULL when out of memory. */
rs_key *rs_keytab_get(rs_keytab *t, int cls, const char *p, size_t len);

const char *rs_keytab_text(const rs_keytab *t, const rs_key *k);

/* Adds n events at time t; grows the list; -1 when out of memory. */
int rs_times_add(rs_times *tm, int64_t t, int32_t off_min, int has_off,
    uint64_t n);

/* Sorts and merges repeats; -1 when out of memory. */
int rs_times_normalize(rs_times *tm);

/* Adds every event of src to dst; -1 when out of memory. */
int rs_times_merge(rs_times *dst, const rs_times *src);

void rs_times_free(rs_times *tm);

#endif /* RS_KEYTAB_H */
