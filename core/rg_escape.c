/*
 * rg_escape.c - C escapes for summary values, CR/LF/ESC escapes for lines.
 */

#include <string.h>

#include "rg_escape.h"

static const char  rg_hex[] = "0123456789abcdef";


/* The escape of one byte into e[]; returns its length (1 when none). */
static size_t
rg_escape_c_byte(unsigned char c, char e[RG_ESCAPE_MAX_GROWTH])
{
    switch (c) {
    case '"':  e[0] = '\\'; e[1] = '"';  return 2;
    case '\\': e[0] = '\\'; e[1] = '\\'; return 2;
    case '\n': e[0] = '\\'; e[1] = 'n';  return 2;
    case '\r': e[0] = '\\'; e[1] = 'r';  return 2;
    case '\t': e[0] = '\\'; e[1] = 't';  return 2;
    default:
        break;
    }

    if (c < 0x20 || c == 0x7f) {
        e[0] = '\\';
        e[1] = 'x';
        e[2] = rg_hex[c >> 4];
        e[3] = rg_hex[c & 0x0f];
        return 4;
    }

    e[0] = (char) c;
    return 1;
}


size_t
rg_escape_c_len(const char *src, size_t len)
{
    char    e[RG_ESCAPE_MAX_GROWTH];
    size_t  i, out;

    out = 0;

    for (i = 0; i < len; i++) {
        out += rg_escape_c_byte((unsigned char) src[i], e);
    }

    return out;
}


size_t
rg_escape_c(const char *src, size_t len, char *dst, size_t size,
    size_t *consumed)
{
    char    e[RG_ESCAPE_MAX_GROWTH];
    size_t  i, n, out;

    out = 0;

    for (i = 0; i < len; i++) {
        n = rg_escape_c_byte((unsigned char) src[i], e);
        if (out + n > size) {
            break;
        }
        memcpy(dst + out, e, n);
        out += n;
    }

    if (consumed != NULL) {
        *consumed = i;
    }

    return out;
}


size_t
rg_escape_line_count(const char *src, size_t len)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (src[i] == '\n' || src[i] == '\r' || src[i] == '\x1b') {
            n++;
        }
    }

    return n;
}


size_t
rg_escape_line(const char *src, size_t len, char *dst, size_t size)
{
    size_t  i, out;

    out = 0;

    for (i = 0; i < len; i++) {
        const char  *e;
        size_t       n;

        switch (src[i]) {
        case '\n':   e = "\\n";   n = 2; break;
        case '\r':   e = "\\r";   n = 2; break;
        case '\x1b': e = "\\x1b"; n = 4; break;
        default:     e = src + i; n = 1; break;
        }

        if (out + n > size) {
            return (size_t) -1;
        }
        memcpy(dst + out, e, n);
        out += n;
    }

    return out;
}
