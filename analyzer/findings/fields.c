/*
 * fields.c - saving, loading and merging a state by its field list
 * (fields.h).
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "rg_class.h"


static size_t
rs_field_size(const rs_field *f)
{
    switch (f->type) {
    case RS_FT_U64:
        return sizeof(uint64_t);
    case RS_FT_I64:
        return sizeof(int64_t);
    case RS_FT_INT:
    case RS_FT_BOOL:
        return sizeof(int);
    case RS_FT_CHAR:
        return 1;
    case RS_FT_U64S:
        return f->n * sizeof(uint64_t);
    case RS_FT_OPS:
        return f->ops->size;
    default:
        return 0;
    }
}


/* The address of element idx of field f of the struct at base. */
static void *
rs_field_at(const void *base, const rs_field *f, size_t idx, size_t stride)
{
    return (char *) base + f->off + idx * (stride ? stride : rs_field_size(f));
}


static json_t *
rs_value_save(const rs_field *f, const void *p, const void *base)
{
    char     s[2];
    json_t  *arr;
    size_t   i;

    switch (f->type) {
    case RS_FT_U64:
        return json_integer((json_int_t) *(const uint64_t *) p);
    case RS_FT_I64:
        return json_integer((json_int_t) *(const int64_t *) p);
    case RS_FT_INT:
        return json_integer((json_int_t) *(const int *) p);
    case RS_FT_BOOL:
        return json_boolean(*(const int *) p);
    case RS_FT_CHAR:
        s[0] = *(const char *) p;
        s[1] = '\0';
        return json_string(s);
    case RS_FT_U64S:
        arr = json_array();
        for (i = 0; arr != NULL && i < f->n; i++) {
            json_array_append_new(arr, json_integer((json_int_t)
                                  ((const uint64_t *) p)[i]));
        }
        return arr;
    case RS_FT_OPS:
        return f->ops->save(p, base);
    default:
        return NULL;
    }
}


static int
rs_value_load(const rs_field *f, const json_t *v, void *p, void *base)
{
    size_t  i;

    switch (f->type) {
    case RS_FT_U64:
    case RS_FT_I64:
    case RS_FT_INT:
        if (!json_is_integer(v)) {
            return -1;
        }
        if (f->type == RS_FT_U64) {
            *(uint64_t *) p = (uint64_t) json_integer_value(v);
        } else if (f->type == RS_FT_I64) {
            *(int64_t *) p = json_integer_value(v);
        } else {
            *(int *) p = (int) json_integer_value(v);
        }
        return 0;
    case RS_FT_BOOL:
        if (!json_is_boolean(v)) {
            return -1;
        }
        *(int *) p = json_is_true(v);
        return 0;
    case RS_FT_CHAR:
        if (json_string_length(v) != 1) {
            return -1;
        }
        *(char *) p = json_string_value(v)[0];
        return 0;
    case RS_FT_U64S:
        if (!json_is_array(v) || json_array_size(v) != f->n) {
            return -1;
        }
        for (i = 0; i < f->n; i++) {
            if (!json_is_integer(json_array_get(v, i))) {
                return -1;
            }
            ((uint64_t *) p)[i] = (uint64_t) json_integer_value(
                                      json_array_get(v, i));
        }
        return 0;
    case RS_FT_OPS:
        return f->ops->load(v, p, base);
    default:
        return -1;
    }
}


