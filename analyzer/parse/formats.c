/*
 * formats.c - the analyzer's format registry (see formats.h).
 */

#include "formats.h"


/* in detection order: on a tie the earlier one wins */
static const rs_format_entry  rs_formats[] = {
    { RG_FORMAT_NGINX_ERROR, rs_parse_nginx_error, 1 },
    { RG_FORMAT_NGINX_ACCESS, rs_parse_nginx_access, 1 },
    { RG_FORMAT_APACHE_ERROR, rs_parse_apache_error, 1 },
    { RG_FORMAT_APACHE_ACCESS, rs_parse_apache_access, 1 },
    { RG_FORMAT_HAPROXY, rs_parse_haproxy, 1 },
    { RG_FORMAT_ENVOY, rs_parse_envoy, 1 },
    { RG_FORMAT_CADDY, rs_parse_caddy, 1 },
    { RG_FORMAT_JAVA, rs_parse_java, 1 },
    { RG_FORMAT_GENERIC, rs_parse_generic, 0 },
};

#define RS_NFORMATS  (sizeof(rs_formats) / sizeof(rs_formats[0]))


rs_parse_fn
rs_parser_for(rg_format format)
{
    size_t  i;

    for (i = 0; i < RS_NFORMATS; i++) {
        if (rs_formats[i].format == format) {
            return rs_formats[i].parse;
        }
    }

    return rs_parse_generic;
}


size_t
rs_detect_order(rg_format *order, size_t max)
{
    size_t  i, k = 0;

    for (i = 0; i < RS_NFORMATS && k < max; i++) {
        if (rs_formats[i].detect) {
            order[k++] = rs_formats[i].format;
        }
    }

    return k;
}
