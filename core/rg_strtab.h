/*
 * rg_strtab.h - a small open-addressing hash table from strings to
 * pointers, so that rule loading stays linear in the file: the duplicate
 * id check and the prefilter's shared patterns each look a string up once
 * instead of comparing it with every earlier one.
 *
 * Keys are not copied: each must outlive its entry (a rule's own id or
 * pattern).  There is no removal; a table is rebuilt when rules go.
 */

#ifndef RG_STRTAB_H
#define RG_STRTAB_H

#include <stddef.h>

typedef struct {
    const char  *key;
    size_t       len;
    void        *val;
} rg_strtab_slot;

typedef struct {
    rg_strtab_slot  *slots;     /* cap slots, key == NULL when empty */
    size_t           cap;       /* 0 or a power of two */
    size_t           n;
} rg_strtab;

/* An empty table is all zero bits; rg_strtab_free empties it again. */
void rg_strtab_free(rg_strtab *t);

/* Empties the table and keeps its slots: as many puts as it held before
   then never allocate. */
void rg_strtab_clear(rg_strtab *t);

/* The value stored under key, or NULL. */
void *rg_strtab_get(const rg_strtab *t, const char *key, size_t len);

/* Stores val under key (replacing one there); -1 when out of memory. */
int rg_strtab_put(rg_strtab *t, const char *key, size_t len, void *val);

#endif /* RG_STRTAB_H */
