/*
 * findings_state.c - the findings collector's state as JSON and back, for
 * --partial and merge (see findings.h).  Reading builds a collector from
 * the document and merges it with rs_findings_merge(), so a state read
 * back adds exactly what the scan that wrote it had collected.
 */

#include <stdlib.h>
#include <string.h>

#include "findings_impl.h"
#include "partial.h"


static void rs_state_load_sample(const json_t *v, rs_find_sample *s);


static json_t *
rs_state_bins(const uint32_t *bins, int32_t n)
{
    json_t  *arr = json_array();
    int      b;

    for (b = 0; arr != NULL && b < n; b++) {
        if (bins[b]) {
            json_array_append_new(arr, json_pack("[i,I]", b,
                                                 (json_int_t) bins[b]));
        }
    }

    return arr;
}


/* the used cells of the sketch: [[index, largest, fingerprint], ...] */
static json_t *
rs_state_sketch(const rs_find_cell *sketch)
{
    json_t    *arr = json_array();
    uint32_t   i;

    for (i = 0; arr != NULL && sketch != NULL && i < 2 * RS_FIND_SKETCH;
         i++)
    {
        if (sketch[i].fp) {
            json_array_append_new(arr, json_pack("[I,I,I]", (json_int_t) i,
                                  (json_int_t) sketch[i].size,
                                  (json_int_t) sketch[i].fp));
        }
    }

    return arr;
}


static json_t *
rs_state_sample(const rs_find_sample *s)
{
    return rs_json_bytes(s->text, s->len);
}


/* [[key, n, lines, bytes, [[size, count]...]], ...] */
static json_t *
rs_state_keys(const rs_find_key *head, int uris)
{
    json_t             *arr = json_array(), *sizes;
    const rs_find_key  *k, *tmp;
    int                 i;

    HASH_ITER(hh, (rs_find_key *) head, k, tmp) {
        sizes = json_array();

        for (i = 0; uris && i < RS_FIND_URI_SIZES; i++) {
            if (k->u.uri.count[i]) {
                json_array_append_new(sizes, json_pack("[I,I]",
                    (json_int_t) k->u.uri.pages[i] * RS_FIND_PAGE,
                    (json_int_t) k->u.uri.count[i]));
            }
        }

        json_array_append_new(arr, json_pack("[o,I,I,I,o]",
            rs_json_bytes(k->key, k->hh.keylen), (json_int_t) k->n,
            (json_int_t) (uris ? 0 : k->u.sig.lines),
            (json_int_t) (uris ? 0 : k->u.sig.bytes), sizes));
    }

    return arr;
}


/* {class: [n, first, last, rate_centi, sec, limit, unit, window, key,
   upstream, sample]} of the classes the module raised alerts for */
static json_t *
rs_state_storms(const rs_findings *f)
{
    json_t               *obj = json_object();
    const rs_find_storm  *st;
    char                  unit[2];
    int                   c;

    for (c = 0; obj != NULL && c < RG_CLASS_COUNT; c++) {
        st = &f->storm[c];
        if (st->n == 0) {
            continue;
        }

        unit[0] = st->unit;
        unit[1] = '\0';
        json_object_set_new(obj, rg_class_name((rg_class) c),
            json_pack("[I,I,I,I,I,I,s,I,o,o,o]", (json_int_t) st->n,
                      (json_int_t) st->first, (json_int_t) st->last,
                      (json_int_t) st->rate_centi, (json_int_t) st->sec,
                      (json_int_t) st->limit, unit, (json_int_t) st->window,
                      rs_state_sample(&st->key),
                      rs_state_sample(&st->upstream),
                      rs_state_sample(&st->sample)));
    }

    return obj;
}


static int
rs_state_load_storms(const json_t *obj, rs_findings *f)
{
    const char     *name, *unit;
    json_t         *v, *key, *up, *sample;
    json_int_t      x[7];
    rg_class        c;
    rs_find_storm  *st;

    json_object_foreach((json_t *) obj, name, v) {
        c = rg_class_from_name(name, strlen(name));

        if (c == RG_CLASS_NONE
            || json_unpack(v, "[I,I,I,I,I,I,s,I,o,o,o!]", &x[0], &x[1],
                           &x[2], &x[3], &x[4], &x[5], &unit, &x[6], &key,
                           &up, &sample) != 0
            || x[0] < 0 || (unit[0] != 's' && unit[0] != 'm'))
        {
            return -1;
        }

        st = &f->storm[c];
        st->n = (uint64_t) x[0];
        st->first = x[1];
        st->last = x[2];
        st->rate_centi = (uint64_t) x[3];
        st->sec = x[4];
        st->limit = (uint64_t) x[5];
        st->unit = unit[0];
        st->window = (uint64_t) x[6];
        rs_state_load_sample(key, &st->key);
        rs_state_load_sample(up, &st->upstream);
        rs_state_load_sample(sample, &st->sample);
    }

    return json_is_object(obj) ? 0 : -1;
}


