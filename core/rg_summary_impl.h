/*
 * rg_summary_impl.h - the cursor and writer steps rg_summary.c and
 * rg_alert.c share (not part of the engine's API).
 */

#ifndef RG_SUMMARY_IMPL_H
#define RG_SUMMARY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "rg_rules.h"

typedef struct {
    const char  *p;
    const char  *end;
} rg_cursor;

/* each consumes exactly what it names or returns -1 */
int rg_cur_lit(rg_cursor *c, const char *lit);
int rg_cur_uint(rg_cursor *c, uint64_t *out);    /* no leading zeros */
int rg_cur_word(rg_cursor *c, rg_str *out);      /* [a-z_]+ */
int rg_cur_quoted(rg_cursor *c, rg_str *out);    /* validly C-escaped */
int rg_cur_log(rg_cursor *c, int *log);          /* access | error */
int rg_cur_class(rg_cursor *c, int *cls);        /* a class name */

/* "YYYY/MM/DD HH:MM:SS" exactly */
int rg_is_log_time(const char *p, size_t len);

/*
 * Skips nginx's error-log head "YYYY/MM/DD HH:MM:SS [level] PID#TID: ";
 * *level gets nginx's number for the level.  Returns 0 or -1.
 */
int rg_cur_nginx_head(rg_cursor *c, int *level);

/* appends text whole; -1 when it does not fit */
int rg_put_text(char *buf, size_t size, size_t *pos, const char *text);

/*
 * Appends "value" with value C-escaped and cut, at a whole escape, to at
 * most limit bytes; -1 when not even the two quotes fit.
 */
int rg_put_quoted_cut(char *buf, size_t size, size_t *pos, const rg_str *v,
    size_t limit);

#endif /* RG_SUMMARY_IMPL_H */