static int
rs_value_merge(const rs_field *f, void *dst, const void *src)
{
    int64_t  d, s;

    if (f->merge == RS_FM_NONE) {
        return 0;
    }

    if (f->merge == RS_FM_OPS) {
        return f->ops->merge(dst, src);
    }

    if (f->type == RS_FT_U64 || f->type == RS_FT_U64S) {
        uint64_t  *ud = dst, us;
        size_t     i;

        for (i = 0; i < (f->type == RS_FT_U64S ? f->n : 1); i++) {
            us = ((const uint64_t *) src)[i];
            ud[i] = f->merge == RS_FM_SUM ? ud[i] + us
                    : f->merge == RS_FM_MIN ? (us < ud[i] ? us : ud[i])
                    : (us > ud[i] ? us : ud[i]);
        }
        return 0;
    }

    d = f->type == RS_FT_I64 ? *(int64_t *) dst : *(int *) dst;
    s = f->type == RS_FT_I64 ? *(const int64_t *) src : *(const int *) src;
    d = f->merge == RS_FM_SUM ? d + s
        : f->merge == RS_FM_MIN ? (s < d ? s : d) : (s > d ? s : d);

    if (f->type == RS_FT_I64) {
        *(int64_t *) dst = d;
    } else {
        *(int *) dst = (int) d;
    }

    return 0;
}


/* Element idx of a sub-list as one positional array. */
static json_t *
rs_pos_save(const rs_field *row, const void *base, size_t idx)
{
    json_t          *arr = json_array();
    const void      *sub = (const char *) base + row->off;
    const rs_field  *f;
    size_t           i;

    for (i = 0; arr != NULL && i < row->nsub; i++) {
        f = &row->sub[i];
        if (json_array_append_new(arr, rs_value_save(f,
                rs_field_at(sub, f, idx, row->stride), base)) != 0)
        {
            json_decref(arr);
            return NULL;
        }
    }

    return arr;
}


static int
rs_pos_load(const rs_field *row, const json_t *arr, void *base, size_t idx)
{
    void            *sub = (char *) base + row->off;
    const rs_field  *f;
    size_t           i;

    if (!json_is_array(arr) || json_array_size(arr) != row->nsub) {
        return -1;
    }

    for (i = 0; i < row->nsub; i++) {
        f = &row->sub[i];
        if (rs_value_load(f, json_array_get(arr, i),
                          rs_field_at(sub, f, idx, row->stride), base) != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
rs_pos_merge(const rs_field *row, void *dst, const void *src, size_t idx)
{
    const rs_field  *f;
    size_t           i;

    for (i = 0; i < row->nsub; i++) {
        f = &row->sub[i];
        if (rs_value_merge(f, rs_field_at((char *) dst + row->off, f, idx,
                                          row->stride),
                           rs_field_at((const char *) src + row->off, f, idx,
                                       row->stride)) != 0)
        {
            return -1;
        }
    }

    return 0;
}


/* Whether a class holds anything: one of its counters is not zero. */
static int
rs_class_used(const rs_field *row, const void *base, size_t c)
{
    const void  *sub = (const char *) base + row->off;
    size_t       i;

    for (i = 0; i < row->nsub; i++) {
        if (row->sub[i].type == RS_FT_U64
            && *(const uint64_t *) rs_field_at(sub, &row->sub[i], c,
                                               row->stride) != 0)
        {
            return 1;
        }
    }

    return 0;
}


static json_t *
rs_row_save(const rs_field *f, const void *base)
{
    json_t  *v;
    size_t   i;

    switch (f->type) {
    case RS_FT_LIST:
        return rs_pos_save(f, base, 0);

    case RS_FT_ROWS:
        v = json_array();
        for (i = 0; v != NULL && i < f->n; i++) {
            if (json_array_append_new(v, rs_pos_save(f, base, i)) != 0) {
                json_decref(v);
                return NULL;
            }
        }
        return v;

    case RS_FT_CLASSES:
        v = json_object();
        for (i = 0; v != NULL && i < RG_CLASS_COUNT; i++) {
            if (rs_class_used(f, base, i)
                && json_object_set_new(v, rg_class_name((rg_class) i),
                                       rs_pos_save(f, base, i)) != 0)
            {
                json_decref(v);
                return NULL;
            }
        }
        return v;

    default:
        return rs_value_save(f, rs_field_at(base, f, 0, 0), base);
    }
}


int
rs_fields_save(json_t *obj, const rs_field *list, size_t n, const void *base)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (json_object_set_new(obj, list[i].name,
                                rs_row_save(&list[i], base)) != 0)
        {
            return -1;
        }
    }

    return 0;
}


static int
rs_row_load(const rs_field *f, const json_t *v, void *base, char *err,
    size_t errlen)
{
    const char  *name;
    json_t      *e;
    rg_class     c;
    size_t       i;

    switch (f->type) {
    case RS_FT_LIST:
        return rs_pos_load(f, v, base, 0);

    case RS_FT_ROWS:
        if (!json_is_array(v) || json_array_size(v) < f->n) {
            return -1;
        }
        for (i = 0; i < f->n; i++) {
            if (rs_pos_load(f, json_array_get(v, i), base, i) != 0) {
                snprintf(err, errlen, "%s[%zu]: bad entry", f->name, i);
                return -2;
            }
        }
        return 0;

    case RS_FT_CLASSES:
        if (!json_is_object(v)) {
            return -1;
        }
        json_object_foreach((json_t *) v, name, e) {
            c = rg_class_from_name(name, strlen(name));
            if (c == RG_CLASS_NONE || rs_pos_load(f, e, base, c) != 0) {
                snprintf(err, errlen, "%s: bad class \"%s\"", f->name, name);
                return -2;
            }
        }
        return 0;

    default:
        return rs_value_load(f, v, rs_field_at(base, f, 0, 0), base);
    }
}


/* What a row's JSON value must be, for an error message. */
static const char *
rs_expected(const rs_field *f)
{
    static const char  *what[] = {
        "an integer", "an integer", "an integer", "true or false",
        "a one-letter string", "an array of integers",
        "a valid value (or memory ran out)",
        "an array of the row's values", "an array of rows",
        "an object of classes"
    };

    return what[f->type];
}


static const char *
rs_json_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real";
    case JSON_NULL:
        return "null";
    default:
        return "a boolean";
    }
}


