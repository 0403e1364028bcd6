/*
 * nginxconf.c - log_format and access_log from nginx's configuration (see
 * nginxconf.h).
 */

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logformat.h"
#include "nginxconf.h"


#define RS_NCF_MAX_ARGS   64
#define RS_NCF_MAX_DEPTH  16        /* includes within includes */
#define RS_NCF_DUMP_HEAD  "# configuration file "

typedef struct {
    char  *name, *layout;
} rs_ncf_format;

typedef struct {
    char  *path, *format;
    char  *where;               /* "log_format main (access_log at F:L)" */
} rs_ncf_log;

struct rs_nginxconf {
    char           *path;
    rs_ncf_format  *fmt;
    size_t          nfmt, capf;
    rs_ncf_log     *log;
    size_t          nlog, capl;
};

/* A file's text being read. */
typedef struct {
    const char  *file;          /* its name, for messages */
    const char  *p, *end;
    unsigned     line;
    int          dump;          /* a section of `nginx -T`: no includes */
    int          depth;         /* of includes */
} rs_ncf_in;

typedef enum {
    RS_TOK_WORD, RS_TOK_SEMI, RS_TOK_OPEN, RS_TOK_CLOSE, RS_TOK_EOF,
    RS_TOK_ERROR
} rs_tok;

/* One directive: its words (unescaped) and line. */
typedef struct {
    char      *arg[RS_NCF_MAX_ARGS];
    size_t     n;
    unsigned   line;
} rs_ncf_dir;


static int rs_ncf_text(rs_nginxconf *c, rs_ncf_in *in, char *err,
    size_t errlen);
static int rs_ncf_file(rs_nginxconf *c, const char *path, int depth,
    char *err, size_t errlen);


static char *
rs_ncf_dup(const char *s)
{
    size_t  n = strlen(s) + 1;
    char   *d = malloc(n);

    if (d != NULL) {
        memcpy(d, s, n);
    }

    return d;
}


/* The whole of a file (or stdin) in memory; NULL with err set. */
static char *
rs_ncf_read(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE    *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char    *buf = NULL, *b;
    size_t   cap = 0, n = 0, r;

    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }

    for ( ;; ) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 65536;
            b = realloc(buf, cap + 1);
            if (b == NULL) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto failed;
            }
            buf = b;
        }

        r = fread(buf + n, 1, cap - n, f);
        n += r;

        if (r == 0) {
            break;
        }
    }

    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        goto failed;
    }

    if (f != stdin) {
        fclose(f);
    }

    buf[n] = '\0';
    *len = n;

    return buf;

failed:

    if (f != stdin) {
        fclose(f);
    }
    free(buf);

    return NULL;
}


/*
 * The next token, as ngx_conf_read_token reads it: words end at blanks,
 * ';', '{', '}'; '#' at a word's start comments out the line; "..." and
 * '...' quote, and \" \' \\ \t \r \n are unescaped.  The word is put in
 * *word (malloc'ed).
 */
