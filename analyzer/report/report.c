/*
 * report.c - ranks, cuts and derives what printers show (see report.h).
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"


typedef struct {
    rs_report              *rep;
    const rs_report_opts   *o;
    int                     rc;
} rs_report_job;

static void *rs_report_series(void *arg);
static int rs_report_tops(rs_report *rep, const rs_report_opts *o);
static int rs_report_timeline(rs_report *rep);
static int rs_report_bursts(rs_report *rep, const rs_report_opts *o);
static int rs_class_cmp(const void *a, const void *b);
static int rs_point_cmp(const void *a, const void *b);
static int rs_burst_cmp(const void *a, const void *b);
static rs_ts rs_tick_time(const rs_times *tm, size_t i);


int
rs_report_build(rs_report *rep, rs_agg *agg, const rs_report_opts *o)
{
    int             c, rc, started;
    pthread_t       tid;
    rs_report_job   job;

    memset(rep, 0, sizeof(rs_report));
    rep->agg = agg;

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        rs_class_report  *cr;

        if (agg->cls[c].count == 0) {
            continue;
        }

        cr = &rep->classes[rep->nclasses++];
        cr->cls = (rg_class) c;
        cr->sum = agg->cls[c];
        cr->share = agg->bytes ? (double) cr->sum.bytes / (double) agg->bytes
                               : 0.0;
        rep->abort_bytes += cr->sum.bytes;
    }

    qsort(rep->classes, rep->nclasses, sizeof(rs_class_report),
          rs_class_cmp);

    for (c = 0; c < RS_DIM_COUNT; c++) {
        rep->keys_approximate |= agg->keys[c].approximate;
    }

    /*
     * The timeline (and what a printer makes of it) is built by a second
     * thread while this one builds the top lists, the bursts and the
     * findings: each fills its own part of the report, both only read the
     * aggregate, and this runs after the scan, while the other core is
     * idle.  The bursts are this thread's since the timeline's text is
     * rendered on the other (after the 1 GB zstd bench log: timeline 15
     * ms and its text 8, against top lists 10, bursts 8 and findings 6).
     */
    job.rep = rep;
    job.o = o;
    started = !o->one_thread
              && pthread_create(&tid, NULL, rs_report_series, &job) == 0;
    if (!started) {
        rs_report_series(&job);
    }

    rc = rs_report_tops(rep, o) != 0
         || rs_report_bursts(rep, o) != 0
         || (o->alongside != NULL
             && o->alongside(rep, o->alongside_ctx) != 0) ? -1 : 0;

    if (started) {
        pthread_join(tid, NULL);
    }

    if (rc != 0 || job.rc != 0) {
        rs_report_free(rep);
        return -1;
    }

    return 0;
}


static void *
rs_report_series(void *arg)
{
    rs_report_job  *job = arg;

    job->rc = rs_report_timeline(job->rep) != 0
              || (job->o->series_done != NULL
                  && job->o->series_done(job->rep) != 0) ? -1 : 0;

    return NULL;
}


void
rs_report_free(rs_report *rep)
{
    size_t  i;
    int     d;

    rs_finding_list_free(rep->findings);
    rep->findings = NULL;
    if (rep->ahead != NULL) {
        rep->ahead_free(rep->ahead);
        rep->ahead = NULL;
    }

    for (i = 0; i < rep->nclasses; i++) {
        for (d = 0; d < RS_DIM_COUNT; d++) {
            free(rep->classes[i].top[d]);
        }
    }

    for (i = 0; i < RG_CLASS_COUNT; i++) {
        free(rep->timeline[i]);
    }

    for (i = 0; i < rep->nbursts; i++) {
        if (rep->bursts[i].key_owned) {
            free((char *) rep->bursts[i].key);
        }
    }

    free(rep->bursts);
    memset(rep, 0, sizeof(rs_report));
}


/* Bytes first, then count, then the taxonomy's order. */
static int
rs_class_cmp(const void *a, const void *b)
{
    const rs_class_report  *x = a, *y = b;

    if (x->sum.bytes != y->sum.bytes) {
        return x->sum.bytes < y->sum.bytes ? 1 : -1;
    }

    if (x->sum.count != y->sum.count) {
        return x->sum.count < y->sum.count ? 1 : -1;
    }

    return (int) x->cls - (int) y->cls;
}


/* A candidate while selecting: its text still in the arena. */
typedef struct {
    const char  *p;
    uint32_t     len;
    uint64_t     count;
} rs_cand;


/* Whether x ranks below y: fewer records, then the later key. */
static int
rs_cand_worse(const rs_cand *x, const rs_cand *y)
{
    size_t  n = x->len < y->len ? x->len : y->len;
    int     c;

    if (x->count != y->count) {
        return x->count < y->count;
    }

    c = memcmp(x->p, y->p, n);
    return c != 0 ? c > 0 : x->len > y->len;
}


