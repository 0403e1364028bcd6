/*
 * cmd_simulate.c - `rstscan simulate`: every input scanned, every abort
 * into the limiter replay (simulate.h), its result printed (see cmd.h).
 * Its options are rows of the one option table (options.c).
 */

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "simulate.h"


int
rs_cmd_simulate(int argc, char **argv)
{
    int      status;
    rs_run   run;
    rs_agg   agg;
    rs_sim  *sim;

    memset(&run, 0, sizeof(rs_run));

    if (rs_cmd_options(&run, RS_MODE_SIMULATE, argc, argv, &status) != 0) {
        return status;
    }

    sim = rs_sim_create(&run.sim);
    if (sim == NULL) {
        fprintf(stderr, "rstscan: out of memory\n");
        rs_run_free(&run);
        return 2;
    }

    /* no observe_fork: the replay needs the records in the log's order */
    run.scan.observe = rs_sim_seen;
    run.scan.observe_ctx = sim;

    rs_agg_init(&agg);
    status = rs_cmd_scan_inputs(&run, &agg);

    if (rs_sim_failed(sim)) {
        fprintf(stderr, "rstscan: out of memory: the replay is incomplete\n");
        status = 2;
    }

    if (rs_sim_print(stdout, &run.sim, rs_sim_get_result(sim)) != 0
        || fflush(stdout) != 0)
    {
        fprintf(stderr, "rstscan: cannot write the report\n");
        status = 2;
    }

    rs_sim_free(sim);
    rs_agg_free(&agg);
    rs_run_free(&run);

    return status;
}
