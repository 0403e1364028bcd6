/*
 * rg_rules.c - a ruleset's lifetime, and adding rule files to it.
 *
 * Every add is atomic: when a file (or any file of a directory) fails, the
 * ruleset is left as it was before the call.
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rg_rules_impl.h"
#include "rg_shipped.h"


void
rg_error_set(rg_error *err, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}


rg_ruleset *
rg_ruleset_create(void)
{
    rg_ruleset  *rs;

    rs = calloc(1, sizeof(rg_ruleset));
    if (rs == NULL) {
        return NULL;
    }

    rs->use_jit = 1;

    return rs;
}


void
rg_ruleset_destroy(rg_ruleset *rs)
{
    if (rs == NULL) {
        return;
    }

    rg_ruleset_uncompile(rs);
    rg_ruleset_truncate(rs, 0);
    rg_strtab_free(&rs->ids);
    free(rs->rules);
    free(rs);
}


void
rg_ruleset_set_jit(rg_ruleset *rs, int on)
{
    rs->use_jit = on;
}


size_t
rg_ruleset_count(const rg_ruleset *rs)
{
    return rs->n;
}


const rg_rule *
rg_ruleset_rule(const rg_ruleset *rs, size_t i)
{
    return i < rs->n ? rs->rules[i] : NULL;
}


size_t
rg_ruleset_jit_count(const rg_ruleset *rs)
{
    return rs->jit_count;
}


void
rg_rule_free(rg_rule *rule)
{
    size_t  i;

    if (rule == NULL) {
        return;
    }

    pcre2_code_free(rule->match.code);

    for (i = 0; i < rule->nwhere; i++) {
        pcre2_code_free(rule->where[i].re.code);
    }

    free(rule->id);
    free(rule->advice);
    free(rule->pattern);
    free(rule->file);
    free(rule);
}


int
rg_ruleset_append(rg_ruleset *rs, rg_rule *rule)
{
    rg_rule  **rules;
    size_t     cap;

    if (rs->n == rs->cap) {
        cap = rs->cap ? rs->cap * 2 : 64;
        rules = realloc(rs->rules, cap * sizeof(rg_rule *));
        if (rules == NULL) {
            rg_rule_free(rule);
            return -1;
        }
        rs->rules = rules;
        rs->cap = cap;
    }

    if (rg_strtab_put(&rs->ids, rule->id, strlen(rule->id), rule) != 0) {
        rg_rule_free(rule);
        return -1;
    }

    rule->order = rs->n;
    rs->rules[rs->n++] = rule;
    rs->compiled = 0;

    return 0;
}


void
rg_ruleset_truncate(rg_ruleset *rs, size_t n)
{
    size_t  i;

    rs->compiled = 0;

    if (rs->n <= n) {
        return;
    }

    while (rs->n > n) {
        rg_rule_free(rs->rules[--rs->n]);
    }

    /* the table has no removal: rebuilt in place from the rules left (this
       runs when an add fails; it cannot fail, the slots are there) */
    rg_strtab_clear(&rs->ids);
    for (i = 0; i < rs->n; i++) {
        (void) rg_strtab_put(&rs->ids, rs->rules[i]->id,
                             strlen(rs->rules[i]->id), rs->rules[i]);
    }

    rs->compiled = 0;
}


int
rg_ruleset_add_buffer(rg_ruleset *rs, const char *name, const char *buf,
    size_t len, rg_error *err)
{
    size_t  n = rs->n;

    if (rg_rules_load_yaml(rs, name, buf, len, err) != 0) {
        rg_ruleset_truncate(rs, n);
        return -1;
    }

    return 0;
}


int
rg_ruleset_add_shipped(rg_ruleset *rs, rg_error *err)
{
    size_t  i, n = rs->n;

    for (i = 0; i < rg_shipped_rules_n; i++) {
        if (rg_rules_load_yaml(rs, rg_shipped_rules[i].name,
                               rg_shipped_rules[i].data,
                               rg_shipped_rules[i].len, err) != 0)
        {
            rg_ruleset_truncate(rs, n);
            return -1;
        }
    }

    return 0;
}


/*
 * Reads a whole file (a pipe too: --rules <(...)), or its first
 * RG_RULE_FILE_MAX + 1 bytes: the size check (rg_rules_bounds.c) then
 * names the line and column where the limit is crossed.  NULL with err
 * set.
 */
