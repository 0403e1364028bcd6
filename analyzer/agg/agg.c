/*
 * agg.c - accumulating and merging scan results (see agg.h).
 */

#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "hugearr.h"


static int rs_agg_key(rs_agg *a, rs_dim dim, int cls, rg_str key,
    uint32_t h, uint64_t n, const rs_ts *ts, uint64_t events,
    const rs_record *spread);
static int rs_agg_spread(rs_agg *a, const rs_record *r, rs_kcell *c,
    rs_keytab *t);
static uint32_t rs_key_hash(const rg_str *key);
static int rs_agg_record_h(rs_agg *a, const rs_record *r, const uint32_t *h);
static int rs_agg_cell(rs_agg *a, int64_t minute, int cls, uint64_t n);
static int rs_agg_cells_grow(rs_agg *a);
static int rs_agg_merge_keys(rs_agg *dst, const rs_agg *src, rs_dim dim);
static int rs_agg_merge_times(rs_agg *dst, rs_dim dim, rs_kcell *c,
    const rs_keytab *st, const rs_kcell *sc);


rs_log_kind
rs_format_log(rg_format format)
{
    return rg_format_is_access(format) ? RS_LOG_ACCESS : RS_LOG_ERROR;
}


void
rs_agg_init(rs_agg *a)
{
    rs_agg_init_limit(a, 0);
}


void
rs_agg_init_limit(rs_agg *a, size_t limit)
{
    int  d;

    memset(a, 0, sizeof(rs_agg));

    for (d = 0; d < RS_DIM_COUNT; d++) {
        rs_keytab_init(&a->keys[d], limit ? limit : RS_KEYS_EXACT);
    }
}


void
rs_agg_free(rs_agg *a)
{
    size_t  i;
    int     d;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        rs_keytab_free(&a->keys[d]);
    }

    for (i = 0; i < a->nfiles; i++) {
        free(a->files[i].path);
        free(a->files[i].format);
        free(a->files[i].error);
    }

    for (i = 0; i < a->nlimit_rules; i++) {
        free(a->limit_rules[i].id);
    }

    free(a->limit_rules);
    free(a->files);
    rs_hugearr_free(a->cells, a->cells_cap * sizeof(rs_cell));
    memset(a, 0, sizeof(rs_agg));
}


int
rs_agg_limit_rule(rs_agg *a, const char *id, uint64_t hits)
{
    size_t          i;
    rs_limit_rule  *v;

    /* a handful of rules at most: a linear search is enough */
    for (i = 0; i < a->nlimit_rules; i++) {
        if (strcmp(a->limit_rules[i].id, id) == 0) {
            a->limit_rules[i].hits += hits;
            return 0;
        }
    }

    v = realloc(a->limit_rules, (a->nlimit_rules + 1) * sizeof(rs_limit_rule));
    if (v == NULL) {
        return -1;
    }
    a->limit_rules = v;

    v[a->nlimit_rules].id = strdup(id);
    if (v[a->nlimit_rules].id == NULL) {
        return -1;
    }
    v[a->nlimit_rules++].hits = hits;

    return 0;
}


int
rs_file_set(char **slot, const char *text)
{
    free(*slot);
    *slot = NULL;

    if (text != NULL && (*slot = strdup(text)) == NULL) {
        return -1;
    }

    return 0;
}


rs_file *
rs_agg_file(rs_agg *a, const char *path)
{
    rs_file  *f;

    if (a->nfiles == a->files_cap) {
        size_t  cap = a->files_cap ? a->files_cap * 2 : 8;

        f = realloc(a->files, cap * sizeof(rs_file));
        if (f == NULL) {
            return NULL;
        }
        a->files = f;
        a->files_cap = cap;
    }

    f = &a->files[a->nfiles];
    memset(f, 0, sizeof(rs_file));

    if (rs_file_set(&f->path, path) != 0) {
        return NULL;
    }

    a->nfiles++;

    return f;
}