int
rs_fields_load(const json_t *obj, const rs_field *list, size_t n, void *base,
    char *err, size_t errlen)
{
    size_t   i;
    json_t  *v;
    int      rc;

    for (i = 0; i < n; i++) {
        v = json_object_get(obj, list[i].name);
        rc = v == NULL ? -1 : rs_row_load(&list[i], v, base, err, errlen);

        if (rc == -1 && v == NULL) {
            snprintf(err, errlen, "%s: missing", list[i].name);

        } else if (rc == -1) {
            snprintf(err, errlen, "%s: expected %s, got %s", list[i].name,
                     rs_expected(&list[i]), rs_json_type(v));
        }

        if (rc != 0) {
            return -1;
        }
    }

    return 0;
}


json_t *
rs_fields_pos_save(const rs_field *list, size_t n, const void *base)
{
    rs_field  row = { NULL, 0, RS_FT_LIST, RS_FM_NONE, NULL, list, n, 0, 0 };

    return rs_pos_save(&row, base, 0);
}


int
rs_fields_pos_load(const json_t *arr, const rs_field *list, size_t n,
    void *base)
{
    rs_field  row = { NULL, 0, RS_FT_LIST, RS_FM_NONE, NULL, list, n, 0, 0 };

    return rs_pos_load(&row, arr, base, 0);
}


int
rs_fields_merge(const rs_field *list, size_t n, void *dst, const void *src)
{
    const rs_field  *f;
    size_t           i, k, count;

    for (i = 0; i < n; i++) {
        f = &list[i];

        if (f->sub == NULL) {
            if (rs_value_merge(f, rs_field_at(dst, f, 0, 0),
                               rs_field_at(src, f, 0, 0)) != 0)
            {
                return -1;
            }
            continue;
        }

        count = f->type == RS_FT_LIST ? 1
                : f->type == RS_FT_ROWS ? f->n : RG_CLASS_COUNT;

        for (k = 0; k < count; k++) {
            if (rs_pos_merge(f, dst, src, k) != 0) {
                return -1;
            }
        }
    }

    return 0;
}
