/*
 * cmd.c - what rstscan's modes share (see cmd.h): the options, the scan
 * of every input, the size of the inputs for the progress line.
 */

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "progress.h"
#include "reader.h"
#include "rotate.h"
#include "scan_files.h"


int
rs_cmd_options(rs_run *run, rs_mode mode, int argc, char **argv,
    int *status)
{
    char  err[2048];

    if (rs_cli_parse(&run->cli, mode, argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_usage(stderr);
        *status = 2;
        return 1;
    }

    if (run->cli.help) {
        rs_usage(stdout);
        *status = 0;
        return 1;
    }

    if (run->cli.version) {
        rs_version(stdout);
        *status = fflush(stdout) == 0 ? 0 : 2;
        return 1;
    }

    if (rs_run_resolve(run, err, sizeof(err)) != 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        rs_run_free(run);
        *status = 2;
        return 1;
    }

    return 0;
}


/* An input's lines on stderr once it is counted (rs_files_done_fn). */
static void
rs_cmd_said(void *ctx, const rs_file *f, int failed)
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


int
rs_cmd_scan_inputs(rs_run *run, rs_agg *agg)
{
    char  err[1024];
    int   rc;

    if (rs_rotate_order(run->cli.files, run->cli.nfiles) != 0) {
        fprintf(stderr, "rstscan: out of memory\n");
        return 2;
    }

    /* each input apart, -j of them at once, committed in order
       (scan_files.h) */
    rc = rs_scan_files(&run->scan, agg, run->cli.files, run->cli.nfiles,
                       rs_cmd_said, run, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "rstscan: %s\n", err);
        return 2;
    }

    return rc != 0 ? 2 : 0;
}


uint64_t
rs_cmd_total_size(const rs_run *run)
{
    size_t    i;
    uint64_t  total = 0, size;

    for (i = 0; i < run->cli.nfiles; i++) {
        /* compressed: the decoded size is not known ahead */
        if (!rs_reader_plain_file(run->cli.files[i], &size)) {
            return 0;
        }

        total += size;
    }

    return total;
}
