/*
 * print_json.c - the --json report (DESIGN.md section 3), built as one
 * jansson tree and dumped once.
 */

#include <jansson.h>

#include "print.h"


static json_t *rs_json_files(const rs_agg *a);
static json_t *rs_json_classes(const rs_report *rep);
static json_t *rs_json_top(const rs_top *top, size_t n);
static json_t *rs_json_timeline(const rs_report *rep);
static json_t *rs_json_bursts(const rs_report *rep);
static json_t *rs_json_str(const char *s);


/* A C string or JSON null. */
static json_t *
rs_json_str(const char *s)
{
    return s ? json_string_nocheck(s) : json_null();
}


static json_t *
rs_json_files(const rs_agg *a)
{
    json_t  *arr = json_array();
    size_t   i;

    for (i = 0; i < a->nfiles; i++) {
        const rs_file  *f = &a->files[i];

        json_array_append_new(arr, json_pack("{s:o, s:o, s:I, s:I, s:I, s:o}",
            "path", rs_json_str(f->path),
            "format", rs_json_str(f->format),
            "lines", (json_int_t) f->lines,
            "bytes", (json_int_t) f->bytes,
            "unparsed", (json_int_t) f->unparsed,
            "error", rs_json_str(f->error)));
    }

    return arr;
}


static json_t *
rs_json_top(const rs_top *top, size_t n)
{
    json_t  *arr = json_array();
    size_t   i;

    for (i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:o, s:I}",
            "key", rs_json_str(top[i].key), "count", (json_int_t) top[i].count));
    }

    return arr;
}


static json_t *
rs_json_classes(const rs_report *rep)
{
    json_t  *obj = json_object();
    size_t   i;

    for (i = 0; i < rep->nclasses; i++) {
        const rs_class_report  *c = &rep->classes[i];

        json_object_set_new(obj, rg_class_name(c->cls), json_pack(
            "{s:I, s:I, s:I, s:f, s:s, s:o, s:o, s:o}",
            "count", (json_int_t) c->sum.count,
            "suppressed", (json_int_t) c->sum.suppressed,
            "bytes", (json_int_t) c->sum.bytes,
            "share", c->share,
            "side", rg_side_name(rg_class_side(c->cls)),
            "top_clients", rs_json_top(c->top[RS_DIM_CLIENT],
                                       c->ntop[RS_DIM_CLIENT]),
            "top_uris", rs_json_top(c->top[RS_DIM_URI], c->ntop[RS_DIM_URI]),
            "top_upstreams", rs_json_top(c->top[RS_DIM_UPSTREAM],
                                         c->ntop[RS_DIM_UPSTREAM])));
    }

    return obj;
}


static json_t *
rs_json_timeline(const rs_report *rep)
{
    json_t  *obj = json_object(), *arr;
    size_t   i, j;
    char     buf[64];

    /* in the order of the classes object */
    for (i = 0; i < rep->nclasses; i++) {
        rg_class  c = rep->classes[i].cls;

        if (rep->ntimeline[c] == 0) {
            continue;
        }

        arr = json_array();
        for (j = 0; j < rep->ntimeline[c]; j++) {
            const rs_point  *pt = &rep->timeline[c][j];

            json_array_append_new(arr, json_pack("{s:s, s:I}",
                "minute", rs_time_format(&pt->minute, 0, buf, sizeof(buf)),
                "count", (json_int_t) pt->count));
        }
        json_object_set_new(obj, rg_class_name(c), arr);
    }

    return obj;
}


static json_t *
rs_json_bursts(const rs_report *rep)
{
    json_t  *arr = json_array();
    size_t   i;
    char     start[64], end[64];

    for (i = 0; i < rep->nbursts; i++) {
        const rs_burst  *b = &rep->bursts[i];

        json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:s, s:I}",
            "class", rg_class_name(b->cls),
            "key", rs_json_str(b->key),
            "start", rs_time_format(&b->start, 1, start, sizeof(start)),
            "end", rs_time_format(&b->end, 1, end, sizeof(end)),
            "count", (json_int_t) b->count));
    }

    return arr;
}


int
rs_print_json(const rs_report *rep, FILE *out)
{
    const rs_agg  *a = rep->agg;
    json_t        *root;
    int            rc;

    root = json_pack("{s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:[], s:[],"
                     " s:{s:b, s:I, s:b, s:b}}",
        "files", rs_json_files(a),
        "lines", (json_int_t) a->lines,
        "bytes", (json_int_t) a->bytes,
        "unparsed", (json_int_t) a->unparsed,
        "limit_hits", (json_int_t) a->limit_hits,
        "classes", rs_json_classes(rep),
        "timeline", rs_json_timeline(rep),
        "bursts", rs_json_bursts(rep),
        "truncations",
        "findings",
        "approximate",
            "top", rep->keys_approximate,
            "top_error", (json_int_t) rs_report_key_error(rep),
            "timeline", a->timeline_approximate,
            "bursts", a->bursts_approximate);

    if (root == NULL) {
        return -1;
    }

    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER
                               | JSON_REAL_PRECISION(6));
    fputc('\n', out);
    json_decref(root);

    return rc;
}
