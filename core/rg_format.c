/*
 * rg_format.c - the log format table (see rg_format.h).
 */

#include <string.h>

#include "rg_format.h"


/*
 * HAProxy's HTTP log, Envoy's access log and Caddy's JSON log are one
 * line a request (Caddy's error lines stand for a request too), so they
 * count as access logs (the module's access-log budgets, the
 * access-log findings).
 */
const rg_format_info  rg_formats[RG_FORMAT_COUNT] = {
    { RG_FORMAT_NGINX_ERROR, "nginx-error", 0, 0, RG_SERVER_NGINX },
    { RG_FORMAT_NGINX_ACCESS, "nginx-access", 1, 0, RG_SERVER_NGINX },
    { RG_FORMAT_APACHE_ERROR, "apache-error", 0, 0, RG_SERVER_APACHE },
    { RG_FORMAT_APACHE_ACCESS, "apache-access", 1, 0, RG_SERVER_APACHE },
    { RG_FORMAT_JAVA, "java", 0, 1, RG_SERVER_JAVA },
    { RG_FORMAT_HAPROXY, "haproxy", 1, 0, RG_SERVER_HAPROXY },
    { RG_FORMAT_ENVOY, "envoy", 1, 0, RG_SERVER_ENVOY },
    { RG_FORMAT_CADDY, "caddy", 1, 0, RG_SERVER_CADDY },
    { RG_FORMAT_GENERIC, "generic", 0, 0, RG_SERVER_NGINX },
};


int
rg_format_from_name(const char *name, size_t len)
{
    int  i;

    for (i = 0; i < RG_FORMAT_COUNT; i++) {
        if (strlen(rg_formats[i].name) == len
            && memcmp(rg_formats[i].name, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


const char *
rg_format_name(rg_format format)
{
    if ((int) format < 0 || format >= RG_FORMAT_COUNT) {
        return NULL;
    }

    return rg_formats[format].name;
}


int
rg_format_is_access(rg_format format)
{
    return (int) format >= 0 && format < RG_FORMAT_COUNT
           && rg_formats[format].access;
}


int
rg_format_is_multiline(rg_format format)
{
    return (int) format >= 0 && format < RG_FORMAT_COUNT
           && rg_formats[format].multiline;
}


rg_server
rg_format_server(rg_format format)
{
    return (int) format >= 0 && format < RG_FORMAT_COUNT
           ? rg_formats[format].server : RG_SERVER_NGINX;
}
