/*
 * nginx_error.c - fuzzes the nginx error-line parser (rg_nginx_error_parse,
 * which rstscan and the module's error-log filter run on every line) with
 * the shipped rules on the fields it returns, then the whole input through
 * rstscan --format nginx-error (fuzz_scan.h), rstguard summaries included.
 *
 * Every field the parser returns must lie inside its line and the level
 * must be one of nginx's.
 */

#include "fuzz.h"
#include "fuzz_scan.h"
#include "rg_nginx_error.h"

static void
fuzz_inside(rg_str s, const char *line, size_t len)
{
    if (s.p == NULL) {
        return;
    }

    if (s.p < line || s.len > len || s.p + s.len > line + len) {
        abort();
    }
}

static void
fuzz_line(rg_matcher *m, const uint8_t *data, size_t size)
{
    int             f;
    char           *line;
    rg_nginx_error  e;

    /* a heap copy of exactly `size` bytes: ASan sees any read past it */
    line = malloc(size ? size : 1);
    if (line == NULL) {
        abort();
    }
    memcpy(line, data, size);

    if (rg_nginx_error_parse(line, size, &e) == 0) {
        for (f = 0; f < RG_FIELD_COUNT; f++) {
            fuzz_inside(e.fields.f[f], line, size);
        }
        fuzz_inside(e.time, line, size);
        if (e.level < 0 || e.level > 8) {
            abort();
        }

        (void) rg_match(m, RG_FORMAT_NGINX_ERROR, &e.fields);
    }

    free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rg_matcher  *m;
    char                err[1024];
    const uint8_t      *p, *end, *nl;

    if (m == NULL) {
        m = rg_matcher_create(fuzz_shipped_rules());
        if (m == NULL) {
            abort();
        }
    }

    for (p = data, end = data + size; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t) (end - p));
        if (nl == NULL) {
            nl = end;
        }
        fuzz_line(m, p, (size_t) (nl - p));
    }

    if (fuzz_scan(data, size, RG_FORMAT_NGINX_ERROR, NULL, 0, err,
                  sizeof(err)) != 0)
    {
        abort();
    }

    return 0;
}
