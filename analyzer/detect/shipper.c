/*
 * shipper.c - shippers' prefixes (see shipper.h).
 */

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "shipper.h"
#include "timefmt.h"


#define RS_DOCKER_HEAD      "{\"log\":\""
#define RS_DOCKER_HEAD_LEN  (sizeof(RS_DOCKER_HEAD) - 1)


static size_t rs_cri(const char *p, size_t len, int *partial);
static int rs_docker(const char *p, size_t len, char *out, size_t cap,
    size_t *olen, int *partial);
static int rs_envelope(const char *p, size_t len, char *out, size_t cap,
    size_t *olen, int *partial);
static size_t rs_words(const rs_shipper *sh, const char *p, size_t len);
static int rs_room(rs_shipper *sh, size_t need);
static int rs_hold(rs_shipper *sh, const char *p, size_t len);


const char *
rs_ship_name(const rs_shipper *sh)
{
    switch (sh->kind) {
    case RS_SHIP_CRI:     return "cri";
    case RS_SHIP_DOCKER:  return "docker";
    case RS_SHIP_JSON:    return "json";
    case RS_SHIP_WORDS:   return "words";
    case RS_SHIP_GREP:    return "grep";
    case RS_SHIP_INDENT:  return "indent";
    default:              return NULL;
    }
}


/*
 * "2026-11-21T10:00:00.123456789Z stderr F " (the tag may be "F" or "P",
 * and the message empty); the prefix's length, 0 when it is not there.
 */
static size_t
rs_cri(const char *p, size_t len, int *partial)
{
    const char  *sp, *end = p + len;
    rs_ts        ts;
    size_t       n;

    if (len < 30 || p[4] != '-' || p[10] != 'T') {
        return 0;
    }

    sp = memchr(p, ' ', len < 48 ? len : 48);
    if (sp == NULL || rs_time_iso(p, (size_t) (sp - p), &ts)
                      != (size_t) (sp - p))
    {
        return 0;
    }

    sp++;
    if (end - sp < 8
        || (memcmp(sp, "stdout ", 7) != 0 && memcmp(sp, "stderr ", 7) != 0))
    {
        return 0;
    }

    sp += 7;
    if (*sp != 'F' && *sp != 'P') {
        return 0;
    }

    *partial = *sp == 'P';
    n = (size_t) (sp + 1 - p);

    if (n == len) {
        return n;
    }

    return p[n] == ' ' ? n + 1 : 0;
}


/* The value of a hex digit, -1 for another byte. */
static int
rs_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}


/* Four hex digits at p (p has them), -1 when they are not. */
static long
rs_hex4(const char *p)
{
    long  v = 0;
    int   i, d;

    for (i = 0; i < 4; i++) {
        d = rs_hex(p[i]);
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }

    return v;
}


/* Puts code point c as UTF-8 at out (room for 4); its length. */
static size_t
rs_utf8(unsigned long c, char *out)
{
    if (c < 0x80) {
        out[0] = (char) c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char) (0xc0 | (c >> 6));
        out[1] = (char) (0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char) (0xe0 | (c >> 12));
        out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[2] = (char) (0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char) (0xf0 | (c >> 18));
    out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
    out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
    out[3] = (char) (0x80 | (c & 0x3f));
    return 4;
}


/*
 * Docker's {"log":"...", ...}: the "log" string decoded (JSON escapes,
 * \uXXXX with surrogate pairs as UTF-8) into out[0..cap) (cut there), its
 * length in *olen, without the "\n" that ends a whole line (*partial when
 * there is none).  1, or 0 when the line is not Docker's.
 */
