/*
 * fuzz_scan.h - runs one fuzz input through rstscan's whole pipeline, the
 * way `rstscan --format F [--log-format L] --html H FILE` and `rstscan
 * simulate` do: reader, searcher, syslog prefix, the format's parser, the
 * shipped rules (Java records folded), the aggregate, the observers (the
 * findings and the module's limiter replayed), the report, the text, JSON
 * and HTML printers and simulate's report.
 *
 * The input reaches the reader from memory (rs_scan_memory: the same
 * reader, gzip included, and pipeline as a file, without a file, a thread
 * or a syscall per input), and the scanners share one prescan built once,
 * so that a target runs thousands of inputs a second.  Checked beyond "no crash, no leak": every byte of a
 * plain input is counted, no line is counted unparsed twice, no class
 * holds more bytes than the input has, --json prints a document jansson
 * reads back, and in the HTML page every '<' opens rstscan's own markup (a
 * log's text is escaped, so it never adds one).
 */

#ifndef RG_FUZZ_SCAN_H
#define RG_FUZZ_SCAN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agg.h"
#include "findings.h"
#include "html.h"
#include "print.h"
#include "report.h"
#include "rg_rules.h"
#include "scan.h"
#include "simulate.h"

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

/* The shipped rules' prescan, built once and shared read-only. */
static const rg_prescan *
fuzz_shipped_prescan(void)
{
    static rg_prescan  *ps;

    if (ps == NULL) {
        ps = rs_scan_prescan_create(fuzz_shipped_rules());
        if (ps == NULL) {
            abort();
        }
    }

    return ps;
}

/* Both observers rstscan has: the findings, and simulate's replay. */
typedef struct {
    rs_findings  *findings;
    rs_sim       *sim;
} fuzz_observers;

static void
fuzz_observe(void *ctx, const rs_seen *seen)
{
    fuzz_observers  *o = ctx;

    rs_findings_seen(o->findings, seen);
    rs_sim_seen(o->sim, seen);
}

/* --json prints one document that jansson reads back. */
static void
fuzz_check_json(rs_report *rep)
{
    char          *doc;
    size_t         len;
    FILE          *f;
    json_t        *j;
    json_error_t   je;

    f = open_memstream(&doc, &len);
    if (f == NULL) {
        abort();
    }
    rs_print_json(rep, f);
    if (fclose(f) != 0) {
        abort();
    }

    j = json_loadb(doc, len, 0, &je);
    if (j == NULL) {
        abort();            /* a broken --json document */
    }
    json_decref(j);
    free(doc);
}

/* Every '<' of the page is followed by a tag name, '/' or '!'. */
static void
fuzz_check_html(rs_report *rep)
{
    char    *page, *p, c;
    size_t   len;
    FILE    *f;

    f = open_memstream(&page, &len);
    if (f == NULL) {
        abort();
    }
    rs_print_html(rep, f);
    if (fclose(f) != 0) {
        abort();
    }

    for (p = page; (p = memchr(p, '<', len - (size_t) (p - page))) != NULL;
         p++)
    {
        c = p + 1 < page + len ? p[1] : '\0';

        if (!((c >= 'a' && c <= 'z') || c == '/' || c == '!')) {
            abort();        /* markup that rstscan did not write */
        }
    }

    free(page);
}

/*
 * The scanners kept from input to input, as rstscan's scans file after
 * file (a scanner's matcher, batch and searcher are large allocations:
 * made per input they cost more than the scan), one per (format,
 * observers, layout), the least recently used dropped past
 * FUZZ_SCANNERS: the nginx_access target's three layouts always find
 * theirs, log_format's finds one while the fuzzer mutates the lines
 * under a layout line it keeps.
 */
#define FUZZ_SCANNERS  32

typedef struct {
    rs_scanner      *sc;            /* NULL: a free slot */
    rs_scan_config   cfg;           /* the scanner points to it */
    char            *layout;        /* cfg.log_format's own copy */
    int              format, observers;
    uint64_t         used;          /* when last used */
} fuzz_kept;

static fuzz_kept *
fuzz_kept_find(fuzz_kept *kept, int format, int observers,
    const char *layout)
{
    size_t  i;

    for (i = 0; i < FUZZ_SCANNERS; i++) {
        if (kept[i].sc != NULL && kept[i].format == format
            && kept[i].observers == observers
            && (layout == NULL ? kept[i].layout == NULL
                : kept[i].layout != NULL && strcmp(kept[i].layout, layout)
                                            == 0))
        {
            return &kept[i];
        }
    }

    return NULL;
}

