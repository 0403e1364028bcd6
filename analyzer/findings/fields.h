/*
 * fields.h - field lists: the members of a C struct that a --partial
 * document holds, one row each (JSON name, offset, type, merge rule), so
 * one table says how a state is saved, loaded and merged.  Adding a
 * counter to a state is one row; nothing maps positions by hand.
 *
 * A row's value sits at base + off.  Scalars (U64, I64, INT, BOOL, CHAR)
 * are JSON numbers, booleans or one-character strings; U64S is n uint64_t
 * side by side, one array of numbers (a count per server).  OPS rows are
 * saved, loaded and merged by their callbacks (a sample text, a hash of
 * minutes).  Three rows hold a sub-list:
 *   LIST     its fields as one positional array ("counters": [a, b, ...]);
 *   ROWS     n elements, each a positional array ([[a, b], [a, b], ...]);
 *   CLASSES  one element per class, {"client_closed": [a, b], ...}, only
 *            the classes where a summed integer field is not zero.
 * Elements of ROWS and CLASSES are `stride` bytes apart (an array of
 * structs), or with stride 0 each sub-field is its own array of its type
 * (count[c], first[c], ...).
 */

#ifndef RS_FIELDS_H
#define RS_FIELDS_H

#include <stddef.h>

#include <jansson.h>

typedef enum {
    RS_FT_U64 = 0,              /* uint64_t */
    RS_FT_I64,                  /* int64_t */
    RS_FT_INT,                  /* int, or int32_t */
    RS_FT_BOOL,                 /* int, saved as true/false */
    RS_FT_CHAR,                 /* char, saved as a one-letter string */
    RS_FT_U64S,                 /* uint64_t[n], an array of numbers */
    RS_FT_OPS,
    RS_FT_LIST,
    RS_FT_ROWS,
    RS_FT_CLASSES
} rs_ftype;

/* How merging src into dst treats a field; NONE: its owner merges it. */
typedef enum {
    RS_FM_NONE = 0,
    RS_FM_SUM,
    RS_FM_MIN,
    RS_FM_MAX,
    RS_FM_OPS                   /* the field's ops->merge */
} rs_fmerge;

typedef struct rs_field  rs_field;

typedef struct {
    size_t    size;             /* one element, for arrays of it */
    /* p is the field's address; base the struct the list describes */
    json_t *(*save)(const void *p, const void *base);
    int     (*load)(const json_t *v, void *p, void *base);   /* 0 or -1 */
    int     (*merge)(void *dst, const void *src);   /* for RS_FM_OPS */
} rs_field_ops;

struct rs_field {
    const char          *name;      /* NULL in a positional sub-list */
    size_t               off;
    rs_ftype             type;
    rs_fmerge            merge;
    const rs_field_ops  *ops;       /* RS_FT_OPS */
    const rs_field      *sub;       /* LIST, ROWS, CLASSES */
    size_t               nsub;
    size_t               n;         /* ROWS, U64S: how many elements */
    size_t               stride;    /* ROWS, CLASSES; see above */
};

#define RS_FIELD(name, type, member, ftype, merge)                          \
    { name, offsetof(type, member), ftype, merge, NULL, NULL, 0, 0, 0 }
#define RS_FIELD_N(name, type, member, n, merge)                            \
    { name, offsetof(type, member), RS_FT_U64S, merge, NULL, NULL, 0, n, 0 }
#define RS_FIELD_OPS(name, type, member, ops, merge)                        \
    { name, offsetof(type, member), RS_FT_OPS, merge, ops, NULL, 0, 0, 0 }
#define RS_FIELD_SUB(name, off, ftype, sub, n, stride)                      \
    { name, off, ftype, RS_FM_NONE, NULL, sub,                              \
      sizeof(sub) / sizeof(sub[0]), n, stride }
#define RS_NFIELDS(list)  (sizeof(list) / sizeof(list[0]))

/* The named fields of list as members added to obj, in list order; 0 or
   -1 (out of memory). */
int rs_fields_save(json_t *obj, const rs_field *list, size_t n,
    const void *base);

/*
 * Loads the named fields of list from obj into base (assigning: base is
 * a fresh state); 0, or -1 with err naming the member that is missing or
 * mistyped.
 */
int rs_fields_load(const json_t *obj, const rs_field *list, size_t n,
    void *base, char *err, size_t errlen);

/* One positional array of the fields of list, and back (assigning). */
json_t *rs_fields_pos_save(const rs_field *list, size_t n, const void *base);
int rs_fields_pos_load(const json_t *arr, const rs_field *list, size_t n,
    void *base);

/* dst += src by each field's merge rule; 0, or -1 (out of memory). */
int rs_fields_merge(const rs_field *list, size_t n, void *dst,
    const void *src);

#endif /* RS_FIELDS_H */
