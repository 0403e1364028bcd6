/*
 * report.c - ranks, cuts and derives what printers show (see report.h).
 */

#include <stdlib.h>
#include <string.h>

#include "report.h"


static int rs_report_tops(rs_report *rep, const rs_report_opts *o);
static int rs_report_timeline(rs_report *rep);
static int rs_report_bursts(rs_report *rep, const rs_report_opts *o);
static int rs_top_cmp(const void *a, const void *b);
static int rs_class_cmp(const void *a, const void *b);
static int rs_point_cmp(const void *a, const void *b);
static int rs_burst_cmp(const void *a, const void *b);
static rs_ts rs_tick_time(const rs_times *tm, size_t i);


int
rs_report_build(rs_report *rep, rs_agg *agg, const rs_report_opts *o)
{
    int  c;

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

    if (rs_report_tops(rep, o) != 0 || rs_report_timeline(rep) != 0
        || rs_report_bursts(rep, o) != 0)
    {
        rs_report_free(rep);
        return -1;
    }

    return 0;
}


void
rs_report_free(rs_report *rep)
{
    size_t  i;
    int     d;

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


static int
rs_top_cmp(const void *a, const void *b)
{
    const rs_top  *x = a, *y = b;

    if (x->count != y->count) {
        return x->count < y->count ? 1 : -1;
    }

    return strcmp(x->key, y->key);
}


/*
 * Key texts are not NUL-terminated in the arena: the report gets its own
 * copies, laid out after the rs_top array of each list.
 */
static int
rs_report_tops(rs_report *rep, const rs_report_opts *o)
{
    const rs_keytab  *t;
    rs_top           *all;
    size_t            i, j, n, total, keep;
    int               d;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        t = &rep->agg->keys[d];

        for (i = 0; i < rep->nclasses; i++) {
            rs_class_report  *cr = &rep->classes[i];

            for (n = 0, total = 0, j = 0; j < t->n; j++) {
                if (t->keys[j].cls == cr->cls) {
                    n++;
                    total += t->keys[j].len + 1;
                }
            }

            if (n == 0) {
                continue;
            }

            all = malloc(n * sizeof(rs_top) + total);
            if (all == NULL) {
                return -1;
            }

            char  *text = (char *) (all + n);

            for (n = 0, j = 0; j < t->n; j++) {
                const rs_key  *k = &t->keys[j];

                if (k->cls != cr->cls) {
                    continue;
                }
                memcpy(text, rs_keytab_text(t, k), k->len);
                text[k->len] = '\0';
                all[n].key = text;
                all[n].count = k->count;
                text += k->len + 1;
                n++;
            }

            qsort(all, n, sizeof(rs_top), rs_top_cmp);
            keep = n < o->top ? n : o->top;
            cr->top[d] = all;
            cr->ntop[d] = keep;
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
    size_t            i, cap = 0, first;
    char             *key;

    for (i = 0; i < t->n; i++) {
        rs_key  *k = &t->keys[i];

        if (k->times == NULL || k->count < o->burst_n) {
            continue;
        }

        if (rs_times_normalize(k->times) != 0) {
            return -1;
        }

        first = rep->nbursts;
        if (rs_bursts_find(k->times, o->burst_n, o->burst_seconds,
                           (rg_class) k->cls, NULL, &rep->bursts,
                           &rep->nbursts, &cap) != 0)
        {
            return -1;
        }

        if (rep->nbursts == first) {
            continue;
        }

        /* one NUL-terminated copy of the key for this key's bursts */
        key = strndup(rs_keytab_text(t, k), k->len);
        if (key == NULL) {
            rep->nbursts = first;
            return -1;
        }

        rep->bursts[first].key_owned = 1;
        for ( ; first < rep->nbursts; first++) {
            rep->bursts[first].key = key;
        }
    }

    if (rep->nbursts > 1) {
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