/* Restores the heap (worst at the root) below position i. */
static void
rs_heap_down(rs_cand *h, size_t n, size_t i)
{
    size_t   w, l;
    rs_cand  t;

    for ( ;; ) {
        w = i;
        l = 2 * i + 1;
        if (l < n && rs_cand_worse(&h[l], &h[w])) {
            w = l;
        }
        if (l + 1 < n && rs_cand_worse(&h[l + 1], &h[w])) {
            w = l + 1;
        }
        if (w == i) {
            return;
        }
        t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}


static void
rs_heap_up(rs_cand *h, size_t i)
{
    rs_cand  t;

    while (i > 0 && rs_cand_worse(&h[i], &h[(i - 1) / 2])) {
        t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}


/*
 * A class's bounded heap of the N best keys while walking a table
 * (memory O(N), not O(keys)).
 */
typedef struct {
    rs_cand  *h;
    size_t    n;
} rs_heap;


static void
rs_heap_offer(rs_heap *hp, size_t top, const rs_cand *x)
{
    if (hp->n < top) {
        hp->h[hp->n] = *x;
        rs_heap_up(hp->h, hp->n++);
    } else if (rs_cand_worse(&hp->h[0], x)) {
        hp->h[0] = *x;
        rs_heap_down(hp->h, hp->n, 0);
    }
}


/* The heap as the class's top list, best first, the texts copied
   NUL-terminated after the rs_top array; empties the heap. */
static int
rs_heap_list(rs_heap *hp, rs_class_report *cr, rs_dim d)
{
    rs_top   *out;
    rs_cand   x;
    char     *text;
    size_t    i, n = hp->n, total = 0;

    for (i = 0; i < n; i++) {
        total += hp->h[i].len + 1;
    }

    out = malloc(n * sizeof(rs_top) + total + 1);
    if (out == NULL) {
        return -1;
    }

    /* pop worst first into the back: best first in the list */
    text = (char *) (out + n);
    for (i = n; i > 0; i--) {
        x = hp->h[0];
        hp->h[0] = hp->h[i - 1];
        rs_heap_down(hp->h, i - 1, 0);

        memcpy(text, x.p, x.len);
        text[x.len] = '\0';
        out[i - 1].key = text;
        out[i - 1].count = x.count;
        text += x.len + 1;
    }

    hp->n = 0;
    cr->top[d] = out;
    cr->ntop[d] = n;

    return 0;
}


/*
 * The top lists of every reported class in one dimension, in one walk
 * over the table (a walk per class cost a cache miss per cell per class).
 */
static int
rs_report_top(rs_report *rep, const rs_keytab *t, rs_dim d, size_t top)
{
    const rs_kcell  *c;
    rs_heap          heap[RG_CLASS_COUNT];
    rs_cand         *all, x;
    int              which[RG_CLASS_COUNT];
    size_t           i, j;
    int              rc = 0;

    /* no list is longer than the table */
    top = top < t->n ? top : t->n;

    all = malloc(RG_CLASS_COUNT * (top ? top : 1) * sizeof(rs_cand));
    if (all == NULL) {
        return -1;
    }

    for (i = 0; i < RG_CLASS_COUNT; i++) {
        which[i] = -1;
        heap[i].h = all + i * top;
        heap[i].n = 0;
    }

    for (i = 0; i < rep->nclasses; i++) {
        which[rep->classes[i].cls] = (int) i;
    }

    for (j = 0; j < t->n; j++) {
        const rs_key  *k = &t->keys[j];

        /* the keys are walked in order, their cells are anywhere: fetch
           a later key's first cell while this one is handled */
        if (j + 16 < t->n && t->keys[j + 16].cell != 0) {
            __builtin_prefetch(&t->cells[t->keys[j + 16].cell - 1]);
        }

        for (c = rs_keytab_first(t, k); c != NULL; c = rs_keytab_next(t, c)) {
            if (c->cls < RG_CLASS_COUNT && which[c->cls] >= 0) {
                x.p = rs_keytab_text(t, k);
                x.len = k->len;
                x.count = c->count;
                rs_heap_offer(&heap[c->cls], top, &x);
            }
        }
    }

    for (i = 0; i < RG_CLASS_COUNT && rc == 0; i++) {
        if (which[i] >= 0) {
            rc = rs_heap_list(&heap[i], &rep->classes[which[i]], d);
        }
    }

    free(all);

    return rc;
}


static int
rs_report_tops(rs_report *rep, const rs_report_opts *o)
{
    int  d;

    if (o->top == 0) {
        return 0;
    }

    for (d = 0; d < RS_DIM_COUNT; d++) {
        if (rs_report_top(rep, &rep->agg->keys[d], (rs_dim) d, o->top) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
rs_point_cmp(const void *a, const void *b)
{
    const rs_point  *x = a, *y = b;

    return (x->minute.sec > y->minute.sec) - (x->minute.sec < y->minute.sec);
}


static int
rs_report_timeline(rs_report *rep)
{
    const rs_agg  *a = rep->agg;
    size_t         i, n[RG_CLASS_COUNT] = { 0 };
    int            c;

    for (i = 0; i < a->cells_cap; i++) {
        if (a->cells[i].used) {
            n[a->cells[i].cls]++;
        }
    }

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (n[c] > 0 && (rep->timeline[c] = malloc(n[c] * sizeof(rs_point)))
                        == NULL)
        {
            return -1;
        }
    }

    for (i = 0; i < a->cells_cap; i++) {
        const rs_cell  *cell = &a->cells[i];
        rs_point       *pt;

        if (!cell->used) {
            continue;
        }

        pt = &rep->timeline[cell->cls][rep->ntimeline[cell->cls]++];
        pt->minute = a->shown;
        pt->minute.valid = 1;
        pt->minute.sec = cell->minute * 60;
        pt->count = cell->count;
    }

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        /* a class without points has no array: qsort(NULL) is undefined */
        if (rep->ntimeline[c] > 1) {
            qsort(rep->timeline[c], rep->ntimeline[c], sizeof(rs_point),
                  rs_point_cmp);
        }
    }

    return 0;
}


static rs_ts
rs_tick_time(const rs_times *tm, size_t i)
{
    rs_ts  ts;

    ts.sec = tm->base + tm->v[i].d;
    ts.off_min = tm->off_min;
    ts.has_off = tm->has_off;
    ts.valid = 1;

    return ts;
}


int
rs_bursts_find(const rs_times *tm, uint64_t n, int64_t seconds,
    rg_class cls, const char *key, rs_burst **out, size_t *nout,
    size_t *cap)
{
    size_t    l = 0, r, start = 0, end = 0, i;
    uint64_t  sum = 0, count;
    int       open = 0;
    rs_burst *b;

    for (r = 0; r <= tm->n; r++) {

        if (r < tm->n) {
            sum += tm->v[r].n;
            while ((int64_t) tm->v[r].d - tm->v[l].d >= seconds) {
                sum -= tm->v[l++].n;
            }

            if (sum >= n) {
                if (open && l <= end) {
                    end = r;            /* overlaps: the burst grows */
                    continue;
                }
                if (!open) {
                    open = 1;
                    start = l;
                    end = r;
                    continue;
                }
            } else {
                continue;
            }
        }

        if (!open) {
            continue;
        }

        /* close the open burst; a new one may start at l..r */
        if (*nout == *cap) {
            size_t  c = *cap ? *cap * 2 : 16;

            b = realloc(*out, c * sizeof(rs_burst));
            if (b == NULL) {
                return -1;
            }
            *out = b;
            *cap = c;
        }

        for (count = 0, i = start; i <= end; i++) {
            count += tm->v[i].n;
        }

        b = &(*out)[(*nout)++];
        b->cls = cls;
        b->key = key;
        b->start = rs_tick_time(tm, start);
        b->end = rs_tick_time(tm, end);
        b->count = count;
        b->key_owned = 0;

        open = 0;
        if (r < tm->n) {
            open = 1;
            start = l;
            end = r;
        }
    }

    return 0;
}


static int
rs_burst_cmp(const void *a, const void *b)
{
    const rs_burst  *x = a, *y = b;

    if (x->start.sec != y->start.sec) {
        return x->start.sec < y->start.sec ? -1 : 1;
    }

    if (x->cls != y->cls) {
        return (int) x->cls - (int) y->cls;
    }

    return strcmp(x->key, y->key);
}


static int
rs_report_bursts(rs_report *rep, const rs_report_opts *o)
{
    const rs_keytab  *t = &rep->agg->keys[RS_DIM_CLIENT];
    const rs_kcell   *c;
    const rs_times   *tm;
    rs_times          one;
    rs_tick           tick;
    size_t            i, cap = 0, first;
    char             *key;

    for (i = 0; i < t->n; i++) {
        const rs_key  *k = &t->keys[i];

        for (c = rs_keytab_first(t, k); c != NULL; c = rs_keytab_next(t, c))
        {
            if (c->count < o->burst_n) {
                continue;
            }

            tm = rs_kcell_times(t, c, &one, &tick);
            first = rep->nbursts;
            if (rs_bursts_find(tm, o->burst_n, o->burst_seconds,
                               (rg_class) c->cls, NULL, &rep->bursts,
                               &rep->nbursts, &cap) != 0)
            {
                return -1;
            }

            if (rep->nbursts == first) {
                continue;
            }

            /* one NUL-terminated copy of the key for this cell's bursts */
            /* memcpy, not strndup: the arena text has no NUL after it */
            key = malloc(k->len + 1);
            if (key == NULL) {
                rep->nbursts = first;
                return -1;
            }
            memcpy(key, rs_keytab_text(t, k), k->len);
            key[k->len] = '\0';

            rep->bursts[first].key_owned = 1;
            for ( ; first < rep->nbursts; first++) {
                rep->bursts[first].key = key;
            }
        }
    }

    if (rep->nbursts > 0) {
        qsort(rep->bursts, rep->nbursts, sizeof(rs_burst), rs_burst_cmp);
    }

    return 0;
}


uint64_t
rs_report_key_error(const rs_report *rep)
{
    uint64_t  e = 0;
    int       d;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        if (rep->agg->keys[d].dropped_max > e) {
            e = rep->agg->keys[d].dropped_max;
        }
    }

    return e;
}
