/*
 * partial.c - the --partial document (see partial.h), written and read
 * with libjansson.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "partial.h"

static const char  *rs_dims[RS_DIM_COUNT] = { "client", "uri", "upstream" };


static json_t *rs_partial_keys(const rs_keytab *t);
static json_t *rs_partial_times(const rs_keytab *t, const rs_kcell *c);
static int rs_partial_load(const json_t *doc, rs_agg *a, rs_findings *f,
    char *err, size_t errlen);
static int rs_partial_load_keys(const json_t *keys, rs_agg *a, rs_dim dim);
static rg_class rs_partial_class(const json_t *v);


static json_t *
rs_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}


json_t *
rs_json_bytes(const char *p, size_t len)
{
    json_t  *s;
    char    *copy;
    size_t   i;

    s = json_stringn(p, len);
    if (s != NULL || p == NULL) {
        return s;
    }

    copy = malloc(len + 1);
    if (copy == NULL) {
        return NULL;
    }

    for (i = 0; i < len; i++) {
        copy[i] = (unsigned char) p[i] < 0x80 && p[i] != '\0' ? p[i] : '?';
    }

    s = json_stringn(copy, len);
    free(copy);

    return s;
}


static json_t *
rs_partial_times(const rs_keytab *t, const rs_kcell *c)
{
    const rs_times  *tm;
    rs_times         one;
    rs_tick          tick;
    json_t          *arr;
    uint32_t         i;

    arr = json_array();
    tm = rs_kcell_times(t, c, &one, &tick);

    for (i = 0; arr != NULL && i < tm->n; i++) {
        json_array_append_new(arr, json_pack("[I,i,b,I]",
            (json_int_t) (tm->base + tm->v[i].d), (int) tm->off_min,
            (int) tm->has_off, (json_int_t) tm->v[i].n));
    }

    return arr;
}


/* [[key, class, count, [[second, off_min, has_off, n], ...]], ...] */
static json_t *
rs_partial_keys(const rs_keytab *t)
{
    size_t           i;
    json_t          *entries;
    const rs_kcell  *c;

    entries = json_array();

    for (i = 0; entries != NULL && i < t->n; i++) {
        const rs_key  *k = &t->keys[i];

        for (c = rs_keytab_first(t, k); c; c = rs_keytab_next(t, c)) {
            if (json_array_append_new(entries, json_pack("[o,s,I,o]",
                    rs_json_bytes(rs_keytab_text(t, k), k->len),
                    rg_class_name((rg_class) c->cls), (json_int_t) c->count,
                    rs_partial_times(t, c))) != 0)
            {
                json_decref(entries);
                return NULL;
            }
        }
    }

    return json_pack("{s:b,s:I,s:o}", "approximate", t->approximate,
                     "dropped_max", (json_int_t) t->dropped_max,
                     "entries", entries);
}


/* "shown": the offset minutes are printed with, or null */

static json_t *
rs_shown_save(const void *p, const void *base)
{
    const rs_ts  *ts = p;

    (void) base;

    return ts->valid ? json_pack("{s:I,s:i,s:b}", "sec", (json_int_t) ts->sec,
                                 "off_min", (int) ts->off_min,
                                 "has_off", (int) ts->has_off)
                     : json_null();
}


static int
rs_shown_load(const json_t *v, void *p, void *base)
{
    rs_ts       *ts = p;
    json_int_t   sec;
    int          off, has_off;

    (void) base;

    if (!json_is_object(v)) {
        return json_is_null(v) ? 0 : -1;
    }

    if (json_unpack((json_t *) v, "{s:I,s:i,s:b}", "sec", &sec,
                    "off_min", &off, "has_off", &has_off) != 0)
    {
        return -1;
    }

    ts->sec = sec;
    ts->off_min = off;
    ts->has_off = (uint8_t) has_off;
    ts->valid = 1;

    return 0;
}


/* "files": [{path, format, detected, lines, bytes, unparsed, error}] */

