/*
 * main.c - rstscan: options, the scan of every input, the report, the
 * exit status (0 clean, 1 a --fail-on condition held, 2 usage or input
 * error; 2 wins).  The only place that prints errors or exits.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "print.h"
#include "rotate.h"
#include "scan.h"


static int rs_scan_all(rs_run *run, rs_agg *agg);


int
main(int argc, char **argv)
{
    char       err[2048];
    rs_run     run;
    rs_agg     agg;
    rs_report  rep;
    int        status;

    memset(&run, 0, sizeof(rs_run));

    if (rs_cli_parse(&run.cli, argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_usage(stderr);
        return 2;
    }

    if (run.cli.help) {
        rs_usage(stdout);
        return 0;
    }

    if (rs_run_resolve(&run, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_run_free(&run);
        return 2;
    }

    rs_agg_init(&agg);
    status = rs_scan_all(&run, &agg);

    if (rs_report_build(&rep, &agg, &run.report) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        rs_agg_free(&agg);
        rs_run_free(&run);
        return 2;
    }

    if (run.cli.json) {
        rs_print_json(&rep, stdout);
    } else {
        rs_print_text(&rep, &run.report, stdout);
    }

    if (fflush(stdout) != 0) {
        fprintf(stderr, "rstscan: cannot write the report\n");
        status = 2;
    }

    if (status == 0 && rs_fail_on_holds(&run, &rep)) {
        status = 1;
    }

    rs_report_free(&rep);
    rs_agg_free(&agg);
    rs_run_free(&run);

    return status;
}


/* Every input, a rotated set oldest first; 2 when any failed, else 0. */
static int
rs_scan_all(rs_run *run, rs_agg *agg)
{
    char         err[1024];
    rs_scanner  *sc;
    size_t       i;
    int          status = 0;

    if (rs_rotate_order(run->cli.files, run->cli.nfiles) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        return 2;
    }

    sc = rs_scanner_create(&run->scan, agg, err, sizeof(err));
    if (sc == NULL) {
        fprintf(stderr, "rstscan: %s\n", err);
        return 2;
    }

    for (i = 0; i < run->cli.nfiles; i++) {
        const rs_file  *f;

        if (rs_scan_path(sc, run->cli.files[i]) != 0) {
            status = 2;
        }

        f = &agg->files[agg->nfiles - 1];

        if (f->error != NULL) {
            fprintf(stderr, "rstscan: %s\n", f->error);
        } else if (f->detected && !run->cli.json) {
            fprintf(stderr, "rstscan: %s: format %s (detected)\n", f->path,
                    f->format);
        }
    }

    rs_scanner_destroy(sc);

    return status;
}