/*
 * Counts n for (cls, key) in one dimension; `events` of them (records
 * seen, not summarised) are remembered for bursts when dim is the client,
 * and so are a summary's suppressed lines, spread over its first..last,
 * when `spread` is that summary.
 */
static int
rs_agg_key(rs_agg *a, rs_dim dim, int cls, rg_str key, uint32_t h,
    uint64_t n, const rs_ts *ts, uint64_t events, const rs_record *spread)
{
    rs_kcell  *c;
    int        rc;

    if (key.p == NULL || key.len == 0 || n == 0) {
        return 0;
    }

    c = rs_keytab_cell_h(&a->keys[dim], h, cls, key.p, key.len);
    if (c == NULL) {
        return -1;
    }

    c->count += n;

    if (dim == RS_DIM_CLIENT && spread != NULL) {
        return rs_agg_spread(a, spread, c, &a->keys[dim]);
    }

    if (dim != RS_DIM_CLIENT || events == 0 || !ts->valid) {
        return 0;
    }

    rc = rs_kcell_event(&a->keys[dim], c, ts->sec, ts->off_min, ts->has_off,
                        events, a->ticks < RS_TICKS_MAX, &a->ticks);
    if (rc > 0) {
        a->bursts_approximate = 1;
    }

    return rc < 0 ? -1 : 0;
}


static int
rs_agg_cells_grow(rs_agg *a)
{
    rs_cell  *old = a->cells, *c = NULL;
    size_t    cap = a->cells_cap ? a->cells_cap * 2 : 1024, i, j;

    if (rs_hugearr_resize((void **) &c, 0, cap * sizeof(rs_cell), 1) != 0) {
        return -1;
    }

    for (i = 0; i < a->cells_cap; i++) {
        if (!old[i].used) {
            continue;
        }
        j = (size_t) ((uint64_t) old[i].minute * 31 + old[i].cls)
            & (cap - 1);
        while (c[j].used) {
            j = (j + 1) & (cap - 1);
        }
        c[j] = old[i];
    }

    rs_hugearr_free(old, a->cells_cap * sizeof(rs_cell));
    a->cells = c;
    a->cells_cap = cap;

    return 0;
}


static int
rs_agg_cell(rs_agg *a, int64_t minute, int cls, uint64_t n)
{
    size_t  j;

    /* at most 3/4 full (1/2 made the table twice as large, 6 MiB more
       at the peak with a week of minutes); linear probing stays short */
    if (4 * (a->ncells + 1) > 3 * a->cells_cap
        && a->ncells < RS_TIMELINE_MAX && rs_agg_cells_grow(a) != 0)
    {
        return -1;
    }

    j = (size_t) ((uint64_t) minute * 31 + (uint64_t) cls)
        & (a->cells_cap - 1);

    for ( ;; ) {
        rs_cell  *c = &a->cells[j];

        if (!c->used) {
            if (a->ncells >= RS_TIMELINE_MAX) {
                a->timeline_approximate = 1;
                return 0;
            }
            c->used = 1;
            c->minute = minute;
            c->cls = (uint8_t) cls;
            c->count = n;
            a->ncells++;
            return 0;
        }

        if (c->minute == minute && c->cls == cls) {
            c->count += n;
            return 0;
        }

        j = (j + 1) & (a->cells_cap - 1);
    }
}


static uint32_t
rs_key_hash(const rg_str *key)
{
    return key->p != NULL && key->len > 0 ? rs_keytab_hash(key->p, key->len)
                                          : 0;
}


void
rs_record_hash(rs_record *r)
{
    r->hash[RS_DIM_CLIENT] = rs_key_hash(&r->client);
    r->hash[RS_DIM_URI] = rs_key_hash(&r->uri);
    r->hash[RS_DIM_UPSTREAM] = rs_key_hash(&r->upstream);
    r->hashed = 1;
}


