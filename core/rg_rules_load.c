/*
 * rg_rules_load.c - one rule file (rules/README.md) into validated rules.
 *
 * libyaml's document API gives every node with its position, so each error
 * names FILE:LINE:COLUMN (1-based) of the node at fault.  Every key is
 * checked; a rule is either fully valid (its patterns compiled) or the whole
 * file fails: nothing is skipped silently.  rg_rules_bounds.c first checks
 * the file against the bounds of a rule file, so that a hostile one fails
 * fast instead of being built into a document.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "rg_rules_impl.h"


typedef enum {
    RG_KEY_ID = 0,
    RG_KEY_FORMAT,
    RG_KEY_CLASS,
    RG_KEY_MATCH,
    RG_KEY_WHERE,
    RG_KEY_PRIORITY,
    RG_KEY_ADVICE,
    RG_KEY_COUNT
} rg_key;

static const char *const  rg_key_names[RG_KEY_COUNT] = {
    "id", "format", "class", "match", "where", "priority", "advice"
};

/* The keys a rule must have. */
#define RG_KEYS_REQUIRED \
    ((1u << RG_KEY_ID) | (1u << RG_KEY_FORMAT) | (1u << RG_KEY_CLASS) \
     | (1u << RG_KEY_MATCH))

typedef struct {
    rg_ruleset       *rs;
    const char       *name;     /* the file, as errors name it */
    yaml_document_t  *doc;
    rg_error         *err;
} rg_load_ctx;


static void rg_load_error(rg_load_ctx *ctx, const yaml_node_t *node,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));


static void
rg_load_error(rg_load_ctx *ctx, const yaml_node_t *node, const char *fmt, ...)
{
    char     msg[768];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    rg_error_set(ctx->err, "%s:%lu:%lu: %s", ctx->name,
                 (unsigned long) node->start_mark.line + 1,
                 (unsigned long) node->start_mark.column + 1, msg);
}


static const char *
rg_scalar(const yaml_node_t *node)
{
    return (const char *) node->data.scalar.value;
}


