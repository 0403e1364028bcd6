/*
 * findings_words.h - advice in the words of the server that wrote the
 * records: one row per server (core/rg_format.h, rg_server), the texts a
 * finding picks when most of its records came from that server.  A NULL
 * text takes nginx's row (the module's server, and the words for lines no
 * parser knew).  analyzer/README.md "Advice per server".
 */

#ifndef RS_FINDINGS_WORDS_H
#define RS_FINDINGS_WORDS_H

#include "rg_format.h"

typedef struct {
    const char  *name;              /* "Envoy" */

    /* idle_timeout: the request's and the upstream's time as the numbers
       name them (`field`) and as the evidence does */
    const char  *time_field[2];
    const char  *time_name[2];
    /* the request's time when the records are TCP sessions, or NULL */
    const char  *session_field;
    const char  *session_name;
    const char  *idle_cause;
    /* a printf format: %.0f the seconds, then %s "client" or "server"
       (the side whose silence ended it; only HAProxy's names it) */
    const char  *idle_advice;

    /* user_navigation (nginx's row is NULL: the module's zone line is
       built in findings_eval.c), then backend_down, log_bloat, overload */
    const char  *navigation;
    const char  *backend_down;
    const char  *bloat;
    const char  *overload;
} rs_server_words;

/* The texts for records of server s, each NULL filled from nginx's. */
void rs_server_words_of(rg_server s, rs_server_words *w);

#endif /* RS_FINDINGS_WORDS_H */
