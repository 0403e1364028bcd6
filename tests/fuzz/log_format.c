/*
 * log_format.c - fuzzes the --log-format parser (analyzer/layout/logformat.c) and
 * the access-log path with whatever layout it accepts: the input's first
 * line is the layout, the rest the log scanned with it.
 *
 * A refused layout must say why naming a column; an accepted one must
 * split lines without reading outside them.
 */

#include "fuzz.h"
#include "fuzz_scan.h"
#include "logformat.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rs_logformat  lf;
    char                 err[1024], *layout;
    const uint8_t       *nl;
    size_t               n;

    nl = memchr(data, '\n', size);
    n = nl != NULL ? (size_t) (nl - data) : size;

    layout = malloc(n + 1);
    if (layout == NULL) {
        abort();
    }
    memcpy(layout, data, n);
    layout[n] = '\0';

    err[0] = '\0';
    if (rs_logformat_compile(&lf, layout, err, sizeof(err)) != 0) {
        if (err[0] == '\0') {
            abort();        /* refused without saying why */
        }

    } else if (nl != NULL) {
        /* the layout compiled: the scanner must take it too */
        if (fuzz_scan(nl + 1, size - n - 1, RG_FORMAT_NGINX_ACCESS, layout,
                      0, err, sizeof(err)) != 0)
        {
            abort();
        }
    }

    free(layout);

    return 0;
}