static json_t *
rs_files_save(const void *p, const void *base)
{
    const rs_agg  *a = base;
    json_t        *files = json_array();
    size_t         i;

    (void) p;

    for (i = 0; files != NULL && i < a->nfiles; i++) {
        const rs_file  *fl = &a->files[i];

        json_array_append_new(files, json_pack("{s:o,s:o,s:b,s:I,s:I,s:I,"
            "s:o}", "path", rs_str_or_null(fl->path),
            "format", rs_str_or_null(fl->format), "detected", fl->detected,
            "lines", (json_int_t) fl->lines, "bytes", (json_int_t) fl->bytes,
            "unparsed", (json_int_t) fl->unparsed,
            "error", rs_str_or_null(fl->error)));
    }

    return files;
}


static int
rs_files_load(const json_t *files, void *p, void *base)
{
    rs_agg      *a = base;
    json_t      *v, *jformat, *jerror;
    json_int_t   n[3];
    int          detected;
    const char  *fpath, *format, *error;
    size_t       i;
    rs_file     *fl;

    (void) p;

    json_array_foreach(files, i, v) {
        if (json_unpack(v, "{s:s,s:o,s:b,s:I,s:I,s:I,s:o}", "path", &fpath,
                        "format", &jformat, "detected", &detected,
                        "lines", &n[0], "bytes", &n[1], "unparsed", &n[2],
                        "error", &jerror) != 0)
        {
            return -1;
        }

        /* both may be null */
        format = json_string_value(jformat);
        error = json_string_value(jerror);

        fl = rs_agg_file(a, fpath);
        if (fl == NULL || rs_file_set(&fl->format, format)
            || rs_file_set(&fl->error, error))
        {
            return -1;
        }

        fl->detected = detected;
        /* a file no parser read fails --fail-on in the merge too */
        fl->unreadable = error != NULL && strstr(error, RS_UNREADABLE) != NULL;
        fl->lines = (uint64_t) n[0];
        fl->bytes = (uint64_t) n[1];
        fl->unparsed = (uint64_t) n[2];
    }

    return json_is_array(files) ? 0 : -1;
}


/* "timeline": [[minute, class, count], ...] */

static json_t *
rs_timeline_save(const void *p, const void *base)
{
    const rs_agg  *a = base;
    json_t        *timeline = json_array();
    size_t         i;

    (void) p;

    for (i = 0; timeline != NULL && i < a->cells_cap; i++) {
        if (a->cells[i].used) {
            json_array_append_new(timeline, json_pack("[I,s,I]",
                (json_int_t) a->cells[i].minute,
                rg_class_name((rg_class) a->cells[i].cls),
                (json_int_t) a->cells[i].count));
        }
    }

    return timeline;
}


static int
rs_timeline_load(const json_t *timeline, void *p, void *base)
{
    rs_agg      *a = base;
    json_t      *v, *cls;
    json_int_t   minute, n;
    size_t       i;
    rg_class     c;

    (void) p;

    json_array_foreach(timeline, i, v) {
        /* a minute whose seconds do not fit in 64 bits is no scan's (the
           report multiplies it by 60) */
        if (json_unpack(v, "[I,o,I]", &minute, &cls, &n) != 0
            || minute > INT64_MAX / 60 || minute < INT64_MIN / 60
            || (c = rs_partial_class(cls)) == RG_CLASS_NONE
            || rs_agg_add_cell(a, minute, c, (uint64_t) n) != 0)
        {
            return -1;
        }
    }

    return json_is_array(timeline) ? 0 : -1;
}


/* "keys": {"client": ..., "uri": ..., "upstream": ...} */

static json_t *
rs_keys_save(const void *p, const void *base)
{
    const rs_agg  *a = base;
    json_t        *keys = json_object();
    int            d;

    (void) p;

    for (d = 0; keys != NULL && d < RS_DIM_COUNT; d++) {
        json_object_set_new(keys, rs_dims[d], rs_partial_keys(&a->keys[d]));
    }

    return keys;
}


static int
rs_keys_load(const json_t *keys, void *p, void *base)
{
    int  d;

    (void) p;

    for (d = 0; d < RS_DIM_COUNT; d++) {
        if (rs_partial_load_keys(json_object_get(keys, rs_dims[d]), base,
                                 (rs_dim) d) != 0)
        {
            return -1;
        }
    }

    return 0;
}


