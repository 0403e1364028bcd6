/*
 * findings_state.c - the findings collector's state as JSON and back, for
 * --partial and merge (see findings.h), by one field list:
 * rs_find_fields says which member of rs_findings is saved under which
 * name, in which position and how it merges (findings_merge.c merges by
 * the same list).  Reading builds a collector from the document and
 * merges it with rs_findings_merge(), so a state read back adds exactly
 * what the scan that wrote it had collected.
 */

#include <stdlib.h>
#include <string.h>

#include "findings_impl.h"
#include "partial.h"


/* a sample text: a JSON string */

static json_t *
rs_sample_save(const void *p, const void *base)
{
    const rs_find_sample  *s = p;

    (void) base;

    return rs_json_bytes(s->text, s->len);
}


static int
rs_sample_load(const json_t *v, void *p, void *base)
{
    (void) base;
    rs_find_sample_set(p, json_string_value(v), json_string_length(v));

    return 0;
}


/* the first side that has one keeps it */
static int
rs_sample_merge(void *dst, const void *src)
{
    rs_find_sample        *d = dst;
    const rs_find_sample  *s = src;

    if (d->len == 0 && s->len > 0) {
        *d = *s;
    }

    return 0;
}


static const rs_field_ops  rs_sample_ops = {
    sizeof(rs_find_sample), rs_sample_save, rs_sample_load, rs_sample_merge
};


/* a time histogram: [[bin, count], ...] of the bins that are not zero */

static json_t *
rs_bins_save(const void *p, const void *base)
{
    const uint32_t     *bins = *(uint32_t * const *) p;
    const rs_findings  *f = base;
    json_t             *arr = json_array();
    int                 b;

    for (b = 0; arr != NULL && b < f->bins_n; b++) {
        if (bins[b]) {
            json_array_append_new(arr, json_pack("[i,I]", b,
                                                 (json_int_t) bins[b]));
        }
    }

    return arr;
}


static int
rs_bins_load(const json_t *arr, void *p, void *base)
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

        /* p is one of base's histograms: grown to bin b with the others */
        if (rs_find_bin_add(base, p, b, (uint32_t) n) != 0) {
            return -1;
        }
    }

    return json_is_array(arr) ? 0 : -1;
}


static const rs_field_ops  rs_bins_ops = {
    sizeof(uint32_t *), rs_bins_save, rs_bins_load, NULL
};


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
rs_state_load_sketch(const json_t *arr, rs_findings *f)
{
    size_t      i;
    json_t     *v;
    json_int_t  x[3];

    json_array_foreach(arr, i, v) {
        if (json_unpack(v, "[I,I,I]", &x[0], &x[1], &x[2]) != 0 || x[0] < 0
            || x[0] >= (json_int_t) (2 * RS_FIND_SKETCH))
        {
            return -1;
        }

        if (rs_find_sketch(f) == NULL) {
            return -1;
        }

        f->sketch[x[0]].size = (uint32_t) x[1];
        f->sketch[x[0]].fp = (uint32_t) x[2];
    }

    return json_is_array(arr) ? 0 : -1;
}


static json_t *
rs_sketch_save(const void *p, const void *base)
{
    (void) base;

    return rs_state_sketch(*(rs_find_cell * const *) p);
}


static int
rs_sketch_load(const json_t *v, void *p, void *base)
{
    (void) p;

    return rs_state_load_sketch(v, base);
}


static json_t *
rs_sigs_save(const void *p, const void *base)
{
    (void) base;

    return rs_state_keys(*(rs_find_key * const *) p, 0);
}


static int
rs_sigs_load(const json_t *v, void *p, void *base)
{
    (void) p;

    return rs_state_load_keys(v, base, 0);
}


static json_t *
rs_uris_save(const void *p, const void *base)
{
    (void) base;

    return rs_state_keys(*(rs_find_key * const *) p, 1);
}


static int
rs_uris_load(const json_t *v, void *p, void *base)
{
    (void) p;

    return rs_state_load_keys(v, base, 1);
}


static const rs_field_ops  rs_sketch_ops = {
    sizeof(rs_find_cell *), rs_sketch_save, rs_sketch_load, NULL
};
static const rs_field_ops  rs_sigs_ops = {
    sizeof(rs_find_key *), rs_sigs_save, rs_sigs_load, NULL
};
static const rs_field_ops  rs_uris_ops = {
    sizeof(rs_find_key *), rs_uris_save, rs_uris_load, NULL
};


