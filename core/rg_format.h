/*
 * rg_format.h - the log formats, one table of what core knows of each: its
 * name in rule files and on the command line, whether it is an access log
 * (one line a request) or an error log, and whether a record may span
 * lines.  The analyzer's own table (analyzer/parse/formats.c) adds the parser
 * and the detection order; a new format is a row in each, its parser and
 * its rules file.
 */

#ifndef RG_FORMAT_H
#define RG_FORMAT_H

#include <stddef.h>

/* Which parser feeds a rule (the rule file's `format:` key). */
typedef enum {
    RG_FORMAT_NGINX_ERROR = 0,  /* "nginx-error" */
    RG_FORMAT_NGINX_ACCESS,     /* "nginx-access" */
    RG_FORMAT_APACHE_ERROR,     /* "apache-error" */
    RG_FORMAT_APACHE_ACCESS,    /* "apache-access" */
    RG_FORMAT_JAVA,             /* "java" */
    RG_FORMAT_HAPROXY,          /* "haproxy" */
    RG_FORMAT_ENVOY,            /* "envoy" */
    RG_FORMAT_CADDY,            /* "caddy" */
    RG_FORMAT_GENERIC,          /* "generic" */
    RG_FORMAT_COUNT
} rg_format;

/*
 * The server that writes a format: the findings give their advice in its
 * words and settings (analyzer/README.md "Advice per server").  Lines no
 * parser knows (generic) get nginx's, the module's server.
 */
typedef enum {
    RG_SERVER_NGINX = 0,
    RG_SERVER_APACHE,
    RG_SERVER_JAVA,             /* Tomcat and other servlet containers */
    RG_SERVER_HAPROXY,
    RG_SERVER_ENVOY,
    RG_SERVER_CADDY,
    RG_SERVER_COUNT
} rg_server;

typedef struct {
    rg_format    format;
    const char  *name;          /* "nginx-error" */
    unsigned     access:1;      /* one record a request (access-log budgets) */
    unsigned     multiline:1;   /* a record may span lines (Java traces) */
    rg_server    server;        /* who writes it */
} rg_format_info;

/* The whole table, indexed by rg_format. */
extern const rg_format_info rg_formats[RG_FORMAT_COUNT];

/* -1 when the name is unknown. */
int rg_format_from_name(const char *name, size_t len);
/* NULL for an out-of-range value. */
const char *rg_format_name(rg_format format);

/* 0 for an out-of-range value. */
int rg_format_is_access(rg_format format);
int rg_format_is_multiline(rg_format format);

/* RG_SERVER_NGINX for an out-of-range value. */
rg_server rg_format_server(rg_format format);

#endif /* RG_FORMAT_H */
