/*
 * print_json.c - the --json report (analyzer/README.md).  Every value is
 * built and encoded by jansson; only the members that grow with the input
 * (timeline, bursts) are written element by element.
 */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hugearr.h"
#include "partial.h"
#include "print.h"


static json_t *rs_json_files(const rs_agg *a);
static json_t *rs_json_classes(const rs_report *rep);
static json_t *rs_json_top(const rs_top *top, size_t n);
static int rs_json_put(FILE *out, json_t *v, int indent, size_t flags);
static int rs_json_member(FILE *out, const char *key, json_t *v, int first);
static int rs_json_timeline(const rs_report *rep, FILE *out);
static int rs_json_bursts(const rs_report *rep, FILE *out);
static json_t *rs_json_str(const char *s);


/*
 * A C string or JSON null.  Logs carry any bytes: text that is not UTF-8
 * comes out with '?' for its non-ASCII bytes (rs_json_bytes) instead of
 * making jansson drop the value (make fuzz, target auto).
 */
static json_t *
rs_json_str(const char *s)
{
    return s ? rs_json_bytes(s, strlen(s)) : json_null();
}


/* [{"id": "...", "hits": N}]: the rules that hit PCRE2's limits. */
static json_t *
rs_json_limit_rules(const rs_agg *a)
{
    size_t   i;
    json_t  *arr = json_array();

    for (i = 0; arr != NULL && i < a->nlimit_rules; i++) {
        json_array_append_new(arr, json_pack("{s:s, s:I}",
            "id", a->limit_rules[i].id,
            "hits", (json_int_t) a->limit_rules[i].hits));
    }

    return arr;
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
            "{s:I, s:I, s:I, s:f, s:s, s:{s:I, s:I}, s:o, s:o, s:o}",
            "count", (json_int_t) c->sum.count,
            "suppressed", (json_int_t) c->sum.suppressed,
            "bytes", (json_int_t) c->sum.bytes,
            "share", c->share,
            "side", rg_side_name(rg_class_side(c->cls)),
            "by_log", "access", (json_int_t) c->sum.by_log[RS_LOG_ACCESS],
                      "error", (json_int_t) c->sum.by_log[RS_LOG_ERROR],
            "top_clients", rs_json_top(c->top[RS_DIM_CLIENT],
                                       c->ntop[RS_DIM_CLIENT]),
            "top_uris", rs_json_top(c->top[RS_DIM_URI], c->ntop[RS_DIM_URI]),
            "top_upstreams", rs_json_top(c->top[RS_DIM_UPSTREAM],
                                         c->ntop[RS_DIM_UPSTREAM])));
    }

    return obj;
}


/*
 * Writes v (then frees it) as jansson dumps it, every line after the first
 * indented by `indent` more spaces, so a member sits at its depth.
 * Returns -1 when v is NULL (out of memory) or cannot be dumped.
 */
static int
rs_json_put(FILE *out, json_t *v, int indent, size_t flags)
{
    char  *text, *p, *nl;

    if (v == NULL) {
        return -1;
    }

    text = json_dumps(v, flags | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
    json_decref(v);
    if (text == NULL) {
        return -1;
    }

    for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        fwrite(p, 1, (size_t) (nl + 1 - p), out);
        fprintf(out, "%*s", indent, "");
    }
    fputs(p, out);
    free(text);

    return 0;
}


/* `"key": value` at depth 1, the value dumped by jansson. */
static int
rs_json_member(FILE *out, const char *key, json_t *v, int first)
{
    fputs(first ? "\n  " : ",\n  ", out);
    rs_json_put(out, json_string(key), 0, 0);
    fputs(": ", out);

    return rs_json_put(out, v, 2, JSON_INDENT(2));
}


/*
 * One timeline point, `{"minute": "...", "count": N}`, as jansson writes a
 * two-member object without flags.  The only string is a time that
 * rs_time_format made of digits, '-', 'T', ':' and '+', which JSON takes
 * as it is; jansson building and dumping an object per point took 0.7 us,
 * 65 ms for a week of 12 classes, all of it after the scan.  The unit
 * tests parse the timeline back with jansson.
 */
static size_t
rs_json_point(char *buf, const char *minute, uint64_t count)
{
    char    digits[24], *d = digits + sizeof(digits);
    size_t  n = 0, len;

#define rs_json_lit(s)  (memcpy(buf + n, s, sizeof(s) - 1), n += sizeof(s) - 1)

    do {
        *--d = (char) ('0' + count % 10);
        count /= 10;
    } while (count > 0);

    len = strlen(minute);
    rs_json_lit("{\"minute\": \"");
    memcpy(buf + n, minute, len);
    n += len;
    rs_json_lit("\", \"count\": ");
    len = (size_t) (digits + sizeof(digits) - d);
    memcpy(buf + n, d, len);
    n += len;
    rs_json_lit("}");

#undef rs_json_lit

    return n;
}


/*
 * The two members that grow with the input (a point per class and
 * minute, a burst per client and episode) are written element by element,
 * so the report never holds them as one jansson tree: memory stays
 * bounded whatever the time span.
 */
