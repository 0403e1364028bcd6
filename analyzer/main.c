/*
 * main.c - rstscan: options, the scan of every input, the report, the
 * exit status (0 clean, 1 a --fail-on condition held, 2 usage or input
 * error; 2 wins).  The only place that prints errors or exits.
 */

#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "html.h"
#include "options.h"
#include "partial.h"
#include "progress.h"
#include "print.h"
#include "rotate.h"
#include "scan_files.h"
#include "scan.h"
#include "simulate.h"

#define RS_OUT_BUFFER  (256 * 1024)

/*
 * After the report the process exits and its memory goes back whole:
 * freeing the key tables, event lists and findings piece by piece (tens of
 * thousands of allocations) only costs time at the end of every run.  A
 * sanitizer build frees everything, so its leak check still accounts for
 * every allocation.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RS_FREE_AT_EXIT  1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RS_FREE_AT_EXIT  1
#endif
#endif
#ifndef RS_FREE_AT_EXIT
#define RS_FREE_AT_EXIT  0
#endif


static int rs_scan_all(rs_run *run, rs_agg *agg);
static int rs_report_findings(rs_report *rep, void *ctx);
static int rs_main_simulate(int argc, char **argv);
static int rs_merge_all(rs_run *run, rs_agg *agg, rs_findings *findings);
static int rs_unreadable(const rs_agg *agg);
static int rs_write_html(const rs_report *rep, const char *path);
static uint64_t rs_total_size(const rs_run *run);


int
main(int argc, char **argv)
{
    char       err[2048];
    rs_run     run;
    rs_agg     agg;
    rs_report     rep;
    rs_findings  *findings;
    rs_progress  *progress;
    int           status, merge;

    memset(&run, 0, sizeof(rs_run));

    /*
     * Every allocation of 128 KiB or more gets its own mapping, for good:
     * glibc otherwise raises that threshold each time such a block is
     * freed, after which the key tables' arrays grow (realloc by half) in
     * the heap, copying and leaving freed holes that stay resident, where
     * a mapping grows by mremap and is returned whole when freed.  2-6 MiB
     * less peak RSS with 250,000 distinct keys; a few thousand more page
     * faults on a 1 GB log.
     */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);

    if (argc > 1 && strcmp(argv[1], "simulate") == 0) {
        return rs_main_simulate(argc - 1, argv + 1);
    }

    /* rstscan merge [OPTIONS] PART...: the same options, shards for files */
    merge = argc > 1 && strcmp(argv[1], "merge") == 0;
    if (merge) {
        argc--;
        argv++;
    }

    if (rs_cli_parse(&run.cli, argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_usage(stderr);
        return 2;
    }

    if (run.cli.help) {
        rs_usage(stdout);
        return 0;
    }

    if (run.cli.version) {
        rs_version(stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }

    if (rs_run_resolve(&run, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_run_free(&run);
        return 2;
    }

    /* jansson's hash seed, before two threads build JSON at once (the
       timeline and the findings: rs_json_timeline_ahead) */
    json_object_seed(0);

    findings = rs_findings_create();
    if (findings == NULL) {
        fprintf(stderr, "rstscan: out of memory\n");
        rs_run_free(&run);
        return 2;
    }

    run.scan.observe = rs_findings_seen;
    run.scan.observe_ctx = findings;
    run.scan.observe_fork = rs_findings_fork;
    run.scan.observe_join = rs_findings_join;
    run.scan.observe_free = rs_findings_drop;

    /* a progress line on a terminal's stderr, nothing otherwise */
    progress = merge ? NULL : rs_progress_create(stderr, rs_total_size(&run),
                                                 NULL);
    run.scan.progress = progress ? rs_progress_add : NULL;
    run.scan.progress_ctx = progress;

    rs_agg_init(&agg);
    status = merge ? rs_merge_all(&run, &agg, findings)
                   : rs_scan_all(&run, &agg);
    rs_progress_done(progress);
    rs_findings_total_bytes(findings, agg.bytes);

    if (run.cli.partial) {
        if (rs_partial_write(stdout, &agg, findings) != 0
            || fflush(stdout) != 0)
        {
            fprintf(stderr, "rstscan: cannot write the partial document\n");
            status = 2;
        }

        rs_findings_free(findings);
        rs_agg_free(&agg);
        rs_run_free(&run);
        return status;
    }

    /* the timeline is rendered while the top lists and findings are
       built */
    if (run.cli.json) {
        run.report.series_done = rs_json_timeline_ahead;
    }
    run.report.alongside = rs_report_findings;
    run.report.alongside_ctx = findings;

    if (rs_report_build(&rep, &agg, &run.report) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        rs_findings_free(findings);
        rs_agg_free(&agg);
        rs_run_free(&run);
        return 2;
    }

    if (rs_findings_lost(findings)) {
        fprintf(stderr, "rstscan: out of memory: the findings miss %llu"
                " records\n", (unsigned long long) rs_findings_lost(findings));
    }

    if (RS_FREE_AT_EXIT) {
        rs_findings_free(findings);
    }

    /* a report of a week is megabytes (the timeline): written in large
       pieces, not stdio's 4 KiB */
    setvbuf(stdout, NULL, _IOFBF, RS_OUT_BUFFER);

    if (run.cli.json) {
        rs_print_json(&rep, stdout);
    } else {
        rs_print_text(&rep, &run.report, stdout);
    }

    if (fflush(stdout) != 0) {
        fprintf(stderr, "rstscan: cannot write the report\n");
        status = 2;
    }

    if (run.cli.html != NULL && rs_write_html(&rep, run.cli.html) != 0) {
        status = 2;
    }

    if (status == 0 && rs_fail_on_holds(&run, &rep)) {
        status = 1;
    }

    /* a file no parser could read is no clean file: with --fail-on it is
       an input error */
    if (run.cli.nfail_on > 0 && rs_unreadable(&agg)) {
        status = 2;
    }

    if (RS_FREE_AT_EXIT) {
        rs_report_free(&rep);
        rs_agg_free(&agg);
        rs_run_free(&run);
    }

    return status;
}


/* The findings into the report (rs_report_opts.alongside); 0 or -1. */
static int
rs_report_findings(rs_report *rep, void *ctx)
{
    rep->findings = rs_findings_json(ctx, rep->agg);
    rep->truncations = rs_findings_truncations(ctx);

    return rep->findings != NULL && rep->truncations != NULL ? 0 : -1;
}


/* An input's lines on stderr once it is counted (rs_files_done_fn). */
static void
rs_scan_said(void *ctx, const rs_file *f, int failed)
{
    rs_run  *run = ctx;

    (void) failed;
    rs_progress_clear(run->scan.progress_ctx);

    if (f->error != NULL) {
        fprintf(stderr, "rstscan: %s\n", f->error);
    } else if (f->detected && !run->cli.json) {
        fprintf(stderr, "rstscan: %s: format %s%s%s (detected)\n",
                f->path, f->format, f->prefix ? " behind a prefix: " : "",
                f->prefix ? f->prefix : "");
    }
}


/* Every input, a rotated set oldest first; 2 when any failed, else 0. */
static int
rs_scan_all(rs_run *run, rs_agg *agg)
{
    char  err[1024];
    int   rc;

    if (rs_rotate_order(run->cli.files, run->cli.nfiles) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        return 2;
    }

    rc = rs_scan_files(&run->scan, agg, run->cli.files, run->cli.nfiles,
                       rs_scan_said, run, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        return 2;
    }

    return rc != 0 ? 2 : 0;
}


/*
 * rstscan simulate: simulate's options out, the rest through the
 * scanner's own option parser, every abort into the limiter replay.
 */
static int
rs_main_simulate(int argc, char **argv)
{
    char           err[2048], **rest;
    int            nrest, status;
    rs_run         run;
    rs_agg         agg;
    rs_sim        *sim;
    rs_sim_config  cfg;

    memset(&run, 0, sizeof(rs_run));
    rest = calloc((size_t) argc + 2, sizeof(char *));

    if (rest == NULL
        || rs_sim_parse_args(argc, argv, &cfg, rest, &nrest, err,
                             sizeof(err)) != 0
        || rs_cli_parse(&run.cli, nrest, rest, err, sizeof(err)) != 0)
    {
        fprintf(stderr, "rstscan: %s\n", rest ? err : "out of memory");
        fprintf(stderr, "usage: rstscan simulate [--rate R] [--burst N]"
                " [--global-rate R] [--global-burst N] [--key client|none]"
                " [--classes C,C...] [--json] [SCAN OPTIONS] FILE...\n");
        free(rest);
        return 2;
    }

    run.cli.json = cfg.json;

    if (rs_run_resolve(&run, err, sizeof(err)) != 0
        || (sim = rs_sim_create(&cfg)) == NULL)
    {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_run_free(&run);
        free(rest);
        return 2;
    }

    run.scan.observe = rs_sim_seen;
    run.scan.observe_ctx = sim;

    rs_agg_init(&agg);
    status = rs_scan_all(&run, &agg);

    if (rs_sim_failed(sim)) {
        fprintf(stderr, "rstscan: out of memory: the replay is incomplete\n");
        status = 2;
    }

    if (rs_sim_print(stdout, &cfg, rs_sim_get_result(sim)) != 0
        || fflush(stdout) != 0)
    {
        fprintf(stderr, "rstscan: cannot write the report\n");
        status = 2;
    }

    rs_sim_free(sim);
    rs_agg_free(&agg);
    rs_run_free(&run);
    free(rest);

    return status;
}


/* Whether a file was read by no parser (rs_file.unreadable). */
static int
rs_unreadable(const rs_agg *agg)
{
    size_t  i;

    for (i = 0; i < agg->nfiles; i++) {
        if (agg->files[i].unreadable) {
            return 1;
        }
    }

    return 0;
}


/*
 * merge: every --partial document, in the order a direct run reads their
 * inputs: by the first input each holds, rotated sets oldest first
 * (rotate.h), others in the order given.  What the report keeps of the
 * first record seen (a finding's example line, the files' order) is then
 * what one direct run keeps, whatever the order the parts were given in.
 * Each document is read twice (for its first input, then to add it), so
 * only one is held at a time, as before.  2 when any failed.
 */
static int
rs_merge_all(rs_run *run, rs_agg *agg, rs_findings *findings)
{
    char          err[2048], why[1536];
    size_t        i, j, m, n = run->cli.nfiles;
    int           status = 0;
    json_t       *doc;
    char        **first;
    const char  **key, **order;

    first = calloc(n + 1, sizeof(char *));
    key = calloc(n + 1, sizeof(char *));
    order = calloc(n + 1, sizeof(char *));

    if (first == NULL || key == NULL || order == NULL) {
        fprintf(stderr, "rstscan: out of memory\n");
        status = 2;
        goto done;
    }

    for (i = 0; i < n; i++) {
        /* the keys are distinct pointers: each finds its part again */
        key[i] = run->cli.files[i];

        doc = rs_partial_load_file(run->cli.files[i], err, sizeof(err));
        if (doc == NULL) {
            /* said once, here; the part is left out below */
            fprintf(stderr, "rstscan: %s\n", err);
            status = 2;
            key[i] = NULL;
            continue;
        }

        if (rs_partial_first_path(doc) != NULL
            && (first[i] = strdup(rs_partial_first_path(doc))) != NULL)
        {
            key[i] = first[i];
        }
        json_decref(doc);
    }

    for (i = 0, m = 0; i < n; i++) {
        if (key[i] != NULL) {
            order[m++] = key[i];
        }
    }

    if (rs_rotate_order(order, m) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        status = 2;
        goto done;
    }

    for (j = 0; j < m; j++) {
        for (i = 0; i < n && key[i] != order[j]; i++) {
            /* void */
        }

        if (i == n) {
            continue;
        }

        doc = rs_partial_load_file(run->cli.files[i], err, sizeof(err));
        if (doc == NULL) {
            /* it changed since the first read */
            fprintf(stderr, "rstscan: %s\n", err);
            status = 2;
            continue;
        }

        if (rs_partial_add(doc, agg, findings, why, sizeof(why)) != 0) {
            fprintf(stderr, "rstscan: %s: %s\n", run->cli.files[i], why);
            status = 2;
        }
        json_decref(doc);
    }

done:

    for (i = 0; first != NULL && i < n; i++) {
        free(first[i]);
    }

    free(first);
    free(key);
    free(order);

    return status;
}


/* --html FILE: the page, written whole or reported */
static int
rs_write_html(const rs_report *rep, const char *path)
{
    FILE  *f;
    int    rc;

    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "rstscan: %s: %s\n", path, strerror(errno));
        return -1;
    }

    rc = rs_print_html(rep, f);

    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "rstscan: %s: cannot write the HTML report\n", path);
        return -1;
    }

    return 0;
}


/* The bytes to read when every input is a plain file; 0: not known. */
static uint64_t
rs_total_size(const rs_run *run)
{
    size_t        i;
    uint64_t      total = 0;
    struct stat   st;
    FILE         *f;
    unsigned char magic[2];

    for (i = 0; i < run->cli.nfiles; i++) {
        if (stat(run->cli.files[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            return 0;
        }

        /* gzip: the inflated size is not known ahead */
        f = fopen(run->cli.files[i], "rb");
        if (f == NULL) {
            return 0;
        }

        if (fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f
            && magic[1] == 0x8b)
        {
            fclose(f);
            return 0;
        }

        fclose(f);
        total += (uint64_t) st.st_size;
    }

    return total;
}