static rs_tok
rs_ncf_token(rs_ncf_in *in, char **word, char *err, size_t errlen)
{
    const char  *p = in->p, *end = in->end;
    char        *w, *nw, q = 0;
    size_t       n = 0, cap;
    unsigned     start = 0;

    for ( ;; ) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'
                           || *p == '\n'))
        {
            in->line += *p == '\n';
            p++;
        }

        if (p < end && *p == '#') {
            while (p < end && *p != '\n') {
                p++;
            }
            continue;
        }

        break;
    }

    in->p = p;

    if (p == end) {
        return RS_TOK_EOF;
    }

    switch (*p) {
    case ';':  in->p++; return RS_TOK_SEMI;
    case '{':  in->p++; return RS_TOK_OPEN;
    case '}':  in->p++; return RS_TOK_CLOSE;
    }

    /* the word is never longer than what is left of the text, nor than
       the token that ends first: sized to the first blank or quote */
    {
        const char  *e = p + 1;

        while (e < end && *e != '\n' && *e != ';' && *e != '{') {
            e++;
        }
        cap = (size_t) (e - p) + 1;
    }

    w = malloc(cap);
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return RS_TOK_ERROR;
    }

    if (*p == '"' || *p == '\'') {
        q = *p++;
        start = in->line;
    }

    while (p < end) {
        if (q == 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'
                       || *p == ';' || *p == '{' || *p == '}'))
        {
            break;
        }

        /* a quoted word may run over lines: room for one more byte and
           the NUL */
        if (n + 2 > cap) {
            cap *= 2;
            nw = realloc(w, cap);
            if (nw == NULL) {
                free(w);
                snprintf(err, errlen, "out of memory");
                return RS_TOK_ERROR;
            }
            w = nw;
        }

        if (q != 0 && *p == q) {
            p++;
            q = 0;
            in->p = p;
            w[n] = '\0';
            *word = w;
            return RS_TOK_WORD;
        }

        if (*p == '\\' && p + 1 < end) {
            switch (p[1]) {
            case '"': case '\'': case '\\':  w[n++] = p[1]; p += 2; continue;
            case 't':  w[n++] = '\t'; p += 2; continue;
            case 'r':  w[n++] = '\r'; p += 2; continue;
            case 'n':  w[n++] = '\n'; p += 2; continue;
            }
        }

        in->line += *p == '\n';
        w[n++] = *p++;
    }

    if (q != 0) {
        snprintf(err, errlen, "%s:%u: the quote %c opened here is never"
                 " closed", in->file, start, q);
        free(w);
        return RS_TOK_ERROR;
    }

    in->p = p;
    w[n] = '\0';
    *word = w;

    return RS_TOK_WORD;
}


static void
rs_ncf_dir_free(rs_ncf_dir *d)
{
    size_t  i;

    for (i = 0; i < d->n; i++) {
        free(d->arg[i]);
    }
    d->n = 0;
}


/* Whether s names a format ("name" of log_format name ...). */
static const rs_ncf_format *
rs_ncf_find(const rs_nginxconf *c, const char *name)
{
    size_t  i;

    for (i = 0; i < c->nfmt; i++) {
        if (strcmp(c->fmt[i].name, name) == 0) {
            return &c->fmt[i];
        }
    }

    return NULL;
}