static const rs_field_ops  rs_shown_ops = {
    sizeof(rs_ts), rs_shown_save, rs_shown_load, NULL
};
static const rs_field_ops  rs_files_ops = {
    0, rs_files_save, rs_files_load, NULL
};
static const rs_field_ops  rs_timeline_ops = {
    0, rs_timeline_save, rs_timeline_load, NULL
};
static const rs_field_ops  rs_keys_ops = {
    0, rs_keys_save, rs_keys_load, NULL
};

/* per class: [count, suppressed, bytes, by access logs, by error logs] */
static const rs_field  rs_agg_class_fields[] = {
    RS_FIELD(NULL, rs_class_sum, count, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_class_sum, suppressed, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_class_sum, bytes, RS_FT_U64, RS_FM_NONE),
    RS_FIELD(NULL, rs_class_sum, by_log[RS_LOG_ACCESS], RS_FT_U64,
             RS_FM_NONE),
    RS_FIELD(NULL, rs_class_sum, by_log[RS_LOG_ERROR], RS_FT_U64,
             RS_FM_NONE),
};

/*
 * The aggregate's members in document order (after "rstscan_partial",
 * before "findings" and "limit_rules").  A document is loaded into a
 * fresh aggregate, which rs_agg_merge() adds (agg.c): no merge rules.
 */
static const rs_field  rs_agg_fields[] = {
    RS_FIELD("lines", rs_agg, lines, RS_FT_U64, RS_FM_NONE),
    RS_FIELD("bytes", rs_agg, bytes, RS_FT_U64, RS_FM_NONE),
    RS_FIELD("unparsed", rs_agg, unparsed, RS_FT_U64, RS_FM_NONE),
    RS_FIELD("limit_hits", rs_agg, limit_hits, RS_FT_U64, RS_FM_NONE),
    RS_FIELD("timeline_approximate", rs_agg, timeline_approximate,
             RS_FT_BOOL, RS_FM_NONE),
    RS_FIELD("bursts_approximate", rs_agg, bursts_approximate, RS_FT_BOOL,
             RS_FM_NONE),
    RS_FIELD_OPS("shown", rs_agg, shown, &rs_shown_ops, RS_FM_NONE),
    RS_FIELD_OPS("files", rs_agg, files, &rs_files_ops, RS_FM_NONE),
    RS_FIELD_SUB("classes", offsetof(rs_agg, cls), RS_FT_CLASSES,
                 rs_agg_class_fields, 0, sizeof(rs_class_sum)),
    RS_FIELD_OPS("timeline", rs_agg, cells, &rs_timeline_ops, RS_FM_NONE),
    RS_FIELD_OPS("keys", rs_agg, keys, &rs_keys_ops, RS_FM_NONE),
};


int
rs_partial_write(FILE *out, const rs_agg *a, const rs_findings *f)
{
    size_t   i;
    int      rc;
    json_t  *doc, *limit_rules;

    doc = json_pack("{s:i}", "rstscan_partial", RS_PARTIAL_VERSION);

    if (doc == NULL
        || rs_fields_save(doc, rs_agg_fields, RS_NFIELDS(rs_agg_fields), a)
           != 0
        || json_object_set_new(doc, "findings", rs_findings_state(f)) != 0)
    {
        json_decref(doc);
        return -1;
    }

    /* the rules that hit PCRE2's limits, {"id": hits} */
    limit_rules = json_object();
    for (i = 0; limit_rules != NULL && i < a->nlimit_rules; i++) {
        json_object_set_new(limit_rules, a->limit_rules[i].id,
                            json_integer((json_int_t) a->limit_rules[i].hits));
    }
    json_object_set_new(doc, "limit_rules", limit_rules);

    rc = json_dumpf(doc, out, JSON_COMPACT);
    json_decref(doc);

    return rc != 0 || fputc('\n', out) == EOF ? -1 : 0;
}


json_t *
rs_partial_load_file(const char *path, char *err, size_t errlen)
{
    json_t        *doc;
    json_error_t   je;

    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL && je.line < 1) {
        /* not opened or not read: jansson's text names the cause */
        snprintf(err, errlen, "%s: %s", path, je.text);
        return NULL;
    }

    if (doc == NULL) {
        snprintf(err, errlen, "%s:%d:%d: not a partial document: %s", path,
                 je.line, je.column, je.text);
    }

    return doc;
}


