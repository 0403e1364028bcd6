/*
 * parse.h - the format parsers: one physical line in, rg_fields out.
 *
 * Each parser fills the fields core/rg_rules.h lists for its format
 * (what rules match), the record's time, and what the aggregates key on.
 * Fields point into the line or into the parser's scratch buffer, so they
 * are valid until the next call.  0, or -1 when the line is not of the
 * format (an unparsed line).  No allocation.
 */

#ifndef RS_PARSE_H
#define RS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "logformat.h"
#include "rg_rules.h"
#include "rg_summary.h"
#include "timefmt.h"

typedef struct {
    rg_fields  f;               /* first: parsers clear what follows it */
    rs_ts      ts;
    /* a time parsed only when asked for (rs_parsed_time): most lines of
       an error log are no abort and need none */
    rg_str     ts_text;
    size_t   (*ts_parse)(const char *p, size_t len, rs_ts *ts);
    int        status;          /* -1 when the line has none */
    int64_t    body_bytes;      /* -1 when unknown */
    int64_t    content_length;  /* -1 when unknown */
    unsigned   has_completion:1;
    /* read by a fallback that takes less than the whole line as a layout
       (combined's head, a JSON object's keys): detection prefers a format
       that reads the line whole */
    unsigned   loose:1;

    /* what findings and simulate read; -1 or p == NULL when not logged */
    int        ms;              /* milliseconds within ts.sec ($msec) */
    int64_t    request_ms;      /* $request_time */
    int64_t    upstream_ms;     /* $upstream_response_time (the last try) */
    rg_str     agent;           /* $http_user_agent */
    unsigned   has_logged_class:1;  /* the layout logs $rstguard_class */
    rg_class   logged_class;    /* the module's class, RG_CLASS_NONE: none */

    /* an rstguard alert line (module/README.md): its fields, in the
       parser (a pointer here keeps every line's reset small) */
    const rg_alert  *alert;         /* NULL: no alert */

    /* an rstguard summary line (module/README.md) */
    unsigned   summary:1;
    rg_class   sum_class;
    uint64_t   sum_suppressed;
    int        sum_dry_run;
    int        sum_access;      /* log=access (else log=error) */
    rg_str     sum_key;
    rg_str     sum_first, sum_last;     /* nginx error-log times */
} rs_parsed;

typedef struct {
    rg_alert      alert;            /* the last alert line parsed */
    rs_logformat  layout;           /* nginx-access: combined or --log-format */
    /* without a layout given: also the official nginx image's "main"
       (combined and "$http_x_forwarded_for"), as `docker logs` shows */
    rs_logformat  main;
    /* ingress-nginx's default (combined, then request length and time,
       upstream names, address, length, time, status, request id) */
    rs_logformat  ingress;
    /* and combined with more fields after it, read by its combined head */
    rs_logformat  longer;
    int           default_layout;
    rs_logformat  apache[5];        /* combined with %X, vhost_combined,
                                       combined, common, and common with
                                       more fields after it */
    char          scratch[4096];    /* apache-error's joined message */
    char          tc_text[26];      /* the last $time_local parsed ... */
    rs_ts         tc_ts;            /* ... and its value */
} rs_parser;

/*
 * Prepares a parser; layout is an nginx log_format string (NULL: combined).
 * 0, or -1 with err naming what is wrong in the layout.
 */
int rs_parser_init(rs_parser *ps, const char *layout, char *err,
    size_t errlen);

/* Splits an access line by a layout into fields (nginx and Apache). */
int rs_parse_layout(rs_parser *ps, const rs_logformat *lf, const char *p,
    size_t len, rs_parsed *out);

/* The fields of an access line p[0..len) from the values of its
   variables (has[var]: the line logs var); 0, or -1. */
int rs_parse_values(rs_parser *ps, const unsigned *has,
    const rs_lf_values *v, const char *p, size_t len, rs_parsed *out);

/*
 * An nginx access line written by a JSON layout (`log_format NAME
 * escape=json '{"status":"$status",...}'`) that no --log-format or
 * nginx.conf describes: its keys are read by name (parse_nginx_json.c).
 */
int rs_parse_nginx_json(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);

typedef int (*rs_parse_fn)(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);

int rs_parse_nginx_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_nginx_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_apache_error(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_apache_access(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_haproxy(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_generic(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_envoy(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);
int rs_parse_caddy(rs_parser *ps, const char *p, size_t len,
    rs_parsed *out);

/*
 * Java: a record starts at a line that begins with a Tomcat, Logback or
 * Log4j timestamp; returns 1 for such a line (fields and time filled), 0
 * for a continuation line (message = the line).
 */
int rs_parse_java(rs_parser *ps, const char *p, size_t len, rs_parsed *out);

/*
 * Whether a JSON line is a Java logger's own (logstash-logback-encoder's
 * "logger_name", ECS's "log.logger", Log4j2's "loggerName"): the java
 * parser reads it, and it is no shipper's envelope.
 */
int rs_java_json_logger(const char *p, size_t len);

/* Copies s[0..n) into the parser's scratch at *at (moved past it): the
   copy, or an empty string when it does not fit (or n is 0). */
rg_str rs_parse_keep(rs_parser *ps, size_t *at, const char *s, size_t n);

/* "METHOD URI PROTO" of the parts given (the third may be NULL) in the
   scratch; empty when the method or the URI is missing. */
rg_str rs_scratch_request(rs_parser *ps, size_t *at,
    const char *const part[3]);

/* Empties a result: no field, no time, no status or sizes. */
void rs_parsed_reset(rs_parsed *out);

/* Makes out->ts valid when the line has a time. */
void rs_parsed_time(rs_parsed *out);

/* The next space-separated token of p[0..end) in *tok, and where it
   ends; NULL when only spaces are left. */
const char *rs_token(const char *p, const char *end, rg_str *tok);

/* "GET /a/b?x=1 HTTP/1.1" -> "/a/b"; empty when there is no path. */
rg_str rs_request_path(rg_str request);

#endif /* RS_PARSE_H */