/* log_format NAME [escape=...] STRING...: the strings joined. */
static int
rs_ncf_log_format(rs_nginxconf *c, rs_ncf_in *in, rs_ncf_dir *d, char *err,
    size_t errlen)
{
    size_t          i = 2, len = 0;
    char           *layout, msg[512];
    rs_ncf_format  *f;
    rs_logformat   *lf;

    if (d->n < 3) {
        snprintf(err, errlen, "%s:%u: log_format needs a name and a layout",
                 in->file, d->line);
        return -1;
    }

    if (strncmp(d->arg[2], "escape=", 7) == 0) {
        i = 3;
    }

    for (size_t k = i; k < d->n; k++) {
        len += strlen(d->arg[k]);
    }

    layout = malloc(len + 1);
    if (layout == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (len = 0; i < d->n; i++) {
        size_t  n = strlen(d->arg[i]);

        memcpy(layout + len, d->arg[i], n);
        len += n;
    }
    layout[len] = '\0';

    /* a layout rstscan cannot split is said where it is written */
    lf = malloc(sizeof(rs_logformat));
    if (lf == NULL || rs_logformat_compile(lf, layout, msg, sizeof(msg)) != 0)
    {
        snprintf(err, errlen, "%s:%u: log_format \"%s\": %s", in->file,
                 d->line, d->arg[1], lf ? msg : "out of memory");
        free(lf);
        free(layout);
        return -1;
    }
    free(lf);

    if (c->nfmt == c->capf) {
        rs_ncf_format  *nf;

        c->capf = c->capf ? c->capf * 2 : 8;
        nf = realloc(c->fmt, c->capf * sizeof(rs_ncf_format));
        if (nf == NULL) {
            free(layout);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->fmt = nf;
    }

    f = &c->fmt[c->nfmt];
    f->name = rs_ncf_dup(d->arg[1]);
    f->layout = layout;
    if (f->name == NULL) {
        free(layout);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->nfmt++;

    return 0;
}


/* access_log PATH [FORMAT [params]] (off, syslog: and variables skipped) */
static int
rs_ncf_access_log(rs_nginxconf *c, rs_ncf_in *in, rs_ncf_dir *d, char *err,
    size_t errlen)
{
    char        where[1024];
    rs_ncf_log *l;

    if (d->n < 2 || strcmp(d->arg[1], "off") == 0
        || strncmp(d->arg[1], "syslog:", 7) == 0
        || strchr(d->arg[1], '$') != NULL)
    {
        return 0;
    }

    if (c->nlog == c->capl) {
        rs_ncf_log  *nl;

        c->capl = c->capl ? c->capl * 2 : 8;
        nl = realloc(c->log, c->capl * sizeof(rs_ncf_log));
        if (nl == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        c->log = nl;
    }

    l = &c->log[c->nlog];
    l->path = rs_ncf_dup(d->arg[1]);
    l->format = rs_ncf_dup(d->n > 2 && strchr(d->arg[2], '=') == NULL
                           ? d->arg[2] : "combined");
    snprintf(where, sizeof(where), "log_format %s (access_log at %s:%u)",
             l->format ? l->format : "", in->file, d->line);
    l->where = rs_ncf_dup(where);
    if (l->path == NULL || l->format == NULL || l->where == NULL) {
        free(l->path);
        free(l->format);
        free(l->where);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->nlog++;

    return 0;
}


/* include GLOB, relative to the including file's directory. */
static int
rs_ncf_include(rs_nginxconf *c, rs_ncf_in *in, rs_ncf_dir *d, char *err,
    size_t errlen)
{
    char        pattern[4096];
    const char *slash;
    glob_t      g;
    size_t      i;
    int         rc;

    if (in->dump || d->n != 2) {
        return 0;
    }

    slash = strrchr(in->file, '/');
    if (d->arg[1][0] == '/' || slash == NULL) {
        snprintf(pattern, sizeof(pattern), "%s", d->arg[1]);
    } else {
        snprintf(pattern, sizeof(pattern), "%.*s/%s",
                 (int) (slash - in->file), in->file, d->arg[1]);
    }

    if (in->depth >= RS_NCF_MAX_DEPTH) {
        snprintf(err, errlen, "%s:%u: include \"%s\": includes nested more"
                 " than %d deep", in->file, d->line, d->arg[1],
                 RS_NCF_MAX_DEPTH);
        return -1;
    }

    rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH) {
        /* nginx fails on a missing file, not on a glob matching none */
        if (strpbrk(pattern, "*?[") == NULL) {
            snprintf(err, errlen, "%s:%u: include \"%s\": %s", in->file,
                     d->line, pattern, strerror(ENOENT));
            return -1;
        }
        return 0;
    }

    if (rc != 0) {
        snprintf(err, errlen, "%s:%u: include \"%s\": cannot be read",
                 in->file, d->line, pattern);
        return -1;
    }

    for (i = 0; i < g.gl_pathc; i++) {
        if (rs_ncf_file(c, g.gl_pathv[i], in->depth + 1, err, errlen) != 0) {
            globfree(&g);
            return -1;
        }
    }

    globfree(&g);

    return 0;
}


/* The directives of one file's text (or one section of a dump). */
static int
rs_ncf_text(rs_nginxconf *c, rs_ncf_in *in, char *err, size_t errlen)
{
    rs_ncf_dir  d;
    rs_tok      t;
    char       *w = NULL;
    int         depth = 0, rc = 0;

    d.n = 0;
    d.line = in->line;

    for ( ;; ) {
        t = rs_ncf_token(in, &w, err, errlen);

        if (t == RS_TOK_ERROR) {
            rc = -1;
            break;
        }

        if (t == RS_TOK_WORD) {
            if (d.n == 0) {
                d.line = in->line;
            }
            if (d.n == RS_NCF_MAX_ARGS) {
                free(w);
                snprintf(err, errlen, "%s:%u: too many arguments",
                         in->file, d.line);
                rc = -1;
                break;
            }
            d.arg[d.n++] = w;
            continue;
        }

        if (t == RS_TOK_EOF) {
            if (d.n > 0) {
                snprintf(err, errlen, "%s:%u: unexpected end of file,"
                         " expecting \";\" or \"}\"", in->file, in->line);
                rc = -1;
            } else if (depth > 0) {
                snprintf(err, errlen, "%s:%u: unexpected end of file,"
                         " expecting \"}\"", in->file, in->line);
                rc = -1;
            }
            break;
        }

        if (t == RS_TOK_CLOSE) {
            if (d.n > 0 || depth == 0) {
                snprintf(err, errlen, "%s:%u: unexpected \"}\"", in->file,
                         in->line);
                rc = -1;
                break;
            }
            depth--;
            continue;
        }

        if (t == RS_TOK_OPEN) {
            if (d.n == 0) {
                snprintf(err, errlen, "%s:%u: unexpected \"{\"", in->file,
                         in->line);
                rc = -1;
                break;
            }
            depth++;
            rs_ncf_dir_free(&d);
            continue;
        }

        /* ";" ends a directive */
        if (d.n == 0) {
            snprintf(err, errlen, "%s:%u: unexpected \";\"", in->file,
                     in->line);
            rc = -1;
            break;
        }

        if (strcmp(d.arg[0], "log_format") == 0) {
            rc = rs_ncf_log_format(c, in, &d, err, errlen);
        } else if (strcmp(d.arg[0], "access_log") == 0) {
            rc = rs_ncf_access_log(c, in, &d, err, errlen);
        } else if (strcmp(d.arg[0], "include") == 0) {
            rc = rs_ncf_include(c, in, &d, err, errlen);
        }

        rs_ncf_dir_free(&d);

        if (rc != 0) {
            break;
        }
    }

    rs_ncf_dir_free(&d);

    return rc;
}


static int
rs_ncf_file(rs_nginxconf *c, const char *path, int depth, char *err,
    size_t errlen)
{
    char       *text;
    size_t      len;
    rs_ncf_in   in;
    int         rc;

    text = rs_ncf_read(path, &len, err, errlen);
    if (text == NULL) {
        return -1;
    }

    memset(&in, 0, sizeof(rs_ncf_in));
    in.file = path;
    in.p = text;
    in.end = text + len;
    in.line = 1;
    in.depth = depth;

    rc = rs_ncf_text(c, &in, err, errlen);
    free(text);

    return rc;
}


/* The next "# configuration file PATH:" line at or after p, or NULL. */
static char *
rs_ncf_header(char *p, char *end)
{
    size_t  hl = sizeof(RS_NCF_DUMP_HEAD) - 1;
    char   *nl;

    while (p < end) {
        nl = memchr(p, '\n', (size_t) (end - p));
        nl = nl ? nl : end;

        if ((size_t) (nl - p) > hl + 1 && memcmp(p, RS_NCF_DUMP_HEAD, hl) == 0
            && nl[-1] == ':')
        {
            return p;
        }

        p = nl + 1;
    }

    return NULL;
}


/*
 * `nginx -T`: "# configuration file PATH:" opens each file's text; the
 * lines before the first (nginx's own "syntax is ok" lines when stderr
 * was taken too) are skipped.
 */
static int
rs_ncf_dump(rs_nginxconf *c, char *text, size_t len, char *err,
    size_t errlen)
{
    char       *end = text + len, *h, *nl, *next;
    rs_ncf_in   in;

    for (h = rs_ncf_header(text, end); h != NULL; h = next) {
        nl = memchr(h, '\n', (size_t) (end - h));
        nl = nl ? nl : end;
        next = nl < end ? rs_ncf_header(nl + 1, end) : NULL;

        nl[-1] = '\0';         /* the ':' ends the name */

        memset(&in, 0, sizeof(rs_ncf_in));
        in.file = h + sizeof(RS_NCF_DUMP_HEAD) - 1;
        in.p = nl < end ? nl + 1 : end;
        in.end = next ? next : end;
        in.line = 1;
        in.dump = 1;

        if (rs_ncf_text(c, &in, err, errlen) != 0) {
            return -1;
        }
    }

    return 0;
}


rs_nginxconf *
rs_nginxconf_load(const char *path, char *err, size_t errlen)
{
    rs_nginxconf  *c;
    char          *text;
    size_t         len, i;
    int            rc;

    c = calloc(1, sizeof(rs_nginxconf));
    if (c == NULL || (c->path = rs_ncf_dup(path)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(c);
        return NULL;
    }

    text = rs_ncf_read(path, &len, err, errlen);
    if (text == NULL) {
        rs_nginxconf_free(c);
        return NULL;
    }

    /* the output of nginx -T, whatever the name it was saved under */
    if ((len >= sizeof(RS_NCF_DUMP_HEAD) - 1
         && memcmp(text, RS_NCF_DUMP_HEAD, sizeof(RS_NCF_DUMP_HEAD) - 1) == 0)
        || strstr(text, "\n" RS_NCF_DUMP_HEAD) != NULL)
    {
        rc = rs_ncf_dump(c, text, len, err, errlen);
        free(text);

    } else {
        rs_ncf_in  in;

        memset(&in, 0, sizeof(rs_ncf_in));
        in.file = strcmp(path, "-") == 0 ? "(stdin)" : path;
        in.p = text;
        in.end = text + len;
        in.line = 1;
        rc = rs_ncf_text(c, &in, err, errlen);
        free(text);
    }

    if (rc != 0) {
        rs_nginxconf_free(c);
        return NULL;
    }

    /* a format used and defined nowhere is nginx's own error too */
    for (i = 0; i < c->nlog; i++) {
        if (strcmp(c->log[i].format, "combined") != 0
            && rs_ncf_find(c, c->log[i].format) == NULL)
        {
            /* FILE:LINE is what stands between "at " and the ')' */
            const char  *at = strstr(c->log[i].where, "access_log at ") + 14;

            snprintf(err, errlen, "%.*s: unknown log format \"%s\"",
                     (int) (strlen(at) - 1), at, c->log[i].format);
            rs_nginxconf_free(c);
            return NULL;
        }
    }

    return c;
}


/* Whether file is the log at path or a rotated one of it (path.1,
   path.2.gz, path-20261121). */
static int
rs_ncf_same(const char *file, const char *path)
{
    size_t  n = strlen(path);

    return strncmp(file, path, n) == 0
           && (file[n] == '\0' || file[n] == '.' || file[n] == '-');
}


static const char *
rs_ncf_base(const char *p)
{
    const char  *s = strrchr(p, '/');

    return s ? s + 1 : p;
}


const char *
rs_nginxconf_layout(const rs_nginxconf *c, const char *path, int by_name,
    const char **src)
{
    const rs_ncf_log     *l = NULL;
    const rs_ncf_format  *f;
    size_t                i;
    char                  real[PATH_MAX];

    if (c == NULL) {
        return NULL;
    }

    for (i = 0; i < c->nlog && l == NULL; i++) {
        if (rs_ncf_same(path, c->log[i].path)) {
            l = &c->log[i];
        }
    }

    /* a relative path, or one through a symbolic link */
    if (l == NULL && realpath(path, real) != NULL) {
        for (i = 0; i < c->nlog && l == NULL; i++) {
            if (rs_ncf_same(real, c->log[i].path)) {
                l = &c->log[i];
            }
        }
    }

    for (i = 0; i < c->nlog && l == NULL && by_name; i++) {
        if (rs_ncf_same(rs_ncf_base(path), rs_ncf_base(c->log[i].path))) {
            l = &c->log[i];
        }
    }

    if (l == NULL) {
        return NULL;
    }

    if (src != NULL) {
        *src = l->where;
    }

    /* combined is nginx's own, unless the configuration redefined it */
    f = rs_ncf_find(c, l->format);

    return f != NULL ? f->layout : RS_LOGFORMAT_COMBINED;
}


const char *
rs_nginxconf_path(const rs_nginxconf *c)
{
    return c->path;
}


void
rs_nginxconf_free(rs_nginxconf *c)
{
    size_t  i;

    if (c == NULL) {
        return;
    }

    for (i = 0; i < c->nfmt; i++) {
        free(c->fmt[i].name);
        free(c->fmt[i].layout);
    }

    for (i = 0; i < c->nlog; i++) {
        free(c->log[i].path);
        free(c->log[i].format);
        free(c->log[i].where);
    }

    free(c->fmt);
    free(c->log);
    free(c->path);
    free(c);
}
