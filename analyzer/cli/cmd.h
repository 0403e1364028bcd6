/*
 * cmd.h - rstscan's modes, one file each, and what they share.  main.c
 * only picks the mode from the first argument:
 *
 *   rstscan [OPTIONS] FILE...        cmd_report.c (RS_MODE_SCAN)
 *   rstscan merge [OPTIONS] PART...  cmd_report.c (RS_MODE_MERGE), the
 *                                    parts read by cmd_merge.c
 *   rstscan simulate ... FILE...     cmd_simulate.c
 *
 * A mode returns the exit status (0 clean, 1 a --fail-on condition held,
 * 2 usage or input error; 2 wins) and is where errors are printed.
 */

#ifndef RS_CMD_H
#define RS_CMD_H

#include "agg.h"
#include "findings.h"
#include "options.h"

int rs_cmd_report(rs_mode mode, int argc, char **argv);
int rs_cmd_simulate(int argc, char **argv);

/*
 * The options of `mode` into run (memset by the caller): 0 to go on, or
 * 1 when the mode is done (--help, --version, a usage error) with its
 * exit status in *status.
 */
int rs_cmd_options(rs_run *run, rs_mode mode, int argc, char **argv,
    int *status);

/* Every input, a rotated set oldest first, into agg, each file's error
   or detected format said on stderr; 2 when any failed, else 0. */
int rs_cmd_scan_inputs(rs_run *run, rs_agg *agg);

/* The bytes to read when every input is a plain file; 0: not known. */
uint64_t rs_cmd_total_size(const rs_run *run);

/* merge: every --partial document into agg and findings; 2 when any
   failed, else 0 (cmd_merge.c). */
int rs_cmd_merge_parts(rs_run *run, rs_agg *agg, rs_findings *findings);

#endif /* RS_CMD_H */
