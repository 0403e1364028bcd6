/*
 * Field lists (analyzer/findings/fields.h): one table saves, loads and merges a
 * state; a document that lacks or mistypes a member is refused by name.
 */

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "fields.h"
#include "findings.h"
#include "partial.h"
#include "rg_class.h"

typedef struct {
    uint64_t  n[RG_CLASS_COUNT];
    int64_t   first[RG_CLASS_COUNT];
} pair_t;

typedef struct {
    uint64_t  total, peak;
    int64_t   since;
    int       flag;
    char      unit;
    uint64_t  a, b;
    pair_t    cls;
} state_t;

static const rs_field  list_fields[] = {
    RS_FIELD(NULL, state_t, a, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, state_t, b, RS_FT_U64, RS_FM_MAX),
};

static const rs_field  class_fields[] = {
    RS_FIELD(NULL, pair_t, n, RS_FT_U64, RS_FM_SUM),
    RS_FIELD(NULL, pair_t, first, RS_FT_I64, RS_FM_MIN),
};

static const rs_field  fields[] = {
    RS_FIELD("total", state_t, total, RS_FT_U64, RS_FM_SUM),
    RS_FIELD("peak", state_t, peak, RS_FT_U64, RS_FM_MAX),
    RS_FIELD("since", state_t, since, RS_FT_I64, RS_FM_MIN),
    RS_FIELD("flag", state_t, flag, RS_FT_BOOL, RS_FM_MAX),
    RS_FIELD("unit", state_t, unit, RS_FT_CHAR, RS_FM_NONE),
    RS_FIELD_SUB("pair", 0, RS_FT_LIST, list_fields, 0, 0),
    RS_FIELD_SUB("classes", offsetof(state_t, cls), RS_FT_CLASSES,
                 class_fields, 0, 0),
};

static char *
save(const state_t *s)
{
    json_t  *o = json_object();

    cr_assert_eq(rs_fields_save(o, fields, RS_NFIELDS(fields), s), 0);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

Test(fields, save_in_table_order_and_load_back)
{
    state_t  s, back;
    char     err[200];

    memset(&s, 0, sizeof(s));
    s.total = 7;
    s.peak = 3;
    s.since = -5;
    s.flag = 1;
    s.unit = 'm';
    s.a = 1;
    s.b = 2;
    s.cls.n[RG_CLASS_CLIENT_RESET] = 4;
    s.cls.first[RG_CLASS_CLIENT_RESET] = 100;
    s.cls.first[RG_CLASS_CLIENT_CLOSED] = 9;    /* no count: not saved */

    char *text = save(&s);
    cr_assert_str_eq(text, "{\"total\":7,\"peak\":3,\"since\":-5,\"flag\":true,"
                     "\"unit\":\"m\",\"pair\":[1,2],\"classes\":"
                     "{\"client_reset\":[4,100]}}");

    json_t *doc = json_loads(text, 0, NULL);
    memset(&back, 0, sizeof(back));
    cr_assert_eq(rs_fields_load(doc, fields, RS_NFIELDS(fields), &back, err,
                                sizeof(err)), 0, "%s", err);
    s.cls.first[RG_CLASS_CLIENT_CLOSED] = 0;
    cr_assert_eq(memcmp(&s, &back, sizeof(s)), 0);
    json_decref(doc);
    free(text);
}

Test(fields, merge_by_each_rule)
{
    state_t  d, s;

    memset(&d, 0, sizeof(d));
    memset(&s, 0, sizeof(s));
    d.total = 1;
    d.peak = 9;
    d.since = 50;
    d.a = 1;
    d.b = 10;
    d.cls.n[2] = 1;
    d.cls.first[2] = 30;
    s.total = 2;
    s.peak = 4;
    s.since = 20;
    s.flag = 1;
    s.unit = 's';
    s.a = 5;
    s.b = 3;
    s.cls.n[2] = 6;
    s.cls.first[2] = 40;

    cr_assert_eq(rs_fields_merge(fields, RS_NFIELDS(fields), &d, &s), 0);
    cr_assert_eq(d.total, 3);
    cr_assert_eq(d.peak, 9);
    cr_assert_eq(d.since, 20);
    cr_assert_eq(d.flag, 1);
    cr_assert_eq(d.unit, '\0');         /* NONE: its owner merges it */
    cr_assert_eq(d.a, 6);
    cr_assert_eq(d.b, 10);
    cr_assert_eq(d.cls.n[2], 7);
    cr_assert_eq(d.cls.first[2], 30);
}

Test(fields, missing_or_mistyped_member_is_named)
{
    state_t  s;
    char     err[200];
    json_t  *doc;

    doc = json_loads("{\"total\":1,\"peak\":\"x\"}", 0, NULL);
    memset(&s, 0, sizeof(s));
    cr_assert_eq(rs_fields_load(doc, fields, RS_NFIELDS(fields), &s, err,
                                sizeof(err)), -1);
    cr_assert_str_eq(err, "peak: expected an integer, got a string");
    json_decref(doc);

    doc = json_loads("{\"total\":1,\"peak\":2,\"since\":3,\"flag\":false,"
                     "\"unit\":\"s\",\"pair\":[1,2,3]}", 0, NULL);
    cr_assert_eq(rs_fields_load(doc, fields, RS_NFIELDS(fields), &s, err,
                                sizeof(err)), -1);
    cr_assert_str_eq(err, "pair: expected an array of the row's values, got"
                     " an array");
    json_decref(doc);

    doc = json_loads("{\"total\":1,\"peak\":2,\"since\":3,\"flag\":false,"
                     "\"unit\":\"s\",\"pair\":[1,2],\"classes\":{\"nope\":"
                     "[1,2]}}", 0, NULL);
    cr_assert_eq(rs_fields_load(doc, fields, RS_NFIELDS(fields), &s, err,
                                sizeof(err)), -1);
    cr_assert_str_eq(err, "classes: bad class \"nope\"");
    json_decref(doc);
}

/* A --partial document whose findings lack a counter is refused by name. */
Test(fields, partial_findings_member_missing_is_named)
{
    rs_findings  *f = rs_findings_create();
    rs_agg        a;
    char          err[300];

    rs_agg_init(&a);
    json_t *st = rs_findings_state(f);
    cr_assert_not_null(st);
    json_object_del(st, "counters");
    cr_assert_eq(rs_findings_merge_state(f, st, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "findings: counters: missing");
    json_decref(st);
    rs_agg_free(&a);
    rs_findings_free(f);
}
