/*
 * rg_strtab.c - see rg_strtab.h.  FNV-1a and linear probing, the table
 * kept at most half full, so a lookup costs a hash and a few compares.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rg_strtab.h"


static uint64_t
rg_strtab_hash(const char *key, size_t len)
{
    uint64_t  h = 14695981039346656037ULL;
    size_t    i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) key[i];
        h *= 1099511628211ULL;
    }

    return h;
}


void
rg_strtab_free(rg_strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->n = 0;
}


void
rg_strtab_clear(rg_strtab *t)
{
    if (t->cap > 0) {
        memset(t->slots, 0, t->cap * sizeof(rg_strtab_slot));
    }
    t->n = 0;
}


/* The slot holding key, or the empty one where it would go. */
static rg_strtab_slot *
rg_strtab_find(const rg_strtab *t, const char *key, size_t len)
{
    size_t           i = (size_t) rg_strtab_hash(key, len) & (t->cap - 1);
    rg_strtab_slot  *s;

    for ( ;; ) {
        s = &t->slots[i];

        if (s->key == NULL
            || (s->len == len && memcmp(s->key, key, len) == 0))
        {
            return s;
        }

        i = (i + 1) & (t->cap - 1);
    }
}


void *
rg_strtab_get(const rg_strtab *t, const char *key, size_t len)
{
    if (t->cap == 0) {
        return NULL;
    }

    return rg_strtab_find(t, key, len)->val;
}


static int
rg_strtab_grow(rg_strtab *t)
{
    rg_strtab        old = *t;
    size_t           i;

    t->cap = old.cap ? old.cap * 2 : 64;
    t->slots = calloc(t->cap, sizeof(rg_strtab_slot));
    if (t->slots == NULL) {
        *t = old;
        return -1;
    }

    for (i = 0; i < old.cap; i++) {
        if (old.slots[i].key != NULL) {
            *rg_strtab_find(t, old.slots[i].key, old.slots[i].len)
                = old.slots[i];
        }
    }

    free(old.slots);

    return 0;
}


int
rg_strtab_put(rg_strtab *t, const char *key, size_t len, void *val)
{
    rg_strtab_slot  *s;

    if ((t->n + 1) * 2 > t->cap && rg_strtab_grow(t) != 0) {
        return -1;
    }

    s = rg_strtab_find(t, key, len);
    if (s->key == NULL) {
        t->n++;
    }

    s->key = key;
    s->len = len;
    s->val = val;

    return 0;
}