int
rs_agg_record(rs_agg *a, const rs_record *r)
{
    return rs_agg_records(a, r, 1);
}


/*
 * The key tables outgrow the caches, and one lookup is a chain of
 * dependent misses; in a batch, every lookup's first link is fetched,
 * then every second link, and so on, so the misses overlap (the hints
 * cost nothing when a key is new or the table moved since).
 */
int
rs_agg_records(rs_agg *a, const rs_record *r, size_t n)
{
    uint32_t       h[RS_AGG_BATCH][RS_DIM_COUNT], hint[RS_AGG_BATCH];
    uint8_t        cls[RS_AGG_BATCH];
    size_t         i, done, m;
    int            d, big[RS_DIM_COUNT], rc = 0;

    /* a table that fits in the caches gains nothing from the hints */
    for (d = 0; d < RS_DIM_COUNT; d++) {
        big[d] = a->keys[d].nslots * sizeof(uint64_t) >= RS_AGG_BIG_TABLE;
    }

    for (done = 0; done < n; done += m) {
        m = n - done < RS_AGG_BATCH ? n - done : RS_AGG_BATCH;

        for (i = 0; i < m; i++) {
            const rs_record  *ri = &r[done + i];

            cls[i] = (uint8_t) ri->cls;

            if (ri->hashed) {
                for (d = 0; d < RS_DIM_COUNT; d++) {
                    h[i][d] = ri->hash[d];
                }

            } else {
                h[i][RS_DIM_CLIENT] = rs_key_hash(&ri->client);
                h[i][RS_DIM_URI] = rs_key_hash(&ri->uri);
                h[i][RS_DIM_UPSTREAM] = rs_key_hash(&ri->upstream);
            }
        }

        for (d = 0; d < RS_DIM_COUNT && m > 1; d++) {
            /* only the client's cells have event lists (bursts) */
            if (big[d]) {
                rs_keytab_prefetch(&a->keys[d], m, &h[0][d], RS_DIM_COUNT,
                                   cls, d == RS_DIM_CLIENT
                                        ? RS_KEYTAB_STAGES
                                        : RS_KEYTAB_CELL_STAGES, hint);
            }
        }

        for (i = 0; i < m; i++) {
            if (rs_agg_record_h(a, &r[done + i], h[i]) != 0) {
                rc = -1;
            }
        }
    }

    return rc;
}


/* The minute of a second (floor, for times before 1970 too). */
static int64_t
rs_minute_of(int64_t sec)
{
    return sec >= 0 ? sec / 60 : (sec - 59) / 60;
}


/*
 * A summary's suppressed lines, spread evenly over the seconds
 * first..last: second i of S gets floor((i+1)n/S) - floor(in/S) (n/S
 * whole, the remainder by the same rule), so the shares differ by at most
 * one and add up to n.  The seconds' shares go to the timeline, minute by
 * minute, and, when c is its key's cell (t its table), to the key's
 * events, which bursts are found in.  Called once per summary: for its
 * key when it names one, else for the timeline only.
 */
static int
rs_agg_spread(rs_agg *a, const rs_record *r, rs_kcell *c, rs_keytab *t)
{
    uint64_t  span, i, q, rem, share, in_minute = 0;
    int64_t   sec, minute, cur;
    int       rc;

    span = (uint64_t) (r->last.sec - r->first.sec) + 1;
    q = r->suppressed / span;
    rem = r->suppressed % span;         /* below span: no overflow below */
    cur = rs_minute_of(r->first.sec);

    if (!a->shown.valid) {
        a->shown = r->first;
    }

    for (i = 0; i < span; i++) {
        share = q + rem * (i + 1) / span - rem * i / span;
        if (share == 0) {
            continue;
        }

        sec = r->first.sec + (int64_t) i;
        minute = rs_minute_of(sec);

        if (minute != cur) {
            if (in_minute && rs_agg_cell(a, cur, r->cls, in_minute) != 0) {
                return -1;
            }
            cur = minute;
            in_minute = 0;
        }
        in_minute += share;

        if (c != NULL) {
            rc = rs_kcell_event(t, c, sec, r->first.off_min,
                                r->first.has_off, share,
                                a->ticks < RS_TICKS_MAX, &a->ticks);
            if (rc < 0) {
                return -1;
            }
            a->bursts_approximate |= rc > 0;
        }
    }

    return in_minute ? rs_agg_cell(a, cur, r->cls, in_minute) : 0;
}