json_t *
rs_findings_state(const rs_findings *f)
{
    int              c;
    json_t          *classes, *bufs, *minutes;
    rs_find_minute  *m, *tmp;

    classes = json_object();
    bufs = json_array();
    minutes = json_array();

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (f->count[c] || f->cls_bytes[c]) {
            json_object_set_new(classes, rg_class_name((rg_class) c),
                json_pack("[I,I,I,I,I,o,I]", (json_int_t) f->count[c],
                          (json_int_t) f->suppressed[c],
                          (json_int_t) f->cls_bytes[c],
                          (json_int_t) f->first[c], (json_int_t) f->last[c],
                          rs_state_sample(&f->sample[c]),
                          (json_int_t) f->haproxy[c]));
        }
    }

    for (c = 0; c < RS_BUF_KINDS; c++) {
        json_array_append_new(bufs, json_pack("[I,o]", (json_int_t) f->buf[c],
                              rs_state_sample(&f->buf_sample[c])));
    }

    HASH_ITER(hh, f->minutes, m, tmp) {
        json_array_append_new(minutes, json_pack("[I,I,I,I,I]",
            (json_int_t) m->minute, (json_int_t) m->requests,
            (json_int_t) m->aborts, (json_int_t) m->upstream_ms,
            (json_int_t) m->upstream_n));
    }

    return json_pack("{s:I,s:I,s:I,s:o,s:i,s:b,s:b,s:o,s:o,s:o,s:[IIIIIII],"
                     "s:o,s:o,s:o,s:o,s:I,s:o,s:o,s:o}",
        "records", (json_int_t) f->records, "bytes", (json_int_t) f->bytes,
        "lost", (json_int_t) f->lost, "classes", classes,
        "off_min", (int) f->off_min, "has_off", f->has_off,
        "timed", f->timed,
        "nav_time", rs_state_bins(f->nav_time, f->bins_n),
        "idle_req", rs_state_bins(f->idle_req, f->bins_n),
        "idle_up", rs_state_bins(f->idle_up, f->bins_n),
        "counters", (json_int_t) f->nav_agents,
            (json_int_t) f->nav_browsers, (json_int_t) f->uris_dropped,
            (json_int_t) f->cl_short, (json_int_t) f->cl_short_bytes,
            (json_int_t) f->up_cut, (json_int_t) f->idle_haproxy,
        "cut_sample", rs_state_sample(&f->cut_sample),
        "buf", bufs, "minutes", minutes,
        "sigs", rs_state_keys(f->sigs, 0),
        "sigs_dropped", (json_int_t) f->sigs_dropped,
        "uris", rs_state_keys(f->uris, 1),
        "sketch", rs_state_sketch(f->sketch),
        "storms", rs_state_storms(f));
}


static int
rs_state_load_bins(const json_t *arr, rs_findings *f, uint32_t **bins)
{
    size_t      i;
    json_t     *v;
    int         b;
    json_int_t  n;

    json_array_foreach(arr, i, v) {
        if (json_unpack((json_t *) v, "[i,I]", &b, &n) != 0 || b < 0
            || b >= RS_FIND_BINS)
        {
            return -1;
        }

        if (rs_find_bin_add(f, bins, b, (uint32_t) n) != 0) {
            return -1;
        }
    }

    return json_is_array(arr) ? 0 : -1;
}


static void
rs_state_load_sample(const json_t *v, rs_find_sample *s)
{
    rs_find_sample_set(s, json_string_value(v), json_string_length(v));
}


/* [[key, n, lines, bytes, [[size, count]...]], ...] */
static int
rs_state_load_keys(const json_t *arr, rs_findings *f, int uris)
{
    size_t        i, j, len;
    json_t       *v, *sizes, *sz;
    const char   *key;
    json_int_t    n, lines, bytes, size, cnt;
    rs_find_key  *k;

    json_array_foreach(arr, i, v) {
        if (json_unpack((json_t *) v, "[s%,I,I,I,o]", &key, &len, &n,
                        &lines, &bytes, &sizes) != 0)
        {
            return -1;
        }

        k = rs_find_bounded_get(f, uris, key, len);
        if (k == NULL) {
            return -1;
        }

        k->n += (uint64_t) n;

        if (!uris) {
            k->u.sig.lines += (uint64_t) lines;
            k->u.sig.bytes += (uint64_t) bytes;
            continue;
        }

        json_array_foreach(sizes, j, sz) {
            if (json_unpack(sz, "[I,I]", &size, &cnt) != 0 || cnt < 0) {
                return -1;
            }

            rs_find_uri_add(k, size, (uint64_t) cnt);
        }
    }

    return json_is_array(arr) ? 0 : -1;
}


