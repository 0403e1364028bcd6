/*
 * rg_nginx_error.h - splits one nginx error-log line into its fields.
 *
 *   YYYY/MM/DD HH:MM:SS [level] pid#tid: *cid message, client: A,
 *   server: S, request: "...", upstream: "...", host: "..."
 *
 * `*cid` and the trailing context fields are optional.  The message ends
 * where the context nginx appends begins: the first ", client: " that is
 * followed by an address (IPv4, IPv6 or "unix:...") and ", server: " (or
 * the end of a line nginx cut at 2 KiB), or by a word written in place of
 * the address (a redacted log: "10.xxx.xx.xxxx", "CLIENT_IP") and
 * ", server: ", so a URI quoted in the message ("/x, client: 6.6.6.6") is
 * not taken for it; the client field is the address or word as written.  The action is what follows
 * the last " while " of the message; it is always set, empty when there is
 * no " while ".  client, server, request, upstream and host are set only
 * when the line has them (a "referrer" or "subrequest" value is skipped).
 * Used by rstscan and by the module's error-log filter on the line nginx
 * formatted; no allocation, no regex (about 80 ns for a 200-byte line).
 */

#ifndef RG_NGINX_ERROR_H
#define RG_NGINX_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "rg_rules.h"

typedef struct {
    rg_fields  fields;          /* message, action, level, client, ... */
    rg_str     time;            /* "2026/11/21 10:00:01" */
    int        level;           /* 0 emerg .. 8 debug, as nginx numbers them
                                   (NGX_LOG_STDERR 0, EMERG 1, ... DEBUG 8) */
    uint64_t   pid;
    uint64_t   cid;             /* 0 when the line has no *cid */
} rg_nginx_error;

/*
 * Parses line[0..len); a trailing LF or CR LF (as a log writer gets the
 * line) is not part of any field.  Returns 0, or -1 when the line does not
 * start like an nginx error-log line (fields are then unset).
 */
int rg_nginx_error_parse(const char *line, size_t len, rg_nginx_error *out);

/*
 * Whether rg_nginx_error_parse would take the line, from its head only:
 * rstscan counts a line no rule can match (rg_prescan.h) as parsed or
 * not, where the context split and the fields would be wasted.
 */
int rg_nginx_error_head_ok(const char *line, size_t len);

/* nginx's level names as it numbers them: 0 "" (stderr), 1 "emerg" ..
   8 "debug"; NULL out of range.  The one table of them in core. */
#define RG_NGINX_LEVELS  9
const char *rg_nginx_level_name(int level);

#endif /* RG_NGINX_ERROR_H */