static int
rs_docker(const char *p, size_t len, char *out, size_t cap, size_t *olen,
    int *partial)
{
    const char    *q = p + RS_DOCKER_HEAD_LEN, *end = p + len;
    char           u[4];
    size_t         o = 0, n;
    long           c, lo;
    unsigned long  cp;

    if (len < RS_DOCKER_HEAD_LEN
        || memcmp(p, RS_DOCKER_HEAD, RS_DOCKER_HEAD_LEN) != 0)
    {
        return 0;
    }

    while (q < end && *q != '"') {
        if (*q != '\\') {
            if (o < cap) {
                out[o++] = *q;
            }
            q++;
            continue;
        }

        if (end - q < 2) {
            return 0;
        }

        switch (q[1]) {
        case 'n':  u[0] = '\n'; n = 1; break;
        case 't':  u[0] = '\t'; n = 1; break;
        case 'r':  u[0] = '\r'; n = 1; break;
        case 'b':  u[0] = '\b'; n = 1; break;
        case 'f':  u[0] = '\f'; n = 1; break;
        case '"': case '\\': case '/':  u[0] = q[1]; n = 1; break;
        case 'u':
            if (end - q < 6 || (c = rs_hex4(q + 2)) < 0) {
                return 0;
            }
            cp = (unsigned long) c;
            q += 4;
            if (c >= 0xd800 && c <= 0xdbff && end - q >= 8 && q[2] == '\\'
                && q[3] == 'u' && (lo = rs_hex4(q + 4)) >= 0xdc00
                && lo <= 0xdfff)
            {
                cp = 0x10000 + (((unsigned long) c - 0xd800) << 10)
                     + ((unsigned long) lo - 0xdc00);
                q += 6;
            }
            n = rs_utf8(cp, u);
            break;
        default:
            return 0;
        }

        if (o + n <= cap) {
            memcpy(out + o, u, n);
            o += n;
        }
        q += 2;
    }

    if (q == end) {
        return 0;
    }

    *partial = !(o > 0 && out[o - 1] == '\n');
    if (!*partial) {
        o--;
        if (o > 0 && out[o - 1] == '\r') {
            o--;
        }
    }

    *olen = o;

    return 1;
}


/*
 * A JSON envelope (shipper.h): the first of its members "log", "message",
 * "MESSAGE" and "textPayload" that is a string, decoded by jansson into
 * out[0..cap) (cut there) without a line end, its length in *olen.  1, or
 * 0 when the line is no such object.  The text is never longer than the
 * line (JSON's escapes only shrink), so it may be decoded into a buffer
 * of the line's size.
 */
static int
rs_envelope(const char *p, size_t len, char *out, size_t cap, size_t *olen,
    int *partial)
{
    static const char  *keys[] = { "log", "message", "MESSAGE",
                                   "textPayload" };
    const char         *s = NULL;
    json_t             *doc, *v;
    size_t              i, n = 0;

    /* a Java logger's own JSON is the server's line, not a shipper's
       envelope: its "message" alone would lose the stack trace and the
       time (the java parser reads the line itself) */
    if (len < 2 || p[0] != '{' || p[len - 1] != '}'
        || rs_java_json_logger(p, len))
    {
        return 0;
    }

    doc = json_loadb(p, len, 0, NULL);

    for (i = 0; json_is_object(doc) && i < sizeof(keys) / sizeof(keys[0]);
         i++)
    {
        v = json_object_get(doc, keys[i]);
        if (json_is_string(v)) {
            s = json_string_value(v);
            n = json_string_length(v);
            break;
        }
    }

    if (s == NULL) {
        json_decref(doc);
        return 0;
    }

    if (n > 0 && s[n - 1] == '\n') {
        n--;
    }
    if (n > 0 && s[n - 1] == '\r') {
        n--;
    }

    n = n < cap ? n : cap;
    memcpy(out, s, n);
    *olen = n;
    *partial = 0;

    json_decref(doc);

    return 1;
}


/*
 * A first word that may change from line to line: kubectl's
 * "[pod/nginx-7d9f/nginx]", or docker compose's replica name before its
 * "|" (sp: the blank after the word, end: the line's end).
 */
static int
rs_any_word(const char *w, size_t n, const char *sp, const char *end)
{
    if (n > 2 && w[0] == '[' && w[n - 1] == ']') {
        return 1;
    }

    while (sp < end && *sp == ' ') {
        sp++;
    }

    return end - sp >= 2 && sp[0] == '|' && sp[1] == ' ';
}


/* After sh->words words whose first is what the file's first showed; the
   text's offset, 0 when the line does not start so. */
static size_t
rs_words(const rs_shipper *sh, const char *p, size_t len)
{
    const char  *sp, *q = p, *end = p + len;
    unsigned     i;
    rs_ts        ts;

    for (i = 0; i < sh->words; i++) {
        sp = memchr(q, ' ', (size_t) (end - q));
        if (sp == NULL || sp == q) {
            return 0;
        }

        if (i == 0
            && (sh->first_iso
                ? rs_time_iso(p, (size_t) (sp - p), &ts) != (size_t) (sp - p)
                : sh->first_any
                ? !rs_any_word(p, (size_t) (sp - p), sp, end)
                : ((size_t) (sp - p) != sh->first_len
                   || memcmp(p, sh->first, sh->first_len) != 0)))
        {
            return 0;
        }

        /* docker compose pads its service's name: "nginx-1  | " */
        for (q = sp + 1; q < end && *q == ' '; q++) {
            /* void */
        }
    }

    return (size_t) (q - p);
}