static int
rs_json_timeline(const rs_report *rep, FILE *out)
{
    size_t   i, j, n;
    char     buf[64], text[128];
    int      first = 1;

    fputs(",\n  \"timeline\": {", out);

    /* in the order of the classes object */
    for (i = 0; i < rep->nclasses; i++) {
        rg_class  c = rep->classes[i].cls;

        if (rep->ntimeline[c] == 0) {
            continue;
        }

        fputs(first ? "\n    " : ",\n    ", out);
        first = 0;
        rs_json_put(out, json_string(rg_class_name(c)), 0, 0);
        fputs(": [", out);

        for (j = 0; j < rep->ntimeline[c]; j++) {
            const rs_point  *pt = &rep->timeline[c][j];

            n = rs_json_point(text, rs_time_format(&pt->minute, 0, buf,
                                                   sizeof(buf)), pt->count);
            fputs(j ? ",\n      " : "\n      ", out);
            fwrite(text, 1, n, out);
        }

        fputs("\n    ]", out);
    }

    fputs(first ? "}" : "\n  }", out);

    return 0;
}


/* The timeline's text, rendered ahead (rep->ahead): megabytes for a
   week, grown in pages the kernel may back with 2 MiB ones (hugearr.h),
   without open_memstream's zeroing and copying of every step. */
typedef struct {
    char    *text;
    size_t   len, cap;
} rs_json_ahead;


static void
rs_json_ahead_free(void *p)
{
    rs_json_ahead  *a = p;

    rs_hugearr_free(a->text, a->cap);
    free(a);
}


/* fopencookie's write: n, or 0 (an error) when out of memory. */
static ssize_t
rs_json_ahead_write(void *p, const char *buf, size_t n)
{
    rs_json_ahead  *a = p;
    size_t          cap = a->cap ? a->cap : 64 * 1024;

    while (cap - a->len < n) {
        cap *= 2;
    }

    if (cap != a->cap) {
        if (rs_hugearr_resize((void **) &a->text, a->cap, cap, 0) != 0) {
            return 0;
        }
        a->cap = cap;
    }

    memcpy(a->text + a->len, buf, n);
    a->len += n;

    return (ssize_t) n;
}


/*
 * The timeline rendered into memory by the thread that built it, while
 * the top lists and findings are still being built (report.h,
 * series_done).  A timeline of more than RS_JSON_AHEAD_POINTS is left to
 * rs_print_json, which streams it.
 */
int
rs_json_timeline_ahead(rs_report *rep)
{
    FILE           *mem;
    size_t          i, n = 0;
    int             rc;
    rs_json_ahead  *a;

    for (i = 0; i < RG_CLASS_COUNT; i++) {
        n += rep->ntimeline[i];
    }

    if (n > RS_JSON_AHEAD_POINTS) {
        return 0;
    }

    a = calloc(1, sizeof(rs_json_ahead));
    if (a == NULL) {
        return -1;
    }

    mem = fopencookie(a, "w", (cookie_io_functions_t) {
                          .write = rs_json_ahead_write });
    if (mem == NULL) {
        free(a);
        return -1;
    }
    (void) setvbuf(mem, NULL, _IOFBF, 64 * 1024);

    rc = rs_json_timeline(rep, mem);

    if (fclose(mem) != 0 || rc != 0) {
        rs_json_ahead_free(a);
        return -1;
    }

    rep->ahead = a;
    rep->ahead_free = rs_json_ahead_free;

    return 0;
}


static int
rs_json_bursts(const rs_report *rep, FILE *out)
{
    size_t  i;
    char    start[64], end[64];
    int     rc = 0;

    fputs(",\n  \"bursts\": [", out);

    for (i = 0; i < rep->nbursts && rc == 0; i++) {
        const rs_burst  *b = &rep->bursts[i];

        fputs(i ? ",\n    " : "\n    ", out);
        rc = rs_json_put(out, json_pack("{s:s, s:o, s:s, s:s, s:I}",
            "class", rg_class_name(b->cls),
            "key", rs_json_str(b->key),
            "start", rs_time_format(&b->start, 1, start, sizeof(start)),
            "end", rs_time_format(&b->end, 1, end, sizeof(end)),
            "count", (json_int_t) b->count), 0, 0);
    }

    fputs(rep->nbursts ? "\n  ]" : "]", out);

    return rc;
}


int
rs_print_json(const rs_report *rep, FILE *out)
{
    const rs_agg         *a = rep->agg;
    const rs_json_ahead  *ahead = rep->ahead;
    int                   rc;

    fputs("{", out);

    rc = rs_json_member(out, "files", rs_json_files(a), 1)
         | rs_json_member(out, "lines", json_integer((json_int_t) a->lines), 0)
         | rs_json_member(out, "bytes", json_integer((json_int_t) a->bytes), 0)
         | rs_json_member(out, "unparsed",
                          json_integer((json_int_t) a->unparsed), 0)
         | rs_json_member(out, "limit_hits",
                          json_integer((json_int_t) a->limit_hits), 0)
         | rs_json_member(out, "limit_rules", rs_json_limit_rules(a), 0)
         | rs_json_member(out, "classes", rs_json_classes(rep), 0)
         | (ahead != NULL
            ? (fwrite(ahead->text, 1, ahead->len, out) == ahead->len ? 0 : -1)
            : rs_json_timeline(rep, out))
         | rs_json_bursts(rep, out)
         | rs_json_member(out, "truncations",
                          rs_json_truncations(rep->findings), 0)
         | rs_json_member(out, "findings", rs_json_findings(rep->findings), 0)
         | rs_json_member(out, "approximate", json_pack("{s:b, s:I, s:b, s:b}",
               "top", rep->keys_approximate,
               "top_error", (json_int_t) rs_report_key_error(rep),
               "timeline", a->timeline_approximate,
               "bursts", a->bursts_approximate), 0);

    fputs("\n}\n", out);

    return rc != 0 || ferror(out) ? -1 : 0;
}
