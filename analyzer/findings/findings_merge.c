/*
 * findings_merge.c - adds one collector's state to another (see
 * findings.h): the rows of the state's field list (findings_state.c) by
 * their rules (every counter a sum, the first and last times a min and a
 * max, samples from whichever side saw the class first), the rest here,
 * so chunks of a file (or shards of a log, in order) merge into what one
 * collector over everything would hold.
 */

#include <stdlib.h>
#include <string.h>

#include "findings_impl.h"


static int rs_merge_keys(rs_findings *dst, const rs_find_key *src, int uris);


int
rs_findings_merge(rs_findings *dst, const rs_findings *src)
{
    int  c, b;

    /* the counters, per-class sums, samples and minutes: by their rows */
    if (rs_fields_merge(rs_find_fields, rs_find_nfields, dst, src) != 0) {
        return -1;
    }

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        rs_find_storm_add(&dst->storm[c], &src->storm[c]);
    }

    if (src->timed) {
        dst->off_min = src->off_min;
        dst->has_off = src->has_off;
        dst->timed = 1;
    }

    if (src->sketch != NULL && rs_find_sketch(dst) == NULL) {
        return -1;
    }

    for (b = 0; src->sketch != NULL && b < (int) (2 * RS_FIND_SKETCH); b++) {
        rs_find_cell_raise(&dst->sketch[b], src->sketch[b].size,
                           src->sketch[b].fp);
    }

    /* dst's histograms as far as src's last written bin, then bin by bin */
    if (src->bins_hi >= 0
        && rs_find_bin_add(dst, &dst->nav_time, src->bins_hi, 0) != 0)
    {
        return -1;
    }

    for (b = src->bins_lo; b <= src->bins_hi; b++) {
        dst->nav_time[b] += src->nav_time[b];
        dst->idle_req[b] += src->idle_req[b];
        dst->idle_up[b] += src->idle_up[b];
    }

    dst->bins_lo = src->bins_lo < dst->bins_lo ? src->bins_lo : dst->bins_lo;
    dst->bins_hi = src->bins_hi > dst->bins_hi ? src->bins_hi : dst->bins_hi;

    if (rs_merge_keys(dst, src->sigs, 0) != 0
        || rs_merge_keys(dst, src->uris, 1) != 0)
    {
        return -1;
    }

    return 0;
}


static int
rs_merge_keys(rs_findings *dst, const rs_find_key *src, int uris)
{
    int                 i;
    rs_find_key        *d;
    const rs_find_key  *k, *tmp;

    HASH_ITER(hh, (rs_find_key *) src, k, tmp) {
        d = rs_find_bounded_get(dst, uris, k->key, k->hh.keylen);
        if (d == NULL) {
            return -1;
        }

        d->n += k->n;

        if (!uris) {
            d->u.sig.lines += k->u.sig.lines;
            d->u.sig.bytes += k->u.sig.bytes;
            continue;
        }

        /* a URI: each page multiple */
        for (i = 0; i < RS_FIND_URI_SIZES; i++) {
            rs_find_uri_add(d, (int64_t) k->u.uri.pages[i] * RS_FIND_PAGE,
                            k->u.uri.count[i]);
        }
    }

    return 0;
}


void *
rs_findings_fork(void *ctx)
{
    (void) ctx;

    return rs_findings_create();
}


int
rs_findings_join(void *ctx, void *child)
{
    int  rc;

    rc = rs_findings_merge(ctx, child);
    rs_findings_free(child);

    return rc;
}


void
rs_findings_drop(void *child)
{
    rs_findings_free(child);
}