/*
 * grep's "FILE:" or "FILE:N:" glued before the line (FILE has no blank
 * and names a file: a '/' or a '.' in it; with -n over one file only
 * "N:"): its length, 0 when the line does not start so.
 */
static size_t
rs_grep(const char *p, size_t len)
{
    const char  *c, *q;
    size_t       i;
    int          file = 0, digits = 1;

    c = memchr(p, ':', len);
    if (c == NULL || c == p) {
        return 0;
    }

    for (i = 0; p + i < c; i++) {
        if (p[i] == ' ' || p[i] == '\t') {
            return 0;
        }
        file |= p[i] == '/' || p[i] == '.';
        digits &= p[i] >= '0' && p[i] <= '9';
    }

    if (!file && !digits) {
        return 0;
    }

    q = c + 1;

    /* then grep -n's line number */
    if (file) {
        for (i = 0; q + i < p + len && q[i] >= '0' && q[i] <= '9'; i++) {
            /* void */
        }
        if (i > 0 && q + i < p + len && q[i] == ':') {
            q += i + 1;
        }
    }

    return (size_t) (q - p);
}


/* Blanks before the line: their length, 0 when there are none. */
static size_t
rs_indent(const char *p, size_t len)
{
    size_t  i;

    for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t'); i++) {
        /* void */
    }

    return i < len ? i : 0;
}


void
rs_ship_sniff(rs_shipper *sh, const char *head, size_t len)
{
    const char  *p = head, *end = head + len, *nl;
    size_t       n, lines = 0, cri = 0, docker = 0, json = 0, olen;
    int          partial;
    char         scratch[1];

    sh->kind = RS_SHIP_NONE;

    while (p < end && lines < 8) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            break;
        }

        n = (size_t) (nl - p);
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }

        if (n > 0) {
            cri += rs_cri(p, n, &partial) != 0;
            docker += rs_docker(p, n, scratch, 0, &olen, &partial);
            json += rs_envelope(p, n, scratch, 0, &olen, &partial);
            lines++;
        }

        p = nl + 1;
    }

    if (lines == 0 && p < end) {
        /* a single line without its end */
        n = (size_t) (end - p);
        cri = rs_cri(p, n, &partial) != 0;
        docker = (size_t) rs_docker(p, n, scratch, 0, &olen, &partial);
        json = (size_t) rs_envelope(p, n, scratch, 0, &olen, &partial);
        lines = 1;
    }

    if (lines > 0 && cri * 2 > lines) {
        sh->kind = RS_SHIP_CRI;
    } else if (lines > 0 && docker * 2 > lines) {
        sh->kind = RS_SHIP_DOCKER;
    } else if (lines > 0 && json * 2 > lines) {
        sh->kind = RS_SHIP_JSON;
    }
}


void
rs_ship_words(rs_shipper *sh, unsigned n, const char *p, size_t len)
{
    const char  *sp = memchr(p, ' ', len);
    size_t       w = sp ? (size_t) (sp - p) : len;
    rs_ts        ts;

    sh->kind = RS_SHIP_WORDS;
    sh->words = n;
    sh->first_iso = rs_time_iso(p, w, &ts) == w && w > 0;
    sh->first_any = rs_any_word(p, w, p + w, p + len)
                    && (p[0] == '[' || n > 1);
    sh->first_len = w < sizeof(sh->first) ? w : sizeof(sh->first);
    memcpy(sh->first, p, sh->first_len);
}