/* A free slot, or the least recently used one made free. */
static fuzz_kept *
fuzz_kept_slot(fuzz_kept *kept, rs_agg *agg)
{
    size_t      i;
    fuzz_kept  *k = &kept[0];

    for (i = 0; i < FUZZ_SCANNERS && k->sc != NULL; i++) {
        k = kept[i].sc == NULL || kept[i].used < k->used ? &kept[i] : k;
    }

    if (k->sc != NULL) {
        /* what the scanner adds to the aggregate as it goes (the rules
           that hit PCRE2's limits) goes to an aggregate of its own, not
           to the input being scanned */
        rs_agg_init(agg);
        rs_scanner_destroy(k->sc);
        rs_agg_free(agg);
        free(k->layout);
        memset(k, 0, sizeof(*k));
    }

    return k;
}

/*
 * Scans data as `format` (an rg_format, or -1 for auto) with the nginx
 * access layout `layout` (NULL: combined).  With `observers`, the findings
 * and simulate's replay watch the scan and the HTML page is checked (the
 * findings target).  Returns 0, or -1 when the scanner refused the layout (err then
 * says why, naming a column).
 */
static int
fuzz_scan(const uint8_t *data, size_t size, int format, const char *layout,
    int observers, char *err, size_t errlen)
{
    static FILE           *devnull;
    static rs_agg          agg;     /* the kept scanners add to it */
    static fuzz_observers  obs;     /* renewed per input */
    static fuzz_kept       kept[FUZZ_SCANNERS];
    static uint64_t        clock;
    int                    gzip;
    size_t                 c;
    uint64_t               class_bytes;
    rs_report              rep;
    rs_scanner            *sc;
    fuzz_kept             *k;
    rs_report_opts         opts = { .top = 10, .burst_n = 3,
                                        .burst_seconds = 60,
                                        .one_thread = 1 };
    rs_sim_config          simcfg;
    const rs_file         *f;

    if (devnull == NULL) {
        devnull = fopen("/dev/null", "w");
        if (devnull == NULL) {
            abort();
        }
    }

    observers = observers != 0;
    k = fuzz_kept_find(kept, format, observers, layout);
    if (k == NULL) {
        k = fuzz_kept_slot(kept, &agg);
        k->format = format;
        k->observers = observers;
        if (layout != NULL && (k->layout = strdup(layout)) == NULL) {
            abort();
        }
        k->cfg.format = format;
        k->cfg.log_format = k->layout;
        k->cfg.rules = fuzz_shipped_rules();
        k->cfg.prescan = fuzz_shipped_prescan();
        k->cfg.year = 2026;
        k->cfg.observe = observers ? fuzz_observe : NULL;
        k->cfg.observe_ctx = &obs;
    }
    k->used = ++clock;

    rs_sim_config_default(&simcfg);
    obs.findings = observers ? rs_findings_create() : NULL;
    obs.sim = observers ? rs_sim_create(&simcfg) : NULL;
    if (observers && (obs.findings == NULL || obs.sim == NULL)) {
        abort();
    }

    rs_agg_init(&agg);

    sc = k->sc;
    if (sc == NULL) {
        sc = rs_scanner_create(&k->cfg, &agg, err, errlen);
    }
    if (sc == NULL) {
        free(k->layout);
        memset(k, 0, sizeof(*k));
        rs_agg_free(&agg);
        rs_findings_free(obs.findings);
        rs_sim_free(obs.sim);
        return -1;
    }
    k->sc = sc;

    (void) rs_scan_memory(sc, "fuzz.log", data, size);

    if (agg.nfiles != 1) {
        abort();
    }
    f = &agg.files[0];
    /* compressed input (gzip, or zstd's frame or skippable frame) and
       UTF-16 after its byte order mark (not UTF-32's FF FE 00 00) decode
       to other bytes than they have */
    gzip = (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
           || (size >= 4 && ((data[0] == 0x28 && data[1] == 0xb5
                              && data[2] == 0x2f && data[3] == 0xfd)
                             || ((data[0] & 0xf0) == 0x50 && data[1] == 0x2a
                                 && data[2] == 0x4d && data[3] == 0x18)))
           || (size >= 2 && data[0] == 0xfe && data[1] == 0xff)
           || (size >= 2 && data[0] == 0xff && data[1] == 0xfe
               && !(size >= 4 && data[2] == 0 && data[3] == 0));

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

    if (observers) {
        rs_findings_total_bytes(obs.findings, agg.bytes);
        rep.findings = rs_findings_build(obs.findings, &agg);
        if (rep.findings == NULL || rs_sim_failed(obs.sim))
        {
            abort();
        }
        fuzz_check_html(&rep);
        rs_sim_print(devnull, &simcfg, rs_sim_get_result(obs.sim));
    }

    fuzz_check_json(&rep);
    rs_print_text(&rep, &opts, devnull);
    rs_report_free(&rep);
    rs_agg_free(&agg);
    rs_findings_free(obs.findings);
    rs_sim_free(obs.sim);

    return 0;
}

#endif /* RG_FUZZ_SCAN_H */
