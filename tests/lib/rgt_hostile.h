/*
 * rgt_hostile.h - hostile rule files, generated: what an attacker or a
 * runaway generator could hand rstscan --rules or rstguard_rules.  The
 * unit suite (test_rules_hostile.c) and the nginx -t test
 * (test_mod_hostile_rules.c) load the same texts.
 */

#ifndef RGT_HOSTILE_H
#define RGT_HOSTILE_H

#include <stddef.h>
#include <stdio.h>

/* n rules of 4 lines each; rule i (from 0) starts at line 4 i + 1 with
   "- id: h.i" (its mapping at column 3). */
void rgt_hostile_rules(FILE *f, size_t n);

/* levels nested flow sequences on line 1: "[[[[..." (never closed). */
void rgt_hostile_nesting(FILE *f, size_t levels);

/* One rule whose `match` (at line 4, column 10) is len bytes of 'a'. */
void rgt_hostile_long_pattern(FILE *f, size_t len);

/* Comment lines of 64 bytes ("# " + 61 'x' + LF) up to at least bytes. */
void rgt_hostile_comments(FILE *f, size_t bytes);

/* Writes the text a generator makes to path; 0 or -1. */
int rgt_hostile_write(const char *path, void (*gen)(FILE *, size_t),
    size_t n);

#endif /* RGT_HOSTILE_H */
