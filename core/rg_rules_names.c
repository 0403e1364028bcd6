/*
 * rg_rules_names.c - the names rule files use for fields (the formats'
 * are in rg_format.c).
 */

#include <string.h>

#include "rg_rules.h"


static const char *const  rg_field_names[RG_FIELD_COUNT] = {
    "message", "action", "level", "client", "server", "request", "upstream",
    "host", "status", "module", "termination", "completion", "record", "line"
};


static int
rg_name_lookup(const char *const *names, int n, const char *name, size_t len)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0) {
            return i;
        }
    }

    return -1;
}


int
rg_field_from_name(const char *name, size_t len)
{
    return rg_name_lookup(rg_field_names, RG_FIELD_COUNT, name, len);
}


const char *
rg_field_name(rg_field field)
{
    if ((int) field < 0 || field >= RG_FIELD_COUNT) {
        return NULL;
    }

    return rg_field_names[field];
}