/* A plain empty, "~" or "null" scalar is YAML's null. */
static int
rg_scalar_is_null(const yaml_node_t *node)
{
    const char  *v = rg_scalar(node);

    return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
           && (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0
               || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}


/* A non-null scalar, or an error naming the key; returns its text. */
static const char *
rg_load_string(rg_load_ctx *ctx, const char *id, rg_key key,
    const yaml_node_t *node)
{
    if (node->type != YAML_SCALAR_NODE) {
        rg_load_error(ctx, node, "rule \"%s\": \"%s\" must be a string", id,
                      rg_key_names[key]);
        return NULL;
    }

    if (rg_scalar_is_null(node)) {
        rg_load_error(ctx, node, "rule \"%s\": \"%s\" has no value", id,
                      rg_key_names[key]);
        return NULL;
    }

    if (strlen(rg_scalar(node)) != node->data.scalar.length) {
        rg_load_error(ctx, node, "rule \"%s\": \"%s\" contains a NUL byte",
                      id, rg_key_names[key]);
        return NULL;
    }

    return rg_scalar(node);
}


static int
rg_load_regex(rg_load_ctx *ctx, const char *id, const char *what,
    const yaml_node_t *node, rg_regex *re)
{
    int          errcode;
    PCRE2_SIZE   erroffset;
    PCRE2_UCHAR  pmsg[256];

    if (node->data.scalar.length > RG_PATTERN_MAX) {
        rg_load_error(ctx, node, "rule \"%s\": \"%s\" is %lu bytes long; a "
                      "pattern has at most %d", id, what,
                      (unsigned long) node->data.scalar.length,
                      RG_PATTERN_MAX);
        return -1;
    }

    re->code = pcre2_compile((PCRE2_SPTR) rg_scalar(node),
                             node->data.scalar.length, RG_PCRE2_OPTIONS,
                             &errcode, &erroffset, NULL);
    if (re->code != NULL) {
        return 0;
    }

    if (pcre2_get_error_message(errcode, pmsg, sizeof(pmsg)) < 0) {
        snprintf((char *) pmsg, sizeof(pmsg), "PCRE2 error %d", errcode);
    }

    rg_load_error(ctx, node, "rule \"%s\": \"%s\" does not compile: %s "
                  "at offset %lu", id, what, (const char *) pmsg,
                  (unsigned long) erroffset);

    return -1;
}


static int
rg_load_where(rg_load_ctx *ctx, rg_rule *rule, const yaml_node_t *node)
{
    yaml_node_pair_t  *pair;
    yaml_node_t       *k, *v;
    unsigned           seen = 0;
    int                field;
    char               what[64];

    if (node->type != YAML_MAPPING_NODE) {
        rg_load_error(ctx, node,
                      "rule \"%s\": \"%s\" must be a mapping of field: regex",
                      rule->id, "where");
        return -1;
    }

    for (pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++)
    {
        k = yaml_document_get_node(ctx->doc, pair->key);
        v = yaml_document_get_node(ctx->doc, pair->value);

        if (k->type != YAML_SCALAR_NODE) {
            rg_load_error(ctx, k, "rule \"%s\": %s keys must be field names",
                          rule->id, "where");
            return -1;
        }

        field = rg_field_from_name(rg_scalar(k), k->data.scalar.length);
        if (field < 0) {
            rg_load_error(ctx, k, "rule \"%s\": unknown field \"%s\" in where",
                          rule->id, rg_scalar(k));
            return -1;
        }

        if (seen & (1u << field)) {
            rg_load_error(ctx, k,
                          "rule \"%s\": duplicate field \"%s\" in where",
                          rule->id, rg_scalar(k));
            return -1;
        }
        seen |= 1u << field;

        snprintf(what, sizeof(what), "where.%s", rg_scalar(k));

        if (v->type != YAML_SCALAR_NODE || rg_scalar_is_null(v)) {
            rg_load_error(ctx, v, "rule \"%s\": \"%s\" must be a regex",
                          rule->id, what);
            return -1;
        }

        rule->where[rule->nwhere].field = (rg_field) field;
        if (rg_load_regex(ctx, rule->id, what, v,
                          &rule->where[rule->nwhere].re) != 0)
        {
            return -1;
        }
        rule->nwhere++;
    }

    return 0;
}


static int
rg_load_priority(rg_load_ctx *ctx, rg_rule *rule, const yaml_node_t *node)
{
    const char  *v;
    uint64_t     p;
    int          neg;

    if (node->type == YAML_SCALAR_NODE
        && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    {
        v = rg_scalar(node);
        neg = v[0] == '-';
        v += v[0] == '-' || v[0] == '+';

        if (rg_str_uint_cstr(v, RG_PRIORITY_MAX, &p) == 0) {
            rule->priority = neg ? -(long) p : (long) p;
            return 0;
        }
    }

    rg_load_error(ctx, node,
        "rule \"%s\": \"%s\" must be an integer from -1000000 to 1000000",
        rule->id, "priority");

    return -1;
}


/* Fails when the id is already taken in this file or an earlier one (a
   hash lookup: a file of many rules loads in time linear in its size). */
static int
rg_load_check_id(rg_load_ctx *ctx, const char *id, const yaml_node_t *node)
{
    const rg_rule  *r;
    char            first[600];

    r = rg_strtab_get(&ctx->rs->ids, id, strlen(id));
    if (r == NULL) {
        return 0;
    }

    snprintf(first, sizeof(first), "%s:%u:%u", r->file, r->line, r->column);
    rg_load_error(ctx, node, "duplicate id \"%s\" (first defined at %s)", id,
                  first);

    return -1;
}


/* The rule's id as written, for messages about its other keys; "?" when
   it has none (that is reported later). */
static const char *
rg_load_peek_id(rg_load_ctx *ctx, const yaml_node_t *node)
{
    yaml_node_pair_t  *pair;
    yaml_node_t       *k, *v;

    for (pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++)
    {
        k = yaml_document_get_node(ctx->doc, pair->key);
        v = yaml_document_get_node(ctx->doc, pair->value);

        if (k->type == YAML_SCALAR_NODE && strcmp(rg_scalar(k), "id") == 0
            && v->type == YAML_SCALAR_NODE)
        {
            return rg_scalar(v);
        }
    }

    return "?";
}


/* Collects the values of a rule mapping by key; unknown or repeated keys
   fail. */
static int
rg_load_keys(rg_load_ctx *ctx, const yaml_node_t *node,
    yaml_node_t *val[RG_KEY_COUNT])
{
    yaml_node_pair_t  *pair;
    yaml_node_t       *k;
    const char        *id = rg_load_peek_id(ctx, node);
    int                i, key;

    for (pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++)
    {
        k = yaml_document_get_node(ctx->doc, pair->key);

        if (k->type != YAML_SCALAR_NODE) {
            rg_load_error(ctx, k, "rule \"%s\": keys must be names", id);
            return -1;
        }

        key = -1;
        for (i = 0; i < RG_KEY_COUNT; i++) {
            if (strcmp(rg_scalar(k), rg_key_names[i]) == 0) {
                key = i;
            }
        }

        if (key < 0) {
            rg_load_error(ctx, k, "rule \"%s\": unknown key \"%s\"", id,
                          rg_scalar(k));
            return -1;
        }

        if (val[key] != NULL) {
            rg_load_error(ctx, k, "rule \"%s\": duplicate key \"%s\"", id,
                          rg_scalar(k));
            return -1;
        }

        val[key] = yaml_document_get_node(ctx->doc, pair->value);
    }

    return 0;
}


static rg_rule *
rg_load_rule_new(rg_load_ctx *ctx, const char *id, const yaml_node_t *node)
{
    rg_rule  *rule;

    rule = calloc(1, sizeof(rg_rule));
    if (rule == NULL) {
        return NULL;
    }

    rule->id = strdup(id);
    rule->file = strdup(ctx->name);
    rule->advice = strdup("");
    rule->line = (unsigned) node->start_mark.line + 1;
    rule->column = (unsigned) node->start_mark.column + 1;

    if (rule->id == NULL || rule->file == NULL || rule->advice == NULL) {
        rg_rule_free(rule);
        return NULL;
    }

    return rule;
}


/* Fills the rule from the validated key values. */
static int
rg_load_fields(rg_load_ctx *ctx, rg_rule *rule, yaml_node_t *val[])
{
    const char  *s;
    int          v;

    s = rg_load_string(ctx, rule->id, RG_KEY_FORMAT, val[RG_KEY_FORMAT]);
    if (s == NULL) {
        return -1;
    }

    v = rg_format_from_name(s, strlen(s));
    if (v < 0) {
        rg_load_error(ctx, val[RG_KEY_FORMAT],
                      "rule \"%s\": unknown format \"%s\"", rule->id, s);
        return -1;
    }
    rule->format = (rg_format) v;

    s = rg_load_string(ctx, rule->id, RG_KEY_CLASS, val[RG_KEY_CLASS]);
    if (s == NULL) {
        return -1;
    }

    rule->cls = rg_class_from_name(s, strlen(s));
    if (rule->cls == RG_CLASS_NONE) {
        rg_load_error(ctx, val[RG_KEY_CLASS],
                      "rule \"%s\": unknown class \"%s\"", rule->id, s);
        return -1;
    }

    s = rg_load_string(ctx, rule->id, RG_KEY_MATCH, val[RG_KEY_MATCH]);
    if (s == NULL
        || rg_load_regex(ctx, rule->id, "match", val[RG_KEY_MATCH],
                         &rule->match) != 0)
    {
        return -1;
    }

    rule->pattern_len = val[RG_KEY_MATCH]->data.scalar.length;
    rule->pattern = strdup(s);

    if (val[RG_KEY_WHERE] != NULL
        && rg_load_where(ctx, rule, val[RG_KEY_WHERE]) != 0)
    {
        return -1;
    }

    if (val[RG_KEY_PRIORITY] != NULL
        && rg_load_priority(ctx, rule, val[RG_KEY_PRIORITY]) != 0)
    {
        return -1;
    }

    if (val[RG_KEY_ADVICE] != NULL) {
        s = rg_load_string(ctx, rule->id, RG_KEY_ADVICE, val[RG_KEY_ADVICE]);
        if (s == NULL) {
            return -1;
        }
        free(rule->advice);
        rule->advice = strdup(s);
    }

    if (rule->pattern == NULL || rule->advice == NULL) {
        rg_error_set(ctx->err, "%s: out of memory", ctx->name);
        return -1;
    }

    return 0;
}


static int
rg_load_rule(rg_load_ctx *ctx, const yaml_node_t *node)
{
    yaml_node_t  *val[RG_KEY_COUNT] = { NULL };
    const char   *id;
    rg_rule      *rule;
    int           i;

    if (node->type != YAML_MAPPING_NODE) {
        rg_load_error(ctx, node, "a rule must be a mapping (id: ..., "
                      "format: ..., class: ..., match: ...)");
        return -1;
    }

    if (rg_load_keys(ctx, node, val) != 0) {
        return -1;
    }

    if (val[RG_KEY_ID] == NULL) {
        rg_load_error(ctx, node, "rule without \"id\"");
        return -1;
    }

    id = rg_load_string(ctx, "?", RG_KEY_ID, val[RG_KEY_ID]);
    if (id == NULL || rg_load_check_id(ctx, id, val[RG_KEY_ID]) != 0) {
        return -1;
    }

    for (i = 0; i < RG_KEY_COUNT; i++) {
        if ((RG_KEYS_REQUIRED & (1u << i)) && val[i] == NULL) {
            rg_load_error(ctx, node, "rule \"%s\": missing key \"%s\"", id,
                          rg_key_names[i]);
            return -1;
        }
    }

    rule = rg_load_rule_new(ctx, id, val[RG_KEY_ID]);
    if (rule == NULL) {
        rg_error_set(ctx->err, "%s: out of memory", ctx->name);
        return -1;
    }

    if (rg_load_fields(ctx, rule, val) != 0) {
        rg_rule_free(rule);
        return -1;
    }

    if (rg_ruleset_append(ctx->rs, rule) != 0) {
        rg_error_set(ctx->err, "%s: out of memory", ctx->name);
        return -1;
    }

    return 0;
}


static int
rg_load_document(rg_load_ctx *ctx, const yaml_node_t *root)
{
    yaml_node_item_t  *item;

    if (root->type != YAML_SEQUENCE_NODE) {
        rg_load_error(ctx, root, "a rule file must be a list of rules "
                      "(\"- id: ...\")");
        return -1;
    }

    for (item = root->data.sequence.items.start;
         item < root->data.sequence.items.top; item++)
    {
        if (rg_load_rule(ctx, yaml_document_get_node(ctx->doc, *item)) != 0) {
            return -1;
        }
    }

    return 0;
}


int
rg_rules_load_yaml(rg_ruleset *rs, const char *name, const char *buf,
    size_t len, rg_error *err)
{
    yaml_parser_t    parser;
    yaml_document_t  doc;
    yaml_node_t     *root;
    rg_load_ctx      ctx = { rs, name, &doc, err };
    int              rc = 0;

    if (rg_rules_check_bounds(name, buf, len, rs->n, err) != 0) {
        return -1;
    }

    if (!yaml_parser_initialize(&parser)) {
        rg_error_set(err, "%s: out of memory", name);
        return -1;
    }

    yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);

    /* a file may hold several YAML documents; each is a list of rules */
    while (rc == 0) {
        if (!yaml_parser_load(&parser, &doc)) {
            rg_rules_yaml_error(name, &parser, buf, len, err);
            rc = -1;
            break;
        }

        root = yaml_document_get_root_node(&doc);
        if (root == NULL) {
            yaml_document_delete(&doc);
            break;
        }

        rc = rg_load_document(&ctx, root);
        yaml_document_delete(&doc);
    }

    yaml_parser_delete(&parser);

    return rc;
}
