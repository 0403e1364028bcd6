/*
 * cmd_report.c - a scan (rstscan FILE...) and a merge (rstscan merge
 * PART...): the inputs into the aggregate and the findings, then the
 * partial document or the report in text, JSON and HTML, and the exit
 * status (see cmd.h).
 */

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "html.h"
#include "partial.h"
#include "print.h"
#include "progress.h"

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


static int rs_report_findings(rs_report *rep, void *ctx);
static int rs_unreadable(const rs_agg *agg);
static int rs_write_html(const rs_report *rep, const char *path);


int
rs_cmd_report(rs_mode mode, int argc, char **argv)
{
    rs_run        run;
    rs_agg        agg;
    rs_report     rep;
    rs_findings  *findings;
    rs_progress  *progress;
    int           status, merge = mode == RS_MODE_MERGE;

    memset(&run, 0, sizeof(rs_run));

    if (rs_cmd_options(&run, mode, argc, argv, &status) != 0) {
        return status;
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
    progress = merge ? NULL
                     : rs_progress_create(stderr, rs_cmd_total_size(&run),
                                          NULL);
    run.scan.progress = progress ? rs_progress_add : NULL;
    run.scan.progress_ctx = progress;

    rs_agg_init(&agg);
    status = merge ? rs_cmd_merge_parts(&run, &agg, findings)
                   : rs_cmd_scan_inputs(&run, &agg);
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
    rep->findings = rs_findings_build(ctx, rep->agg);

    return rep->findings != NULL ? 0 : -1;
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