/* one minute of the overload series: [minute, requests, aborts,
   upstream_ms, upstream_n]; the minutes are summed */
static const rs_field  rs_minute_fields[] = {
    RS_FIELD(NULL, rs_find_minute, minute, RS_FT_I64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_minute, requests, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_find_minute, aborts, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_find_minute, upstream_ms, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_find_minute, upstream_n, RS_FT_U64, RS_FM_SUM),
};


static json_t *
rs_minutes_save(const void *p, const void *base)
{
    json_t          *arr = json_array();
    rs_find_minute  *m, *tmp;

    (void) base;

    HASH_ITER(hh, *(rs_find_minute * const *) p, m, tmp) {
        json_array_append_new(arr, rs_fields_pos_save(rs_minute_fields,
                              RS_NFIELDS(rs_minute_fields), m));
    }

    return arr;
}


/* Adds src's minutes to the table at dst. */
static int
rs_minutes_merge(void *dst, const void *src)
{
    rs_find_minute  *m, *tmp, *d;

    HASH_ITER(hh, *(rs_find_minute * const *) src, m, tmp) {
        d = rs_find_minute_get(dst, m->minute);

        if (d == NULL
            || rs_fields_merge(rs_minute_fields, RS_NFIELDS(rs_minute_fields),
                               d, m) != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
rs_minutes_load(const json_t *arr, void *p, void *base)
{
    size_t           i;
    json_t          *v;
    rs_find_minute   one, *d;

    (void) base;

    json_array_foreach(arr, i, v) {
        memset(&one, 0, sizeof(one));

        if (rs_fields_pos_load(v, rs_minute_fields,
                               RS_NFIELDS(rs_minute_fields), &one) != 0
            || (d = rs_find_minute_get(p, one.minute)) == NULL
            || rs_fields_merge(rs_minute_fields, RS_NFIELDS(rs_minute_fields),
                               d, &one) != 0)
        {
            return -1;
        }
    }

    return json_is_array(arr) ? 0 : -1;
}


static const rs_field_ops  rs_minutes_ops = {
    sizeof(rs_find_minute *), rs_minutes_save, rs_minutes_load,
    rs_minutes_merge
};


/* per class: [count, suppressed, bytes, first, last, sample, [records per
   server (rg_server)]] */
static const rs_field  rs_class_fields[] = {
    RS_FIELD(NULL, rs_findings, count, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, suppressed, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, cls_bytes, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, first, RS_FT_I64, RS_FM_MIN),
    RS_FIELD(NULL, rs_findings, last, RS_FT_I64, RS_FM_MAX),
    RS_FIELD_OPS(NULL, rs_findings, sample, &rs_sample_ops, RS_FM_OPS),
    RS_FIELD_N(NULL, rs_findings, by_server, RG_SERVER_COUNT, RS_FM_SUM),
};

/* "counters": one array of the collector's single counters */
static const rs_field  rs_counter_fields[] = {
    RS_FIELD(NULL, rs_findings, nav_agents, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, nav_browsers, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, uris_dropped, RS_FT_U64, RS_FM_MAX),
    RS_FIELD(NULL, rs_findings, cl_short, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, cl_short_bytes, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, rs_findings, up_cut, RS_FT_U64, RS_FM_SUM),
};

/* per buffer kind: [records, sample] */
static const rs_field  rs_buf_fields[] = {
    RS_FIELD(NULL, rs_findings, buf, RS_FT_U64, RS_FM_SUM),
    RS_FIELD_OPS(NULL, rs_findings, buf_sample, &rs_sample_ops, RS_FM_OPS),
};

/* per class the module raised alerts for; merged by rs_find_storm_add */
static const rs_field  rs_storm_fields[] = {
    RS_FIELD(NULL, rs_find_storm, n, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, first, RS_FT_I64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, last, RS_FT_I64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, rate_centi, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, sec, RS_FT_I64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, limit, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, unit, RS_FT_CHAR, RS_FM_NONE),
    RS_FIELD(NULL, rs_find_storm, window, RS_FT_U64, RS_FM_NONE),
    RS_FIELD_OPS(NULL, rs_find_storm, key, &rs_sample_ops, RS_FM_NONE),
    RS_FIELD_OPS(NULL, rs_find_storm, upstream, &rs_sample_ops, RS_FM_NONE),
    RS_FIELD_OPS(NULL, rs_find_storm, sample, &rs_sample_ops, RS_FM_NONE),
};

/*
 * The collector's state, in document order.  NONE rows are merged by
 * hand in rs_findings_merge(): the offset goes with the last timed
 * record, the histograms and the sketch by the range written, the keyed
 * tables by their bounds, the storms by their highest rate.
 */
const rs_field  rs_find_fields[] = {
    RS_FIELD("records", rs_findings, records, RS_FT_U64, RS_FM_SUM),
    RS_FIELD("bytes", rs_findings, bytes, RS_FT_U64, RS_FM_SUM),
    RS_FIELD("lost", rs_findings, lost, RS_FT_U64, RS_FM_SUM),
    RS_FIELD_SUB("classes", 0, RS_FT_CLASSES, rs_class_fields, 0, 0),
    RS_FIELD("off_min", rs_findings, off_min, RS_FT_INT, RS_FM_NONE),
    RS_FIELD("has_off", rs_findings, has_off, RS_FT_BOOL, RS_FM_NONE),
    RS_FIELD("timed", rs_findings, timed, RS_FT_BOOL, RS_FM_NONE),
    RS_FIELD_OPS("nav_time", rs_findings, nav_time, &rs_bins_ops,
                 RS_FM_NONE),
    RS_FIELD_OPS("idle_req", rs_findings, idle_req, &rs_bins_ops,
                 RS_FM_NONE),
    RS_FIELD_OPS("idle_up", rs_findings, idle_up, &rs_bins_ops, RS_FM_NONE),
    RS_FIELD_SUB("counters", 0, RS_FT_LIST, rs_counter_fields, 0, 0),
    RS_FIELD_N("idle_servers", rs_findings, idle_by_server, RG_SERVER_COUNT,
               RS_FM_SUM),
    RS_FIELD("idle_sessions", rs_findings, idle_sessions, RS_FT_U64,
             RS_FM_SUM),
    RS_FIELD_OPS("cut_sample", rs_findings, cut_sample, &rs_sample_ops,
                 RS_FM_OPS),
    RS_FIELD_SUB("buf", 0, RS_FT_ROWS, rs_buf_fields, RS_BUF_KINDS, 0),
    RS_FIELD_OPS("minutes", rs_findings, minutes, &rs_minutes_ops,
                 RS_FM_OPS),
    RS_FIELD_OPS("sigs", rs_findings, sigs, &rs_sigs_ops, RS_FM_NONE),
    RS_FIELD("sigs_dropped", rs_findings, sigs_dropped, RS_FT_U64,
             RS_FM_MAX),
    RS_FIELD_OPS("uris", rs_findings, uris, &rs_uris_ops, RS_FM_NONE),
    RS_FIELD_OPS("sketch", rs_findings, sketch, &rs_sketch_ops, RS_FM_NONE),
    RS_FIELD_SUB("storms", offsetof(rs_findings, storm), RS_FT_CLASSES,
                 rs_storm_fields, 0, sizeof(rs_find_storm)),
};

const size_t  rs_find_nfields = RS_NFIELDS(rs_find_fields);


json_t *
rs_findings_state(const rs_findings *f)
{
    json_t  *obj = json_object();

    if (obj == NULL || rs_fields_save(obj, rs_find_fields, rs_find_nfields, f)
                       != 0)
    {
        json_decref(obj);
        return NULL;
    }

    return obj;
}


static int
rs_state_load(const json_t *st, rs_findings *f, char *err, size_t errlen)
{
    char  why[200];
    int   c;

    /* the histograms, the sketch and the keys are added while loading
       (rs_find_bin_add keeps the range of bins written, which a merge of
       this state into another collector reads) */
    if (!json_is_object(st)
        || rs_fields_load(st, rs_find_fields, rs_find_nfields, f, why,
                          sizeof(why)) != 0)
    {
        snprintf(err, errlen, "findings: %s", json_is_object(st) ? why
                 : "not an object");
        return -1;
    }

    for (c = 0; c < RG_CLASS_COUNT; c++) {
        if (f->storm[c].n > 0 && f->storm[c].unit != 's'
            && f->storm[c].unit != 'm')
        {
            snprintf(err, errlen, "findings: storms: bad unit");
            return -1;
        }
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