int
rs_ship_strip(const rs_shipper *sh, const char *line, size_t len,
    char *out, size_t outcap, const char **text, size_t *tlen, int *partial)
{
    size_t  n;

    *partial = 0;

    switch (sh->kind) {
    case RS_SHIP_CRI:
        n = rs_cri(line, len, partial);
        break;

    case RS_SHIP_DOCKER:
        if (!rs_docker(line, len, out, outcap, tlen, partial)) {
            return 0;
        }
        *text = out;
        return 1;

    case RS_SHIP_JSON:
        if (!rs_envelope(line, len, out, outcap, tlen, partial)) {
            return 0;
        }
        *text = out;
        return 1;

    case RS_SHIP_WORDS:
        n = rs_words(sh, line, len);
        break;

    case RS_SHIP_GREP:
        n = rs_grep(line, len);
        break;

    case RS_SHIP_INDENT:
        n = rs_indent(line, len);
        break;

    default:
        *text = line;
        *tlen = len;
        return 1;
    }

    if (n == 0) {
        return 0;
    }

    *text = line + n;
    *tlen = len - n;

    return 1;
}


/*
 * Room for need more bytes after what is held; -1: out of memory.  The
 * buffer exists afterwards even for need 0 (an empty line): the held text
 * is sh->buf + sh->len, and a record's text is never NULL.
 */
static int
rs_room(rs_shipper *sh, size_t need)
{
    size_t  cap;
    char   *b;

    if (sh->buf != NULL && need <= sh->cap - sh->len) {
        return 0;
    }

    cap = sh->cap ? sh->cap : 4096;
    while (cap - sh->len < need) {
        cap *= 2;
    }

    b = realloc(sh->buf, cap);
    if (b == NULL) {
        return -1;
    }

    sh->buf = b;
    sh->cap = cap;

    return 0;
}


/* Appends p[0..len) to the held record, up to RS_SHIP_JOIN_MAX; -1: out
   of memory. */
static int
rs_hold(rs_shipper *sh, const char *p, size_t len)
{
    if (len > RS_SHIP_JOIN_MAX - sh->len) {
        len = RS_SHIP_JOIN_MAX - sh->len;
    }

    if (rs_room(sh, len) != 0) {
        return -1;
    }

    memcpy(sh->buf + sh->len, p, len);
    sh->len += len;

    return 0;
}


int
rs_ship_line(rs_shipper *sh, const char **p, size_t *len, uint64_t *bytes,
    uint64_t *lines)
{
    const char  *text;
    size_t       tlen, room;
    int          partial = 0, fits;

    if (sh->kind == RS_SHIP_DOCKER || sh->kind == RS_SHIP_JSON) {
        /* decoded text is never longer than the line: decode in place at
           the end of what is held */
        if (!sh->open) {
            sh->len = 0;
        }
        if (rs_room(sh, *len) != 0) {
            return -1;
        }
        room = RS_SHIP_JOIN_MAX - sh->len;
        fits = (sh->kind == RS_SHIP_DOCKER ? rs_docker : rs_envelope)
               (*p, *len, sh->buf + sh->len, room < *len ? room : *len,
                &tlen, &partial);
        if (fits) {
            sh->len += tlen;
        } else if (rs_hold(sh, *p, *len) != 0) {
            return -1;
        }

    } else {
        fits = rs_ship_strip(sh, *p, *len, NULL, 0, &text, &tlen, &partial);
        if (!fits) {
            text = *p;
            tlen = *len;
        }

        if (!sh->open && (partial == 0 || !fits)) {
            /* the common case: a whole line, nothing held */
            *p = text;
            *len = tlen;
            *lines = 1;
            return 1;
        }

        if (!sh->open) {
            sh->len = 0;
        }

        if (rs_hold(sh, text, tlen) != 0) {
            return -1;
        }
    }

    sh->bytes += *bytes;
    sh->lines++;

    /* a part waits for the rest (a line the prefix does not fit ends
       what is held, and joins it) */
    if (fits && partial && sh->len < RS_SHIP_JOIN_MAX) {
        sh->open = 1;
        return 0;
    }

    return rs_ship_flush(sh, p, len, bytes, lines);
}


int
rs_ship_flush(rs_shipper *sh, const char **p, size_t *len, uint64_t *bytes,
    uint64_t *lines)
{
    if (sh->lines == 0) {
        return 0;
    }

    *p = sh->buf;
    *len = sh->len;
    *bytes = sh->bytes;
    *lines = sh->lines;

    sh->open = 0;
    sh->bytes = 0;
    sh->lines = 0;

    return 1;
}


void
rs_ship_free(rs_shipper *sh)
{
    free(sh->buf);
    sh->buf = NULL;
    sh->len = sh->cap = 0;
    sh->open = 0;
    sh->bytes = sh->lines = 0;
}