static int
rs_state_load(const json_t *st, rs_findings *f, char *err, size_t errlen)
{
    json_t          *classes, *bufs, *minutes, *v, *sample, *cut;
    json_t          *nav, *ireq, *iup, *sigs, *uris, *sketch;
    json_int_t       r, b, l, sd, cnt[7], x[6];
    json_error_t     je;
    const char      *name;
    size_t           i;
    int              off, has_off, timed;
    rg_class         c;
    rs_find_minute  *m;

    if (json_unpack_ex((json_t *) st, &je, 0, "{s:I,s:I,s:I,s:o,s:i,s:b,s:b,"
            "s:o,s:o,s:o,s:[IIIIIII!],s:o,s:o,s:o,s:o,s:I,s:o,s:o}",
            "records", &r, "bytes", &b, "lost", &l, "classes", &classes,
            "off_min", &off, "has_off", &has_off, "timed", &timed,
            "nav_time", &nav, "idle_req", &ireq, "idle_up", &iup,
            "counters", &cnt[0], &cnt[1], &cnt[2], &cnt[3], &cnt[4], &cnt[5],
            &cnt[6],
            "cut_sample", &cut, "buf", &bufs, "minutes", &minutes,
            "sigs", &sigs, "sigs_dropped", &sd, "uris", &uris,
            "sketch", &sketch) != 0)
    {
        snprintf(err, errlen, "findings: %s", je.text);
        return -1;
    }

    f->records = (uint64_t) r;
    f->bytes = (uint64_t) b;
    f->lost = (uint64_t) l;
    f->off_min = off;
    f->has_off = has_off;
    f->timed = timed;
    f->nav_agents = (uint64_t) cnt[0];
    f->nav_browsers = (uint64_t) cnt[1];
    f->uris_dropped = (uint64_t) cnt[2];
    f->cl_short = (uint64_t) cnt[3];
    f->cl_short_bytes = (uint64_t) cnt[4];
    f->up_cut = (uint64_t) cnt[5];
    f->idle_haproxy = (uint64_t) cnt[6];
    f->sigs_dropped = (uint64_t) sd;
    rs_state_load_sample(cut, &f->cut_sample);

    json_object_foreach(classes, name, v) {
        c = rg_class_from_name(name, strlen(name));

        if (c == RG_CLASS_NONE
            || json_unpack(v, "[I,I,I,I,I,o,I!]", &x[0], &x[1], &x[2],
                           &x[3], &x[4], &sample, &x[5]) != 0)
        {
            snprintf(err, errlen, "findings: bad class \"%s\"", name);
            return -1;
        }

        f->count[c] = (uint64_t) x[0];
        f->suppressed[c] = (uint64_t) x[1];
        f->cls_bytes[c] = (uint64_t) x[2];
        f->first[c] = x[3];
        f->last[c] = x[4];
        f->haproxy[c] = (uint64_t) x[5];
        rs_state_load_sample(sample, &f->sample[c]);
    }

    for (i = 0; i < RS_BUF_KINDS; i++) {
        v = json_array_get(bufs, i);

        if (json_unpack(v, "[I,o]", &x[0], &sample) != 0) {
            snprintf(err, errlen, "findings: bad buf");
            return -1;
        }

        f->buf[i] = (uint64_t) x[0];
        rs_state_load_sample(sample, &f->buf_sample[i]);
    }

    json_array_foreach(minutes, i, v) {
        if (json_unpack(v, "[I,I,I,I,I]", &x[0], &x[1], &x[2], &x[3], &x[4])
            != 0 || (m = rs_find_minute_get(&f->minutes, x[0])) == NULL)
        {
            snprintf(err, errlen, "findings: bad minute or out of memory");
            return -1;
        }

        m->requests += (uint64_t) x[1];
        m->aborts += (uint64_t) x[2];
        m->upstream_ms += (uint64_t) x[3];
        m->upstream_n += (uint64_t) x[4];
    }

    json_array_foreach(sketch, i, v) {
        if (json_unpack(v, "[I,I,I]", &x[0], &x[1], &x[2]) != 0 || x[0] < 0
            || x[0] >= (json_int_t) (2 * RS_FIND_SKETCH))
        {
            snprintf(err, errlen, "findings: bad sketch cell");
            return -1;
        }

        if (rs_find_sketch(f) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }

        f->sketch[x[0]].size = (uint32_t) x[1];
        f->sketch[x[0]].fp = (uint32_t) x[2];
    }

    if (rs_state_load_bins(nav, f, &f->nav_time) != 0
        || rs_state_load_bins(ireq, f, &f->idle_req) != 0
        || rs_state_load_bins(iup, f, &f->idle_up) != 0
        || rs_state_load_keys(sigs, f, 0)
        || rs_state_load_keys(uris, f, 1)
        || rs_state_load_storms(json_object_get(st, "storms"), f))
    {
        snprintf(err, errlen, "findings: bad histogram, key or storm, or out"
                 " of memory");
        return -1;
    }

    return 0;
}


int
rs_findings_merge_state(rs_findings *f, const json_t *state, char *err,
    size_t errlen)
{
    rs_findings  *tmp;
    int           rc;

    tmp = rs_findings_create();
    if (tmp == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    rc = rs_state_load(state, tmp, err, errlen);

    if (rc == 0 && rs_findings_merge(f, tmp) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }

    rs_findings_free(tmp);

    return rc;
}