static int
rs_agg_record_h(rs_agg *a, const rs_record *r, const uint32_t *h)
{
    uint64_t          n = r->seen + r->suppressed;
    rs_class_sum     *s = &a->cls[r->cls];
    int64_t           minute;
    const rs_record  *spread;

    s->count += n;
    s->suppressed += r->suppressed;
    s->bytes += r->bytes;
    s->by_log[r->log < RS_LOG_KINDS ? r->log : RS_LOG_ERROR] += n;

    /* a summary with its first..last: its lines are spread over them
       (with its key's events when it names a key, else here) */
    spread = r->seen == 0 && r->suppressed > 0 && r->first.valid
             && r->last.valid ? r : NULL;

    if (rs_agg_key(a, RS_DIM_CLIENT, r->cls, r->client, h[RS_DIM_CLIENT], n,
                   &r->ts, r->seen, spread)
        || rs_agg_key(a, RS_DIM_URI, r->cls, r->uri, h[RS_DIM_URI], n,
                      &r->ts, 0, NULL)
        || rs_agg_key(a, RS_DIM_UPSTREAM, r->cls, r->upstream,
                      h[RS_DIM_UPSTREAM], n, &r->ts, 0, NULL))
    {
        return -1;
    }

    if (spread != NULL) {
        /* spread already when its key's cell took the events */
        return r->client.p != NULL && r->client.len > 0
               ? 0 : rs_agg_spread(a, r, NULL, NULL);
    }

    if (!r->ts.valid) {
        return 0;
    }

    if (!a->shown.valid) {
        a->shown = r->ts;
    }

    minute = rs_minute_of(r->ts.sec);

    return rs_agg_cell(a, minute, r->cls, n);
}


int
rs_agg_add_cell(rs_agg *a, int64_t minute, int cls, uint64_t n)
{
    return rs_agg_cell(a, minute, cls, n);
}


/* Adds the events of src's cell sc (of table st) to dst's cell c (which
   stays where it is: adding events grows lists, not the table). */
static int
rs_agg_merge_times(rs_agg *dst, rs_dim dim, rs_kcell *c, const rs_keytab *st,
    const rs_kcell *sc)
{
    const rs_times  *tm;
    rs_times         one;
    rs_tick          tick;
    uint32_t         i;
    int              rc = 0;

    tm = rs_kcell_times(st, sc, &one, &tick);

    for (i = 0; i < tm->n && rc >= 0; i++) {
        rc = rs_kcell_event(&dst->keys[dim], c, tm->base + tm->v[i].d,
                            tm->off_min, tm->has_off, tm->v[i].n,
                            dst->ticks < RS_TICKS_MAX, &dst->ticks);
        if (rc > 0) {
            dst->bursts_approximate = 1;
        }
    }

    return rc < 0 ? -1 : 0;
}


