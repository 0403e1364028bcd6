/*
 * rgt_mod.h - helpers for the module's access-log, status and config
 * integration tests: access-log tallies in the tests' line layout and the
 * rstguard_status document.
 *
 * Tests log with RGT_MOD_LOG_FORMAT, so one needle selects a (key, class,
 * decision) triple: "a=127.0.0.2 c=client_closed l=0 ".
 */

#ifndef RGT_MOD_H
#define RGT_MOD_H

#include <jansson.h>
#include <stddef.h>

#include "rgt_nginx.h"
#include "rgt_upstream.h"

#define RGT_MOD_LOG_FORMAT                                                   \
    "'a=$remote_addr c=$rstguard_class l=$rstguard_log s=$status "           \
    "m=$rstguard_missing_bytes u=$uri'"

/*
 * The two upstreams the module tests proxy to: a slow one (never answers
 * in time) on PORT1 and a truncating one (Content-Length 100000, 1000
 * bytes sent) on PORT2.  0 or -1; stop with rgt_mod_upstreams_stop().
 */
int rgt_mod_upstreams_start(rgt_nginx *n, rgt_upstream *slow,
    rgt_upstream *trunc);
void rgt_mod_upstreams_stop(rgt_upstream *slow, rgt_upstream *trunc);

/* Lines with "a=ADDR c=CLS " and, unless log is NULL, "l=LOG ". */
size_t rgt_mod_count(const char *text, const char *addr, const char *cls,
    const char *log);

/*
 * Sums suppressed= over the rstguard summary lines of an error log for
 * (log, class, key) with the given dry_run flag (every worker writes its
 * own); -1 when a matching line does not parse.
 */
long rgt_mod_summary_suppressed(const char *text, const char *log,
    const char *cls, const char *key, int dry_run);

/* Waits (10 s at most) until the file under the prefix has n such lines. */
int rgt_mod_wait_lines(rgt_nginx *n, const char *rel, const char *needle,
    size_t lines);

/*
 * Waits (10 s at most) until logs/error.log has the line of the harness's
 * readiness probe (a connection from 127.0.0.1 closed at once, logged at
 * info).  That line is a client_closed line decided in the zone: racing a
 * test's line in the other worker, it could make that line pass uncharged
 * ("contended"), so tests that count exactly wait for it.  0 or -1.
 */
int rgt_mod_settle(rgt_nginx *n);

/* Waits (5 s at most) until a file exists. */
int rgt_mod_wait_file(const char *path);

/* GETs path on port; the body (caller frees) and the status, or NULL. */
char *rgt_mod_get(int port, const char *path, int *status);

/* GET /status (a rstguard_status location) on PORT0 as JSON, or NULL. */
json_t *rgt_mod_status(rgt_nginx *n);

/*
 * A rule whose regex backtracks exponentially on nginx's `open()
 * ".../aaaa...a" failed` line (a URI of many a's): every such line costs
 * one PCRE2 limit hit and matches nothing.
 */
#define RGT_HOSTILE_RULE                                                     \
    "- id: hostile.backtrack\n"                                              \
    "  format: nginx-error\n"                                                \
    "  class: client_closed\n"                                               \
    "  match: '^open\\(\\) \"[^\"]*/(a+)+\"\\)'\n"

/* GET /status?format=prometheus on PORT0: the text (caller frees), or NULL. */
char *rgt_mod_prometheus(rgt_nginx *n);

/* zones.NAME.contended.LOG of a status document; -1 if absent. */
long rgt_mod_contended(json_t *doc, const char *zone, const char *log);

/* zones.NAME.lines.LOG.CLASS.OUTCOME of a status document; -1 if absent. */
long rgt_mod_counter(json_t *doc, const char *zone, const char *log,
    const char *cls, const char *outcome);

#endif /* RGT_MOD_H */
