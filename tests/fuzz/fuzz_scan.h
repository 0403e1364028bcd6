/*
 * fuzz_scan.h - runs one fuzz input through rstscan's whole pipeline, the
 * way `rstscan --format F [--log-format L] FILE` does: reader, searcher,
 * syslog prefix, the format's parser, the shipped rules (Java records
 * folded), the aggregate, the report and both printers.
 *
 * The input reaches the reader as a memfd opened by its /proc path, so no
 * layer is bypassed.  Checked beyond "no crash, no leak": every byte of a
 * plain input is counted, no line is counted unparsed twice, and no class
 * holds more bytes than the input has.
 */

#ifndef RG_FUZZ_SCAN_H
#define RG_FUZZ_SCAN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agg.h"
#include "print.h"
#include "report.h"
#include "rg_rules.h"
#include "scan.h"

/* The shipped rules, built once and read-only afterwards. */
static const rg_ruleset *
fuzz_shipped_rules(void)
{
    static rg_ruleset  *rs;
    rg_error            err;

    if (rs == NULL) {
        rs = rg_ruleset_create();
        if (rs == NULL || rg_ruleset_add_shipped(rs, &err) != 0
            || rg_ruleset_compile(rs, &err) != 0)
        {
            abort();
        }
    }

    return rs;
}

/*
 * Scans data as `format` (an rg_format, or -1 for auto) with the nginx
 * access layout `layout` (NULL: combined).  Returns 0, or -1 when the
 * scanner refused the layout (err then says why, naming a column).
 */
static int
fuzz_scan(const uint8_t *data, size_t size, int format, const char *layout,
    char *err, size_t errlen)
{
    static FILE      *devnull;
    char              path[64];
    int               fd, gzip;
    size_t            c;
    uint64_t          class_bytes;
    rs_agg            agg;
    rs_report         rep;
    rs_scanner       *sc;
    rs_scan_config    cfg;
    rs_report_opts    opts = { 10, 3, 60 };
    const rs_file    *f;

    if (devnull == NULL) {
        devnull = fopen("/dev/null", "w");
        if (devnull == NULL) {
            abort();
        }
    }

    memset(&cfg, 0, sizeof(cfg));
    cfg.format = format;
    cfg.log_format = layout;
    cfg.rules = fuzz_shipped_rules();
    cfg.year = 2026;

    rs_agg_init(&agg);

    sc = rs_scanner_create(&cfg, &agg, err, errlen);
    if (sc == NULL) {
        rs_agg_free(&agg);
        return -1;
    }

    fd = memfd_create("fuzz-scan", MFD_CLOEXEC);
    if (fd == -1 || (size > 0 && write(fd, data, size) != (ssize_t) size)) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    (void) rs_scan_path(sc, path);
    rs_scanner_destroy(sc);
    close(fd);

    if (agg.nfiles != 1) {
        abort();
    }
    f = &agg.files[0];
    gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;

    if ((!gzip && f->error == NULL && f->bytes != size)
        || f->unparsed > f->lines || agg.unparsed > agg.lines)
    {
        abort();
    }

    class_bytes = 0;
    for (c = 0; c < RG_CLASS_COUNT; c++) {
        class_bytes += agg.cls[c].bytes;
    }
    if (class_bytes > agg.bytes) {
        abort();            /* a record counted bytes the input lacks */
    }

    if (rs_report_build(&rep, &agg, &opts) != 0) {
        abort();
    }
    rs_print_json(&rep, devnull);
    rs_print_text(&rep, &opts, devnull);
    rs_report_free(&rep);
    rs_agg_free(&agg);

    return 0;
}

#endif /* RG_FUZZ_SCAN_H */