static int
rs_agg_merge_keys(rs_agg *dst, const rs_agg *src, rs_dim dim)
{
    const rs_keytab  *t = &src->keys[dim];
    const rs_kcell   *sc;
    rs_kcell         *c;
    size_t            i;

    for (i = 0; i < t->n; i++) {
        const rs_key  *sk = &t->keys[i];
        const char    *key = rs_keytab_text(t, sk);

        for (sc = rs_keytab_first(t, sk); sc != NULL;
             sc = rs_keytab_next(t, sc))
        {
            c = rs_keytab_cell(&dst->keys[dim], sc->cls, key, sk->len);
            if (c == NULL) {
                return -1;
            }

            c->count += sc->count;

            if (dim == RS_DIM_CLIENT
                && rs_agg_merge_times(dst, dim, c, t, sc) != 0)
            {
                return -1;
            }
        }
    }

    if (t->approximate) {
        dst->keys[dim].approximate = 1;
        if (t->dropped_max > dst->keys[dim].dropped_max) {
            dst->keys[dim].dropped_max = t->dropped_max;
        }
    }

    return 0;
}


int
rs_agg_merge(rs_agg *dst, const rs_agg *src)
{
    size_t    i;
    int       c, d;
    rs_file  *f;

    dst->lines += src->lines;
    dst->bytes += src->bytes;
    dst->unparsed += src->unparsed;
    dst->limit_hits += src->limit_hits;

    for (i = 0; i < src->nlimit_rules; i++) {
        if (rs_agg_limit_rule(dst, src->limit_rules[i].id,
                              src->limit_rules[i].hits) != 0)
        {
            return -1;
        }
    }
    dst->timeline_approximate |= src->timeline_approximate;
    dst->bursts_approximate |= src->bursts_approximate;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        dst->cls[c].count += src->cls[c].count;
        dst->cls[c].suppressed += src->cls[c].suppressed;
        dst->cls[c].bytes += src->cls[c].bytes;
        dst->cls[c].by_log[RS_LOG_ACCESS] += src->cls[c].by_log[RS_LOG_ACCESS];
        dst->cls[c].by_log[RS_LOG_ERROR] += src->cls[c].by_log[RS_LOG_ERROR];
    }

    for (d = 0; d < RS_DIM_COUNT; d++) {
        if (rs_agg_merge_keys(dst, src, (rs_dim) d) != 0) {
            return -1;
        }
    }

    for (i = 0; i < src->cells_cap; i++) {
        if (src->cells[i].used
            && rs_agg_cell(dst, src->cells[i].minute, src->cells[i].cls,
                           src->cells[i].count) != 0)
        {
            return -1;
        }
    }

    if (!dst->shown.valid) {
        dst->shown = src->shown;
    }

    for (i = 0; i < src->nfiles; i++) {
        const rs_file  *s = &src->files[i];

        f = rs_agg_file(dst, s->path);
        if (f == NULL || rs_file_set(&f->format, s->format)
            || rs_file_set(&f->error, s->error))
        {
            return -1;
        }
        f->detected = s->detected;
        f->prefix = s->prefix;
        f->layout_src = s->layout_src;
        f->unreadable = s->unreadable;
        f->abort_lines = s->abort_lines;
        f->lines = s->lines;
        f->bytes = s->bytes;
        f->unparsed = s->unparsed;
    }

    return 0;
}


/* Whether a holds nothing yet (rs_agg_init's state). */
static int
rs_agg_empty(const rs_agg *a)
{
    int  c, d;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        if (a->keys[d].n > 0 || a->keys[d].approximate) {
            return 0;
        }
    }

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (a->cls[c].count > 0 || a->cls[c].bytes > 0) {
            return 0;
        }
    }

    return a->nfiles == 0 && a->nlimit_rules == 0 && a->ncells == 0
           && a->lines == 0 && a->bytes == 0 && a->limit_hits == 0
           && a->ticks == 0 && !a->shown.valid;
}


int
rs_agg_take(rs_agg *dst, rs_agg *src)
{
    int  rc = 0;

    if (rs_agg_empty(dst)) {
        rs_agg_free(dst);
        *dst = *src;
        rs_agg_init(src);
        return 0;
    }

    rc = rs_agg_merge(dst, src);
    rs_agg_free(src);
    rs_agg_init(src);

    return rc;
}
