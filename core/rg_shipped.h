/*
 * rg_shipped.h - the rule files of rules/, compiled in.
 *
 * The build generates build/gen/rg_shipped_rules.c from the rules/ files (see
 * scripts/embed-rules.sh), so rstscan and the module carry the shipped rules
 * with them and need no installed file; `--rules` and `rstguard_rules` add
 * to them, `--no-default-rules` and `rstguard_rules FILE replace` drop them.
 */

#ifndef RG_SHIPPED_H
#define RG_SHIPPED_H

#include <stddef.h>

typedef struct {
    const char  *name;          /* "nginx.yaml", as a file name for errors */
    const char  *data;          /* NUL-terminated copy of the file */
    size_t       len;           /* without the NUL */
} rg_shipped_file;

/* In C-locale name order, as a directory of rule files is loaded. */
extern const rg_shipped_file  rg_shipped_rules[];
extern const size_t           rg_shipped_rules_n;

#endif /* RG_SHIPPED_H */
