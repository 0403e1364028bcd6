/*
 * logformat.h - nginx access-log layouts (`log_format` strings).
 *
 * A layout is compiled once into literals and variables; a line is then
 * split by finding each literal after the previous variable, left to right
 * (no regex, no allocation).  The variables rstscan reads have a slot of
 * their own; any other well-formed nginx variable is accepted and skipped.
 */

#ifndef RS_LOGFORMAT_H
#define RS_LOGFORMAT_H

#include <stddef.h>

#include "rg_rules.h"

typedef enum {
    RS_V_REMOTE_ADDR = 0,
    RS_V_REMOTE_USER,
    RS_V_TIME_LOCAL,
    RS_V_TIME_ISO8601,
    RS_V_REQUEST,
    RS_V_STATUS,
    RS_V_BODY_BYTES_SENT,
    RS_V_BYTES_SENT,
    RS_V_REQUEST_TIME,
    RS_V_UPSTREAM_RESPONSE_TIME,
    RS_V_UPSTREAM_STATUS,
    RS_V_UPSTREAM_ADDR,
    RS_V_REQUEST_COMPLETION,
    RS_V_SENT_HTTP_CONTENT_LENGTH,
    RS_V_HTTP_REFERER,
    RS_V_HTTP_USER_AGENT,
    RS_V_REQUEST_LENGTH,
    RS_V_HOST,
    RS_V_MSEC,
    RS_V_RSTGUARD_CLASS,
    RS_V_OTHER,                 /* a variable rstscan does not read */
    RS_V_COUNT
} rs_var;

#define RS_LF_MAX_TOKENS  128

typedef struct {
    int          var;           /* rs_var, or -1 for a literal */
    const char  *lit;           /* into rs_logformat.text */
    size_t       len;
    /* a variable whose value never holds a space (an address, a host, a
       status, a byte count), and whether the literal after it starts
       with one (then only a space the search passed over can be in it) */
    unsigned char  spaceless, before_space;
} rs_lf_token;

typedef struct {
    rs_lf_token  tok[RS_LF_MAX_TOKENS];
    int          ntok;
    /* a line may go on after the layout, past a space: the layout is the
       head of a longer one (rs_logformat_allow_more) */
    int          more;
    unsigned     has[RS_V_COUNT];   /* which variables the layout logs */
    char         text[4096];        /* the literals, unescaped */
} rs_logformat;

/* nginx's predefined `combined` layout. */
#define RS_LOGFORMAT_COMBINED                                               \
    "$remote_addr - $remote_user [$time_local] \"$request\" $status "      \
    "$body_bytes_sent \"$http_referer\" \"$http_user_agent\""

/* ingress-nginx's default `upstreaminfo` layout (controller 0.2x on). */
#define RS_LOGFORMAT_INGRESS                                                \
    RS_LOGFORMAT_COMBINED " $request_length $request_time"                  \
    " [$proxy_upstream_name] [$proxy_alternative_upstream_name]"           \
    " $upstream_addr $upstream_response_length $upstream_response_time"    \
    " $upstream_status $req_id"

/*
 * Compiles fmt.  Returns 0, or -1 with err naming the variable or the
 * character at fault and its column (1-based).
 */
int rs_logformat_compile(rs_logformat *lf, const char *fmt, char *err,
    size_t errlen);

/*
 * Splits a line; out->v[var] is each logged variable's text (p == NULL for
 * one the layout does not have).  0, or -1 when the line does not fit.
 */
typedef struct {
    rg_str  v[RS_V_COUNT];
} rs_lf_values;

int rs_logformat_split(const rs_logformat *lf, const char *p, size_t len,
    rs_lf_values *out);

/*
 * From now on lf also takes a line that goes on after it, past a space,
 * when its last token is a literal or a value that holds no space (a
 * status, a byte count): `combined` with fields appended ($request_time,
 * ingress-nginx's upstream fields, ...) is read by its combined head, the
 * Common Log Format with Tomcat's `%D` after it by its head.
 */
void rs_logformat_allow_more(rs_logformat *lf);

const char *rs_var_name(rs_var v);

#endif /* RS_LOGFORMAT_H */