static char *
rg_rules_read(FILE *f, const char *path, size_t *len, rg_error *err)
{
    char    *buf = NULL, *more;
    size_t   cap = 0, n = 0;

    do {
        if (n == cap) {
            if (cap == RG_RULE_FILE_MAX + 1) {
                break;
            }
            cap = cap ? cap * 2 : 64 * 1024;
            if (cap > RG_RULE_FILE_MAX + 1) {
                cap = RG_RULE_FILE_MAX + 1;
            }
            more = realloc(buf, cap);
            if (more == NULL) {
                free(buf);
                rg_error_set(err, "%s: out of memory", path);
                return NULL;
            }
            buf = more;
        }

        n += fread(buf + n, 1, cap - n, f);
    } while (n == cap);

    if (ferror(f)) {
        free(buf);
        rg_error_set(err, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }

    *len = n;

    return buf;
}


static int
rg_rules_add_file(rg_ruleset *rs, const char *path, rg_error *err)
{
    FILE    *f;
    char    *buf;
    size_t   len;
    int      rc = -1;

    f = fopen(path, "rb");
    if (f == NULL) {
        rg_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }

    buf = rg_rules_read(f, path, &len, err);
    if (buf != NULL) {
        rc = rg_rules_load_yaml(rs, path, buf, len, err);
        free(buf);
    }

    fclose(f);

    return rc;
}


static int
rg_rules_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


static int
rg_rules_is_yaml(const char *name)
{
    size_t  len = strlen(name);

    return (len > 5 && strcmp(name + len - 5, ".yaml") == 0)
           || (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}


/* Lists dir's *.yaml and *.yml names, sorted by strcmp (the C locale). */
static char **
rg_rules_list_dir(const char *dir, size_t *count, rg_error *err)
{
    DIR            *d;
    struct dirent  *de;
    char          **names = NULL, **more;
    size_t          n = 0, cap = 0;

    d = opendir(dir);
    if (d == NULL) {
        rg_error_set(err, "%s: cannot open: %s", dir, strerror(errno));
        return NULL;
    }

    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !rg_rules_is_yaml(de->d_name)) {
            continue;
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            more = realloc(names, cap * sizeof(char *));
            if (more == NULL) {
                goto nomem;
            }
            names = more;
        }

        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            goto nomem;
        }
        n++;
    }

    closedir(d);

    if (n == 0) {
        free(names);
        rg_error_set(err, "%s: no *.yaml or *.yml rule file", dir);
        return NULL;
    }

    qsort(names, n, sizeof(char *), rg_rules_name_cmp);
    *count = n;

    return names;

nomem:

    closedir(d);
    while (n > 0) {
        free(names[--n]);
    }
    free(names);
    rg_error_set(err, "%s: out of memory", dir);

    return NULL;
}


static int
rg_rules_add_dir(rg_ruleset *rs, const char *dir, rg_error *err)
{
    char    **names, path[4096];
    size_t    i, n;
    int       rc = 0;

    names = rg_rules_list_dir(dir, &n, err);
    if (names == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (rc == 0) {
            if ((size_t) snprintf(path, sizeof(path), "%s/%s", dir, names[i])
                >= sizeof(path))
            {
                rg_error_set(err, "%s/%s: path too long", dir, names[i]);
                rc = -1;

            } else {
                rc = rg_rules_add_file(rs, path, err);
            }
        }
        free(names[i]);
    }

    free(names);

    return rc;
}


int
rg_ruleset_add_path(rg_ruleset *rs, const char *path, rg_error *err)
{
    struct stat  st;
    size_t       n = rs->n;
    int          rc;

    if (stat(path, &st) != 0) {
        rg_error_set(err, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }

    rc = S_ISDIR(st.st_mode) ? rg_rules_add_dir(rs, path, err)
                             : rg_rules_add_file(rs, path, err);
    if (rc != 0) {
        rg_ruleset_truncate(rs, n);
    }

    return rc;
}


rg_class
rg_rule_class(const rg_rule *rule)
{
    return rule->cls;
}


const char *
rg_rule_id(const rg_rule *rule)
{
    return rule->id;
}


const char *
rg_rule_advice(const rg_rule *rule)
{
    return rule->advice;
}


rg_format
rg_rule_format(const rg_rule *rule)
{
    return rule->format;
}