const char *
rs_partial_first_path(const json_t *doc)
{
    json_t  *files = json_object_get(doc, "files");

    return json_string_value(json_object_get(json_array_get(files, 0),
                                             "path"));
}


int
rs_partial_add(const json_t *doc, rs_agg *a, rs_findings *f, char *err,
    size_t errlen)
{
    rs_agg  tmp;
    int     rc;

    rs_agg_init(&tmp);
    rc = rs_partial_load(doc, &tmp, f, err, errlen);

    if (rc == 0 && rs_agg_merge(a, &tmp) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }

    rs_agg_free(&tmp);

    return rc;
}


/* A class name of the document; RG_CLASS_NONE when unknown. */
static rg_class
rs_partial_class(const json_t *v)
{
    const char  *s = json_string_value(v);

    return s ? rg_class_from_name(s, strlen(s)) : RG_CLASS_NONE;
}


static int
rs_partial_load(const json_t *doc, rs_agg *a, rs_findings *f, char *err,
    size_t errlen)
{
    json_int_t    version;
    json_error_t  je;
    const char   *name;
    json_t       *v;

    if (json_unpack_ex((json_t *) doc, &je, 0, "{s:I}", "rstscan_partial",
                       &version) != 0
        || version != RS_PARTIAL_VERSION)
    {
        snprintf(err, errlen, "not an rstscan partial document of version"
                 " %d", RS_PARTIAL_VERSION);
        return -1;
    }

    if (rs_fields_load(doc, rs_agg_fields, RS_NFIELDS(rs_agg_fields), a, err,
                       errlen) != 0)
    {
        return -1;
    }

    json_object_foreach(json_object_get(doc, "limit_rules"), name, v) {
        if (!json_is_integer(v)
            || rs_agg_limit_rule(a, name, (uint64_t) json_integer_value(v))
               != 0)
        {
            snprintf(err, errlen, "limit_rules: %s: not a count", name);
            return -1;
        }
    }

    v = json_object_get(doc, "findings");
    if (v == NULL) {
        snprintf(err, errlen, "findings: missing");
        return -1;
    }

    return rs_findings_merge_state(f, v, err, errlen);
}


static int
rs_partial_load_keys(const json_t *keys, rs_agg *a, rs_dim dim)
{
    size_t        i, j, len;
    json_t       *entries, *e, *times, *tk, *cls;
    json_int_t    count, sec, n;
    int           approx, off, has_off, rc;
    const char   *key;
    rs_keytab    *t = &a->keys[dim];
    rs_kcell     *c;
    rg_class      k;
    json_int_t    dropped;

    if (json_unpack((json_t *) keys, "{s:b,s:I,s:o}", "approximate", &approx,
                    "dropped_max", &dropped, "entries", &entries) != 0
        || !json_is_array(entries))
    {
        return -1;
    }

    t->approximate |= approx;
    t->dropped_max = (uint64_t) dropped > t->dropped_max
                     ? (uint64_t) dropped : t->dropped_max;

    json_array_foreach(entries, i, e) {
        if (json_unpack(e, "[s%,o,I,o]", &key, &len, &cls, &count, &times)
            != 0 || (k = rs_partial_class(cls)) == RG_CLASS_NONE
            || !json_is_array(times))
        {
            return -1;
        }

        c = rs_keytab_cell(t, k, key, len);
        if (c == NULL) {
            return -1;
        }

        c->count += (uint64_t) count;

        json_array_foreach(times, j, tk) {
            if (json_unpack(tk, "[I,i,b,I]", &sec, &off, &has_off, &n) != 0)
            {
                return -1;
            }

            /* the cell moves when the table grows: found again each time */
            c = rs_keytab_cell(t, k, key, len);
            if (c == NULL) {
                return -1;
            }

            rc = rs_kcell_event(t, c, sec, off, has_off, (uint64_t) n,
                                a->ticks < RS_TICKS_MAX, &a->ticks);
            if (rc < 0) {
                return -1;
            }

            a->bursts_approximate |= rc > 0;
        }
    }

    return 0;
}
