/*
 * nginxconf.h - `--nginx-conf FILE|-`: the layouts nginx writes its access
 * logs in, from its configuration.
 *
 * Reads the `log_format` and `access_log` directives of nginx.conf and of
 * the files it includes (`include` globs, relative to the including file's
 * directory), or of the output of `nginx -T` (one "# configuration file
 * PATH:" section per file, includes already inlined, so none is followed).
 * Only these directives are read; the rest is tokenised as nginx does
 * (quotes, backslash escapes, comments) and skipped.  Each access log
 * given to rstscan is then parsed with the layout of the access_log whose
 * path it is (or a rotated file of it: access.log.1, access.log.2.gz).
 */

#ifndef RS_NGINXCONF_H
#define RS_NGINXCONF_H

#include <stddef.h>

typedef struct rs_nginxconf  rs_nginxconf;

/* The configuration read when no layout option is given. */
#define RS_NGINX_CONF  "/etc/nginx/nginx.conf"

/*
 * Loads path ("-": stdin).  NULL with err set: "FILE:LINE: message" for
 * what is wrong in a file (an unclosed quote or block, a log_format whose
 * layout rstscan cannot read, an access_log naming an unknown format), or
 * the file that cannot be read.
 */
rs_nginxconf *rs_nginxconf_load(const char *path, char *err, size_t errlen);

/*
 * The layout (a log_format string) of the access log at path, NULL when
 * no access_log of the configuration writes it.  by_name: a log given
 * from another directory (a copy) matches an access_log of the same file
 * name when no path matches.  *src (when not NULL) says which format and
 * where: "log_format main (access_log at /etc/nginx/sites-enabled/a:12)".
 */
const char *rs_nginxconf_layout(const rs_nginxconf *c, const char *path,
    int by_name, const char **src);

/* The path it was loaded from. */
const char *rs_nginxconf_path(const rs_nginxconf *c);

void rs_nginxconf_free(rs_nginxconf *c);

#endif /* RS_NGINXCONF_H */
